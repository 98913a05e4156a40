import { setTimeout as delay } from 'node:timers/promises';
import { toxic } from '../faults.ts';
import { scrape, sumSamples } from '../metrics.ts';
import type { Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';
import { ms, quantile } from '../stats.ts';

type Probe = { at: number; latencyMs: number; status: number };

async function timedGet(url: string): Promise<Probe> {
  const at = Date.now();
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    return { at, latencyMs: performance.now() - t0, status: res.status };
  } catch {
    return { at, latencyMs: performance.now() - t0, status: 0 };
  }
}

/**
 * 2 s of latency on gateway → payment. The gateway's calls to payment hit their deadline, its
 * breaker for payment opens and fails them fast; every other route stays fast (no cascade), and
 * the sagas, which reach payment over Kafka, complete.
 */
export const paymentLatency: Scenario = {
  name: 'payment-latency',
  description:
    '2 s latency on gateway→payment: deadlines fire, the breaker opens, payment reads fail fast, other routes stay fast (no cascade), sagas complete',
  modesDiffer: false,
  async run(ctx, options) {
    const fault = await toxic(ctx, 'gateway→payment latency', [['gateway', 'payment']], {
      type: 'latency',
      attributes: { latency: 2_000, jitter: 0 },
    });
    const gw = ctx.endpoints.gatewayUrl;
    const unaffected: Probe[] = [];
    const affected: Probe[] = [];
    let breakerOpened = false;
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 4,
      warmupMs: 3_000,
      holdMs: options.short ? 15_000 : 40_000,
      afterMs: 3_000,
      inject: fault.inject,
      heal: fault.heal,
      // Readers during the fault: a payment read (slow edge) and a product read (healthy edge),
      // each a few times a second, while the orders keep coming.
      async during(_load, signal) {
        const loop = async (url: string, into: Probe[]) => {
          while (!signal.aborted) {
            into.push(await timedGet(url));
            await delay(200, undefined, { signal }).catch(() => {});
          }
        };
        const breaker = async () => {
          while (!signal.aborted) {
            const text = await scrape(`${gw}/metrics`).catch(() => '');
            if (
              sumSamples(text, 'rpc_client_circuit_breaker_state', { peer_service: 'payment' }) ===
              2
            ) {
              breakerOpened = true;
            }
            await delay(250, undefined, { signal }).catch(() => {});
          }
        };
        await Promise.all([
          loop(`${gw}/v1/customers/cust_alice`, affected),
          loop(`${gw}/v1/products/SKU-BOOK`, unaffected),
          breaker(),
        ]);
      },
      claims: ({ summary }) => {
        const okLat = unaffected.filter((p) => p.status === 200).map((p) => p.latencyMs);
        const p99 = quantile(okLat, 0.99);
        const fast = affected.filter((p) => p.latencyMs < 1_000).length;
        return [
          {
            name: 'sagas, which reach payment over Kafka, all completed',
            ok: summary.happyNotConfirmed === 0,
            detail: `happy-path orders not confirmed: ${summary.happyNotConfirmed}`,
          },
          {
            name: 'the gateway stays responsive: reads of a healthy service stay fast',
            ok: okLat.length === unaffected.length && okLat.length > 0 && p99 < 500,
            detail: `GET /v1/products/SKU-BOOK during the fault: ${okLat.length}/${unaffected.length} answered 200, p99 ${ms(p99)}`,
          },
          {
            name: "the gateway's breaker for payment opened",
            ok: breakerOpened,
            detail: `rpc_client_circuit_breaker_state{peer_service="payment"} reached 2 (open): ${breakerOpened}`,
          },
          {
            name: 'calls to the slow service fail fast once the breaker is open',
            ok: fast > 0,
            detail: `GET /v1/customers/cust_alice during the fault: ${affected.length} calls, ${fast} answered in < 1 s (statuses ${[...new Set(affected.map((p) => p.status))].join(', ')}), p50 ${ms(
              quantile(
                affected.map((p) => p.latencyMs),
                0.5,
              ),
            )}`,
          },
        ];
      },
    });
  },
};

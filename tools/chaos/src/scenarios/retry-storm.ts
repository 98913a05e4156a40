import { setTimeout as delay } from 'node:timers/promises';
import { type RequestRecord, startLoad } from '../load.ts';
import { scrape, sumSamples } from '../metrics.ts';
import { waitForQuiescence } from '../quiescence.ts';
import type { Claim, Scenario, ScenarioResult } from '../scenario.ts';
import { summarise } from '../scenario.ts';

/**
 * Share of the order service's CreateOrder calls answered UNAVAILABLE during the fault. Chosen
 * below one half so that the gateway's breaker (5 failures in a row) seldom opens: an open
 * breaker stops every call, retries or not, and would hide the difference the budget makes.
 * At 0.35 a run of 5 failed attempts comes about once in ~290 attempts.
 */
const FRACTION = 0.35;
/**
 * The gateway's breaker stays open this long in both windows (GRPC_BREAKER_HALF_OPEN_MS, 5 s by
 * default): if it opens anyway, it blanks half a second of calls rather than most of the window.
 */
const BREAKER_HALF_OPEN_MS = '500';
/** Orders per second: enough calls for the budget to drain, little enough for 2 cores. */
const RATE = 6;

/** What one window (budget on or off) measured at the dependency. */
type Window = {
  readonly budget: 'on' | 'off';
  /** CreateOrder calls the gateway made (logical calls, `rpc_client_duration_count`). */
  readonly logical: number;
  /** CreateOrder attempts that reached the order service (`rpc_server_duration_count`). */
  readonly attempts: number;
  /** Attempts per second at the order service, one sample a second while the fault was on. */
  readonly perSecond: readonly number[];
  /** Times the gateway's breaker for order opened during the fault. */
  readonly breakerOpened: number;
  readonly records: readonly RequestRecord[];
  readonly injectedAt: number;
  readonly healedAt: number;
};

const amplification = (w: Window) => (w.logical > 0 ? w.attempts / w.logical : Number.NaN);
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

/**
 * The order service (the gateway's dependency for `POST /v1/orders`) answers UNAVAILABLE to a
 * share of its CreateOrder calls for a while, then recovers; once with the gateway's retry
 * budget off, once on. The calls reach the server (fault injected by its `/chaos/rpc-faults`,
 * docs/chaos.md), so its `rpc.server.duration` counts every attempt.
 */
export const retryStorm: Scenario = {
  name: 'retry-storm',
  description:
    'order answers UNAVAILABLE to 35% of CreateOrder calls, then recovers; gateway retry budget off, then on: requests/s at order and the amplification (attempts per logical call)',
  modesDiffer: false,
  async run(ctx, options) {
    const startedAt = new Date();
    const t0 = Date.now();
    const holdMs = options.short ? 10_000 : 30_000;
    const dlqBaseline = await ctx.invariants.baseline();
    const orderHealth = ctx.processes.healthUrl('order');
    const faultsUrl = `${orderHealth}/chaos/rpc-faults`;
    const gatewayMetrics = `${ctx.endpoints.gatewayUrl}/metrics`;
    const setFault = async (fraction: number | undefined) => {
      const res =
        fraction === undefined
          ? await fetch(faultsUrl, { method: 'DELETE' })
          : await fetch(faultsUrl, {
              method: 'PUT',
              body: JSON.stringify({ method: 'CreateOrder', code: 'UNAVAILABLE', fraction }),
            });
      if (res.status !== 200) {
        throw new Error(
          `${fraction === undefined ? 'DELETE' : 'PUT'} ${faultsUrl} answered ${res.status}: ${await res.text()} (is CHAOS_ENDPOINTS on? docs/configuration.md SAGA_CHAOS_ENDPOINTS)`,
        );
      }
    };
    const sample = async () => {
      const [server, gateway] = await Promise.all([
        scrape(`${orderHealth}/metrics`),
        scrape(gatewayMetrics),
      ]);
      return {
        attempts: sumSamples(server, 'rpc_server_duration_count', { rpc_method: 'CreateOrder' }),
        logical: sumSamples(gateway, 'rpc_client_duration_count', { rpc_method: 'CreateOrder' }),
        opened: sumSamples(gateway, 'rpc_client_circuit_breaker_transitions_total', {
          peer_service: 'order',
          circuit_breaker_state: 'open',
        }),
      };
    };

    const runWindow = async (budget: 'on' | 'off'): Promise<Window> => {
      ctx.log(`restarting the gateway with SAGA_RPC_RETRY_BUDGET=${budget}`);
      await ctx.processes.restart('gateway', {
        SAGA_RPC_RETRY_BUDGET: budget,
        GRPC_BREAKER_HALF_OPEN_MS: BREAKER_HALF_OPEN_MS,
      });
      const load = startLoad({
        gatewayUrl: ctx.endpoints.gatewayUrl,
        ratePerSecond: RATE,
        mode: options.mode,
      });
      let injectedAt = 0;
      let healedAt = 0;
      const perSecond: number[] = [];
      try {
        await delay(2_000);
        ctx.log(`budget ${budget}: ${FRACTION * 100}% of CreateOrder answered UNAVAILABLE`);
        const before = await sample();
        injectedAt = Date.now();
        await setFault(FRACTION);
        let last = before.attempts;
        while (Date.now() - injectedAt < holdMs) {
          await delay(1_000);
          const now = (await sample()).attempts;
          perSecond.push(now - last);
          last = now;
        }
        await setFault(undefined);
        healedAt = Date.now();
        const after = await sample();
        await delay(2_000);
        return {
          budget,
          logical: after.logical - before.logical,
          attempts: after.attempts - before.attempts,
          perSecond,
          breakerOpened: after.opened - before.opened,
          records: await load.stop(),
          injectedAt,
          healedAt,
        };
      } finally {
        await setFault(undefined).catch(() => {});
        await load.stop();
      }
    };

    const windows: Window[] = [];
    try {
      windows.push(await runWindow('off'));
      windows.push(await runWindow('on'));
    } finally {
      ctx.log('heal: faults cleared, gateway back to its configured budget');
      await setFault(undefined).catch(() => {});
      await ctx.processes.restart('gateway');
    }
    const [off, on] = windows as [Window, Window];
    const records = [...off.records, ...on.records];
    const orderIds = records.flatMap((r) => (r.orderId ? [r.orderId] : []));
    ctx.log(`load stopped: ${records.length} requests; waiting for quiescence`);
    const q = await waitForQuiescence({
      gatewayUrl: ctx.endpoints.gatewayUrl,
      orderIds,
      probe: ctx.backlog,
      timeoutMs: 90_000,
    });
    const summary = summarise(records, q.orders);
    ctx.log('checking invariants');
    const invariants = await ctx.invariants.check({ orderIds, since: startedAt, dlqBaseline });
    const rate = (w: Window) => {
      const mean = w.perSecond.reduce((a, b) => a + b, 0) / Math.max(1, w.perSecond.length);
      return `${mean.toFixed(1)}/s mean, ${Math.max(0, ...w.perSecond)}/s peak`;
    };
    const describe = (w: Window) =>
      `budget ${w.budget}: ${w.attempts} CreateOrder attempts at order for ${w.logical} logical calls = ${fmt(amplification(w))}x; ${rate(w)} (per second: ${w.perSecond.join(' ')}); breaker opened ${w.breakerOpened}x`;
    const firstOk = on.records.find((r) => r.at >= on.healedAt && r.orderId !== undefined);
    const claims: Claim[] = [
      {
        name: 'every accepted order reached a final state',
        ok: q.orders.size === orderIds.length,
        detail: `${q.orders.size}/${orderIds.length} terminal`,
      },
      {
        name: 'without a budget, retries multiply the load on the failing dependency',
        // Expected 1 + p + p² = 1.47 at p = 0.35 (3 attempts at most); ~60 calls, so ±0.1.
        ok: amplification(off) >= 1.2,
        detail: describe(off),
      },
      {
        name: 'with the budget, the load on it stays bounded (≤ 1.25 attempts per call)',
        // The budget allows retries while more than half its 10 tokens remain: a few retries
        // at the start of the fault, then ~0.1 per success (gRFC A6).
        ok: amplification(on) <= 1.25 && amplification(on) < amplification(off),
        detail: describe(on),
      },
    ];
    return {
      scenario: this.name,
      mode: options.mode,
      short: options.short,
      startedAt,
      durationMs: Date.now() - t0,
      load: summary,
      recovery: {
        ...(firstOk ? { firstSuccessMs: firstOk.at - on.healedAt } : {}),
        quiescentMs: q.quietAt - on.healedAt,
      },
      backlog: q.backlog,
      invariants,
      claims,
      notes: [
        `fault: ${FRACTION * 100}% of order's CreateOrder calls answered UNAVAILABLE (PUT /chaos/rpc-faults) for ${holdMs / 1000} s, ${RATE} orders/s; failed POSTs are 503s by design`,
        `gateway breaker for order: opened ${off.breakerOpened}x without budget, ${on.breakerOpened}x with (open ${BREAKER_HALF_OPEN_MS} ms each time, GRPC_BREAKER_HALF_OPEN_MS)`,
      ],
      ok: invariants.ok && claims.every((c) => c.ok),
    } satisfies ScenarioResult;
  },
};

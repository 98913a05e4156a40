import { setTimeout as delay } from 'node:timers/promises';
import { cut } from '../faults.ts';
import { placeOrder, type RequestRecord } from '../load.ts';
import type { Claim, Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';

/**
 * The Idempotency-Key store (Redis) unreachable. The gateway fails closed: a POST carrying an
 * Idempotency-Key is answered 503 problem+json rather than run without the guarantee. A client
 * retrying with the same key after recovery gets one order, never two.
 */
export const redisDown: Scenario = {
  name: 'redis-down',
  description:
    'idempotency store (Redis) cut: POSTs with an Idempotency-Key fail closed with 503 problem+json; retries with the same key after recovery create each order once',
  modesDiffer: false,
  async run(ctx, options) {
    const fault = await cut(ctx, 'gateway→redis cut', [['gateway', 'redis']]);
    const gw = ctx.endpoints.gatewayUrl;
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 4,
      warmupMs: 3_000,
      holdMs: options.short ? 10_000 : 30_000,
      afterMs: 2_000,
      inject: fault.inject,
      heal: fault.heal,
      // A client retrying each failed or unanswered POST twice with its own key, after recovery:
      // each key must give one order id, the same both times.
      async afterLoad({ records, injectedAt, healedAt }) {
        const failed = records.filter((r) => r.orderId === undefined);
        const retries = await Promise.all(
          failed.map(async (r) => {
            const again = async () =>
              placeOrder(gw, r.mode, r.kind, { key: r.idempotencyKey, clientId: 'chaos' });
            // As a well-behaved client does: while the answer says "not now" (503, or 409 while
            // the same key is still in flight), retry with backoff until a final answer.
            const final = async () => {
              const deadline = Date.now() + 30_000;
              for (let attempt = 0; ; attempt++) {
                const res = await again();
                if (!RETRY_LATER.has(res.status) || Date.now() > deadline) return res;
                await delay(Math.min(2_000, 100 * 2 ** attempt));
              }
            };
            const first = await final();
            const second = await final();
            return { r, first, second };
          }),
        );
        // Sent once the cut had taken effect and answered before it was healed: a request still
        // waiting for Redis at heal time may rightly succeed once Redis is back.
        const during = records.filter(
          (r) => r.at >= injectedAt + 1_500 && r.at + r.latencyMs < healedAt,
        );
        const closed = during.filter(
          (r) => r.status === 503 && /application\/problem\+json/.test(r.contentType ?? ''),
        );
        const executedTwice = retries.filter(
          (x) => x.first.orderId === undefined || x.first.orderId !== x.second.orderId,
        );
        const unsettled = retries.filter((x) => RETRY_LATER.has(x.first.status));
        const claims: Claim[] = [
          {
            name: 'with Redis down, POSTs with an Idempotency-Key fail closed (503 problem+json)',
            ok: during.length > 0 && closed.length === during.length,
            detail: `${closed.length}/${during.length} POSTs sent and answered during the outage answered 503 problem+json (${statuses(during)})`,
          },
          {
            name: 'retrying a failed POST with its key after recovery gives one order, once',
            ok: retries.length > 0 && executedTwice.length === 0,
            detail: `${retries.length} keys retried twice each (until a final answer); ${executedTwice.length} gave no order or two different ones${unsettled.length ? ` (${unsettled.length} still answered 503/409 after 30 s)` : ''}`,
          },
        ];
        return {
          orderIds: retries.flatMap((x) => [x.first.orderId, x.second.orderId]).filter(isId),
          claims,
        };
      },
    });
  },
};

/** Answers that mean "try again later", not "no": unavailable, or the same key still in flight. */
const RETRY_LATER: ReadonlySet<number> = new Set([0, 409, 503]);

const isId = (x: string | undefined): x is string => x !== undefined;
const statuses = (rs: readonly RequestRecord[]) =>
  Object.entries(Object.groupBy(rs, (r) => String(r.status)))
    .map(([s, l]) => `${s}: ${l?.length ?? 0}`)
    .join(', ');

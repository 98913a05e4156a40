import { setTimeout as delay } from 'node:timers/promises';
import { toxic } from '../faults.ts';
import type { Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';

const MB = 1024 * 1024;

/**
 * One consumer slowed: latency on shipping's Kafka edge makes every fetch slow. Its lag grows
 * while the load goes on and drains afterwards; kafkajs fetches a bounded batch at a time, so the
 * process's memory stays bounded (backpressure) instead of buffering the backlog.
 */
export const slowConsumer: Scenario = {
  name: 'slow-consumer',
  description:
    "latency on shipping's Kafka edge: consumer lag grows, then drains; shipping's memory (VmRSS) stays bounded",
  modesDiffer: false,
  async run(ctx, options) {
    const fault = await toxic(ctx, 'shipping→kafka latency', [['shipping', 'kafka']], {
      type: 'latency',
      attributes: { latency: 1_500, jitter: 0 },
    });
    const rssBefore = (await ctx.processes.rssBytes('shipping')) ?? 0;
    let rssMax = rssBefore;
    let lagMax = 0;
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 6,
      warmupMs: 3_000,
      holdMs: options.short ? 15_000 : 45_000,
      afterMs: 2_000,
      quiescenceTimeoutMs: 150_000,
      inject: fault.inject,
      heal: fault.heal,
      async during(_load, signal) {
        while (!signal.aborted) {
          // The lag probe itself reads Kafka through the proxy; with the shared proxy it is slow too.
          const b = await ctx.backlog.read().catch(() => undefined);
          if (b) lagMax = Math.max(lagMax, b.consumerLag);
          rssMax = Math.max(rssMax, (await ctx.processes.rssBytes('shipping')) ?? 0);
          await delay(1_000, undefined, { signal }).catch(() => {});
        }
      },
      claims: () => [
        {
          name: 'consumer lag grew while the consumer was slow (and drained: see quiescence)',
          ok: lagMax > 0,
          detail: `max consumer lag ${lagMax} messages`,
        },
        {
          name: "shipping's memory stayed bounded",
          ok: rssBefore > 0 && rssMax < rssBefore + 150 * MB,
          detail: `VmRSS ${(rssBefore / MB).toFixed(0)} MB before, max ${(rssMax / MB).toFixed(0)} MB during`,
        },
      ],
    });
  },
};

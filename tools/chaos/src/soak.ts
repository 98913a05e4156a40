import { setTimeout as delay } from 'node:timers/promises';
import { cut, fromEvery, startAll, toxic } from './faults.ts';
import type { ModeChoice } from './load.ts';
import { type ChaosContext, runPhases, type ScenarioResult } from './scenario.ts';

/**
 * `pnpm chaos soak --minutes N`: continuous mixed load for N minutes while random faults from the
 * scenarios come and go (each held 5-15 s, then 5 s of calm), then quiescence and the invariant
 * check over every order placed.
 */
export async function soak(
  ctx: ChaosContext,
  options: { minutes: number; mode: ModeChoice },
): Promise<ScenarioResult> {
  if (!(options.minutes > 0))
    throw new Error(`--minutes must be a positive number, not ${options.minutes}`);
  const faults = [
    () => cut(ctx, 'kafka cut', fromEvery('kafka')),
    () => cut(ctx, 'redis cut', [['gateway', 'redis']]),
    () =>
      toxic(ctx, 'gateway→payment 2 s latency', [['gateway', 'payment']], {
        type: 'latency',
        attributes: { latency: 2_000 },
      }),
    () =>
      toxic(ctx, 'postgres resets', fromEvery('postgres'), {
        type: 'reset_peer',
        attributes: { timeout: 0 },
      }),
    () => cut(ctx, 'payment↛kafka', [['payment', 'kafka']]),
    () =>
      toxic(ctx, 'shipping→kafka 1.5 s latency', [['shipping', 'kafka']], {
        type: 'latency',
        attributes: { latency: 1_500 },
      }),
  ];
  const applied: string[] = [];
  const endAt = Date.now() + options.minutes * 60_000;
  return runPhases(ctx, {
    name: 'soak',
    options: { short: false, mode: options.mode },
    rate: 4,
    warmupMs: 3_000,
    holdMs: 0,
    afterMs: 3_000,
    quiescenceTimeoutMs: 180_000,
    inject: async () => {
      while (Date.now() < endAt) {
        const holdMs = 5_000 + Math.floor(Math.random() * 10_000);
        // One in seven rounds is a SIGKILL of a random service instead of a network fault.
        const pick = Math.floor(Math.random() * (faults.length + 1));
        const make = faults[pick];
        if (make) {
          const f = await make();
          ctx.log(`soak: ${f.name} for ${(holdMs / 1000).toFixed(0)} s`);
          await f.inject();
          try {
            await delay(holdMs);
          } finally {
            await f.heal();
          }
          applied.push(f.name);
        } else {
          const victims = ['inventory', 'payment', 'shipping', 'order', 'gateway'] as const;
          const v = victims[Math.floor(Math.random() * victims.length)] ?? 'payment';
          ctx.log(`soak: SIGKILL ${v}`);
          await ctx.processes.kill9(v);
          await ctx.processes.start([v]);
          applied.push(`SIGKILL ${v}`);
        }
        await delay(5_000);
      }
    },
    heal: async () => {
      await ctx.toxiproxy.reset();
      await startAll(ctx);
    },
    claims: () => [
      {
        name: 'faults were applied',
        ok: applied.length > 0,
        detail: `${applied.length}: ${applied.join(', ')}`,
      },
    ],
  });
}

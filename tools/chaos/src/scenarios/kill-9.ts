import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceProcessName } from '@saga/topology';
import { ALL_PROCESSES, startAll } from '../faults.ts';
import type { Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';

/**
 * SIGKILL a random service process every few seconds under load, then start it again. The relay
 * runs inside each service, so it dies with it. Nothing drains: messages consumed but not
 * committed are delivered again (the inbox drops them), outbox rows not yet marked published are
 * published again, half-done sagas resume from their persisted state.
 */
export const kill9: Scenario = {
  name: 'kill-9',
  description:
    'SIGKILL a random service (its outbox relay with it) every few seconds under load, restart it; no lost or doubled effects',
  modesDiffer: true,
  async run(ctx, options) {
    const kills: string[] = [];
    const everyMs = options.short ? 4_000 : 5_000;
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 4,
      warmupMs: 3_000,
      holdMs: options.short ? 20_000 : 60_000,
      afterMs: 3_000,
      load: { requestTimeoutMs: 8_000 },
      quiescenceTimeoutMs: 120_000,
      inject: async () => {},
      heal: () => startAll(ctx),
      async during(_load, signal) {
        while (!signal.aborted) {
          const victim = ALL_PROCESSES[
            Math.floor(Math.random() * ALL_PROCESSES.length)
          ] as ServiceProcessName;
          const pid = await ctx.processes.kill9(victim);
          const t0 = Date.now();
          ctx.log(`SIGKILL ${victim} (pid ${pid})`);
          await ctx.processes.start([victim]);
          kills.push(`${victim} (back in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
          await delay(everyMs, undefined, { signal }).catch(() => {});
        }
      },
      claims: () => [
        {
          name: 'services were killed with SIGKILL and came back',
          ok: kills.length > 0,
          detail: `${kills.length} kills: ${kills.join(', ')}`,
        },
      ],
    });
  },
};

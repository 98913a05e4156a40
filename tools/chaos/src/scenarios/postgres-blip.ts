import { setTimeout as delay } from 'node:timers/promises';
import { SERVICES } from '@saga/topology';
import { type Fault, toxic } from '../faults.ts';
import type { Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';

/**
 * Connection resets between each service and its database, a few short blips one service after
 * the other: queries fail, transactions roll back, the work is retried (gRPC callers retry with
 * their key, consumers redeliver, the relay polls again), and no effect is lost or doubled.
 */
export const postgresBlip: Scenario = {
  name: 'postgres-blip',
  description:
    "connection resets on each service's Postgres edge in turn (2 s blips): retries, no lost or doubled effects",
  modesDiffer: true,
  async run(ctx, options) {
    const blips: string[] = [];
    // One fault per service, on its own Postgres edge.
    const faults: { service: string; f: Fault }[] = [];
    for (const s of SERVICES) {
      const f = await toxic(ctx, `${s}→postgres resets`, [[s, 'postgres']], {
        type: 'reset_peer',
        attributes: { timeout: 0 },
      });
      faults.push({ service: s, f });
    }
    const rounds = options.short ? 2 : 3;
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 4,
      warmupMs: 3_000,
      holdMs: 0,
      afterMs: 3_000,
      inject: async () => {
        for (let round = 0; round < rounds; round++) {
          for (const { service, f } of faults) {
            await f.inject();
            await delay(2_000);
            await f.heal();
            blips.push(service);
            await delay(3_000);
          }
        }
      },
      heal: async () => {
        for (const { f } of faults) await f.heal();
      },
      claims: () => [
        {
          name: 'connections were reset',
          ok: blips.length > 0,
          detail: `${blips.length} blips of 2 s: ${blips.join(', ')}`,
        },
      ],
    });
  },
};

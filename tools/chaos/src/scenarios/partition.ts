import { setTimeout as delay } from 'node:timers/promises';
import { cut } from '../faults.ts';
import type { Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';

/**
 * One service (payment) partitioned: first cut from Kafka but not from its database (it can
 * still answer gRPC and write, but neither consumes nor publishes: its outbox fills), then the
 * reverse (it receives messages but cannot record their effects: they are retried, not
 * committed). After each, everything it missed happens once.
 */
export const partition: Scenario = {
  name: 'partition',
  description:
    'payment cut from Kafka but not from its DB, then from its DB but not Kafka: the backlog is worked off after each, nothing lost or doubled',
  modesDiffer: true,
  async run(ctx, options) {
    const fromKafka = await cut(ctx, 'payment→kafka cut', [['payment', 'kafka']]);
    const fromDb = await cut(ctx, 'payment→postgres cut', [['payment', 'postgres']]);
    const eachMs = options.short ? 8_000 : 20_000;
    const done: string[] = [];
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 4,
      warmupMs: 3_000,
      holdMs: 0,
      afterMs: 3_000,
      quiescenceTimeoutMs: 120_000,
      inject: async () => {
        await fromKafka.inject();
        await delay(eachMs);
        await fromKafka.heal();
        done.push(`payment↛kafka ${eachMs / 1000} s`);
        await delay(3_000);
        await fromDb.inject();
        await delay(eachMs);
        await fromDb.heal();
        done.push(`payment↛postgres ${eachMs / 1000} s`);
      },
      heal: async () => {
        await fromKafka.heal();
        await fromDb.heal();
      },
      claims: () => [
        { name: 'both partitions were applied', ok: done.length === 2, detail: done.join(', ') },
      ],
    });
  },
};

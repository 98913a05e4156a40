import { cut, fromEvery } from '../faults.ts';
import type { Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';

/**
 * Kafka cut off from every service. The order service keeps accepting orders: each is one
 * transaction with its first message in the outbox, and the relay publishes when Kafka is back.
 */
export const kafkaOutage: Scenario = {
  name: 'kafka-outage',
  description:
    'Kafka cut for 30 s (short: 12 s): orders are still accepted (the outbox holds their messages) and all complete after',
  modesDiffer: true,
  async run(ctx, options) {
    const fault = await cut(ctx, 'kafka cut', fromEvery('kafka'));
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 4,
      warmupMs: 3_000,
      holdMs: options.short ? 12_000 : 30_000,
      afterMs: 3_000,
      inject: fault.inject,
      heal: fault.heal,
      quiescenceTimeoutMs: 120_000,
      claims: ({ records, injectedAt, healedAt }) => {
        const during = records.filter((r) => r.at >= injectedAt + 500 && r.at < healedAt);
        const accepted = during.filter((r) => r.orderId !== undefined);
        return [
          {
            name: 'orders were accepted while Kafka was cut',
            ok: during.length > 0 && accepted.length === during.length,
            detail: `${accepted.length}/${during.length} POSTs during the outage answered 202`,
          },
        ];
      },
    });
  },
};

import type { ServiceName } from '@saga/topology';
import { Kafka, logLevel } from 'kafkajs';
import type { ChaosContext, Scenario } from '../scenario.ts';
import { runPhases } from '../scenario.ts';

type Committed = {
  groupId: string;
  topic: string;
  partitions: { partition: number; offset: string }[];
};

/** The committed offsets of a service's consumer groups (`<service>.<consumer>.<topic>`). */
async function committedOffsets(ctx: ChaosContext, service: ServiceName): Promise<Committed[]> {
  const kafka = new Kafka({
    clientId: 'chaos-rewind',
    brokers: [...ctx.endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(`${service}.`));
    const out: Committed[] = [];
    for (const groupId of groups) {
      const topic = groupId.split('.').slice(2).join('.');
      const [c] = await admin.fetchOffsets({ groupId, topics: [topic] });
      out.push({
        groupId,
        topic,
        partitions: (c?.partitions ?? []).filter((p) => Number(p.offset) >= 0),
      });
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Moves a stopped service's groups back to `to`; returns how many messages will be redelivered. */
async function rewind(ctx: ChaosContext, to: readonly Committed[]): Promise<number> {
  const kafka = new Kafka({
    clientId: 'chaos-rewind',
    brokers: [...ctx.endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  let replayed = 0;
  try {
    for (const g of to) {
      if (g.partitions.length === 0) continue;
      const [now] = await admin.fetchOffsets({ groupId: g.groupId, topics: [g.topic] });
      const current = new Map((now?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      for (const p of g.partitions)
        replayed += Math.max(0, (current.get(p.partition) ?? 0) - Number(p.offset));
      await admin.setOffsets({ groupId: g.groupId, topic: g.topic, partitions: g.partitions });
    }
  } finally {
    await admin.disconnect();
  }
  return replayed;
}

/**
 * Consumers forced to process again what they already processed: a service is stopped, its
 * consumer groups are rewound to the offsets they had when the scenario began, and it is started
 * again. Every redelivered message finds its id in the inbox and changes nothing.
 */
export const duplicateDelivery: Scenario = {
  name: 'duplicate-delivery',
  description:
    "consumer offsets rewound (service stopped, groups reset to the run's start, restarted): every message is processed again, no effect doubles",
  modesDiffer: true,
  async run(ctx, options) {
    // Short: payment only (money movement; the gateway does not need it to accept orders, so
    // the run stays short). Full: every service, inventory and order included.
    const targets: ServiceName[] = options.short
      ? ['payment']
      : ['payment', 'inventory', 'shipping', 'order'];
    const baseline = new Map<ServiceName, Committed[]>();
    for (const s of targets) baseline.set(s, await committedOffsets(ctx, s));
    const replayed: string[] = [];
    let total = 0;
    return runPhases(ctx, {
      name: this.name,
      options,
      rate: 4,
      warmupMs: options.short ? 6_000 : 20_000,
      holdMs: 0,
      afterMs: 3_000,
      inject: async () => {
        for (const s of targets) {
          await ctx.processes.stop(s);
          const n = await rewind(ctx, baseline.get(s) ?? []);
          total += n;
          replayed.push(`${s}: ${n} messages`);
          ctx.log(`${s}: rewound, ${n} messages to redeliver`);
          await ctx.processes.start([s]);
        }
      },
      heal: () => ctx.processes.start(targets),
      claims: () => [
        {
          name: 'consumers were made to process messages again',
          ok: total > 0,
          detail: `redelivered ${replayed.join(', ')}`,
        },
      ],
    });
  },
};

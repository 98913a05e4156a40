import { ALL_TOPICS } from '@saga/contracts';
import { eventually } from '@saga/testkit';
import { type ClientEndpoints, SERVICES, type ServiceName } from '@saga/topology';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { getOrder, type OrderView, TERMINAL } from './load.ts';

/** What the platform still has to do: unpublished outbox rows and unconsumed messages. */
export type Backlog = {
  /** Unpublished outbox rows per service. */
  readonly outboxPending: Readonly<Record<ServiceName, number>>;
  /** Messages the services' consumer groups have not committed yet, in all. */
  readonly consumerLag: number;
  /** The groups with lag, for the report (`group: n`). */
  readonly laggingGroups: readonly string[];
};

/** Reads the backlog from each service's database and Kafka (through the stack's proxies). */
export type BacklogProbe = {
  readonly read: () => Promise<Backlog>;
  readonly close: () => Promise<void>;
};

/** Consumer groups of the services: `<service>.<consumer>.<topic>` (libs/service-host). */
const isServiceGroup = (groupId: string) =>
  SERVICES.some((s) => groupId.startsWith(`${s}.`)) &&
  (ALL_TOPICS as readonly string[]).some((t) => groupId.endsWith(`.${t}`));

/** Creates a probe; connections open lazily and are kept until `close`. */
export function createBacklogProbe(endpoints: ClientEndpoints): BacklogProbe {
  const pools = new Map<ServiceName, pg.Pool>(
    SERVICES.map((s) => [
      s,
      new pg.Pool({
        connectionString: endpoints.postgresUrl(s),
        max: 1,
        connectionTimeoutMillis: 3_000,
        query_timeout: 5_000,
      }),
    ]),
  );
  for (const pool of pools.values()) pool.on('error', () => {});
  const kafka = new Kafka({
    clientId: 'chaos-backlog',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 5_000,
    retry: { retries: 1 },
  });
  let admin: Admin | undefined;
  const connected = async () => {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    return admin;
  };
  return {
    async read() {
      const outboxPending = Object.fromEntries(
        await Promise.all(
          [...pools].map(async ([s, pool]) => {
            const { rows } = await pool.query<{ n: string }>(
              'select count(*) as n from outbox where published_at is null',
            );
            return [s, Number(rows[0]?.n ?? 0)] as const;
          }),
        ),
      ) as Record<ServiceName, number>;
      const a = await connected();
      const groups = (await a.listGroups()).groups.map((g) => g.groupId).filter(isServiceGroup);
      const ends = new Map<string, Map<number, number>>();
      for (const topic of ALL_TOPICS) {
        try {
          const offsets = await a.fetchTopicOffsets(topic);
          ends.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
        } catch {
          // A topic nobody has written to yet may not exist: nothing to lag behind.
        }
      }
      let consumerLag = 0;
      const laggingGroups: string[] = [];
      for (const groupId of groups) {
        const topic = ALL_TOPICS.find((t) => groupId.endsWith(`.${t}`));
        const high = topic ? ends.get(topic) : undefined;
        if (!topic || !high) continue;
        const [committed] = await a.fetchOffsets({ groupId, topics: [topic] });
        let lag = 0;
        for (const p of committed?.partitions ?? []) {
          const offset = Number(p.offset);
          // -1: nothing committed yet; a group that never consumed is not behind on old data.
          if (offset >= 0) lag += Math.max(0, (high.get(p.partition) ?? 0) - offset);
        }
        if (lag > 0) laggingGroups.push(`${groupId}: ${lag}`);
        consumerLag += lag;
      }
      return { outboxPending, consumerLag, laggingGroups };
    },
    async close() {
      await Promise.allSettled([...pools.values()].map((p) => p.end()));
      await admin?.disconnect().catch(() => {});
    },
  };
}

/** When the platform went quiet, and the final state of the orders. */
export type Quiescence = {
  /** Final view of each order (the last one read). */
  readonly orders: ReadonlyMap<string, OrderView>;
  /** `Date.now()` when every order was first seen terminal. */
  readonly allTerminalAt: number;
  /** `Date.now()` when the backlog was first seen empty, after every order was terminal. */
  readonly quietAt: number;
  readonly backlog: Backlog;
};

/** Options of {@link waitForQuiescence}. */
export type QuiescenceOptions = {
  readonly gatewayUrl: string;
  readonly orderIds: readonly string[];
  readonly probe: BacklogProbe;
  /** Default 90 s. */
  readonly timeoutMs?: number;
};

/**
 * Waits, polling with a deadline, until every order is terminal (CONFIRMED, REJECTED or
 * CANCELLED), no outbox row is pending and the services' consumer groups have no lag: the
 * point after which nothing more will happen, so the invariants can be checked.
 *
 * @throws Error naming what was still outstanding when the deadline passed.
 */
export async function waitForQuiescence(options: QuiescenceOptions): Promise<Quiescence> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const started = Date.now();
  const orders = new Map<string, OrderView>();
  const open = new Set(options.orderIds);
  await eventually(
    async () => {
      const batch = [...open];
      for (let i = 0; i < batch.length; i += 16) {
        await Promise.all(
          batch.slice(i, i + 16).map(async (id) => {
            const o = await getOrder(options.gatewayUrl, id);
            if (!o) return;
            orders.set(id, o);
            if (TERMINAL.has(o.status)) open.delete(id);
          }),
        );
      }
      if (open.size > 0) {
        throw new Error(`${open.size} of ${options.orderIds.length} orders not terminal yet`);
      }
    },
    { timeoutMs, intervalMs: 250, description: 'every placed order terminal' },
  );
  const allTerminalAt = Date.now();
  const backlog = await eventually(
    async () => {
      const b = await options.probe.read();
      const pending = Object.entries(b.outboxPending).filter(([, n]) => n > 0);
      if (pending.length || b.consumerLag > 0) {
        throw new Error(
          `outbox pending ${pending.map(([s, n]) => `${s}=${n}`).join(' ') || '0'}, consumer lag ${b.consumerLag} (${b.laggingGroups.join(', ')})`,
        );
      }
      return b;
    },
    {
      timeoutMs: Math.max(10_000, timeoutMs - (allTerminalAt - started)),
      intervalMs: 250,
      description: 'outbox drained and consumer lag 0',
    },
  );
  return { orders, allTerminalAt, quietAt: Date.now(), backlog };
}

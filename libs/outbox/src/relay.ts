import {
  type Attributes,
  type BatchObservableCallback,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { withTransaction } from '@saga/db';
import pg from 'pg';
import { type OutboxPublisher, type PublishableMessage, publishable } from './publisher.ts';
import { assertTableName, KEY_SLOTS, notifyChannel } from './schema.ts';
import { extractTraceContext, injectTraceContext } from './trace-context.ts';

/** Options of {@link createOutboxRelay}. Only `pool`, `connectionString` and `publisher` are required. */
export type OutboxRelayOptions = {
  /** The service's pool; each cycle is one transaction on it. */
  readonly pool: pg.Pool;
  /** Used to open the dedicated LISTEN connection. */
  readonly connectionString: string;
  readonly publisher: OutboxPublisher;
  /** Default `outbox`. */
  readonly table?: string;
  /**
   * `application_name` of the LISTEN connection, so operators (and tests) can tell one
   * service's listener from another's in pg_stat_activity. Default `<table>-relay-listener`.
   */
  readonly listenerName?: string;
  /** Rows per cycle. Default 500. */
  readonly batchSize?: number;
  /**
   * Key slots a cycle tries to claim, out of {@link KEY_SLOTS}. Lower values let several relays
   * share the work; default 32.
   */
  readonly slotsPerCycle?: number;
  /** Polling fallback when no notification arrives. Default 1 000 ms. */
  readonly pollIntervalMs?: number;
  /** Backoff after a failed cycle: exponential from `initial` to `max`, full jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Published rows older than this are deleted. Default 1 h. */
  readonly retentionMs?: number;
  /** How often pruning runs. Default 60 000 ms. */
  readonly pruneIntervalMs?: number;
  /**
   * Extra attributes of a row's publish span, e.g. `order.id` from the key. Never personal or
   * payment data. Default none.
   */
  readonly spanAttributes?: (row: {
    readonly topic: string;
    readonly key: string;
    readonly type: string;
  }) => Attributes;
  /** Errors the relay recovers from (publish failures, lost LISTEN connection). */
  readonly onError?: (err: unknown, where: 'cycle' | 'listen' | 'prune') => void;
  /** Random source for jitter; tests may pin it. Default Math.random. */
  readonly random?: () => number;
};

/** How far behind the relay is. */
export type OutboxLag = { readonly pending: number; readonly oldestAgeMs: number };

/** A running relay. */
export type OutboxRelay = {
  /** Starts publishing; resolves after the first LISTEN attempt (polling covers a failed one). */
  readonly start: () => Promise<void>;
  /** Finishes the cycle in flight, then stops; never abandons a half-published batch. */
  readonly stop: () => Promise<void>;
  /** Runs one publish cycle now; returns how many rows it published. */
  readonly runOnce: () => Promise<number>;
  readonly lag: () => Promise<OutboxLag>;
  /** Deletes published rows older than the retention; returns how many. */
  readonly prune: () => Promise<number>;
};

/**
 * Advisory-lock namespace of a table: the first key of the two-key lock, so slot locks of
 * different outbox tables (or anything else using advisory locks) never collide.
 */
function lockNamespace(table: string): number {
  let h = 0x5a6a;
  for (const ch of table) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

type Row = {
  position: string;
  id: string;
  topic: string;
  key: string;
  type: string;
  headers: Record<string, string>;
  payload: Buffer;
};

/**
 * The outbox relay: publishes committed outbox rows to Kafka and marks them published.
 *
 * Guarantees (docs/patterns/outbox.md):
 * - At-least-once: a row is marked published in the same transaction that selected it, after
 *   the broker acknowledged it. A crash in between re-publishes it (consumers deduplicate).
 * - Per-key order, with any number of relays: a relay first claims key slots (transaction-scoped
 *   advisory locks, skipping slots other relays hold), then, in a fresh snapshot, publishes the
 *   oldest pending rows of those slots. Two relays never publish rows of one slot concurrently,
 *   and a slot's next holder sees everything its previous holder published.
 * - Wake-up by LISTEN/NOTIFY (delivered at commit), with polling as the fallback.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const table = assertTableName(options.table ?? 'outbox');
  const batchSize = options.batchSize ?? 500;
  const slotsPerCycle = options.slotsPerCycle ?? KEY_SLOTS / 2;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const initialBackoff = options.backoff?.initialMs ?? 100;
  const maxBackoff = options.backoff?.maxMs ?? 10_000;
  const retentionMs = options.retentionMs ?? 3_600_000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  const random = options.random ?? Math.random;
  const onError = options.onError ?? (() => {});
  const namespace = lockNamespace(table);
  const tracer = trace.getTracer('@saga/outbox');
  const meter = metrics.getMeter('@saga/outbox');
  const publishedCounter = meter.createCounter('outbox.published', {
    description: 'Outbox rows published to Kafka',
  });
  const lagGauge = meter.createObservableGauge('outbox.lag', {
    description: 'Age of the oldest unpublished outbox row (0 when none is pending)',
    unit: 's',
  });
  const pendingGauge = meter.createObservableGauge('outbox.pending', {
    description: 'Outbox rows not yet published',
    unit: '{row}',
  });
  // One query per collection for both gauges; registered while the relay runs.
  const observeLag: BatchObservableCallback = async (result) => {
    const { pending, oldestAgeMs } = await lag();
    result.observe(lagGauge, oldestAgeMs / 1000, { 'outbox.table': table });
    result.observe(pendingGauge, pending, { 'outbox.table': table });
  };

  let running = false;
  let loop: Promise<void> | undefined;
  let listener: pg.Client | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  // Set by a notification (or stop) that arrives while a cycle runs, so it is not lost.
  let signalled = false;
  let wake: (() => void) | undefined;

  const signal = () => {
    signalled = true;
    wake?.();
  };

  /** Waits `ms`; a notification ends the wait early unless `notifications` is false. */
  const waitForWork = (ms: number, notifications = true) =>
    new Promise<void>((resolve) => {
      if ((notifications && signalled) || !running) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = notifications
        ? done
        : () => {
            if (!running) done();
          };
    });

  async function runOnce(): Promise<number> {
    return withTransaction(options.pool, async (tx) => {
      // 1. Claim slots: a random sample of the slots that have pending rows, each only if no
      //    other relay holds it (pg_try_advisory_xact_lock is SKIP LOCKED for slots). The lock
      //    lasts until this transaction ends, i.e. until the rows are published and marked.
      const claimed = await tx.query<{ slot: number }>(
        `select slot from (
           select s.slot from generate_series(0, ${KEY_SLOTS - 1}) as s(slot)
            where exists (select 1 from ${table} o where o.published_at is null and o.slot = s.slot)
            order by random() limit $2
           offset 0) candidates
          where pg_try_advisory_xact_lock($1, slot)`,
        [namespace, slotsPerCycle],
      );
      if (claimed.rows.length === 0) return 0;
      // 2. A new statement, so a new snapshot taken after the claim: every row a previous holder
      //    of these slots published is seen as published, every committed pending row is seen.
      //    The oldest pending rows of our slots, in order. Plain FOR UPDATE, not SKIP LOCKED:
      //    skipping an earlier row of a key is exactly what would break per-key order.
      const { rows } = await tx.query<Row>(
        `select position, id, topic, key, type, headers, payload
           from ${table}
          where published_at is null and slot = any($1::smallint[])
          order by position
          limit $2
          for update`,
        [claimed.rows.map((r) => r.slot), batchSize],
      );
      if (rows.length === 0) return 0;
      // One PRODUCER span per row, in the trace stored with that row: a batch mixes rows of
      // many traces, so no span covers the batch (docs/adr/0008).
      const spans = rows.map((row) =>
        tracer.startSpan(
          `publish ${row.topic}`,
          {
            kind: SpanKind.PRODUCER,
            attributes: {
              'messaging.system': 'kafka',
              'messaging.operation.type': 'send',
              'messaging.operation.name': 'publish',
              'messaging.destination.name': row.topic,
              'messaging.message.id': row.id,
              'messaging.message.type': row.type,
              ...options.spanAttributes?.(row),
            },
          },
          extractTraceContext(row.headers),
        ),
      );
      const messages: PublishableMessage[] = rows.map((row, i) => {
        const span = spans[i];
        const message = publishable(row);
        return {
          ...message,
          headers: {
            ...message.headers,
            // The consumer's span becomes a child of this publish span.
            ...(span
              ? injectTraceContext(trace.setSpan(extractTraceContext(row.headers), span))
              : {}),
          },
        };
      });
      try {
        await options.publisher.publish(messages);
      } catch (err) {
        for (const span of spans) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          span.setAttribute('error.type', (err as Error).name);
          span.end();
        }
        throw err;
      }
      await tx.query(
        `update ${table} set published_at = clock_timestamp() where position = any($1::bigint[])`,
        [rows.map((r) => r.position)],
      );
      for (const span of spans) span.end();
      const perTopic = new Map<string, number>();
      for (const row of rows) perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
      for (const [topic, n] of perTopic)
        publishedCounter.add(n, { 'outbox.table': table, 'messaging.destination.name': topic });
      return rows.length;
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      signalled = false;
      let published = 0;
      try {
        published = await runOnce();
        failures = 0;
      } catch (err) {
        failures += 1;
        onError(err, 'cycle');
        const cap = Math.min(maxBackoff, initialBackoff * 2 ** Math.min(failures - 1, 20));
        // Full jitter (uniform in [0, cap)); notifications do not cut it short, or a busy
        // service would turn a broker outage into a retry storm.
        await waitForWork(random() * cap, false);
        continue;
      }
      if (published === batchSize) continue; // probably more waiting
      await waitForWork(pollIntervalMs);
    }
  }

  async function listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      application_name: options.listenerName ?? `${table}-relay-listener`,
    });
    client.on('notification', signal);
    client.on('error', (err) => {
      onError(err, 'listen');
    });
    client.on('end', () => {
      if (listener === client) listener = undefined;
      if (running) setTimeout(() => void reconnect(), pollIntervalMs).unref();
    });
    await client.connect();
    await client.query(`listen ${notifyChannel(table)}`);
    listener = client;
    signal(); // rows committed while we were not listening are picked up now
  }

  async function reconnect(): Promise<void> {
    if (!running || listener) return;
    try {
      await listen();
    } catch (err) {
      onError(err, 'listen');
      // Polling keeps publishing meanwhile; try LISTEN again after another interval.
      if (running) setTimeout(() => void reconnect(), pollIntervalMs).unref();
    }
  }

  async function prune(): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await options.pool.query(
        `delete from ${table} where position in (
           select position from ${table}
            where published_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
            limit 5000)`,
        [retentionMs],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < 5000) return total;
    }
  }

  async function lag(): Promise<OutboxLag> {
    const { rows } = await options.pool.query<{ pending: string; oldest_age_ms: number | null }>(
      `select count(*) as pending,
              extract(epoch from clock_timestamp() - min(created_at)) * 1000 as oldest_age_ms
         from ${table} where published_at is null`,
    );
    return {
      pending: Number(rows[0]?.pending ?? 0),
      oldestAgeMs: Number(rows[0]?.oldest_age_ms ?? 0),
    };
  }

  return {
    async start() {
      if (running) return;
      running = true;
      meter.addBatchObservableCallback(observeLag, [lagGauge, pendingGauge]);
      await reconnect();
      loop = run();
      pruneTimer = setInterval(() => {
        prune().catch((err: unknown) => onError(err, 'prune'));
      }, pruneIntervalMs);
      pruneTimer.unref();
    },
    async stop() {
      if (!running) return;
      running = false;
      meter.removeBatchObservableCallback(observeLag, [lagGauge, pendingGauge]);
      clearInterval(pruneTimer);
      signal();
      await loop;
      const l = listener;
      listener = undefined;
      await l?.end().catch(() => {});
    },
    runOnce,
    lag,
    prune,
  };
}

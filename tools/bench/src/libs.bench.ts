/**
 * `pnpm bench:libs`: throughput and latency of the messaging libraries on this machine, against
 * the real stack (run through `pnpm stack with`, which starts it if needed). Prints numbers; it
 * asserts nothing. Sizes are set by BENCH_MESSAGES (default 20 000) and BENCH_LATENCY_SAMPLES
 * (default 400).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createPool, withTransaction } from '@saga/db';
import { idempotent, inboxSchemaSql } from '@saga/inbox';
import { createMessageConsumer, outboxMessage } from '@saga/messaging';
import {
  createKafkaPublisher,
  createOutboxRelay,
  enqueue,
  ensureTopics,
  type OutboxRelayOptions,
  outboxSchemaSql,
  publishable,
} from '@saga/outbox';
import { eventually, inSchema, testStack } from '@saga/testkit';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';

const { endpoints } = testStack(process.env);
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 400);
const BATCH = 500;
const payload = JSON.stringify({
  orderId: randomUUID(),
  items: [{ sku: 'SKU-1', quantity: 2 }],
  note: 'x'.repeat(120),
});
const kafka = new Kafka({
  clientId: 'bench',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const results: [string, string][] = [];

function report(name: string, value: string) {
  results.push([name, value]);
  console.log(`${name.padEnd(48)} ${value}`);
}

async function topic(partitions = 6): Promise<string> {
  const t = `bench.${randomUUID()}`;
  await ensureTopics(admin, [{ topic: t, numPartitions: partitions }]);
  return t;
}

async function scratch(
  service: 'order' | 'inventory',
): Promise<{ pool: pg.Pool; url: string; drop: () => Promise<void> }> {
  const schema = `bench_${randomUUID().slice(0, 8)}`;
  const url = inSchema(endpoints.postgresUrl(service), schema);
  const pool = createPool({ connectionString: url, applicationName: 'bench', maxConnections: 8 });
  await pool.query(`create schema ${schema}`);
  return {
    pool,
    url,
    drop: async () => {
      await pool.query(`drop schema ${schema} cascade`);
      await pool.end();
    },
  };
}

async function rawProducer(): Promise<number> {
  const t = await topic();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const start = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: t,
          messages: Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({
            key: `order-${(i + j) % 1000}`,
            value: payload,
            headers: { 'message-id': randomUUID(), 'message-type': 'Bench' },
          })),
        },
      ],
    });
  }
  const rate = N / ((performance.now() - start) / 1000);
  await producer.disconnect();
  return rate;
}

/** A scratch outbox in the order database with one running relay; `close` undoes it all. */
async function outboxRig(relayOptions: Partial<OutboxRelayOptions>) {
  const db = await scratch('order');
  await db.pool.query(outboxSchemaSql());
  const publisher = createKafkaPublisher(kafka);
  const relay = createOutboxRelay({
    pool: db.pool,
    connectionString: db.url,
    publisher,
    ...relayOptions,
  });
  await relay.start();
  return {
    pool: db.pool,
    relay,
    close: async () => {
      await relay.stop();
      await publisher.close();
      await db.drop();
    },
  };
}

async function outboxThroughput(): Promise<number> {
  const t = await topic();
  const { pool, relay, close } = await outboxRig({ batchSize: BATCH });
  const start = performance.now();
  const perTx = 100;
  const writers = 4;
  for (let i = 0; i < N; i += perTx * writers) {
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        withTransaction(pool, (tx) =>
          enqueue(
            tx,
            Array.from({ length: perTx }, (_, j) => ({
              topic: t,
              key: `order-${(i + w * perTx + j) % 1000}`,
              type: 'Bench',
              payload,
            })),
          ),
        ),
      ),
    );
  }
  await eventually(
    async () => {
      const lag = await relay.lag();
      if (lag.pending > 0) throw new Error(`${lag.pending} pending`);
    },
    { timeoutMs: 300_000, intervalMs: 20 },
  );
  const rate = N / ((performance.now() - start) / 1000);
  await close();
  return rate;
}

async function commitToPublishLatency(): Promise<{ p50: number; p99: number; max: number }> {
  const t = await topic(1);
  const { pool, relay, close } = await outboxRig({ pollIntervalMs: 5_000 });
  await withTransaction(pool, (tx) =>
    enqueue(tx, { topic: t, key: 'warm', type: 'Bench', payload }),
  );
  const committedAt = new Map<string, number>();
  for (let i = 0; i < SAMPLES; i++) {
    const [id] = await withTransaction(pool, (tx) =>
      enqueue(tx, { topic: t, key: `order-${i % 10}`, type: 'Bench', payload }),
    );
    committedAt.set(id ?? '', Date.now());
    await delay(10); // pacing: ~100 messages/s, one at a time, so each sample is a lone commit
  }
  await eventually(
    async () => {
      if ((await relay.lag()).pending > 0) throw new Error('pending');
    },
    { timeoutMs: 60_000, intervalMs: 20 },
  );
  const { rows } = await pool.query<{ id: string; published_ms: number }>(
    'select id, extract(epoch from published_at) * 1000 as published_ms from outbox where id = any($1::uuid[])',
    [[...committedAt.keys()]],
  );
  const latencies = rows
    .map((r) => Number(r.published_ms) - (committedAt.get(r.id) ?? 0))
    .sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  await close();
  return { p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? NaN };
}

async function inboxConsumer(): Promise<number> {
  const t = await topic();
  const db = await scratch('inventory');
  await db.pool.query(inboxSchemaSql());
  await db.pool.query('create table effects (order_id text primary key, n bigint not null)');
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < N; i += BATCH) {
    await producer.send({
      topic: t,
      messages: Array.from({ length: Math.min(BATCH, N - i) }, (_, j) =>
        publishable(
          outboxMessage(t, {
            type: 'Bench',
            version: 1,
            key: `order-${(i + j) % 1000}`,
            payload: { n: 1 },
          }),
        ),
      ),
    });
  }
  await producer.disconnect();
  let processed = 0;
  const consumer = createMessageConsumer({
    kafka,
    groupId: `bench-${randomUUID()}`,
    topics: [t],
    partitionsConcurrently: 3,
    routes: {
      Bench: {
        versions: { 1: (p) => p as { n: number } },
        handle: idempotent<{ n: number }>(db.pool, 'bench', async (tx, e) => {
          await tx.query(
            'insert into effects values ($1, $2) on conflict (order_id) do update set n = effects.n + excluded.n',
            [e.key, e.payload.n],
          );
          processed += 1;
        }),
      },
    },
  });
  const start = performance.now();
  await consumer.start();
  await eventually(
    () => {
      if (processed < N) throw new Error(`${processed} processed`);
    },
    { timeoutMs: 600_000, intervalMs: 20 },
  );
  const rate = N / ((performance.now() - start) / 1000);
  await consumer.stop();
  await db.drop();
  return rate;
}

await admin.connect();
try {
  console.log(
    `messaging libraries benchmark: ${N} messages of ${payload.length} bytes, 1000 keys\n`,
  );
  const raw = await rawProducer();
  report('raw kafkajs producer (idempotent, acks=all)', `${raw.toFixed(0)} msgs/s`);
  const outbox = await outboxThroughput();
  report('outbox insert -> published (1 relay)', `${outbox.toFixed(0)} msgs/s`);
  report('  ratio to the raw producer', `${((outbox / raw) * 100).toFixed(1)} %`);
  const latency = await commitToPublishLatency();
  report(
    `commit -> published latency (${SAMPLES} lone commits)`,
    `p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms`,
  );
  const inbox = await inboxConsumer();
  report('inbox consumer (idempotent handler, 3 partitions)', `${inbox.toFixed(0)} msgs/s`);
} finally {
  await admin.disconnect();
}

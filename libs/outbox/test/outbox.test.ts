import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { createPool, withTransaction } from '@saga/db';
import { createToxiproxyClient, eventually, inSchema, testStack } from '@saga/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import {
  createKafkaPublisher,
  createOutboxRelay,
  enqueue,
  ensureTopics,
  type OutboxPublisher,
  type OutboxRelay,
  outboxSchemaSql,
} from '../src/index.ts';

const { endpoints } = testStack(process.env);
const toxiproxy = createToxiproxyClient(endpoints.toxiproxyUrl);
const schema = `test_outbox_${randomUUID().slice(0, 8)}`;
const url = inSchema(endpoints.postgresUrl('order'), schema);
const kafka = new Kafka({
  clientId: 'outbox-test',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
  retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
});
let pool: pg.Pool;
let admin: Admin;
const relays: OutboxRelay[] = [];
const publishers: OutboxPublisher[] = [];

/** A Kafka publisher closed after the file's tests (open producers keep the process alive). */
function publisher(): OutboxPublisher {
  const p = createKafkaPublisher(kafka);
  publishers.push(p);
  return p;
}

type Received = { id: string; key: string; value: string; headers: Record<string, string> };

async function newTopic(partitions = 1): Promise<string> {
  const topic = `test.outbox.${randomUUID()}`;
  await ensureTopics(admin, [{ topic, numPartitions: partitions }]);
  return topic;
}

/** Consumes a topic from the beginning until `done` says so; returns what arrived, in order. */
async function consume(
  topic: string,
  done: (received: Received[]) => boolean,
  timeoutMs = 30_000,
): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId: `test-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const headers = Object.fromEntries(
            Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]),
          );
          received.push({
            id: headers['message-id'] ?? '',
            key: m.key?.toString() ?? '',
            value: m.value?.toString() ?? '',
            headers,
          });
        }
      },
    });
    await eventually(() => assert.ok(done(received), `${received.length} received so far`), {
      timeoutMs,
      description: `messages on ${topic}`,
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

async function startRelay(extra: Partial<Parameters<typeof createOutboxRelay>[0]> = {}) {
  const relay = createOutboxRelay({
    pool,
    connectionString: url,
    publisher: publisher(),
    ...extra,
  });
  relays.push(relay);
  await relay.start();
  return relay;
}

before(async () => {
  pool = createPool({ connectionString: url, applicationName: 'outbox-test', maxConnections: 8 });
  await pool.query(`create schema ${schema}`);
  await pool.query(outboxSchemaSql());
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await Promise.all(publishers.map((p) => p.close()));
  await toxiproxy.reset();
  await admin.disconnect();
  await pool.query(`drop schema ${schema} cascade`);
  await pool.end();
});

test('a message enqueued in a rolled-back transaction is never published; a committed one is', async () => {
  const topic = await newTopic();
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      await enqueue(tx, { topic, key: 'order-1', type: 'T', payload: 'rolled back' });
      throw new Error('the business step failed');
    }),
  );
  const [id] = await withTransaction(pool, (tx) =>
    enqueue(tx, { topic, key: 'order-1', type: 'T', payload: 'committed' }),
  );
  const relay = createOutboxRelay({ pool, connectionString: url, publisher: publisher() });
  assert.equal(await relay.runOnce(), 1);
  assert.deepEqual(await relay.lag(), { pending: 0, oldestAgeMs: 0 });
  const received = await consume(topic, (r) => r.length >= 1);
  assert.deepEqual(
    received.map((r) => [r.id, r.key, r.value, r.headers['message-type']]),
    [[id, 'order-1', 'committed', 'T']],
  );
});

test('the relay wakes on the commit notification, well before its poll interval', async () => {
  const topic = await newTopic();
  const relay = await startRelay({ pollIntervalMs: 120_000 });
  await eventually(async () => assert.equal((await relay.lag()).pending, 0));
  const started = Date.now();
  await withTransaction(pool, (tx) => enqueue(tx, { topic, key: 'k', type: 'T', payload: 'wake' }));
  await consume(topic, (r) => r.length >= 1, 10_000);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 10_000, `published after ${elapsed} ms`);
  await relay.stop();
});

test('when its LISTEN connection is killed, the relay keeps publishing by polling and listens again', async () => {
  const topic = await newTopic();
  // Its own listener name: services running beside the test have relays listening too.
  const listenerName = `relay-listener-${randomUUID().slice(0, 8)}`;
  const relay = await startRelay({ pollIntervalMs: 300, listenerName });
  const listeners = () =>
    pool
      .query<{ n: string }>(
        'select count(*) as n from pg_stat_activity where application_name = $1',
        [listenerName],
      )
      .then((r) => Number(r.rows[0]?.n));
  await eventually(async () => assert.equal(await listeners(), 1));
  await pool.query(
    'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
    [listenerName],
  );
  await withTransaction(pool, (tx) =>
    enqueue(tx, { topic, key: 'k', type: 'T', payload: 'polled' }),
  );
  await consume(topic, (r) => r.length >= 1, 10_000);
  await eventually(async () => assert.equal(await listeners(), 1), {
    description: 'the relay to LISTEN again',
  });
  await relay.stop();
});

test('while the broker is unreachable the relay retries with backoff, and afterwards nothing is lost', async () => {
  const topic = await newTopic(3);
  const errors: unknown[] = [];
  await toxiproxy.setEnabled('kafka', false);
  let relay: OutboxRelay;
  try {
    relay = await startRelay({
      pollIntervalMs: 200,
      backoff: { initialMs: 50, maxMs: 400 },
      onError: (err) => errors.push(err),
    });
    for (let i = 0; i < 20; i++) {
      await withTransaction(pool, (tx) =>
        enqueue(tx, { topic, key: `k${i % 4}`, type: 'T', payload: String(i) }),
      );
    }
    await eventually(() => assert.ok(errors.length >= 2, `${errors.length} failed cycles`), {
      timeoutMs: 60_000,
    });
    assert.equal((await relay.lag()).pending, 20);
  } finally {
    await toxiproxy.setEnabled('kafka', true);
  }
  const received = await consume(topic, (r) => new Set(r.map((m) => m.id)).size >= 20, 60_000);
  for (let k = 0; k < 4; k++) {
    const values = received.filter((r) => r.key === `k${k}`).map((r) => Number(r.value));
    const firstSeen = values.filter((v, i) => values.indexOf(v) === i);
    assert.deepEqual(firstSeen, [k, k + 4, k + 8, k + 12, k + 16], `key k${k} out of order`);
  }
  assert.equal((await relay.lag()).pending, 0);
  await relay.stop();
});

test('prune deletes published rows older than the retention and keeps unpublished ones', async () => {
  const topic = await newTopic();
  await pool.query('delete from outbox');
  await withTransaction(pool, (tx) =>
    enqueue(
      tx,
      [1, 2, 3].map((i) => ({ topic, key: 'k', type: 'T', payload: String(i) })),
    ),
  );
  const relay = createOutboxRelay({
    pool,
    connectionString: url,
    publisher: publisher(),
    retentionMs: 0,
  });
  assert.equal(await relay.runOnce(), 3);
  await withTransaction(pool, (tx) =>
    enqueue(tx, { topic, key: 'k', type: 'T', payload: 'pending' }),
  );
  assert.equal(await relay.prune(), 3);
  const { rows } = await pool.query(
    'select convert_from(payload, $1) as p, published_at from outbox',
    ['UTF8'],
  );
  assert.deepEqual(rows, [{ p: 'pending', published_at: null }]);
  await pool.query('delete from outbox');
});

for (const mode of ['after-commit', 'mid-publish'] as const) {
  test(`a service killed ${mode === 'after-commit' ? 'after committing, before publishing' : 'in the middle of a publish'} has its message published after the restart`, async () => {
    const topic = await newTopic();
    const id = randomUUID();
    if (mode === 'mid-publish') {
      // Slow answers from the broker keep the child's publish in flight long enough to kill it.
      await toxiproxy.addToxic('kafka', {
        name: 'crash-latency',
        type: 'latency',
        attributes: { latency: 30_000 },
      });
    }
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=TimeoutNegativeWarning',
        `${import.meta.dirname}/fixtures/crash-child.ts`,
        mode,
        url,
        endpoints.kafkaBrokers[0] ?? '',
        topic,
        id,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d;
      });
      await eventually(() => assert.match(out, /committed/), { timeoutMs: 15_000 });
      if (mode === 'mid-publish') {
        // The relay's transaction stays open while the publish waits for the broker.
        await eventually(
          async () => {
            const { rows } = await pool.query<{ n: string }>(
              "select count(*) as n from pg_stat_activity where application_name = 'outbox-crash-child' and state = 'idle in transaction'",
            );
            assert.equal(Number(rows[0]?.n), 1);
          },
          { timeoutMs: 15_000, description: 'the child to be mid-publish' },
        );
      }
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
      if (mode === 'mid-publish') await toxiproxy.removeToxic('kafka', 'crash-latency');
    }
    // The crashed process's transaction was rolled back by the server, its locks released.
    const relay = await startRelay();
    const received = await consume(topic, (r) => r.some((m) => m.id === id));
    assert.ok(received.every((m) => m.id === id));
    await eventually(async () => assert.equal((await relay.lag()).pending, 0));
    await relay.stop();
  });
}

test('10,000 messages over 100 keys through 2 relays: every message published, per-key order intact', async (t) => {
  const topic = await newTopic(6);
  await pool.query('delete from outbox');
  const counts = [0, 0];
  const relayA = await startRelay({ publisher: countingPublisher(0) });
  const relayB = await startRelay({ publisher: countingPublisher(1) });
  function countingPublisher(i: 0 | 1) {
    const inner = publisher();
    return {
      publish: async (messages: Parameters<typeof inner.publish>[0]) => {
        await inner.publish(messages);
        counts[i] = (counts[i] ?? 0) + messages.length;
      },
      close: inner.close,
    };
  }
  const keys = 100;
  const total = 10_000;
  const perTx = 50;
  const writers = 4;
  const nextSeq = new Array<number>(keys).fill(0);
  const started = Date.now();
  // Four writers commit concurrently with the relays publishing, as in a running service. Each
  // writer owns a quarter of the keys: in a service, writes to one key (one aggregate) are
  // serialised by the aggregate's row lock, and the outbox promises order per key only.
  for (let round = 0; round < total / (perTx * writers); round++) {
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        withTransaction(pool, (tx) =>
          enqueue(
            tx,
            Array.from({ length: perTx }, (_, j) => {
              const k = w + writers * (j % (keys / writers));
              const seq = nextSeq[k] ?? 0;
              nextSeq[k] = seq + 1;
              return { topic, key: `key-${k}`, type: 'Seq', payload: String(seq) };
            }),
          ),
        ),
      ),
    );
  }
  const received = await consume(topic, (r) => new Set(r.map((m) => m.id)).size >= total, 120_000);
  t.diagnostic(
    `published in ${Date.now() - started} ms; relay A ${counts[0]}, relay B ${counts[1]}; ${received.length} deliveries`,
  );
  assert.equal(new Set(received.map((m) => m.id)).size, total, 'messages lost');
  assert.equal(received.length, total, 'messages duplicated without any crash');
  const perKey = new Map<string, number[]>();
  for (const m of received) perKey.set(m.key, [...(perKey.get(m.key) ?? []), Number(m.value)]);
  assert.equal(perKey.size, keys);
  for (const [key, seqs] of perKey) {
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `${key} was published out of order`,
    );
  }
  await relayA.stop();
  await relayB.stop();
});

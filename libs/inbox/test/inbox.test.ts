import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPool } from '@saga/db';
import { createMessageConsumer, type MessageConsumer, outboxMessage } from '@saga/messaging';
import { enqueue, ensureTopics, outboxSchemaSql, publishable } from '@saga/outbox';
import { eventually, inSchema, testStack } from '@saga/testkit';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import type pg from 'pg';
import { idempotent, inboxSchemaSql } from '../src/index.ts';

const { endpoints } = testStack(process.env);
const schema = `test_inbox_${randomUUID().slice(0, 8)}`;
const url = inSchema(endpoints.postgresUrl('inventory'), schema);
const kafka = new Kafka({
  clientId: 'inbox-test',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
let pool: pg.Pool;
let admin: Admin;
let producer: Producer;
const consumers: MessageConsumer[] = [];

type Reserve = { n: number };

before(async () => {
  pool = createPool({ connectionString: url, applicationName: 'inbox-test', maxConnections: 6 });
  await pool.query(`create schema ${schema}`);
  await pool.query(inboxSchemaSql());
  await pool.query(outboxSchemaSql());
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});

after(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await producer.disconnect();
  await admin.disconnect();
  await pool.query(`drop schema ${schema} cascade`);
  await pool.end();
});

/** A fresh topic and effect table; the effect (adding to a total) is not idempotent by itself. */
async function scenario() {
  const topic = `test.inbox.${randomUUID()}`;
  await ensureTopics(admin, [{ topic, numPartitions: 2 }]);
  const effects = `effects_${randomUUID().slice(0, 8)}`;
  await pool.query(
    `create table ${effects} (id int primary key, total bigint not null, applications int not null)`,
  );
  await pool.query(`insert into ${effects} values (1, 0, 0)`);
  const duplicates: string[] = [];
  let failOnce: number | undefined;
  const handler = idempotent<Reserve>(
    pool,
    `reserve-${effects}`,
    async (tx, e) => {
      await tx.query(
        `update ${effects} set total = total + $1, applications = applications + 1 where id = 1`,
        [e.payload.n],
      );
      await enqueue(
        tx,
        outboxMessage(`${topic}.out`, {
          type: 'Reserved',
          version: 1,
          key: e.key,
          payload: { n: e.payload.n },
          causedBy: e,
        }),
      );
      if (failOnce === e.payload.n) {
        failOnce = undefined;
        throw new Error('crashed after writing, before commit');
      }
    },
    { onDuplicate: (e) => duplicates.push(e.id) },
  );
  const start = async (groupId: string) => {
    const c = createMessageConsumer({
      kafka,
      groupId,
      topics: [topic],
      routes: { Reserve: { versions: { 1: (p) => p as Reserve }, handle: handler } },
      backoff: { initialMs: 10, maxMs: 50 },
    });
    consumers.push(c);
    await c.start();
    return c;
  };
  const state = async () => {
    const { rows } = await pool.query(`select total::int, applications from ${effects}`);
    const inbox = await pool.query('select count(*)::int as n from inbox where consumer = $1', [
      `reserve-${effects}`,
    ]);
    const out = await pool.query('select count(*)::int as n from outbox where topic = $1', [
      `${topic}.out`,
    ]);
    return { ...rows[0], inbox: inbox.rows[0].n, outbox: out.rows[0].n };
  };
  const sendAll = async (messages: ReturnType<typeof outboxMessage>[]) => {
    await producer.send({ topic, messages: messages.map(publishable) });
  };
  return {
    topic,
    duplicates,
    start,
    state,
    sendAll,
    failNext: (n: number) => {
      failOnce = n;
    },
  };
}

const reserve = (n: number) =>
  outboxMessage('ignored', { type: 'Reserve', version: 1, key: `order-${n % 7}`, payload: { n } });

test('every message delivered twice: each effect, and each outgoing message, is applied exactly once', async () => {
  const s = await scenario();
  const messages = Array.from({ length: 50 }, (_, i) => reserve(i + 1));
  await s.sendAll([...messages, ...messages]); // the whole stream, then all of it again
  await s.start(`g-${randomUUID()}`);
  await eventually(() => assert.equal(s.duplicates.length, 50), { timeoutMs: 30_000 });
  assert.deepEqual(await s.state(), { total: 1275, applications: 50, inbox: 50, outbox: 50 });
});

test('a batch redelivered after a consumer restart is acknowledged without effect', async () => {
  const s = await scenario();
  const groupId = `g-${randomUUID()}`;
  await s.sendAll(Array.from({ length: 30 }, (_, i) => reserve(i + 1)));
  const first = await s.start(groupId);
  await eventually(async () => assert.equal((await s.state()).inbox, 30), { timeoutMs: 30_000 });
  await first.stop();
  // As if the offsets had not been committed before a crash: the group starts over.
  await admin.resetOffsets({ groupId, topic: s.topic, earliest: true });
  await s.start(groupId);
  await eventually(() => assert.equal(s.duplicates.length, 30), { timeoutMs: 30_000 });
  assert.deepEqual(await s.state(), { total: 465, applications: 30, inbox: 30, outbox: 30 });
});

test('a handler that fails after writing rolls back its effects and its inbox row, so the retry applies it once', async () => {
  const s = await scenario();
  s.failNext(2);
  await s.sendAll([reserve(1), reserve(2), reserve(3)]);
  await s.start(`g-${randomUUID()}`);
  await eventually(async () => assert.equal((await s.state()).inbox, 3), { timeoutMs: 30_000 });
  assert.deepEqual(await s.state(), { total: 6, applications: 3, inbox: 3, outbox: 3 });
  assert.equal(s.duplicates.length, 0);
});

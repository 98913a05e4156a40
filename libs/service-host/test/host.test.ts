import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EVENTS, messageOf } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import { withTransaction } from '@saga/db';
import { ensureTopics } from '@saga/messaging';
import { enqueue } from '@saga/outbox';
import { createLogger } from '@saga/service-kit';
import { eventually, inSchema, testStack } from '@saga/testkit';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createServiceHost, on, type ServiceHost } from '../src/index.ts';

const stack = testStack(process.env);
const id = randomUUID().replaceAll('-', '').slice(0, 12);
const schema = `test_host_${id}`;
const topic = `test.host.${id}`;
const url = inSchema(stack.endpoints.postgresUrl('order'), schema);
const admin = new pg.Pool({ connectionString: stack.endpoints.postgresUrl('order'), max: 2 });
const migrations = mkdtempSync(join(tmpdir(), 'host-migrations-'));
writeFileSync(
  join(migrations, '1763800000000_seen.sql'),
  '-- Up Migration\ncreate table seen (order_id text primary key);\n-- Down Migration\ndrop table seen;\n',
);

let host: ServiceHost;
let healthPort = 0;
let seeded = 0;

before(async () => {
  await admin.query(`create schema ${schema}`);
  const kafka = new Kafka({
    brokers: [...stack.endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const kadmin = kafka.admin();
  await kadmin.connect();
  await ensureTopics(kadmin, [{ topic, numPartitions: 1 }]);
  await kadmin.disconnect();
  host = createServiceHost({
    service: `hosttest${id}`,
    config: {
      HOST: '127.0.0.1',
      GRPC_PORT: 0,
      HEALTH_PORT: 0,
      DATABASE_URL: url,
      KAFKA_BROKERS: stack.endpoints.kafkaBrokers.join(','),
      SEED_FIXTURES: true,
      LOG_LEVEL: 'silent',
    },
    migrationsDir: migrations,
    logger: createLogger({ service: 'hosttest', level: 'silent' }),
    seed: async () => {
      seeded += 1;
    },
  });
  host.consume({
    name: 'test',
    topics: [topic],
    handlers: [
      on(EVENTS.OrderConfirmed, async (tx, e) => {
        await tx.query('insert into seen (order_id) values ($1)', [e.payload.orderId]);
      }),
    ],
  });
  ({ healthPort } = await host.start());
});

after(async () => {
  await host?.stop();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
  rmSync(migrations, { recursive: true, force: true });
});

test('start migrates, seeds, creates the outbox and inbox tables, and becomes ready', async () => {
  assert.equal(seeded, 1);
  const { rows } = await admin.query(
    `select table_name from information_schema.tables where table_schema = $1 order by 1`,
    [schema],
  );
  const tables = rows.map((r) => r.table_name);
  for (const t of ['inbox', 'outbox', 'pgmigrations', 'seen']) assert.ok(tables.includes(t), t);
  const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
  assert.equal(res.status, 200);
});

test('a message enqueued in the outbox is relayed to Kafka and handled once by the consumer', async () => {
  const orderId = randomUUID();
  const message = messageOf(
    EVENTS.OrderConfirmed,
    { orderId, sagaMode: SagaMode.SAGA_MODE_CHOREOGRAPHY },
    { key: orderId, topic },
  );
  await withTransaction(host.pool, (tx) => enqueue(tx, message));
  await eventually(
    async () => {
      const { rows } = await host.pool.query('select 1 from seen where order_id = $1', [orderId]);
      assert.equal(rows.length, 1);
    },
    { timeoutMs: 20_000, description: 'message handled' },
  );
  const { rows } = await host.pool.query('select consumer from inbox where message_id = $1', [
    message.id,
  ]);
  assert.deepEqual(
    rows.map((r) => r.consumer),
    [`hosttest${id}.test`],
  );
});

test('deliver() runs the same route: validation first, then the handler in the inbox transaction', async () => {
  const orderId = randomUUID();
  const envelope = {
    id: randomUUID(),
    type: 'OrderConfirmed',
    version: 1,
    key: orderId,
    correlationId: orderId,
    occurredAt: new Date().toISOString(),
    payload: { orderId },
  };
  await host.deliver('test', envelope);
  await host.deliver('test', envelope); // a redelivery is skipped by the inbox
  const { rows } = await host.pool.query('select 1 from seen where order_id = $1', [orderId]);
  assert.equal(rows.length, 1);
  await assert.rejects(
    host.deliver('test', { ...envelope, id: randomUUID(), payload: {} }),
    /orderId is required/,
  );
  await assert.rejects(host.deliver('test', { ...envelope, type: 'Nope' }), /no route/);
});

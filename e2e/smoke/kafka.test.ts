import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ensureTopics } from '@saga/outbox';
import { eventually, testStack } from '@saga/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';

const { endpoints } = testStack(process.env);
const kafka = new Kafka({
  clientId: 'smoke-kafka',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const topic = `smoke.transactions.${randomUUID()}`;
let admin: Admin;

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 1, replicationFactor: 1 }]);
});

after(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

test('the broker advertises the toxiproxy address, so clients stay on the proxy after bootstrap', async () => {
  const cluster = await admin.describeCluster();
  assert.deepEqual(
    cluster.brokers.map((b) => `${b.host}:${b.port}`),
    [...endpoints.kafkaBrokers],
  );
});

test('a read_committed consumer sees committed transactions and never an aborted one', async () => {
  const producer = kafka.producer({
    transactionalId: `smoke-${randomUUID()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (const [value, outcome] of [
      ['committed-1', 'commit'],
      ['aborted', 'abort'],
      ['committed-2', 'commit'],
    ] as const) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ key: 'order-1', value }] });
      if (outcome === 'commit') await tx.commit();
      else await tx.abort();
    }
  } finally {
    await producer.disconnect();
  }

  const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}`, readUncommitted: false });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString() ?? '');
      },
    });
    // The last committed message arriving means every earlier offset was delivered or skipped.
    await eventually(
      () => assert.ok(seen.includes('committed-2'), `seen so far: ${seen.join(', ')}`),
      { timeoutMs: 30_000, description: 'the last committed message to be consumed' },
    );
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(seen, ['committed-1', 'committed-2']);
});

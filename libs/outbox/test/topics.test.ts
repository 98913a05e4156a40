import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { testStack } from '@saga/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../src/index.ts';

const { endpoints } = testStack(process.env);

test('ensureTopics creates topics usable at once, and is idempotent', async () => {
  const kafka = new Kafka({
    clientId: 'topics-test',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const names = Array.from({ length: 5 }, () => `test.topics.${randomUUID()}`);
  try {
    const topics = names.map((topic) => ({ topic, numPartitions: 3 }));
    await ensureTopics(admin, topics);
    await ensureTopics(admin, topics); // again: no error, nothing changes
    const producer = kafka.producer();
    await producer.connect();
    // Every topic accepts a write straight away, with no retry of our own.
    for (const topic of names) await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
    assert.deepEqual(
      meta.map((t) => t.partitions.length),
      [3, 3, 3, 3, 3],
    );
  } finally {
    await admin.deleteTopics({ topics: names }).catch(() => undefined);
    await admin.disconnect();
  }
});

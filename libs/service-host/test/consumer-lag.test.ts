import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { ensureTopics } from '@saga/messaging';
import { testStack } from '@saga/testkit';
import { installTestMetrics } from '@saga/testkit/metrics';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { createConsumerLagGauge } from '../src/consumer-lag.ts';

const stack = testStack(process.env);
const id = randomUUID().replaceAll('-', '').slice(0, 12);
const topic = `test.lag.${id}`;
const groupId = `test-lag-${id}`;
const idle = `test-lag-idle-${id}`;
const kafka = new Kafka({ brokers: [...stack.endpoints.kafkaBrokers], logLevel: logLevel.NOTHING });
let admin: Admin;

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 2 }]);
  const producer = kafka.producer();
  await producer.connect();
  // Partition 0 gets 5 messages, partition 1 gets 2.
  await producer.send({
    topic,
    acks: -1,
    messages: [
      ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `a${i}` })),
      ...Array.from({ length: 2 }, (_, i) => ({ partition: 1, value: `b${i}` })),
    ],
  });
  await producer.disconnect();
  // The group has processed 3 messages of partition 0 and none of partition 1.
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
});

after(async () => {
  await admin.deleteGroups([groupId]).catch(() => {});
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

test('consumer lag per partition is the high watermark minus the committed offset (or the start, if none)', async () => {
  const { reader, provider } = installTestMetrics({ global: false });
  let now = 0;
  const gauge = createConsumerLagGauge({
    kafka,
    groups: () => [
      { groupId, topic },
      { groupId: idle, topic },
    ],
    meter: provider.getMeter('test'),
    now: () => now,
  });
  try {
    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === 'messaging.kafka.consumer.lag')
      .flatMap((m) => m.dataPoints as DataPoint<number>[]);
    const lag = Object.fromEntries(
      points.map((p) => [
        `${p.attributes['messaging.consumer.group.name']}/${p.attributes['messaging.destination.partition.id']}`,
        p.value,
      ]),
    );
    assert.deepEqual(lag, {
      [`${groupId}/0`]: 2,
      [`${groupId}/1`]: 2,
      [`${idle}/0`]: 5,
      [`${idle}/1`]: 2,
    });
    assert.equal(points[0]?.attributes['messaging.destination.name'], topic);

    // Within maxAgeMs a read is answered from the cache: Kafka is asked once per 5 s at most.
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '5' }] });
    now += 1_000;
    assert.equal(
      (await gauge.read()).find((l) => l.groupId === groupId && l.partition === 0)?.lag,
      2,
    );
    now += 5_000;
    assert.equal(
      (await gauge.read()).find((l) => l.groupId === groupId && l.partition === 0)?.lag,
      0,
    );
  } finally {
    await gauge.stop();
    await provider.shutdown();
  }
});

/**
 * dlq-empty against the stack's real Kafka: a dead-letter topic of the test's own, a baseline,
 * then one poison message past it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { testStack } from '@saga/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { captureDlqBaseline, checkInvariants } from '../src/index.ts';
import { loadHealthy } from './support/dataset.ts';
import { createScratch, type Scratch } from './support/scratch.ts';

const { endpoints } = testStack(process.env);
const kafka = new Kafka({
  clientId: 'invariants-test',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const topic = `invariants-test-${randomUUID().slice(0, 8)}.v1.dlq`;
let scratch: Scratch;

before(async () => {
  scratch = await createScratch();
  await scratch.truncate();
  await loadHealthy(scratch);
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
});
after(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await scratch?.drop();
});

test('a message dead-lettered after the baseline is a violation, or a notice when allowed', async () => {
  const baseline = await captureDlqBaseline({ topics: [topic] });
  assert.deepEqual(baseline, { [`${topic}:0`]: '0' });
  const options = { databases: scratch.readOnlyUrls, dlq: { topics: [topic], baseline } };
  const clean = await checkInvariants(options);
  assert.equal(clean.ok, true);
  assert.equal(clean.rules.find((r) => r.rule === 'dlq-empty')?.checked, 1);

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: randomUUID(), value: 'not an envelope' }] });
  await producer.disconnect();

  const report = await checkInvariants(options);
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.violations.map((v) => [v.rule, v.detail]),
    [['dlq-empty', `${topic} partition 0: 1 message(s) dead-lettered (offsets 0 → 1)`]],
  );

  const later = await captureDlqBaseline({ topics: [topic] });
  assert.equal(
    (await checkInvariants({ ...options, dlq: { ...options.dlq, baseline: later } })).ok,
    true,
  );

  const allowed = await checkInvariants({ ...options, dlq: { ...options.dlq, allow: true } });
  assert.equal(allowed.ok, true);
  assert.deepEqual(
    allowed.notices.map((n) => n.rule),
    ['dlq-empty'],
  );
});

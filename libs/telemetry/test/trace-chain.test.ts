import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { createPool, withTransaction } from '@saga/db';
import { createMessageConsumer, type MessageConsumer, outboxMessage } from '@saga/messaging';
import {
  createKafkaPublisher,
  createOutboxRelay,
  enqueue,
  ensureTopics,
  type OutboxRelay,
  outboxSchemaSql,
} from '@saga/outbox';
import { eventually, inSchema, testStack } from '@saga/testkit';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { startTelemetry, type Telemetry, withSpan } from '../src/index.ts';

const { endpoints } = testStack(process.env);
const serviceName = `trace-chain-${randomUUID().slice(0, 8)}`;
const schema = `test_trace_${randomUUID().slice(0, 8)}`;
const url = inSchema(endpoints.postgresUrl('order'), schema);
const kafka = new Kafka({
  clientId: 'trace-test',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const topic = `test.trace.${randomUUID()}`;
const linkTopic = `test.trace.link.${randomUUID()}`;
let telemetry: Telemetry;
let pool: pg.Pool;
let relay: OutboxRelay;
let consumer: MessageConsumer;
let linkConsumer: MessageConsumer;
const publisher = createKafkaPublisher(kafka);

type JaegerSpan = {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
};

async function jaegerTrace(traceId: string): Promise<JaegerSpan[]> {
  const res = await fetch(`${endpoints.jaegerUrl}/api/traces/${traceId}`);
  if (res.status === 404) return [];
  assert.equal(res.status, 200);
  const body = (await res.json()) as { data: { spans: JaegerSpan[] }[] };
  return body.data[0]?.spans ?? [];
}

const tag = (s: JaegerSpan | undefined, key: string) => s?.tags.find((t) => t.key === key)?.value;

before(async () => {
  telemetry = startTelemetry({
    serviceName,
    otlpHttpUrl: endpoints.otlpHttpUrl,
    exportDelayMs: 100,
  });
  pool = createPool({ connectionString: url, applicationName: 'trace-test' });
  await pool.query(`create schema ${schema}`);
  await pool.query(outboxSchemaSql());
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, numPartitions: 1 },
    { topic: linkTopic, numPartitions: 1 },
  ]);
  await admin.disconnect();
});

after(async () => {
  await consumer?.stop();
  await linkConsumer?.stop();
  await relay?.stop();
  await publisher.close();
  await pool.query(`drop schema ${schema} cascade`);
  await pool.end();
  await telemetry.shutdown();
});

test('a span started before enqueue is the parent of the relay publish span, which is the parent of the consumer span, in Jaeger', async () => {
  const handled: string[] = [];
  consumer = createMessageConsumer({
    kafka,
    groupId: `trace-${randomUUID()}`,
    topics: [topic],
    routes: {
      OrderPlaced: {
        versions: { 1: (p) => p },
        handle: async (e) => {
          handled.push(trace.getActiveSpan()?.spanContext().traceId ?? 'no active span');
          assert.ok(e.traceparent);
        },
      },
    },
  });
  await consumer.start();
  relay = createOutboxRelay({
    pool,
    connectionString: url,
    publisher,
    spanAttributes: (row) => ({ 'order.id': row.key }),
  });
  await relay.start();

  const { traceId, spanId } = await withSpan('place order', async (span) => {
    await withTransaction(pool, (tx) =>
      enqueue(
        tx,
        outboxMessage(topic, { type: 'OrderPlaced', version: 1, key: 'order-1', payload: {} }),
      ),
    );
    return span.spanContext();
  });
  await eventually(() => assert.deepEqual(handled, [traceId]), { timeoutMs: 20_000 });
  await telemetry.flush();

  const spans = await eventually(
    async () => {
      const res = await fetch(`${endpoints.jaegerUrl}/api/traces/${traceId}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: { spans: JaegerSpan[] }[] };
      const found = body.data[0]?.spans ?? [];
      assert.equal(
        found.length,
        3,
        `spans so far: ${found.map((s) => s.operationName).join(', ')}`,
      );
      return found;
    },
    { timeoutMs: 20_000, description: 'the three spans of the trace in Jaeger' },
  );
  const byName = new Map(spans.map((s) => [s.operationName, s]));
  const parentOf = (name: string) =>
    byName.get(name)?.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
  const publish = byName.get(`publish ${topic}`);
  assert.equal(byName.get('place order')?.spanID, spanId);
  assert.equal(
    parentOf(`publish ${topic}`),
    spanId,
    'the publish span is a child of the span active at enqueue',
  );
  assert.equal(
    parentOf(`process ${topic}`),
    publish?.spanID,
    'the consumer span is a child of the publish span',
  );
});

test('with spanRelation link, a consumer span starts a trace of its own, linked to the publish span; both carry the attributes asked for', async () => {
  const handled: string[] = [];
  linkConsumer = createMessageConsumer({
    kafka,
    groupId: `trace-link-${randomUUID()}`,
    topics: [linkTopic],
    spanRelation: 'link',
    spanAttributes: (e) => ({ 'order.id': e.key }),
    routes: {
      OrderPlaced: {
        versions: { 1: (p) => p },
        handle: async () => {
          handled.push(trace.getActiveSpan()?.spanContext().traceId ?? 'no active span');
        },
      },
    },
  });
  await linkConsumer.start();
  const traceId = await withSpan('place order', async (span) => {
    await withTransaction(pool, (tx) =>
      enqueue(
        tx,
        outboxMessage(linkTopic, { type: 'OrderPlaced', version: 1, key: 'order-2', payload: {} }),
      ),
    );
    return span.spanContext().traceId;
  });
  await eventually(() => assert.equal(handled.length, 1), { timeoutMs: 20_000 });
  const consumerTraceId = handled[0] as string;
  assert.notEqual(consumerTraceId, traceId, 'the consumer span is in a new trace');
  await telemetry.flush();

  const publish = await eventually(
    async () => {
      const found = (await jaegerTrace(traceId)).find(
        (s) => s.operationName === `publish ${linkTopic}`,
      );
      assert.ok(found, 'the publish span, in the trace of the span active at enqueue');
      return found;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(tag(publish, 'order.id'), 'order-2');
  const processSpan = await eventually(
    async () => {
      const found = (await jaegerTrace(consumerTraceId)).find(
        (s) => s.operationName === `process ${linkTopic}`,
      );
      assert.ok(found, 'the consumer span, in its own trace');
      return found;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(tag(processSpan, 'order.id'), 'order-2');
  assert.deepEqual(
    processSpan.references.map((r) => [r.refType, r.spanID]),
    [['FOLLOWS_FROM', publish.spanID]],
    'no parent, a link to the publish span',
  );
});

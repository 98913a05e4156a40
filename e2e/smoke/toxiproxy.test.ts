import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { ensureTopics } from '@saga/outbox';
import { createToxiproxyClient, testStack } from '@saga/testkit';
import { proxySpecs } from '@saga/topology';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const { settings, endpoints } = testStack(process.env);
const toxiproxy = createToxiproxyClient(endpoints.toxiproxyUrl);
const LATENCY_MS = 300;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

before(async () => {
  await toxiproxy.reset();
});
after(async () => {
  await toxiproxy.reset();
});

test('the stack creates the shared proxies for tools and tests: postgres, redis, kafka and each service gRPC server', async () => {
  const proxies = await toxiproxy.listProxies();
  const names = proxySpecs(settings)
    .filter((p) => !p.edge)
    .map((p) => p.name);
  assert.deepEqual(names, [
    'postgres',
    'redis',
    'kafka',
    'order',
    'inventory',
    'payment',
    'shipping',
  ]);
  for (const name of names) {
    assert.ok(proxies[name]?.enabled, `proxy ${name} missing or disabled`);
  }
});

test(`a ${LATENCY_MS} ms latency toxic on the postgres proxy slows a query by at least that, and removing it makes it fast again`, async (t) => {
  const client = new pg.Client({ connectionString: endpoints.postgresUrl('order') });
  await client.connect();
  try {
    await client.query('select 1'); // warm the connection
    const name = await toxiproxy.addToxic('postgres', {
      type: 'latency',
      attributes: { latency: LATENCY_MS },
    });
    let slow: number;
    try {
      slow = await timed(() => client.query('select 1'));
    } finally {
      await toxiproxy.removeToxic('postgres', name);
    }
    const fast = await timed(() => client.query('select 1'));
    t.diagnostic(`query with toxic ${slow.toFixed(1)} ms, without ${fast.toFixed(1)} ms`);
    assert.ok(slow >= LATENCY_MS, `with the toxic the query took ${slow} ms`);
    assert.ok(fast < LATENCY_MS / 2, `without the toxic the query took ${fast} ms`);
  } finally {
    await client.end();
  }
});

test('a toxic on the kafka proxy affects clients after bootstrap (the advertised listener is the proxy)', async (t) => {
  const kafka = new Kafka({
    clientId: 'smoke-toxic',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const topic = `smoke.toxic.${randomUUID()}`;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    await producer.connect();
    const send = () => producer.send({ topic, acks: -1, messages: [{ value: 'x' }] });
    await send(); // metadata fetched, connection to the advertised address open
    const name = await toxiproxy.addToxic('kafka', {
      type: 'latency',
      attributes: { latency: LATENCY_MS },
    });
    let slow: number;
    try {
      slow = await timed(send);
    } finally {
      await toxiproxy.removeToxic('kafka', name);
    }
    const fast = await timed(send);
    t.diagnostic(`produce with toxic ${slow.toFixed(1)} ms, without ${fast.toFixed(1)} ms`);
    assert.ok(slow >= LATENCY_MS, `with the toxic the produce took ${slow} ms`);
    assert.ok(fast < LATENCY_MS / 2, `without the toxic the produce took ${fast} ms`);
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});

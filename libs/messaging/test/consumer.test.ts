import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { ensureTopics, type OutboxMessage, publishable } from '@saga/outbox';
import { eventually, testStack } from '@saga/testkit';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import {
  createMessageConsumer,
  type Envelope,
  InvalidMessageError,
  type MessageConsumer,
  outboxMessage,
} from '../src/index.ts';

const { endpoints } = testStack(process.env);
const kafka = new Kafka({
  clientId: 'messaging-test',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
let admin: Admin;
let producer: Producer;
const consumers: MessageConsumer[] = [];

type Order = { orderId: string; n: number };
const parseOrder = (p: unknown): Order => {
  const o = p as Partial<Order>;
  if (typeof o?.orderId !== 'string' || typeof o.n !== 'number') {
    throw new InvalidMessageError('OrderPlaced v1 needs orderId (string) and n (number)');
  }
  return { orderId: o.orderId, n: o.n };
};

async function topics(): Promise<{ topic: string; dlq: string }> {
  const topic = `test.messaging.${randomUUID()}`;
  await ensureTopics(admin, [
    { topic, numPartitions: 1 },
    { topic: `${topic}.dlq`, numPartitions: 1 },
  ]);
  return { topic, dlq: `${topic}.dlq` };
}

/** Sends what the outbox relay would send for this message. */
async function send(m: OutboxMessage & { id: string }): Promise<void> {
  await producer.send({ topic: m.topic, messages: [publishable(m)] });
}

const order = (topic: string, n: number) =>
  outboxMessage(topic, {
    type: 'OrderPlaced',
    version: 1,
    key: `order-${n}`,
    payload: { orderId: `order-${n}`, n },
  });

async function readDlq(dlq: string, count: number) {
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const seen: { value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          value: message.value?.toString() ?? '',
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          ),
        });
      },
    });
    await eventually(() => assert.ok(seen.length >= count, `${seen.length} dead letters`), {
      timeoutMs: 20_000,
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

function consumerFor(
  topic: string,
  handle: (e: Envelope<unknown>) => Promise<void>,
  extra: { groupId?: string; maxAttempts?: number } = {},
) {
  const c = createMessageConsumer({
    kafka,
    groupId: extra.groupId ?? `test-${randomUUID()}`,
    topics: [topic],
    routes: { OrderPlaced: { versions: { 1: parseOrder }, handle } },
    maxAttempts: extra.maxAttempts ?? 3,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  consumers.push(c);
  return c;
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});

after(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await producer.disconnect();
  await admin.disconnect();
});

test('poison messages go to the dead-letter topic with their error, and later messages are still processed', async () => {
  const { topic, dlq } = await topics();
  const handled: number[] = [];
  await consumerFor(topic, async (e) => {
    handled.push((e.payload as Order).n);
  }).start();
  await send(order(topic, 1));
  await producer.send({
    topic,
    messages: [{ key: 'x', value: 'not even json', headers: { 'message-id': randomUUID() } }],
  });
  await send({ ...order(topic, 2), payload: '{"orderId": 42}' }); // fails validation
  await send({
    ...order(topic, 3),
    headers: { ...order(topic, 3).headers, 'message-version': '9' },
  });
  await send(order(topic, 4));
  await eventually(() => assert.deepEqual(handled, [1, 4]), { timeoutMs: 20_000 });
  const dead = await readDlq(dlq, 3);
  assert.deepEqual(
    dead.map((d) => [d.headers['dlq-error-type'], d.headers['dlq-error']]),
    [
      ['InvalidMessageError', 'missing header message-version'],
      ['InvalidMessageError', 'OrderPlaced v1 needs orderId (string) and n (number)'],
      ['InvalidMessageError', 'unsupported version 9 of OrderPlaced'],
    ],
  );
  assert.equal(dead[0]?.value, 'not even json', 'the original message is kept as it was');
  assert.equal(dead[0]?.headers['dlq-original-topic'], topic);
});

test('a handler that keeps failing is retried maxAttempts times, then dead-lettered, and the consumer goes on', async () => {
  const { topic, dlq } = await topics();
  const attempts = new Map<number, number>();
  await consumerFor(topic, async (e) => {
    const n = (e.payload as Order).n;
    attempts.set(n, (attempts.get(n) ?? 0) + 1);
    if (n === 1) throw new Error('payment provider is down');
  }).start();
  await send(order(topic, 1));
  await send(order(topic, 2));
  await eventually(() => assert.equal(attempts.get(2), 1), { timeoutMs: 20_000 });
  assert.equal(attempts.get(1), 3);
  const [dead] = await readDlq(dlq, 1);
  assert.equal(dead?.headers['dlq-error'], 'payment provider is down');
  assert.equal(dead?.headers['dlq-attempts'], '3');
});

test('a transient handler failure is retried and succeeds, with nothing dead-lettered', async () => {
  const { topic, dlq } = await topics();
  let calls = 0;
  const done: number[] = [];
  await consumerFor(topic, async (e) => {
    calls += 1;
    if (calls < 3) throw new Error('deadlock, try again');
    done.push((e.payload as Order).n);
  }).start();
  await send(order(topic, 7));
  await send(order(topic, 8));
  await eventually(() => assert.deepEqual(done, [7, 8]), { timeoutMs: 20_000 });
  const offsets = await admin.fetchTopicOffsets(dlq);
  assert.equal(offsets[0]?.high, '0', 'nothing was dead-lettered');
});

test('a store that stays unreachable longer than maxAttempts does not dead-letter the message: it waits, in order, then succeeds', async () => {
  const { topic, dlq } = await topics();
  // A real refused connection: a port nothing listens on (as when a proxy or the database is down).
  const refused = await new Promise<Error>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 1 });
    socket.on('error', resolve);
  });
  assert.equal((refused as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  let outage = 10; // failures before the store is back: more than maxAttempts (3)
  const done: number[] = [];
  await consumerFor(topic, async (e) => {
    if (outage > 0) {
      outage -= 1;
      throw new Error('cannot reach the database', { cause: refused });
    }
    done.push((e.payload as Order).n);
  }).start();
  await send(order(topic, 1));
  await send(order(topic, 2));
  await eventually(() => assert.deepEqual(done, [1, 2]), { timeoutMs: 20_000 });
  assert.equal(outage, 0, 'the first message was attempted through the whole outage');
  const offsets = await admin.fetchTopicOffsets(dlq);
  assert.equal(offsets[0]?.high, '0', 'nothing was dead-lettered');
});

test('stop lets the message in flight finish and commits it, so a restarted consumer does not see it again', async () => {
  const { topic } = await topics();
  const groupId = `test-${randomUUID()}`;
  const first: number[] = [];
  let release: () => void = () => {};
  const inFlight = new Promise<void>((r) => {
    release = r;
  });
  const c1 = consumerFor(
    topic,
    async (e) => {
      const n = (e.payload as Order).n;
      if (n === 2) {
        release();
        await new Promise((r) => setTimeout(r, 300)); // still working when stop() is called
      }
      first.push(n);
    },
    { groupId },
  );
  await c1.start();
  await send(order(topic, 1));
  await send(order(topic, 2));
  await inFlight;
  await c1.stop();
  assert.deepEqual(first, [1, 2], 'the message in flight was finished before stopping');
  await send(order(topic, 3));
  const second: number[] = [];
  await consumerFor(
    topic,
    async (e) => {
      second.push((e.payload as Order).n);
    },
    { groupId },
  ).start();
  await eventually(() => assert.ok(second.includes(3)), { timeoutMs: 20_000 });
  assert.deepEqual(second, [3]);
});

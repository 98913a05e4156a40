/**
 * Every network edge of a service process is its own toxiproxy proxy (`<from>-><to>`,
 * docs/native-stack.md "Edges"): cutting one breaks that caller's connections to that target and
 * nothing else, while the shared proxies keep serving tools and tests. One test per kind of edge
 * (postgres, redis, kafka, grpc); each mends its edge in `finally` and waits for the platform to
 * be ready again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { ensureTopics } from '@saga/outbox';
import { createToxiproxyClient, eventually, testStack } from '@saga/testkit';
import { edgeSpec, edgeSpecs, proxySpecs, SERVICE_PROCESSES } from '@saga/topology';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { api, placeOrder, settled } from '../support/api.ts';

const { settings, endpoints } = testStack(process.env);
const toxiproxy = createToxiproxyClient(endpoints.toxiproxyUrl);

/**
 * `GET /readyz` of a service process: its status and what failed (the gateway names the failed
 * checks; a bounded context maps each to its error).
 */
async function readyz(service: (typeof SERVICE_PROCESSES)[number]) {
  const port =
    service === 'gateway' ? settings.gateway.port : settings.services[service].healthPort;
  const res = await fetch(`http://${settings.host}:${port}/readyz`, {
    signal: AbortSignal.timeout(3_000),
  });
  const body = (await res.json()) as { failed?: string[] | Record<string, string> };
  return { status: res.status, body };
}

/** Polls until every service process answers `/readyz` 200. */
function allReady(timeoutMs = 60_000): Promise<void> {
  return eventually(
    async () => {
      for (const service of SERVICE_PROCESSES) {
        const { status, body } = await readyz(service);
        if (status !== 200) throw new Error(`${service} /readyz ${status} ${JSON.stringify(body)}`);
      }
    },
    { timeoutMs, intervalMs: 250, description: 'every service ready again' },
  );
}

/** Runs `fn` with the edge cut (proxy disabled), and always mends it. */
async function withEdgeCut(name: string, fn: () => Promise<void>): Promise<void> {
  await toxiproxy.setEnabled(name, false);
  try {
    await fn();
  } finally {
    await toxiproxy.setEnabled(name, true);
  }
}

before(async () => {
  await toxiproxy.reset();
  await allReady();
});
after(async () => {
  await toxiproxy.reset();
});

test('the stack creates one proxy per service edge, named <from>-><to>, besides the shared ones', async () => {
  const proxies = await toxiproxy.listProxies();
  const expected = proxySpecs(settings);
  assert.deepEqual(Object.keys(proxies).sort(), expected.map((p) => p.name).sort());
  for (const p of expected) {
    const actual = proxies[p.name];
    assert.equal(actual?.listen, `${p.listen.host}:${p.listen.port}`, p.name);
    assert.equal(actual?.upstream, `${p.upstream.host}:${p.upstream.port}`, p.name);
    assert.equal(actual?.enabled, true, p.name);
  }
  assert.ok(edgeSpecs(settings).some((e) => e.name === 'payment->postgres'));
});

test('cutting payment->postgres breaks only payment: its /readyz fails while order, the others and the shared postgres proxy still work', async () => {
  await withEdgeCut('payment->postgres', async () => {
    const payment = await eventually(
      async () => {
        const r = await readyz('payment');
        if (r.status === 200) throw new Error('payment still ready');
        return r;
      },
      { timeoutMs: 10_000, description: 'payment not ready' },
    );
    assert.equal(payment.status, 503);
    // Refused at payment's own edge proxy, the one that was cut.
    const port = edgeSpec(settings, 'payment', 'postgres').listen.port;
    assert.deepEqual(Object.keys(payment.body.failed ?? {}), ['database']);
    assert.match(JSON.stringify(payment.body.failed), new RegExp(`:${port}\\b`));
    for (const other of ['order', 'inventory', 'shipping'] as const) {
      assert.equal((await readyz(other)).status, 200, `${other} /readyz`);
    }
    // Tools are not blinded: the shared proxy reaches payment's database.
    const client = new pg.Client({ connectionString: endpoints.postgresUrl('payment') });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>('select 1 as one');
      assert.equal(rows[0]?.one, 1);
    } finally {
      await client.end();
    }
  });
  await allReady();
});

test('cutting gateway->redis breaks only the gateway: /readyz names redis, keyed writes answer 503, the shared redis proxy still answers', async () => {
  await withEdgeCut('gateway->redis', async () => {
    const gateway = await eventually(
      async () => {
        const r = await readyz('gateway');
        if (r.status === 200) throw new Error('gateway still ready');
        return r;
      },
      { timeoutMs: 10_000, description: 'gateway not ready' },
    );
    assert.deepEqual(gateway.body.failed, ['redis']);
    const res = await placeOrder({
      customerId: 'cust_alice',
      items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    });
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    // Reads need no Idempotency-Key store.
    assert.equal((await api('GET', '/v1/products/SKU-BOOK')).status, 200);
    const redis = new Redis({ ...endpoints.redis, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      assert.equal(await redis.ping(), 'PONG');
    } finally {
      redis.disconnect();
    }
  });
  await allReady();
});

test('cutting gateway->order makes POST /v1/orders fail fast with a problem+json 503, while the gateway reaches the other services', async (t) => {
  await withEdgeCut('gateway->order', async () => {
    const start = performance.now();
    const res = await placeOrder({
      customerId: 'cust_alice',
      items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    });
    const ms = performance.now() - start;
    t.diagnostic(
      `POST /v1/orders with gateway->order cut answered ${res.status} in ${ms.toFixed(0)} ms`,
    );
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    // Fast: well before the write deadline (GRPC_WRITE_DEADLINE_MS, 5 s), not a hang.
    assert.ok(ms < 5_000, `took ${ms} ms`);
    assert.equal((await api('GET', '/v1/products/SKU-BOOK')).status, 200, 'gateway->inventory');
    assert.equal((await api('GET', '/v1/customers/cust_alice')).status, 200, 'gateway->payment');
    const gateway = await eventually(
      async () => {
        const r = await readyz('gateway');
        if (r.status === 200) throw new Error('gateway still ready');
        return r;
      },
      { timeoutMs: 10_000, description: 'gateway not ready' },
    );
    assert.deepEqual(gateway.body.failed, ['order']);
    // The order service itself is untouched: its own edges are separate proxies.
    assert.equal((await readyz('order')).status, 200);
  });
  await allReady();
});

test('with payment->kafka cut, a client bootstrapped through order->kafka produces and consumes, one through payment->kafka cannot connect', async (t) => {
  const topic = `smoke.edges.${randomUUID()}`;
  const tools = new Kafka({
    clientId: 'smoke-edges-admin',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = tools.admin();
  await admin.connect();
  const brokerThrough = (from: 'order' | 'payment', retries = 5) => {
    const { listen } = edgeSpec(settings, from, 'kafka');
    return new Kafka({
      clientId: `smoke-edges-${from}`,
      brokers: [`${listen.host}:${listen.port}`],
      connectionTimeout: 1_000,
      retry: { retries },
      logLevel: logLevel.NOTHING,
    });
  };
  try {
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    // Each service's listener advertises the service's own edge: after the bootstrap a client
    // stays on it, so cutting the edge really cuts that client.
    for (const from of ['order', 'payment'] as const) {
      const probe = brokerThrough(from).admin();
      await probe.connect();
      try {
        const cluster = await probe.describeCluster();
        const { listen } = edgeSpec(settings, from, 'kafka');
        assert.deepEqual(
          cluster.brokers.map((b) => `${b.host}:${b.port}`),
          [`${listen.host}:${listen.port}`],
          `metadata through ${from}->kafka`,
        );
      } finally {
        await probe.disconnect();
      }
    }

    await withEdgeCut('payment->kafka', async () => {
      const order = brokerThrough('order');
      const producer = order.producer({ allowAutoTopicCreation: false });
      const consumer = order.consumer({ groupId: `smoke-edges-${randomUUID()}` });
      const received: string[] = [];
      const start = performance.now();
      await producer.connect();
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            received.push(message.value?.toString() ?? '');
          },
        });
        await producer.send({ topic, acks: -1, messages: [{ value: 'through order->kafka' }] });
        await eventually(
          () => {
            if (!received.includes('through order->kafka')) throw new Error('not consumed yet');
          },
          { timeoutMs: 30_000, description: 'message consumed through order->kafka' },
        );
        t.diagnostic(
          `produced and consumed through order->kafka in ${(performance.now() - start).toFixed(0)} ms`,
        );
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
      }

      const payment = brokerThrough('payment', 0).producer();
      await assert.rejects(payment.connect(), /ECONNREFUSED|Connection|connect/i);
      await payment.disconnect().catch(() => undefined);
      // The shared proxy (tools) is another listener and another proxy: unaffected.
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(metadata.topics[0]?.name, topic);
    });
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  await allReady();
});

test('once every edge is mended, an order placed through the gateway is confirmed', async () => {
  await allReady();
  const res = await eventually(
    async () => {
      const r = await placeOrder({
        customerId: 'cust_alice',
        items: [{ sku: 'SKU-BOOK', quantity: 1 }],
      });
      if (r.status !== 202)
        throw new Error(`POST /v1/orders ${r.status} ${JSON.stringify(r.body)}`);
      return r;
    },
    { timeoutMs: 30_000, intervalMs: 500, description: 'an order accepted' },
  );
  const order = await settled(res.body.orderId, 60_000);
  assert.equal(order.status, 'CONFIRMED', JSON.stringify(order));
});

/**
 * "One order, one trace" (docs/patterns/telemetry.md), end to end: an order placed through the
 * gateway, confirmed or compensated by every participant, in each saga style, is exactly one
 * trace in Jaeger, rooted at the gateway's request span, with no orphan span, and it is the
 * only trace any service tags with the order's id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, testStack } from '@saga/testkit';
import pg from 'pg';
import { ADDRESS, type Address, api, placeOrder } from '../support/api.ts';
import {
  findTraceIds,
  getTrace,
  type JaegerSpan,
  type JaegerTrace,
  orphansOf,
  parentOf,
  rootsOf,
  serviceOf,
  tagOf,
  untracedHeaders,
} from '../support/jaeger.ts';

const { endpoints } = testStack(process.env);
const PARTICIPANTS = ['order', 'inventory', 'payment', 'shipping'] as const;
const SERVICES = ['gateway', ...PARTICIPANTS] as const;

/**
 * The services consuming each topic (the `consume` specs in services/<name>/src/app.ts). Every
 * consumer makes a span for every message of its topics, handled or not.
 */
const SUBSCRIBERS: Readonly<Record<string, readonly string[]>> = {
  'order.events.v1': ['inventory', 'payment', 'shipping'],
  'inventory.events.v1': ['order', 'payment'],
  'payment.events.v1': ['inventory', 'order', 'shipping'],
  'shipping.events.v1': ['inventory', 'order', 'payment'],
  'inventory.commands.v1': ['inventory'],
  'payment.commands.v1': ['payment'],
  'shipping.commands.v1': ['shipping'],
  'order.saga-replies.v1': ['order'],
};

const pools = new Map<string, pg.Pool>();

before(() => {
  for (const s of PARTICIPANTS) {
    pools.set(s, new pg.Pool({ connectionString: endpoints.postgresUrl(s), max: 1 }));
  }
});

after(async () => {
  await Promise.all([...pools.values()].map((p) => p.end()));
});

/** GET through the gateway without being traced, so polling adds no trace with the order's id. */
async function untracedGet<T>(path: string): Promise<{ status: number; body: T }> {
  return api<T>('GET', path, { headers: untracedHeaders() });
}

/** Every outbox row of the order in every participant: its id, and whether it is published. */
async function outboxRows(orderId: string): Promise<{ id: string; published: boolean }[]> {
  const rows = await Promise.all(
    [...pools.values()].map(async (pool) => {
      const res = await pool.query<{ id: string; published: boolean }>(
        'select id::text as id, published_at is not null as published from outbox where key = $1',
        [orderId],
      );
      return res.rows;
    }),
  );
  return rows.flat();
}

const isPublish = (s: JaegerSpan) =>
  tagOf(s, 'span.kind') === 'producer' && s.operationName.startsWith('publish ');

/**
 * Polls Jaeger until the order's trace is complete: every outbox row of the order is published
 * and has its publish span, every publish span has the span of each service consuming its
 * topic, and every span's parent has arrived. The trace is read before the outbox, so a row
 * enqueued by a handler whose span was seen is always among the rows checked.
 */
function completeTrace(orderId: string, traceId: string): Promise<JaegerTrace> {
  return eventually(
    async () => {
      const t = await getTrace(traceId);
      assert.ok(t, `trace ${traceId} not in Jaeger yet`);
      const rows = await outboxRows(orderId);
      assert.ok(rows.length > 0);
      assert.deepEqual(
        rows.filter((r) => !r.published).map((r) => r.id),
        [],
        'unpublished outbox rows',
      );
      const publishes = t.spans.filter(isPublish);
      assert.deepEqual(
        publishes.map((s) => String(tagOf(s, 'messaging.message.id'))).sort(),
        rows.map((r) => r.id).sort(),
        'one publish span per outbox row of the order',
      );
      for (const p of publishes) {
        const topic = String(tagOf(p, 'messaging.destination.name'));
        const consumedBy = t.spans
          .filter((s) => parentOf(s) === p.spanID && s.operationName === `process ${topic}`)
          .map((s) => serviceOf(t, s))
          .sort();
        assert.deepEqual(
          consumedBy,
          [...(SUBSCRIBERS[topic] ?? [])].sort(),
          `consumers of ${p.operationName}`,
        );
      }
      assert.deepEqual(
        orphansOf(t).map((s) => `${serviceOf(t, s)} ${s.operationName}`),
        [],
        'spans whose parent is not in the trace',
      );
      return t;
    },
    { timeoutMs: 30_000, intervalMs: 250, description: `the complete trace of order ${orderId}` },
  );
}

type Outcome = {
  readonly status: 'CONFIRMED' | 'REJECTED';
  readonly reason?: string;
  readonly payment: string;
};

/** Places an order and waits (untraced) until the order and its payment are final. */
async function checkout(
  sagaMode: string,
  shippingAddress: Address,
  expected: Outcome,
): Promise<{ orderId: string; traceId: string }> {
  const res = await placeOrder({
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    shippingAddress,
    sagaMode,
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const { orderId, traceId } = res.body as { orderId: string; traceId?: string };
  assert.match(traceId ?? '', /^[0-9a-f]{32}$/, 'the placed order carries its trace id');
  await eventually(
    async () => {
      const order = await untracedGet<{ status: string; reason?: string; traceId?: string }>(
        `/v1/orders/${orderId}`,
      );
      assert.equal(order.body.status, expected.status);
      assert.equal(order.body.reason, expected.reason);
      assert.equal(order.body.traceId, traceId, 'GET shows the trace id of the POST');
      const payment = await untracedGet<{ status: string }>(`/v1/orders/${orderId}/payment`);
      assert.equal(payment.body.status, expected.payment);
    },
    { timeoutMs: 30_000, intervalMs: 100, description: `order ${orderId} final` },
  );
  return { orderId, traceId: traceId as string };
}

/** What "one order, one trace" means, checked on a complete trace. */
async function assertOneTrace(orderId: string, traceId: string, t: JaegerTrace): Promise<void> {
  const services = new Set(t.spans.map((s) => serviceOf(t, s)));
  for (const s of SERVICES) assert.ok(services.has(s), `no span from ${s}`);
  for (const s of PARTICIPANTS) {
    assert.ok(
      t.spans.some((span) => isPublish(span) && serviceOf(t, span) === s),
      `no relay publish span from ${s}`,
    );
  }

  const roots = rootsOf(t);
  assert.deepEqual(
    roots.map((s) => `${serviceOf(t, s)} ${s.operationName}`),
    ['gateway POST /v1/orders'],
    'exactly one root: the gateway request span',
  );
  const [root] = roots as [JaegerSpan];
  assert.equal(tagOf(root, 'span.kind'), 'server');
  assert.equal(tagOf(root, 'http.route'), '/v1/orders');
  assert.equal(tagOf(root, 'order.id'), orderId);
  assert.deepEqual(orphansOf(t), []);

  for (const service of SERVICES) {
    await eventually(
      async () =>
        assert.deepEqual(
          await findTraceIds({ service, tags: { 'order.id': orderId } }),
          [traceId],
          `traces of ${service} tagged order.id=${orderId}`,
        ),
      { timeoutMs: 10_000, intervalMs: 250, description: `Jaeger search in ${service}` },
    );
  }

  const everything = JSON.stringify(t.spans.map((s) => s.tags));
  for (const personal of [ADDRESS.name, ADDRESS.line1]) {
    assert.ok(!everything.includes(personal), `"${personal}" is in a span attribute`);
  }
}

/** The orchestrator's `saga.step` spans, as `<step> <outcome>`, in start order. */
function sagaSteps(t: JaegerTrace): string[] {
  return t.spans
    .filter((s) => s.operationName.startsWith('saga.step '))
    .map((s) => `${tagOf(s, 'saga.step')} ${tagOf(s, 'saga.outcome')}`);
}

for (const mode of ['choreography', 'orchestration'] as const) {
  describe(`one order, one trace: ${mode}`, () => {
    test('a confirmed order is one trace from the gateway through every participant', async () => {
      const { orderId, traceId } = await checkout(mode, ADDRESS, {
        status: 'CONFIRMED',
        payment: 'CAPTURED',
      });
      const t = await completeTrace(orderId, traceId);
      await assertOneTrace(orderId, traceId, t);
      if (mode === 'orchestration') {
        const steps = sagaSteps(t);
        for (const step of ['START started', 'RESERVING ok', 'AUTHORIZING ok', 'SCHEDULING ok'])
          assert.ok(steps.includes(step), `${step} in ${steps.join(', ')}`);
      }
    });

    test('an order compensated by every participant (address rejected after stock and payment) is one trace too', async () => {
      const { orderId, traceId } = await checkout(
        mode,
        { ...ADDRESS, postalCode: '00000' },
        { status: 'REJECTED', reason: 'ADDRESS_REJECTED', payment: 'VOIDED' },
      );
      const t = await completeTrace(orderId, traceId);
      await assertOneTrace(orderId, traceId, t);
      if (mode === 'orchestration') {
        const steps = sagaSteps(t);
        for (const step of ['SCHEDULING failed', 'COMPENSATING compensated'])
          assert.ok(steps.includes(step), `${step} in ${steps.join(', ')}`);
      }
    });
  });
}

/**
 * Metrics, end to end (docs/observability-metrics.md): every process serves `GET /metrics`, the
 * families documented there are exposed, and they move as orders flow. The saga outcome counter
 * is checked exactly: it moves by the orders that settled between two snapshots, per mode and
 * outcome, however often their messages were delivered. Rather than waiting for the platform to
 * be idle, each snapshot pairs the counter with the orders' statuses read just before and just
 * after it (and is taken again if any order moved in between), so orders of earlier tests still
 * settling, or of other tests running beside this one, are accounted for too.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { eventually, testStack } from '@saga/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { ADDRESS, api, type Order, placeOrder, settled } from '../support/api.ts';
import {
  COLLECTOR_METRICS_URL,
  families,
  METRICS_URLS,
  type MetricsTarget,
  type Scrape,
  scrape,
  scrapeAll,
  total,
} from '../support/metrics.ts';

const { endpoints } = testStack(process.env);
const MODES = ['choreography', 'orchestration'] as const;
const SERVICES = ['order', 'inventory', 'payment', 'shipping'] as const;

type Status = Order['status'];
type OrderStatuses = Map<string, { readonly mode: string; readonly status: Status }>;

/** The status of the 500 most recent orders, by id. */
async function orderStatuses(): Promise<OrderStatuses> {
  const res = await api<{ orders: Order[] }>('GET', '/v1/orders?limit=500');
  assert.equal(res.status, 200);
  return new Map(res.body.orders.map((o) => [o.orderId, { mode: o.sagaMode, status: o.status }]));
}

/**
 * The order service's metrics together with the orders' statuses at that moment: statuses read
 * before and after the scrape must agree, else an order moved meanwhile and it is tried again.
 */
async function consistentSnapshot(): Promise<{ orders: OrderStatuses; metrics: Scrape }> {
  return eventually(
    async () => {
      const before = await orderStatuses();
      const metrics = await scrape(METRICS_URLS.order);
      const after = await orderStatuses();
      const moved = [...after].filter(([id, o]) => before.get(id)?.status !== o.status);
      assert.deepEqual(moved, [], 'orders changed status during the snapshot');
      return { orders: after, metrics };
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'a snapshot while no order settles' },
  );
}

const key = (mode: string, outcome: string) => `${mode}/${outcome}`;

/** `saga_outcomes_total` by `<mode>/<outcome>`. */
function outcomes(s: Scrape): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of s.samples.filter((x) => x.name === 'saga_outcomes_total')) {
    const k = key(x.labels.saga_mode ?? '', x.labels.saga_outcome ?? '');
    out.set(k, (out.get(k) ?? 0) + x.value);
  }
  return out;
}

describe('metrics', () => {
  let start: { orders: OrderStatuses; metrics: Scrape };
  let startAll: Record<MetricsTarget, Scrape>;
  const mine = new Map<string, string>(); // order id → expected `<mode>/<outcome>`
  const keys: { key: string; body: Parameters<typeof placeOrder>[0] }[] = [];

  before(async () => {
    start = await consistentSnapshot();
    startAll = await scrapeAll();

    // Per mode: two confirmed, a payment declined and an out-of-stock (both rejected), and one
    // cancelled while shipping takes its time (docs/fixtures.md).
    const placeAs = async (body: Parameters<typeof placeOrder>[0], expected: string) => {
      const k = randomUUID();
      const res = await placeOrder(body, k);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      mine.set(res.body.orderId, key(String(body.sagaMode), expected));
      keys.push({ key: k, body });
      return res.body.orderId;
    };
    await Promise.all(
      MODES.flatMap((sagaMode) => [
        placeAs(
          { sagaMode, customerId: 'cust_alice', items: [{ sku: 'SKU-BOOK', quantity: 1 }] },
          'confirmed',
        ),
        placeAs(
          { sagaMode, customerId: 'cust_alice', items: [{ sku: 'SKU-MUG', quantity: 2 }] },
          'confirmed',
        ),
        placeAs(
          { sagaMode, customerId: 'cust_declined', items: [{ sku: 'SKU-BOOK', quantity: 1 }] },
          'rejected',
        ),
        placeAs(
          { sagaMode, customerId: 'cust_alice', items: [{ sku: 'SKU-SOLDOUT', quantity: 1 }] },
          'rejected',
        ),
        (async () => {
          const id = await placeAs(
            {
              sagaMode,
              customerId: 'cust_alice',
              items: [{ sku: 'SKU-TSHIRT', quantity: 1 }],
              shippingAddress: { ...ADDRESS, city: 'Slowtown' },
            },
            'cancelled',
          );
          const res = await api<Order>('DELETE', `/v1/orders/${id}`);
          assert.equal(res.status, 200, JSON.stringify(res.body));
        })(),
      ]),
    );
    for (const [id, expected] of mine) {
      const o = await settled(id);
      assert.equal(key(o.sagaMode, o.status.toLowerCase()), expected, `order ${id}`);
    }
    // Reads, so that every service's gRPC server has answered during the test.
    for (const path of [
      '/v1/products/SKU-BOOK',
      '/v1/customers/cust_alice',
      `/v1/orders/${[...mine].find(([, k]) => k.endsWith('/confirmed'))?.[0]}/shipment`,
    ]) {
      assert.equal((await api('GET', path)).status, 200, path);
    }
  });

  test('saga.outcomes moves by exactly the orders that settled, per saga mode and outcome', async () => {
    await eventually(
      async () => {
        const end = await consistentSnapshot();
        // Orders settled since the first snapshot: ours, and any other test's running beside.
        const expected = new Map<string, number>();
        for (const [id, o] of end.orders) {
          if (o.status === 'PENDING' || start.orders.get(id)?.status === o.status) continue;
          const k = key(o.mode, o.status.toLowerCase());
          expected.set(k, (expected.get(k) ?? 0) + 1);
        }
        for (const [id] of mine) assert.ok(end.orders.has(id), `order ${id} is listed`);
        const before = outcomes(start.metrics);
        const after = outcomes(end.metrics);
        const delta = new Map(
          [...new Set([...before.keys(), ...after.keys()])]
            .map((k) => [k, (after.get(k) ?? 0) - (before.get(k) ?? 0)] as const)
            .filter(([, d]) => d !== 0),
        );
        assert.deepEqual(
          Object.fromEntries([...delta].sort()),
          Object.fromEntries([...expected].sort()),
        );
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'saga.outcomes matches the orders' },
    );
    const ours = new Map<string, number>();
    for (const k of mine.values()) ours.set(k, (ours.get(k) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...ours].sort()), {
      'choreography/cancelled': 1,
      'choreography/confirmed': 2,
      'choreography/rejected': 2,
      'orchestration/cancelled': 1,
      'orchestration/confirmed': 2,
      'orchestration/rejected': 2,
    });
    // saga.duration has one observation per outcome.
    const end = await scrape(METRICS_URLS.order);
    assert.equal(
      total(end, 'saga_duration_count') - total(start.metrics, 'saga_duration_count'),
      total(end, 'saga_outcomes_total') - total(start.metrics, 'saga_outcomes_total'),
    );
  });

  test('every service exposes its metric families, and requests, rpc calls and outbox rows are counted', async () => {
    const placed = mine.size;
    await eventually(
      async () => {
        const now = await scrapeAll();
        const delta = (t: MetricsTarget, name: string, labels: Record<string, string> = {}) =>
          total(now[t], name, labels) - total(startAll[t], name, labels);

        for (const service of SERVICES) {
          const f = families(now[service]);
          for (const family of [
            'rpc_server_duration',
            'outbox_published_total',
            'outbox_lag',
            'outbox_pending',
            'messaging_kafka_consumer_lag',
          ])
            assert.ok(f.has(family), `${service} exposes ${family}`);
          assert.ok(delta(service, 'rpc_server_duration_count') >= 1, `${service} answered gRPC`);
          assert.ok(delta(service, 'outbox_published_total') >= 1, `${service} published`);
        }
        const order = families(now.order);
        for (const family of [
          'saga_outcomes_total',
          'saga_duration',
          'rpc_client_duration',
          'rpc_client_circuit_breaker_state',
        ])
          assert.ok(order.has(family), `order exposes ${family}`);
        const gateway = families(now.gateway);
        for (const family of [
          'http_server_request_duration',
          'rpc_client_duration',
          'rpc_client_circuit_breaker_state',
          'idempotency_requests_total',
        ])
          assert.ok(gateway.has(family), `gateway exposes ${family}`);

        // Every order: one POST at the gateway, one CreateOrder on both sides of the call, one
        // PriceItems from order to inventory, two rows on order.events.v1 (placed, settled).
        const create = { rpc_method: 'CreateOrder', rpc_grpc_status_code: '0' };
        assert.ok(
          delta('gateway', 'http_server_request_duration_count', {
            http_request_method: 'POST',
            http_route: '/v1/orders',
          }) >= placed,
        );
        assert.ok(delta('gateway', 'rpc_client_duration_count', create) >= placed);
        assert.ok(delta('order', 'rpc_server_duration_count', create) >= placed);
        assert.ok(
          delta('inventory', 'rpc_server_duration_count', { rpc_method: 'PriceItems' }) >= placed,
        );
        assert.ok(
          delta('order', 'outbox_published_total', {
            messaging_destination_name: 'order.events.v1',
          }) >=
            2 * placed,
        );
        assert.ok(
          delta('gateway', 'idempotency_requests_total', { idempotency_outcome: 'miss' }) >= placed,
        );
        for (const dependency of SERVICES) {
          assert.equal(
            total(now.gateway, 'rpc_client_circuit_breaker_state', { peer_service: dependency }),
            0,
            `the gateway's breaker for ${dependency} is closed`,
          );
        }
        for (const service of SERVICES) {
          for (const s of now[service].samples.filter(
            (x) => x.name === 'messaging_kafka_consumer_lag',
          )) {
            assert.ok(s.value >= 0 && s.labels.messaging_consumer_group_name?.startsWith(service));
          }
        }
      },
      { timeoutMs: 30_000, intervalMs: 500, description: 'metrics moved with the orders' },
    );
  });

  test('replaying an Idempotency-Key counts a hit; reusing it for another body, a mismatch', async () => {
    const first = keys[0];
    assert.ok(first);
    const before = await scrape(METRICS_URLS.gateway);
    const replay = await placeOrder(first.body, first.key);
    assert.equal(replay.status, 202);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    const reused = await placeOrder({ ...first.body, customerId: 'cust_bob' }, first.key);
    assert.equal(reused.status, 422);
    const after = await scrape(METRICS_URLS.gateway);
    const delta = (outcome: string) =>
      total(after, 'idempotency_requests_total', { idempotency_outcome: outcome }) -
      total(before, 'idempotency_requests_total', { idempotency_outcome: outcome });
    assert.ok(delta('hit') >= 1, 'hit counted');
    assert.ok(delta('mismatch') >= 1, 'mismatch counted');
  });

  test('a poison message is dead-lettered and counted by topic and error type', async () => {
    const labels = {
      messaging_destination_name: 'shipping.commands.v1',
      error_type: 'InvalidMessageError',
    };
    const before = total(
      await scrape(METRICS_URLS.shipping),
      'messaging_dlq_messages_total',
      labels,
    );
    const kafka = new Kafka({ brokers: [...endpoints.kafkaBrokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: 'shipping.commands.v1',
        acks: -1,
        messages: [{ key: `poison-${randomUUID()}`, value: 'not an envelope' }],
      });
    } finally {
      await producer.disconnect();
    }
    await eventually(
      async () => {
        const now = await scrape(METRICS_URLS.shipping);
        assert.equal(total(now, 'messaging_dlq_messages_total', labels) - before, 1);
      },
      { timeoutMs: 20_000, intervalMs: 250, description: 'the dead-lettered message counted' },
    );
  });

  test("the collector re-exposes the services' metrics pushed over OTLP, labelled by service", async () => {
    await eventually(
      async () => {
        const collector = await scrape(COLLECTOR_METRICS_URL);
        assert.ok(total(collector, 'saga_outcomes_total', { job: 'order' }) > 0, 'order via OTLP');
        for (const service of SERVICES) {
          assert.ok(
            collector.samples.some((x) => x.labels.job === service && x.name.startsWith('outbox_')),
            `${service} via OTLP`,
          );
        }
      },
      // OTLP pushes every OTEL_METRIC_EXPORT_INTERVAL (5 s by default).
      { timeoutMs: 20_000, intervalMs: 500, description: 'service metrics at the collector' },
    );
  });
});

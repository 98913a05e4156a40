import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { EVENTS } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import {
  InventoryServiceService,
  type PriceItemsRequest,
  type PriceItemsResponse,
} from '@saga/contracts/inventory';
import {
  type CreateOrderRequest,
  type CreateOrderResponse,
  type GetOrderResponse,
  OrderServiceClient,
  OrderStatus,
} from '@saga/contracts/order';
import type { Envelope } from '@saga/messaging';
import {
  Code,
  createRpcClient,
  createRpcServer,
  type RpcClient,
  RpcError,
  type RpcServer,
} from '@saga/rpc';
import type { ServiceHost } from '@saga/service-host';
import { createLogger } from '@saga/service-kit';
import { inSchema, testStack } from '@saga/testkit';
import pg from 'pg';
import { createInventoryClient } from '../src/adapters/inventory.client.ts';
import { buildApp } from '../src/app.ts';

const stack = testStack(process.env);
const schema = `test_order_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const url = inSchema(stack.endpoints.postgresUrl('order'), schema);
const admin = new pg.Pool({ connectionString: stack.endpoints.postgresUrl('order'), max: 2 });
const PRICES: Record<string, number> = { 'SKU-BOOK': 2_500, 'SKU-MUG': 1_200 };

/** Short deadlines, so the orchestrator's timeouts and retries show within a test. */
const SAGA_POLICY = {
  SAGA_STEP_DEADLINE_MS: 1_500,
  SAGA_RETRY_DEADLINE_MS: 300,
  SAGA_MAX_RETRY_DEADLINE_MS: 600,
  SAGA_MAX_COMPENSATION_ATTEMPTS: 3,
  SAGA_SWEEP_INTERVAL_MS: 50,
};

let inventoryBehaviour: 'ok' | 'hang' = 'ok';
let inventoryServer: RpcServer;
let inventory: RpcClient;
let app: ServiceHost;
let client: RpcClient;

before(async () => {
  await admin.query(`create schema ${schema}`);
  // The inventory is another service; here a scripted stand-in answers PriceItems.
  inventoryServer = createRpcServer();
  inventoryServer.addService('saga.inventory.v1.InventoryService', InventoryServiceService, {
    priceItems: async (req) => {
      const { items } = req as PriceItemsRequest;
      if (inventoryBehaviour === 'hang') return new Promise(() => {});
      const unknown = items.find((i) => PRICES[i.sku] === undefined);
      if (unknown) throw new RpcError(Code.INVALID_ARGUMENT, `unknown SKU ${unknown.sku}`);
      const priced = items.map((i) => ({ ...i, unitPriceCents: PRICES[i.sku] ?? 0 }));
      return {
        items: priced,
        totalCents: priced.reduce((s, i) => s + i.quantity * i.unitPriceCents, 0),
      } satisfies PriceItemsResponse;
    },
  });
  const inventoryPort = await inventoryServer.listen('127.0.0.1:0');
  inventory = createInventoryClient(`127.0.0.1:${inventoryPort}`, 500);
  app = buildApp(
    { logger: createLogger({ service: 'order', level: 'silent' }), inventory, messaging: false },
    {
      HOST: '127.0.0.1',
      GRPC_PORT: 0,
      HEALTH_PORT: 0,
      DATABASE_URL: url,
      KAFKA_BROKERS: stack.endpoints.kafkaBrokers.join(','),
      SEED_FIXTURES: false,
      LOG_LEVEL: 'silent',
      INVENTORY_GRPC_ADDR: `127.0.0.1:${inventoryPort}`,
      DEFAULT_SAGA_MODE: 'choreography',
      INVENTORY_DEADLINE_MS: 500,
      ...SAGA_POLICY,
    },
  );
  const { grpcPort } = await app.start();
  client = createRpcClient(OrderServiceClient, `127.0.0.1:${grpcPort}`, {
    dependency: 'order',
    defaultDeadlineMs: 3_000,
  });
});

after(async () => {
  client?.close();
  inventory?.close();
  await app?.stop();
  await inventoryServer?.shutdown(100);
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
});

const address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const request = (overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest => ({
  requestId: randomUUID(),
  customerId: 'cust_alice',
  items: [
    { sku: 'SKU-BOOK', quantity: 2 },
    { sku: 'SKU-MUG', quantity: 1 },
  ],
  shippingAddress: address,
  sagaMode: SagaMode.SAGA_MODE_UNSPECIFIED,
  ...overrides,
});

const create = async (req: CreateOrderRequest) =>
  (await client.call<CreateOrderResponse>('createOrder', req)).order;
const get = async (orderId: string) =>
  (await client.call<GetOrderResponse>('getOrder', { orderId })).order;

async function outbox(orderId: string) {
  const { rows } = await app.pool.query<{ type: string; payload: Buffer }>(
    `select type, payload from ${schema}.outbox where key = $1 order by position`,
    [orderId],
  );
  return rows.map((r) => ({ type: r.type, payload: JSON.parse(r.payload.toString()) }));
}

function envelope<T>(
  def: { type: string; codec: { toJSON: (m: T) => unknown } },
  payload: T & { orderId: string },
): Envelope<unknown> {
  return {
    id: randomUUID(),
    type: def.type,
    version: 1,
    key: payload.orderId,
    correlationId: payload.orderId,
    occurredAt: new Date().toISOString(),
    payload: def.codec.toJSON(payload),
  };
}

test('placing an order stores it PENDING, priced by the inventory, with OrderPlaced in the outbox', async () => {
  const order = await create(request());
  assert.ok(order);
  assert.equal(order.status, OrderStatus.ORDER_STATUS_PENDING);
  assert.equal(order.totalCents, 6_200);
  assert.equal(order.sagaMode, SagaMode.SAGA_MODE_CHOREOGRAPHY);
  assert.deepEqual(
    order.items.map((i) => [i.sku, i.quantity, i.unitPriceCents]),
    [
      ['SKU-BOOK', 2, 2_500],
      ['SKU-MUG', 1, 1_200],
    ],
  );
  const messages = await outbox(order.orderId);
  assert.deepEqual(
    messages.map((m) => m.type),
    ['OrderPlaced'],
  );
  assert.equal(messages[0]?.payload.totalCents, 6_200);
  assert.equal(messages[0]?.payload.customerId, 'cust_alice');
  assert.deepEqual(
    order.timeline.map((t) => t.step),
    ['OrderPlaced'],
  );
});

test('the same request id placed twice, even concurrently, makes one order and one OrderPlaced', async () => {
  const req = request();
  const orders = await Promise.all(Array.from({ length: 10 }, () => create(req)));
  const ids = new Set(orders.map((o) => o?.orderId));
  assert.equal(ids.size, 1);
  const [orderId] = [...ids];
  assert.ok(orderId);
  assert.deepEqual(
    (await outbox(orderId)).map((m) => m.type),
    ['OrderPlaced'],
  );
});

test('an unknown SKU is refused with INVALID_ARGUMENT naming it, and nothing is stored', async () => {
  const req = request({ items: [{ sku: 'SKU-NOPE', quantity: 1 }] });
  await assert.rejects(create(req), (err: RpcError) => {
    assert.equal(err.code, Code.INVALID_ARGUMENT);
    assert.match(err.message, /SKU-NOPE/);
    return true;
  });
  const { rows } = await app.pool.query(`select 1 from ${schema}.orders where request_id = $1`, [
    req.requestId,
  ]);
  assert.equal(rows.length, 0);
});

test('bad input is refused with INVALID_ARGUMENT', async () => {
  for (const req of [
    request({ items: [] }),
    request({ items: [{ sku: 'SKU-BOOK', quantity: 0 }] }),
    request({ customerId: '' }),
    request({ requestId: '' }),
  ]) {
    await assert.rejects(create(req), (err: RpcError) => err.code === Code.INVALID_ARGUMENT);
  }
});

test('when the inventory does not answer, placing fails UNAVAILABLE within the deadline', async () => {
  inventoryBehaviour = 'hang';
  try {
    const started = Date.now();
    await assert.rejects(create(request()), (err: RpcError) => err.code === Code.UNAVAILABLE);
    assert.ok(Date.now() - started < 2_500, 'bounded by the inventory deadline');
  } finally {
    inventoryBehaviour = 'ok';
  }
});

test('when shipping is scheduled the order is CONFIRMED and OrderConfirmed is enqueued, once', async () => {
  const order = await create(request());
  assert.ok(order);
  const orderId = order.orderId;
  await app.deliver(
    'choreography',
    envelope(EVENTS.StockReserved, {
      orderId,
      customerId: 'cust_alice',
      totalCents: 6_200,
      shippingAddress: address,
      items: [],
    }),
  );
  const scheduled = envelope(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' });
  await app.deliver('choreography', scheduled);
  await app.deliver('choreography', scheduled); // redelivery
  const confirmed = await get(orderId);
  assert.equal(confirmed?.status, OrderStatus.ORDER_STATUS_CONFIRMED);
  assert.deepEqual(
    (await outbox(orderId)).map((m) => m.type),
    ['OrderPlaced', 'OrderConfirmed'],
  );
  assert.deepEqual(
    confirmed?.timeline.map((t) => t.step),
    ['OrderPlaced', 'StockReserved', 'ShipmentScheduled', 'OrderConfirmed'],
  );
  await assert.rejects(
    client.call('cancelOrder', { orderId }),
    (err: RpcError) => err.code === Code.FAILED_PRECONDITION,
  );
});

test('when payment is declined the order is REJECTED with the reason, and OrderRejected is enqueued', async () => {
  const order = await create(request());
  assert.ok(order);
  const orderId = order.orderId;
  await app.deliver(
    'choreography',
    envelope(EVENTS.PaymentDeclined, {
      orderId,
      reason: 'INSUFFICIENT_FUNDS',
      detail: 'needs 62.00',
    }),
  );
  await app.deliver('choreography', envelope(EVENTS.StockReleased, { orderId, released: true }));
  const rejected = await get(orderId);
  assert.equal(rejected?.status, OrderStatus.ORDER_STATUS_REJECTED);
  assert.equal(rejected?.reason, 'INSUFFICIENT_FUNDS');
  assert.equal(rejected?.reasonDetail, 'needs 62.00');
  const messages = await outbox(orderId);
  assert.deepEqual(
    messages.map((m) => m.type),
    ['OrderPlaced', 'OrderRejected'],
  );
  assert.equal(messages[1]?.payload.reason, 'INSUFFICIENT_FUNDS');
  assert.equal(rejected?.timeline.at(-1)?.outcome, 'compensated');
});

test('cancelling a pending order makes it CANCELLED and enqueues OrderCancelled; again is a no-op', async () => {
  const order = await create(request());
  assert.ok(order);
  const orderId = order.orderId;
  await client.call('cancelOrder', { orderId });
  await client.call('cancelOrder', { orderId });
  const cancelled = await get(orderId);
  assert.equal(cancelled?.status, OrderStatus.ORDER_STATUS_CANCELLED);
  assert.equal(cancelled?.reason, 'CUSTOMER_CANCELLED');
  assert.deepEqual(
    (await outbox(orderId)).map((m) => m.type),
    ['OrderPlaced', 'OrderCancelled'],
  );
  // A shipment scheduled after the cancellation does not confirm the order.
  await app.deliver(
    'choreography',
    envelope(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' }),
  );
  assert.equal((await get(orderId))?.status, OrderStatus.ORDER_STATUS_CANCELLED);
});

test('an unknown order is NOT_FOUND, for reads and cancels', async () => {
  for (const orderId of [randomUUID(), 'not-a-uuid']) {
    await assert.rejects(
      client.call('getOrder', { orderId }),
      (err: RpcError) => err.code === Code.NOT_FOUND,
    );
    await assert.rejects(
      client.call('cancelOrder', { orderId }),
      (err: RpcError) => err.code === Code.NOT_FOUND,
    );
  }
});

test('an event about an unknown order fails (so the consumer retries, then dead-letters it)', async () => {
  await assert.rejects(
    app.deliver(
      'choreography',
      envelope(EVENTS.ShipmentScheduled, { orderId: randomUUID(), deliveryDate: 'x' }),
    ),
    /not found/,
  );
});

test('listing returns the most recent orders first', async () => {
  const a = await create(request());
  const b = await create(request());
  const { orders } = await client.call<{ orders: { orderId: string }[] }>('listOrders', {
    limit: 2,
  });
  assert.deepEqual(
    orders.map((o) => o.orderId),
    [b?.orderId, a?.orderId],
  );
});

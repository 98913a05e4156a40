import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { EVENTS } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import { type CreateOrderRequest, OrderStatus } from '@saga/contracts/order';
import { Code, type RpcError } from '@saga/rpc';
import {
  address,
  envelope,
  type OrderHarness,
  orderRequest,
  startOrderHarness,
} from './support/order-harness.ts';

const PRICES: Record<string, number> = { 'SKU-BOOK': 2_500, 'SKU-MUG': 1_200 };

let h: OrderHarness;

before(async () => {
  h = await startOrderHarness({ schemaPrefix: 'test_order', price: (sku) => PRICES[sku] });
});

after(async () => {
  await h?.stop();
});

const request = (overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest =>
  orderRequest({
    items: [
      { sku: 'SKU-BOOK', quantity: 2 },
      { sku: 'SKU-MUG', quantity: 1 },
    ],
    ...overrides,
  });

test('placing an order stores it PENDING, priced by the inventory, with OrderPlaced in the outbox', async () => {
  const order = await h.create(request());
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
  const messages = await h.outbox(order.orderId);
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
  const orders = await Promise.all(Array.from({ length: 10 }, () => h.create(req)));
  const ids = new Set(orders.map((o) => o?.orderId));
  assert.equal(ids.size, 1);
  const [orderId] = [...ids];
  assert.ok(orderId);
  assert.deepEqual(
    (await h.outbox(orderId)).map((m) => m.type),
    ['OrderPlaced'],
  );
});

test('an unknown SKU is refused with INVALID_ARGUMENT naming it, and nothing is stored', async () => {
  const req = request({ items: [{ sku: 'SKU-NOPE', quantity: 1 }] });
  await assert.rejects(h.create(req), (err: RpcError) => {
    assert.equal(err.code, Code.INVALID_ARGUMENT);
    assert.match(err.message, /SKU-NOPE/);
    return true;
  });
  const { rows } = await h.app.pool.query(
    `select 1 from ${h.schema}.orders where request_id = $1`,
    [req.requestId],
  );
  assert.equal(rows.length, 0);
});

test('bad input is refused with INVALID_ARGUMENT', async () => {
  for (const req of [
    request({ items: [] }),
    request({ items: [{ sku: 'SKU-BOOK', quantity: 0 }] }),
    request({ customerId: '' }),
    request({ requestId: '' }),
  ]) {
    await assert.rejects(h.create(req), (err: RpcError) => err.code === Code.INVALID_ARGUMENT);
  }
});

test('when the inventory does not answer, placing fails UNAVAILABLE within the deadline', async () => {
  h.setInventoryBehaviour('hang');
  try {
    const started = Date.now();
    await assert.rejects(h.create(request()), (err: RpcError) => err.code === Code.UNAVAILABLE);
    assert.ok(Date.now() - started < 2_500, 'bounded by the inventory deadline');
  } finally {
    h.setInventoryBehaviour('ok');
  }
});

test('when shipping is scheduled the order is CONFIRMED and OrderConfirmed is enqueued, once', async () => {
  const order = await h.create(request());
  assert.ok(order);
  const orderId = order.orderId;
  await h.app.deliver(
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
  await h.app.deliver('choreography', scheduled);
  await h.app.deliver('choreography', scheduled); // redelivery
  const confirmed = await h.getOrder(orderId);
  assert.equal(confirmed?.status, OrderStatus.ORDER_STATUS_CONFIRMED);
  assert.deepEqual(
    (await h.outbox(orderId)).map((m) => m.type),
    ['OrderPlaced', 'OrderConfirmed'],
  );
  assert.deepEqual(
    confirmed?.timeline.map((t) => t.step),
    ['OrderPlaced', 'StockReserved', 'ShipmentScheduled', 'OrderConfirmed'],
  );
  await assert.rejects(
    h.client.call('cancelOrder', { orderId }),
    (err: RpcError) => err.code === Code.FAILED_PRECONDITION,
  );
});

test('when payment is declined the order is REJECTED with the reason, and OrderRejected is enqueued', async () => {
  const order = await h.create(request());
  assert.ok(order);
  const orderId = order.orderId;
  await h.app.deliver(
    'choreography',
    envelope(EVENTS.PaymentDeclined, {
      orderId,
      reason: 'INSUFFICIENT_FUNDS',
      detail: 'needs 62.00',
    }),
  );
  await h.app.deliver('choreography', envelope(EVENTS.StockReleased, { orderId, released: true }));
  const rejected = await h.getOrder(orderId);
  assert.equal(rejected?.status, OrderStatus.ORDER_STATUS_REJECTED);
  assert.equal(rejected?.reason, 'INSUFFICIENT_FUNDS');
  assert.equal(rejected?.reasonDetail, 'needs 62.00');
  const messages = await h.outbox(orderId);
  assert.deepEqual(
    messages.map((m) => m.type),
    ['OrderPlaced', 'OrderRejected'],
  );
  assert.equal(messages[1]?.payload.reason, 'INSUFFICIENT_FUNDS');
  assert.equal(rejected?.timeline.at(-1)?.outcome, 'compensated');
});

test('cancelling a pending order makes it CANCELLED and enqueues OrderCancelled; again is a no-op', async () => {
  const order = await h.create(request());
  assert.ok(order);
  const orderId = order.orderId;
  await h.client.call('cancelOrder', { orderId });
  await h.client.call('cancelOrder', { orderId });
  const cancelled = await h.getOrder(orderId);
  assert.equal(cancelled?.status, OrderStatus.ORDER_STATUS_CANCELLED);
  assert.equal(cancelled?.reason, 'CUSTOMER_CANCELLED');
  assert.deepEqual(
    (await h.outbox(orderId)).map((m) => m.type),
    ['OrderPlaced', 'OrderCancelled'],
  );
  // A shipment scheduled after the cancellation does not confirm the order.
  await h.app.deliver(
    'choreography',
    envelope(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' }),
  );
  assert.equal((await h.getOrder(orderId))?.status, OrderStatus.ORDER_STATUS_CANCELLED);
});

test('an unknown order is NOT_FOUND, for reads and cancels', async () => {
  for (const orderId of [randomUUID(), 'not-a-uuid']) {
    await assert.rejects(
      h.client.call('getOrder', { orderId }),
      (err: RpcError) => err.code === Code.NOT_FOUND,
    );
    await assert.rejects(
      h.client.call('cancelOrder', { orderId }),
      (err: RpcError) => err.code === Code.NOT_FOUND,
    );
  }
});

test('an event about an unknown order fails (so the consumer retries, then dead-letters it)', async () => {
  await assert.rejects(
    h.app.deliver(
      'choreography',
      envelope(EVENTS.ShipmentScheduled, { orderId: randomUUID(), deliveryDate: 'x' }),
    ),
    /not found/,
  );
});

test('listing returns the most recent orders first', async () => {
  const a = await h.create(request());
  const b = await h.create(request());
  const { orders } = await h.client.call<{ orders: { orderId: string }[] }>('listOrders', {
    limit: 2,
  });
  assert.deepEqual(
    orders.map((o) => o.orderId),
    [b?.orderId, a?.orderId],
  );
});

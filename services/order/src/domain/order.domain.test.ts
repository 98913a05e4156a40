import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CANCELLED_BY_CUSTOMER,
  cancel,
  InvalidOrderError,
  type Order,
  placeOrder,
  react,
  totalOf,
  validateNewOrder,
} from './order.domain.ts';

const address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const pending = (): Order =>
  placeOrder({
    id: 'o-1',
    customerId: 'cust_alice',
    items: [
      { sku: 'SKU-BOOK', quantity: 2, unitPriceCents: 2_500 },
      { sku: 'SKU-MUG', quantity: 1, unitPriceCents: 1_200 },
    ],
    shippingAddress: address,
    sagaMode: 'choreography',
  });

test('a placed order is PENDING and its total is the sum of its priced lines', () => {
  const order = pending();
  assert.equal(order.status, 'PENDING');
  assert.equal(order.totalCents, 6_200);
  assert.equal(totalOf([]), 0);
});

test('a new order needs a customer, 1 to 50 lines, quantities from 1 to 1000 and an address', () => {
  const ok = { customerId: 'c', items: [{ sku: 'S', quantity: 1 }], shippingAddress: address };
  assert.doesNotThrow(() => validateNewOrder(ok));
  assert.throws(() => validateNewOrder({ ...ok, customerId: ' ' }), /customerId/);
  assert.throws(() => validateNewOrder({ ...ok, items: [] }), /at least one item/);
  assert.throws(
    () =>
      validateNewOrder({
        ...ok,
        items: Array.from({ length: 51 }, () => ({ sku: 'S', quantity: 1 })),
      }),
    /at most 50/,
  );
  assert.throws(
    () => validateNewOrder({ ...ok, items: [{ sku: 'S', quantity: 0 }] }),
    /items\[0\]\.quantity/,
  );
  assert.throws(
    () => validateNewOrder({ ...ok, items: [{ sku: 'S', quantity: 1.5 }] }),
    InvalidOrderError,
  );
  assert.throws(
    () => validateNewOrder({ ...ok, items: [{ sku: '', quantity: 1 }] }),
    /items\[0\]\.sku/,
  );
  assert.throws(() => validateNewOrder({ ...ok, shippingAddress: undefined }), /shippingAddress/);
});

test('when shipping is scheduled, a pending order is confirmed and announces OrderConfirmed', () => {
  const r = react(pending(), { type: 'ShipmentScheduled', deliveryDate: '2026-11-25' });
  assert.equal(r.order.status, 'CONFIRMED');
  assert.deepEqual(r.announce, { type: 'OrderConfirmed' });
  assert.equal(r.timeline.source, 'shipping');
  assert.equal(r.timeline.outcome, 'ok');
});

for (const type of ['StockRejected', 'PaymentDeclined', 'ShipmentRejected'] as const) {
  test(`when ${type} arrives, a pending order is rejected with the participant's reason`, () => {
    const r = react(pending(), { type, reason: 'SOME_REASON', detail: 'why' });
    assert.equal(r.order.status, 'REJECTED');
    assert.equal(r.order.reason, 'SOME_REASON');
    assert.equal(r.order.reasonDetail, 'why');
    assert.deepEqual(r.announce, { type: 'OrderRejected', reason: 'SOME_REASON', detail: 'why' });
    assert.equal(r.timeline.outcome, 'failed');
  });

  test(`a ${type} about a settled order changes nothing and announces nothing`, () => {
    const cancelled = cancel(pending());
    assert.equal(cancelled.kind, 'cancelled');
    const r = react(cancelled.order, { type, reason: 'R', detail: 'd' });
    assert.equal(r.order, cancelled.order);
    assert.equal(r.announce, undefined);
  });
}

test('a late ShipmentScheduled after a cancellation leaves the order cancelled', () => {
  const { order } = cancel(pending());
  const r = react(order, { type: 'ShipmentScheduled', deliveryDate: '2026-11-25' });
  assert.equal(r.order.status, 'CANCELLED');
  assert.equal(r.announce, undefined);
  assert.match(r.timeline.detail, /already CANCELLED/);
});

test('compensations are recorded as compensated only when something was undone', () => {
  const order = pending();
  assert.equal(
    react(order, { type: 'StockReleased', released: true }).timeline.outcome,
    'compensated',
  );
  assert.equal(react(order, { type: 'StockReleased', released: false }).timeline.outcome, 'ok');
  assert.equal(
    react(order, { type: 'PaymentVoided', voided: true }).timeline.outcome,
    'compensated',
  );
  assert.equal(
    react(order, { type: 'ShipmentCancelled', cancelled: false }).timeline.outcome,
    'ok',
  );
  for (const type of [
    'StockReserved',
    'StockCommitted',
    'PaymentAuthorized',
    'PaymentCaptured',
  ] as const) {
    const r = react(order, { type });
    assert.equal(r.order, order);
    assert.equal(r.announce, undefined);
  }
});

test('a pending order can be cancelled; a cancelled one again is a no-op; a settled one cannot', () => {
  const first = cancel(pending());
  assert.equal(first.kind, 'cancelled');
  assert.equal(first.order.status, 'CANCELLED');
  assert.equal(first.order.reason, CANCELLED_BY_CUSTOMER);
  assert.equal(cancel(first.order).kind, 'already-cancelled');
  const confirmed = react(pending(), { type: 'ShipmentScheduled', deliveryDate: 'd' }).order;
  assert.equal(cancel(confirmed).kind, 'not-cancellable');
  const rejected = react(pending(), {
    type: 'StockRejected',
    reason: 'OUT_OF_STOCK',
    detail: '',
  }).order;
  assert.equal(cancel(rejected).kind, 'not-cancellable');
});

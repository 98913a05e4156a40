/**
 * The checkout saga, end to end through the public API only, in both styles (choreography and
 * orchestration, the same scenarios): every path of docs/checkout-saga.md, and for each the
 * order's final status and reason, the stock, the customer's balance, the payment and the
 * shipment are exactly right.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  ADDRESS,
  api,
  customer,
  newCustomer,
  newProduct,
  type Order,
  payment,
  placeOrder,
  product,
  settled,
  settles,
  shipment,
} from '../support/api.ts';

const PRICE = 1_000;
const steps = (o: Order) => o.timeline.map((t) => t.step);

for (const mode of ['choreography', 'orchestration'] as const) {
  describe(`checkout, ${mode}`, () => {
    async function place(body: Parameters<typeof placeOrder>[0]): Promise<string> {
      const res = await placeOrder({ ...body, sagaMode: mode });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.status, 'PENDING');
      assert.equal(res.headers.get('location'), `/v1/orders/${res.body.orderId}`);
      return res.body.orderId;
    }

    test('happy path: the order is CONFIRMED, stock committed, payment captured, shipment scheduled', async () => {
      const p = await newProduct(10, PRICE);
      const c = await newCustomer(100_000);
      const orderId = await place({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 3 }],
      });

      const o = await settled(orderId);
      assert.equal(o.status, 'CONFIRMED');
      assert.equal(o.reason, undefined);
      assert.equal(o.totalCents, 3 * PRICE);
      assert.equal(o.sagaMode, mode);
      assert.deepEqual(steps(o).slice(0, 5), [
        'OrderPlaced',
        'StockReserved',
        'PaymentAuthorized',
        'ShipmentScheduled',
        'OrderConfirmed',
      ]);

      await settles(async () => {
        assert.deepEqual(await product(p.sku), { ...p, available: 7, reserved: 0, committed: 3 });
        const after = await customer(c.customerId);
        assert.equal(after.balanceCents, 100_000 - 3 * PRICE);
        assert.equal(after.heldCents, 0);
        assert.equal((await payment(orderId))?.status, 'CAPTURED');
      }, 'stock committed and payment captured');
      assert.equal((await payment(orderId))?.amountCents, 3 * PRICE);
      assert.equal((await shipment(orderId))?.status, 'SCHEDULED');
      const final = await settles(async () => {
        const latest = await settled(orderId);
        assert.ok(
          steps(latest).includes('StockCommitted') && steps(latest).includes('PaymentCaptured'),
        );
        return latest;
      }, 'timeline records the commit and the capture');
      assert.equal(final.status, 'CONFIRMED');
    });

    test('out of stock: the order is REJECTED OUT_OF_STOCK, nothing is reserved, charged or shipped', async () => {
      const p = await newProduct(2, PRICE);
      const c = await newCustomer(100_000);
      const orderId = await place({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 3 }],
      });

      const o = await settled(orderId);
      assert.equal(o.status, 'REJECTED');
      assert.equal(o.reason, 'OUT_OF_STOCK');
      assert.match(o.reasonDetail ?? '', new RegExp(p.sku));
      assert.deepEqual(await product(p.sku), { ...p, available: 2, reserved: 0, committed: 0 });
      assert.deepEqual(await customer(c.customerId), c);
      assert.equal(await payment(orderId), undefined);
      assert.equal(await shipment(orderId), undefined);
    });

    test('the SKU-SOLDOUT fixture is always out of stock', async () => {
      const orderId = await place({
        customerId: 'cust_alice',
        items: [{ sku: 'SKU-SOLDOUT', quantity: 1 }],
      });
      const o = await settled(orderId);
      assert.equal(o.status, 'REJECTED');
      assert.equal(o.reason, 'OUT_OF_STOCK');
    });

    test('an order only partly in stock reserves nothing: all lines or none', async () => {
      const plenty = await newProduct(10, PRICE);
      const scarce = await newProduct(1, PRICE);
      const c = await newCustomer(100_000);
      const orderId = await place({
        customerId: c.customerId,
        items: [
          { sku: plenty.sku, quantity: 2 },
          { sku: scarce.sku, quantity: 2 },
        ],
      });
      assert.equal((await settled(orderId)).reason, 'OUT_OF_STOCK');
      assert.deepEqual(await product(plenty.sku), {
        ...plenty,
        available: 10,
        reserved: 0,
        committed: 0,
      });
      assert.deepEqual(await product(scarce.sku), {
        ...scarce,
        available: 1,
        reserved: 0,
        committed: 0,
      });
    });

    test('payment declined: the order is REJECTED INSUFFICIENT_FUNDS and the stock is released', async () => {
      const p = await newProduct(10, PRICE);
      const c = await newCustomer(PRICE - 1);
      const orderId = await place({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 1 }],
      });

      const o = await settled(orderId);
      assert.equal(o.status, 'REJECTED');
      assert.equal(o.reason, 'INSUFFICIENT_FUNDS');
      await settles(async () => {
        assert.deepEqual(await product(p.sku), { ...p, available: 10, reserved: 0, committed: 0 });
      }, 'reservation released');
      assert.deepEqual(await customer(c.customerId), c);
      assert.equal((await payment(orderId))?.status, 'DECLINED');
      assert.equal(await shipment(orderId), undefined);
      await settles(async () => {
        const latest = await settled(orderId);
        const released = latest.timeline.find((t) => t.step === 'StockReleased');
        assert.equal(released?.outcome, 'compensated');
      }, 'timeline records the release');
    });

    test('the cust_declined fixture is declined CARD_DECLINED', async () => {
      const p = await newProduct(5, PRICE);
      const orderId = await place({
        customerId: 'cust_declined',
        items: [{ sku: p.sku, quantity: 1 }],
      });
      const o = await settled(orderId);
      assert.equal(o.reason, 'CARD_DECLINED');
      await settles(async () => {
        assert.equal((await product(p.sku)).available, 5);
      }, 'reservation released');
    });

    test('an unknown customer is declined UNKNOWN_CUSTOMER', async () => {
      const p = await newProduct(5, PRICE);
      const orderId = await place({
        customerId: `cust_nobody_${randomUUID()}`,
        items: [{ sku: p.sku, quantity: 1 }],
      });
      assert.equal((await settled(orderId)).reason, 'UNKNOWN_CUSTOMER');
      await settles(async () => {
        assert.equal((await product(p.sku)).reserved, 0);
      }, 'reservation released');
    });

    test('address rejected: the order is REJECTED, the payment voided and the stock released', async () => {
      const p = await newProduct(10, PRICE);
      const c = await newCustomer(100_000);
      const orderId = await place({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 4 }],
        shippingAddress: { ...ADDRESS, postalCode: '00000' },
      });

      const o = await settled(orderId);
      assert.equal(o.status, 'REJECTED');
      assert.equal(o.reason, 'ADDRESS_REJECTED');
      await settles(async () => {
        assert.deepEqual(await product(p.sku), { ...p, available: 10, reserved: 0, committed: 0 });
        assert.deepEqual(await customer(c.customerId), c);
        assert.equal((await payment(orderId))?.status, 'VOIDED');
      }, 'payment voided and reservation released');
      assert.equal((await shipment(orderId))?.status, 'REJECTED');
    });

    test('an unsupported country is rejected UNSUPPORTED_COUNTRY, with the same compensations', async () => {
      const p = await newProduct(10, PRICE);
      const c = await newCustomer(100_000);
      const orderId = await place({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 1 }],
        shippingAddress: { ...ADDRESS, country: 'AQ' },
      });
      assert.equal((await settled(orderId)).reason, 'UNSUPPORTED_COUNTRY');
      await settles(async () => {
        assert.equal((await product(p.sku)).available, 10);
        assert.equal((await customer(c.customerId)).heldCents, 0);
      }, 'compensated');
    });

    test('cancel before confirmation: CANCELLED, payment voided, stock released, no shipment', async () => {
      const p = await newProduct(10, PRICE);
      const c = await newCustomer(100_000);
      // Slowtown makes shipping take its time (docs/fixtures.md): the window to cancel in.
      const orderId = await place({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 2 }],
        shippingAddress: { ...ADDRESS, city: 'Slowtown' },
      });
      await settles(async () => {
        assert.equal((await payment(orderId))?.status, 'AUTHORIZED');
      }, 'payment authorised');
      assert.equal((await customer(c.customerId)).heldCents, 2 * PRICE);

      const res = await api<Order>('DELETE', `/v1/orders/${orderId}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'CANCELLED');
      assert.equal(res.body.reason, 'CUSTOMER_CANCELLED');

      await settles(
        async () => {
          assert.deepEqual(await product(p.sku), {
            ...p,
            available: 10,
            reserved: 0,
            committed: 0,
          });
          assert.deepEqual(await customer(c.customerId), c);
          assert.equal((await payment(orderId))?.status, 'VOIDED');
          // Choreography: shipping sees OrderCancelled while it waits and refuses to schedule.
          // Orchestration: CancelShipment queues behind ScheduleShipment on shipping's command
          // topic (one key, one partition, in order): scheduled, then cancelled.
          assert.equal(
            (await shipment(orderId))?.status,
            mode === 'choreography' ? 'REFUSED' : 'CANCELLED',
          );
        },
        'every completed step compensated, the pending one refused or undone',
        30_000,
      );
      assert.equal((await settled(orderId)).status, 'CANCELLED');

      const again = await api<Order>('DELETE', `/v1/orders/${orderId}`);
      assert.equal(again.status, 200, 'cancelling twice is idempotent');
    });

    test('a confirmed order cannot be cancelled: 409 problem', async () => {
      const p = await newProduct(5, PRICE);
      const c = await newCustomer(100_000);
      const orderId = await place({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 1 }],
      });
      assert.equal((await settled(orderId)).status, 'CONFIRMED');
      const res = await api('DELETE', `/v1/orders/${orderId}`);
      assert.equal(res.status, 409);
      assert.equal(res.headers.get('content-type')?.startsWith('application/problem+json'), true);
    });
  });
}

/**
 * Many orders at once, through the public API: scarce stock is never oversold, every order
 * settles, money and stock are conserved; and an Idempotency-Key makes one order of many
 * identical requests. Under a burst of 200 the platform may shed load (503 with Retry-After, a
 * dependency's deadline or bulkhead); the clients here retry with their key, as real ones
 * should, and every order must end up accepted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  customer,
  newCustomer,
  newProduct,
  type Order,
  payment,
  placeOrder,
  placeOrderRetrying,
  product,
  settled,
  settles,
} from '../support/api.ts';

const PRICE = 700;

for (const mode of ['choreography', 'orchestration'] as const) {
  describe(`many orders at once, ${mode}`, () => {
    test('200 concurrent orders for 40 units: never oversold, every order settles, stock and money conserved', async () => {
      const STOCK = 40;
      const ORDERS = 200;
      const p = await newProduct(STOCK, PRICE);
      const customers = await Promise.all(Array.from({ length: 4 }, () => newCustomer(1_000_000)));

      const responses = await Promise.all(
        Array.from({ length: ORDERS }, (_, i) =>
          placeOrderRetrying({
            customerId: customers[i % customers.length]?.customerId ?? '',
            items: [{ sku: p.sku, quantity: 1 }],
            sagaMode: mode,
          }),
        ),
      );
      for (const r of responses) assert.equal(r.status, 202, JSON.stringify(r.body));

      const orders: Order[] = [];
      for (const r of responses) orders.push(await settled(r.body.orderId, 120_000));
      const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
      const rejected = orders.filter((o) => o.status === 'REJECTED');
      assert.equal(
        confirmed.length + rejected.length,
        ORDERS,
        'every order is CONFIRMED or REJECTED',
      );
      assert.equal(
        confirmed.length,
        STOCK,
        'exactly the stock is sold: every payment and address is fine',
      );
      for (const o of rejected) assert.equal(o.reason, 'OUT_OF_STOCK');

      await settles(
        async () => {
          const after = await product(p.sku);
          assert.equal(
            after.available + after.reserved + after.committed,
            STOCK,
            'stock conserved',
          );
          assert.deepEqual(
            { available: after.available, reserved: after.reserved, committed: after.committed },
            { available: 0, reserved: 0, committed: STOCK },
          );
          const now = await Promise.all(customers.map((c) => customer(c.customerId)));
          const spent = customers.reduce(
            (s, c, i) => s + c.balanceCents - (now[i]?.balanceCents ?? 0),
            0,
          );
          assert.equal(spent, STOCK * PRICE, 'customers paid exactly for what was sold');
          for (const c of now) assert.equal(c.heldCents, 0, `nothing left held on ${c.customerId}`);
        },
        'stock committed and payments captured',
        60_000,
      );
      for (const o of confirmed) assert.equal((await payment(o.orderId))?.status, 'CAPTURED');
      for (const o of rejected.slice(0, 20)) assert.equal(await payment(o.orderId), undefined);
    });

    test('the same Idempotency-Key sent 20 times concurrently makes one order', async () => {
      const p = await newProduct(100, PRICE);
      const c = await newCustomer(100_000);
      const key = randomUUID();
      const body = {
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 1 }],
        sagaMode: mode,
      };
      const responses = await Promise.all(Array.from({ length: 20 }, () => placeOrder(body, key)));

      for (const r of responses) assert.ok([202, 409].includes(r.status), `unexpected ${r.status}`);
      const accepted = responses.filter((r) => r.status === 202);
      assert.ok(accepted.length >= 1);
      const ids = new Set(accepted.map((r) => r.body.orderId));
      assert.equal(ids.size, 1, 'every accepted answer names the same order');
      const conflicts = responses.filter((r) => r.status === 409);
      for (const r of conflicts) assert.equal(r.headers.get('retry-after'), '1');

      const [orderId] = [...ids];
      assert.ok(orderId);
      assert.equal((await settled(orderId)).status, 'CONFIRMED');
      // A retry after completion replays the same answer.
      const replay = await placeOrder(body, key);
      assert.equal(replay.status, 202);
      assert.equal(replay.body.orderId, orderId);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      await settles(async () => {
        assert.equal((await product(p.sku)).committed, 1, 'one unit sold');
        assert.equal((await customer(c.customerId)).balanceCents, 100_000 - PRICE, 'charged once');
      }, 'one order settled');
    });
  });
}

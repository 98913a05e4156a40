/**
 * The two saga styles, compared: the same scripted mix of orders (happy, out of stock,
 * declined, address rejected, cancelled) runs through choreography and orchestration, and each
 * order must end in the same state in both, down to stock, money, payment and shipment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ADDRESS,
  type Address,
  api,
  customer,
  newCustomer,
  newProduct,
  payment,
  placeOrder,
  product,
  settled,
  settles,
  shipment,
} from '../support/api.ts';

type Scenario = {
  readonly name: string;
  readonly customer: { readonly balanceCents: number } | 'cust_declined';
  readonly stock: number;
  readonly quantity: number;
  readonly address?: Partial<Address>;
  readonly cancel?: boolean;
};

const SCENARIOS: readonly Scenario[] = [
  { name: 'happy', customer: { balanceCents: 50_000 }, stock: 5, quantity: 2 },
  { name: 'out of stock', customer: { balanceCents: 50_000 }, stock: 1, quantity: 2 },
  { name: 'insufficient funds', customer: { balanceCents: 500 }, stock: 5, quantity: 1 },
  { name: 'card declined', customer: 'cust_declined', stock: 5, quantity: 1 },
  {
    name: 'address rejected',
    customer: { balanceCents: 50_000 },
    stock: 5,
    quantity: 3,
    address: { postalCode: '00000' },
  },
  {
    name: 'unsupported country',
    customer: { balanceCents: 50_000 },
    stock: 5,
    quantity: 1,
    address: { country: 'AQ' },
  },
  {
    name: 'cancelled',
    customer: { balanceCents: 50_000 },
    stock: 5,
    quantity: 2,
    address: { city: 'Slowtown' },
    cancel: true,
  },
];

/** Everything about one order's outcome that must not depend on the saga style. */
async function run(s: Scenario, mode: string) {
  const p = await newProduct(s.stock, 1_000);
  const customerId =
    s.customer === 'cust_declined'
      ? 'cust_declined'
      : (await newCustomer(s.customer.balanceCents)).customerId;
  const before = await customer(customerId);
  const res = await placeOrder({
    customerId,
    items: [{ sku: p.sku, quantity: s.quantity }],
    shippingAddress: { ...ADDRESS, ...s.address },
    sagaMode: mode,
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const { orderId } = res.body;
  if (s.cancel) {
    await settles(
      async () => assert.equal((await payment(orderId))?.status, 'AUTHORIZED'),
      'authorised',
    );
    assert.equal((await api('DELETE', `/v1/orders/${orderId}`)).status, 200);
  }
  const order = await settled(orderId);
  // Quiescence: wait until nothing is held any more, or everything is final.
  return settles(
    async () => {
      const stock = await product(p.sku);
      const account = await customer(customerId);
      const pay = await payment(orderId);
      const ship = await shipment(orderId);
      assert.equal(stock.reserved, 0, 'no stock left reserved');
      assert.equal(account.heldCents - before.heldCents, 0, 'no money left held');
      if (order.status === 'CONFIRMED') assert.equal(pay?.status, 'CAPTURED');
      return {
        status: order.status,
        reason: order.reason,
        stock: { available: stock.available, committed: stock.committed },
        spent: before.balanceCents - account.balanceCents,
        payment: pay?.status ?? 'none',
        // Whether a parcel will leave: REFUSED and CANCELLED both mean none (see checkout.test.ts).
        shipping:
          ship?.status === 'SCHEDULED'
            ? 'scheduled'
            : ship?.status === 'REJECTED'
              ? 'rejected'
              : 'none',
      };
    },
    `${s.name} (${mode}) quiescent`,
    30_000,
  );
}

test('the same orders reach the same final states in choreography and orchestration', async () => {
  const results: Record<string, Record<string, unknown>> = {};
  for (const mode of ['choreography', 'orchestration']) {
    for (const s of SCENARIOS) {
      results[`${s.name}/${mode}`] = await run(s, mode);
    }
  }
  for (const s of SCENARIOS) {
    assert.deepEqual(results[`${s.name}/orchestration`], results[`${s.name}/choreography`], s.name);
  }
  // And the outcomes are the intended ones, not merely equal.
  assert.deepEqual(
    SCENARIOS.map((s) => [
      s.name,
      results[`${s.name}/choreography`]?.status,
      results[`${s.name}/choreography`]?.reason,
    ]),
    [
      ['happy', 'CONFIRMED', undefined],
      ['out of stock', 'REJECTED', 'OUT_OF_STOCK'],
      ['insufficient funds', 'REJECTED', 'INSUFFICIENT_FUNDS'],
      ['card declined', 'REJECTED', 'CARD_DECLINED'],
      ['address rejected', 'REJECTED', 'ADDRESS_REJECTED'],
      ['unsupported country', 'REJECTED', 'UNSUPPORTED_COUNTRY'],
      ['cancelled', 'CANCELLED', 'CUSTOMER_CANCELLED'],
    ],
  );
});

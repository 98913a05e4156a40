/**
 * The orchestrator and a participant failing mid-saga, through the public API and real
 * processes: the order service is SIGKILLed while a saga is at each step; a participant is
 * stopped past a step's deadline. After the restart every saga completes or compensates, and
 * nothing is done twice or left held.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  ADDRESS,
  api,
  customer,
  newCustomer,
  newProduct,
  payment,
  placeOrder,
  product,
  settled,
  settles,
} from '../support/api.ts';
import { kill, startStopped } from '../support/platform.ts';

// Whatever happens, leave every service running for the next test file.
after(() => startStopped());

type SagaView = { state: string; log: { input: string; toState: string; commands: string[] }[] };
const sagaOf = async (orderId: string) =>
  (await api<SagaView>('GET', `/v1/orders/${orderId}/saga`)).body;

async function waitForState(orderId: string, state: string) {
  await settles(
    async () => assert.equal((await sagaOf(orderId)).state, state),
    `saga ${state}`,
    20_000,
  );
}

const SCENARIOS = [
  { step: 'RESERVING', customerId: undefined, city: 'Berlin' },
  { step: 'AUTHORIZING', customerId: 'cust_slow', city: 'Berlin' }, // payment takes 5 s
  { step: 'SCHEDULING', customerId: undefined, city: 'Slowtown' }, // shipping takes 5 s
] as const;

for (const s of SCENARIOS) {
  test(`the order service killed (SIGKILL) while its saga is ${s.step}: after a restart the order is confirmed, charged and sold once`, async () => {
    const p = await newProduct(5, 1_000);
    const customerId = s.customerId ?? (await newCustomer(50_000)).customerId;
    const before = await customer(customerId);
    const res = await placeOrder({
      customerId,
      items: [{ sku: p.sku, quantity: 2 }],
      shippingAddress: { ...ADDRESS, city: s.city },
      sagaMode: 'orchestration',
    });
    assert.equal(res.status, 202);
    const { orderId } = res.body;
    if (s.step !== 'RESERVING') await waitForState(orderId, s.step);
    await kill('order');
    await startStopped();

    const o = await settled(orderId, 60_000);
    assert.equal(o.status, 'CONFIRMED');
    await waitForState(orderId, 'COMPLETED');
    await settles(async () => {
      assert.deepEqual(await product(p.sku), { ...p, available: 3, reserved: 0, committed: 2 });
      const now = await customer(customerId);
      assert.equal(before.balanceCents - now.balanceCents, 2_000, 'charged exactly once');
      assert.equal(now.heldCents - before.heldCents, 0);
    }, 'sold and charged once');
    assert.equal((await payment(orderId))?.status, 'CAPTURED');
    const steps = o.timeline.map((t) => t.step);
    for (const step of [
      'StockReserved',
      'PaymentAuthorized',
      'ShipmentScheduled',
      'OrderConfirmed',
    ]) {
      assert.equal(steps.filter((x) => x === step).length, 1, `${step} once in the timeline`);
    }
  });
}

test('the order service killed (SIGKILL) while its saga is FINALIZING: after a restart the sale is committed and captured once', async () => {
  const p = await newProduct(5, 1_000);
  const c = await newCustomer(50_000);
  // Hold the saga in FINALIZING: shipping is slow (Slowtown), and inventory is down by the
  // time the orchestrator sends CommitStock, so the commit stays unanswered.
  const res = await placeOrder({
    customerId: c.customerId,
    items: [{ sku: p.sku, quantity: 2 }],
    shippingAddress: { ...ADDRESS, city: 'Slowtown' },
    sagaMode: 'orchestration',
  });
  assert.equal(res.status, 202);
  const { orderId } = res.body;
  await waitForState(orderId, 'SCHEDULING');
  await kill('inventory');
  try {
    await waitForState(orderId, 'FINALIZING');
    await settles(
      async () => assert.equal((await payment(orderId))?.status, 'CAPTURED'),
      'captured',
    );
    await kill('order');
  } finally {
    await startStopped();
  }
  await waitForState(orderId, 'COMPLETED');
  await settles(async () => {
    assert.deepEqual(await product(p.sku), { ...p, available: 3, reserved: 0, committed: 2 });
    assert.equal(
      (await customer(c.customerId)).balanceCents,
      c.balanceCents - 2_000,
      'charged once',
    );
  }, 'committed and captured once');
  assert.equal((await settled(orderId)).status, 'CONFIRMED');
});

test('a participant stopped past its step deadline: the saga compensates, and its late reply leaves nothing held', async () => {
  const p = await newProduct(5, 1_000);
  const c = await newCustomer(50_000);
  await kill('payment');
  let restarted = false;
  try {
    const res = await placeOrder({
      customerId: c.customerId,
      items: [{ sku: p.sku, quantity: 1 }],
      sagaMode: 'orchestration',
    });
    assert.equal(res.status, 202);
    const { orderId } = res.body;
    // The authorisation step's deadline (SAGA_STEP_DEADLINE_MS, 30 s by default) passes.
    const o = await settled(orderId, 90_000);
    assert.equal(o.status, 'REJECTED');
    assert.equal(o.reason, 'PAYMENT_TIMEOUT');
    assert.equal(
      (await sagaOf(orderId)).state,
      'COMPENSATING',
      'the void waits for payment to return',
    );

    await startStopped();
    restarted = true;
    // Payment comes back: it authorises (late), then voids; the orchestrator voids the late
    // authorisation again and releases the stock.
    await waitForState(orderId, 'COMPENSATED');
    await settles(async () => {
      assert.deepEqual(await product(p.sku), { ...p, available: 5, reserved: 0, committed: 0 });
      assert.deepEqual(await customer(c.customerId), c);
      assert.equal((await payment(orderId))?.status, 'VOIDED');
    }, 'nothing held');
    assert.equal(
      (await settled(orderId)).status,
      'REJECTED',
      'the late reply changes nothing else',
    );
  } finally {
    if (!restarted) await startStopped();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Account, MERCHANT_ACCOUNT_ID, withinLimit } from './account.domain.ts';
import {
  capture,
  decideAuthorisation,
  type Payment,
  refund,
  refusal,
  voidPayment,
} from './payment.domain.ts';
import {
  AccountLimitError,
  InvalidRequestError,
  PaymentNotRefundableError,
} from './payment.errors.ts';

const customer = (overrides: Partial<Account> = {}): Account => ({
  id: 'cust_a',
  name: 'A',
  balanceCents: 10_000,
  heldCents: 0,
  creditLimitCents: 0,
  declinesAll: false,
  slow: false,
  ...overrides,
});
const merchant = (balanceCents = 0): Account =>
  customer({ id: MERCHANT_ACCOUNT_ID, name: 'M', balanceCents });
const request = (amountCents: number, customerId = 'cust_a') => ({
  orderId: 'o1',
  customerId,
  amountCents,
});
const payment = (status: Payment['status'], amountCents = 4_000): Payment => ({
  orderId: 'o1',
  customerId: 'cust_a',
  amountCents,
  status,
  reason: undefined,
  detail: undefined,
});

test('an authorisation within what is available holds the amount on the account', () => {
  const decision = decideAuthorisation(request(4_000), customer({ heldCents: 1_000 }));
  assert.equal(decision.kind, 'authorized');
  if (decision.kind !== 'authorized') return;
  assert.deepEqual(decision.payment, payment('AUTHORIZED'));
  assert.equal(decision.account.heldCents, 5_000);
  assert.equal(decision.account.balanceCents, 10_000, 'a hold does not move money');
});

test('an authorisation of exactly what is available, credit included, is accepted', () => {
  const decision = decideAuthorisation(request(12_000), customer({ creditLimitCents: 2_000 }));
  assert.equal(decision.kind, 'authorized');
  if (decision.kind === 'authorized') assert.ok(withinLimit(decision.account));
});

test('an authorisation above what is available is declined INSUFFICIENT_FUNDS', () => {
  const decision = decideAuthorisation(request(9_001), customer({ heldCents: 1_000 }));
  assert.equal(decision.kind, 'declined');
  if (decision.kind !== 'declined') return;
  assert.equal(decision.reason, 'INSUFFICIENT_FUNDS');
  assert.match(decision.detail, /9001 cents asked, 9000 cents available/);
  assert.deepEqual(decision.payment, {
    ...payment('DECLINED', 9_001),
    reason: 'INSUFFICIENT_FUNDS',
    detail: decision.detail,
  });
});

test('an account that declines everything declines CARD_DECLINED, whatever its funds', () => {
  const decision = decideAuthorisation(request(1), customer({ declinesAll: true }));
  assert.equal(decision.kind, 'declined');
  if (decision.kind === 'declined') assert.equal(decision.reason, 'CARD_DECLINED');
});

test('an authorisation for a customer without an account is declined UNKNOWN_CUSTOMER', () => {
  const decision = decideAuthorisation(request(1, 'cust_nobody'), undefined);
  assert.equal(decision.kind, 'declined');
  if (decision.kind !== 'declined') return;
  assert.equal(decision.reason, 'UNKNOWN_CUSTOMER');
  assert.equal(decision.payment.customerId, 'cust_nobody');
});

test('an authorisation of a negative or fractional amount is an invalid request', () => {
  assert.throws(() => decideAuthorisation(request(-1), customer()), InvalidRequestError);
  assert.throws(() => decideAuthorisation(request(0.5), customer()), InvalidRequestError);
});

test('a refusal is a tombstone with no customer and no amount', () => {
  assert.deepEqual(refusal('o1', 'CUSTOMER_CANCELLED'), {
    orderId: 'o1',
    customerId: undefined,
    amountCents: 0,
    status: 'REFUSED',
    reason: 'CUSTOMER_CANCELLED',
    detail: undefined,
  });
});

test('voiding an authorised payment lifts its hold', () => {
  const outcome = voidPayment(
    payment('AUTHORIZED'),
    customer({ heldCents: 4_000 }),
    'ADDRESS_REJECTED',
  );
  assert.equal(outcome.kind, 'voided');
  if (outcome.kind !== 'voided') return;
  assert.deepEqual(outcome.payment, { ...payment('VOIDED'), reason: 'ADDRESS_REJECTED' });
  assert.equal(outcome.account.heldCents, 0);
  assert.equal(outcome.account.balanceCents, 10_000);
});

test('voiding a payment that holds nothing leaves it as it is', () => {
  for (const p of [
    payment('DECLINED'),
    payment('VOIDED'),
    payment('CAPTURED'),
    payment('REFUNDED'),
    refusal('o1', 'CUSTOMER_CANCELLED'),
  ]) {
    assert.deepEqual(voidPayment(p, undefined, 'CUSTOMER_CANCELLED'), {
      kind: 'nothing-held',
      payment: p,
    });
  }
});

test('capturing moves the held amount from the customer to the merchant', () => {
  const outcome = capture(payment('AUTHORIZED'), customer({ heldCents: 4_000 }), merchant(100));
  assert.equal(outcome.kind, 'captured');
  if (outcome.kind !== 'captured') return;
  assert.equal(outcome.payment.status, 'CAPTURED');
  const [c, m] = outcome.accounts;
  assert.deepEqual([c?.balanceCents, c?.heldCents], [6_000, 0]);
  assert.equal(m?.balanceCents, 4_100);
});

test('capturing a payment that is not authorised changes nothing', () => {
  for (const status of ['DECLINED', 'VOIDED', 'CAPTURED', 'REFUNDED', 'REFUSED'] as const) {
    const p = payment(status);
    assert.deepEqual(capture(p, customer(), merchant()), { kind: 'not-authorized', payment: p });
  }
});

test('capturing a held payment whose account is missing is a broken invariant', () => {
  assert.throws(() => capture(payment('AUTHORIZED'), undefined, merchant()), /invariant broken/);
});

test('refunding a captured payment moves the amount back from the merchant', () => {
  const outcome = refund(payment('CAPTURED'), customer({ balanceCents: 6_000 }), merchant(4_000));
  assert.equal(outcome.kind, 'refunded');
  if (outcome.kind !== 'refunded') return;
  assert.equal(outcome.payment.status, 'REFUNDED');
  const [m, c] = outcome.accounts;
  assert.equal(m?.balanceCents, 0);
  assert.equal(c?.balanceCents, 10_000);
});

test('refunding a refunded payment again changes nothing', () => {
  const p = payment('REFUNDED');
  assert.deepEqual(refund(p, customer(), merchant()), { kind: 'already-refunded', payment: p });
});

test('only a captured payment can be refunded', () => {
  for (const status of ['AUTHORIZED', 'DECLINED', 'VOIDED', 'REFUSED'] as const) {
    assert.throws(
      () => refund(payment(status), customer(), merchant(10_000)),
      PaymentNotRefundableError,
    );
  }
});

test('a refund the merchant account cannot pay is refused, not taken below its limit', () => {
  assert.throws(() => refund(payment('CAPTURED'), customer(), merchant(3_999)), AccountLimitError);
});

/** A small deterministic generator, so a failing sequence can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s % n;
  };
}

test('any sequence of authorisations, voids, captures and refunds keeps every invariant', () => {
  const next = random(42);
  const accounts = new Map<string, Account>([
    ['cust_a', customer({ balanceCents: 20_000, creditLimitCents: 5_000 })],
    ['cust_b', customer({ id: 'cust_b', balanceCents: 3_000 })],
    [MERCHANT_ACCOUNT_ID, merchant()],
  ]);
  const total = () => [...accounts.values()].reduce((sum, a) => sum + a.balanceCents, 0);
  const start = total();
  const payments = new Map<string, Payment>();
  const put = (changed: readonly Account[]) => {
    for (const a of changed) accounts.set(a.id, a);
  };
  const get = (id: string | undefined) => (id === undefined ? undefined : accounts.get(id));
  const house = () => accounts.get(MERCHANT_ACCOUNT_ID) ?? merchant();

  for (let step = 0; step < 2_000; step++) {
    const orderId = `o${next(60)}`;
    const existing = payments.get(orderId);
    if (!existing) {
      const customerId = ['cust_a', 'cust_b', 'cust_none'][next(3)] ?? 'cust_a';
      const decision = decideAuthorisation(
        { orderId, customerId, amountCents: next(8_000) },
        get(customerId),
      );
      payments.set(orderId, decision.payment);
      if (decision.kind === 'authorized') put([decision.account]);
    } else {
      const action = next(3);
      if (action === 0) {
        const outcome = voidPayment(existing, get(existing.customerId), 'TEST');
        if (outcome.kind === 'voided') put([outcome.account]);
        payments.set(orderId, outcome.payment);
      } else if (action === 1) {
        const outcome = capture(existing, get(existing.customerId), house());
        if (outcome.kind === 'captured') put(outcome.accounts);
        payments.set(orderId, outcome.payment);
      } else if (existing.status === 'CAPTURED' || existing.status === 'REFUNDED') {
        const outcome = refund(existing, get(existing.customerId), house());
        if (outcome.kind === 'refunded') put(outcome.accounts);
        payments.set(orderId, outcome.payment);
      }
    }

    assert.equal(total(), start, `step ${step}: the sum of balances changed`);
    for (const a of accounts.values()) {
      assert.ok(withinLimit(a), `step ${step}: ${a.id} went below its limit`);
      const authorised = [...payments.values()]
        .filter((p) => p.customerId === a.id && p.status === 'AUTHORIZED')
        .reduce((sum, p) => sum + p.amountCents, 0);
      assert.equal(a.heldCents, authorised, `step ${step}: ${a.id} holds what is not authorised`);
    }
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Account,
  availableOf,
  decisionDelayMs,
  hold,
  openAccount,
  release,
  sameOpening,
  transfer,
  withinLimit,
} from './account.domain.ts';
import { AccountLimitError, InvalidRequestError } from './payment.errors.ts';

const account = (overrides: Partial<Account> = {}): Account => ({
  id: 'cust_a',
  name: 'A',
  balanceCents: 10_000,
  heldCents: 0,
  creditLimitCents: 0,
  declinesAll: false,
  slow: false,
  ...overrides,
});

test('available is balance minus held plus the credit limit', () => {
  assert.equal(
    availableOf(account({ balanceCents: 1_000, heldCents: 300, creditLimitCents: 500 })),
    1_200,
  );
  assert.equal(
    availableOf(account({ balanceCents: -200, heldCents: 0, creditLimitCents: 500 })),
    300,
  );
});

test('an account is within its limit until balance minus held goes below minus the credit limit', () => {
  assert.ok(withinLimit(account({ balanceCents: 0, heldCents: 500, creditLimitCents: 500 })));
  assert.ok(!withinLimit(account({ balanceCents: 0, heldCents: 501, creditLimitCents: 500 })));
});

test('a new account holds nothing and has no fixture behaviour', () => {
  const opened = openAccount({
    id: ' cust_new ',
    name: ' New ',
    balanceCents: 100,
    creditLimitCents: 50,
  });
  assert.deepEqual(opened, {
    id: 'cust_new',
    name: 'New',
    balanceCents: 100,
    heldCents: 0,
    creditLimitCents: 50,
    declinesAll: false,
    slow: false,
  });
});

test('an account needs an id and a name, and whole non-negative amounts', () => {
  const valid = { id: 'c', name: 'C', balanceCents: 0, creditLimitCents: 0 };
  for (const [bad, message] of [
    [{ id: '  ' }, /customerId is required/],
    [{ id: 'x'.repeat(101) }, /customerId has at most 100/],
    [{ name: '' }, /name is required/],
    [{ name: 'n'.repeat(201) }, /name has at most 200/],
    [{ balanceCents: -1 }, /balanceCents/],
    [{ balanceCents: 1.5 }, /balanceCents/],
    [{ creditLimitCents: -1 }, /creditLimitCents/],
  ] as const) {
    assert.throws(
      () => openAccount({ ...valid, ...bad }),
      (err) => err instanceof InvalidRequestError && message.test(err.message),
      JSON.stringify(bad),
    );
  }
});

test('opening an account again with the values it was opened with is the same request', () => {
  const existing = { name: 'C', openingBalanceCents: 100, creditLimitCents: 0 };
  const again = openAccount({ id: 'c', name: 'C', balanceCents: 100, creditLimitCents: 0 });
  assert.ok(sameOpening(existing, again));
  assert.ok(!sameOpening(existing, { ...again, balanceCents: 101 }));
  assert.ok(!sameOpening(existing, { ...again, name: 'D' }));
  assert.ok(!sameOpening(existing, { ...again, creditLimitCents: 1 }));
});

test('only a slow account delays its authorisations, by the configured time', () => {
  assert.equal(decisionDelayMs(account({ slow: true }), 5_000), 5_000);
  assert.equal(decisionDelayMs(account(), 5_000), 0);
  assert.equal(decisionDelayMs(undefined, 5_000), 0);
});

test('hold and release change only what is held', () => {
  const held = hold(account(), 700);
  assert.deepEqual([held.balanceCents, held.heldCents], [10_000, 700]);
  const released = release(held, 700);
  assert.deepEqual([released.balanceCents, released.heldCents], [10_000, 0]);
});

test('a transfer moves money between balances and keeps their sum', () => {
  const [from, to] = transfer(account(), account({ id: 'merchant', balanceCents: 0 }), 2_500);
  assert.equal(from?.balanceCents, 7_500);
  assert.equal(to?.balanceCents, 2_500);
  assert.equal((from?.balanceCents ?? 0) + (to?.balanceCents ?? 0), 10_000);
});

test('a transfer that would take the payer below its limit is refused', () => {
  assert.throws(
    () => transfer(account({ balanceCents: 100, creditLimitCents: 50 }), account({ id: 'b' }), 151),
    AccountLimitError,
  );
  const [from] = transfer(
    account({ balanceCents: 100, creditLimitCents: 50 }),
    account({ id: 'b' }),
    150,
  );
  assert.equal(from?.balanceCents, -50);
});

test('a transfer from an account to itself moves nothing', () => {
  const same = account();
  assert.deepEqual(transfer(same, same, 500), [same]);
});

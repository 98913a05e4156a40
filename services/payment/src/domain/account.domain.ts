/**
 * Accounts and the money rules of docs/checkout-saga.md: pure functions, no I/O. Amounts are
 * integer cents. Every function returns new values; none changes its arguments.
 *
 * Invariants:
 * - `balance - held + creditLimit >= 0` on every account ({@link withinLimit});
 * - money only moves between accounts, so the sum of all balances never changes.
 */
import { AccountLimitError, InvalidRequestError } from './payment.errors.ts';

/** The house account captures are paid into. */
export const MERCHANT_ACCOUNT_ID = 'merchant';

export type Account = {
  readonly id: string;
  readonly name: string;
  /** Negative when credit is used. */
  readonly balanceCents: number;
  /** Held by authorisations not yet captured or voided. */
  readonly heldCents: number;
  /** How far below zero `balance - held` may go. */
  readonly creditLimitCents: number;
  /** Fixture behaviour: every authorisation is declined CARD_DECLINED. */
  readonly declinesAll: boolean;
  /** Fixture behaviour: authorisations are decided after a delay. */
  readonly slow: boolean;
};

/** What a new account is opened with. */
export type NewAccount = {
  readonly id: string;
  readonly name: string;
  readonly balanceCents: number;
  readonly creditLimitCents: number;
};

/** Longest account id and name accepted. */
export const ACCOUNT_LIMITS = { maxIdLength: 100, maxNameLength: 200 } as const;

/** What a new authorisation may take: balance - held + credit limit. */
export function availableOf(account: Account): number {
  return account.balanceCents - account.heldCents + account.creditLimitCents;
}

/** The account invariant: it is not below its credit limit. */
export function withinLimit(account: Account): boolean {
  return availableOf(account) >= 0 && account.heldCents >= 0;
}

/**
 * Checks an amount of money: a whole, non-negative number of cents.
 * @throws {InvalidRequestError} naming `field`.
 */
export function assertCents(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidRequestError(`${field} must be a non-negative whole number of cents`);
  }
}

/**
 * A new account, with nothing held and no fixture behaviour.
 * @throws {InvalidRequestError} for an empty or too long id or name, or a negative or
 *   fractional balance or credit limit.
 */
export function openAccount(input: NewAccount): Account {
  const id = input.id.trim();
  const name = input.name.trim();
  if (!id) throw new InvalidRequestError('customerId is required');
  if (id.length > ACCOUNT_LIMITS.maxIdLength) {
    throw new InvalidRequestError(
      `customerId has at most ${ACCOUNT_LIMITS.maxIdLength} characters`,
    );
  }
  if (!name) throw new InvalidRequestError('name is required');
  if (name.length > ACCOUNT_LIMITS.maxNameLength) {
    throw new InvalidRequestError(`name has at most ${ACCOUNT_LIMITS.maxNameLength} characters`);
  }
  assertCents(input.balanceCents, 'balanceCents');
  assertCents(input.creditLimitCents, 'creditLimitCents');
  return {
    id,
    name,
    balanceCents: input.balanceCents,
    heldCents: 0,
    creditLimitCents: input.creditLimitCents,
    declinesAll: false,
    slow: false,
  };
}

/**
 * Whether a request to open an account asks for what an existing account was opened with, so
 * repeating it is a retry (success) rather than a conflict.
 */
export function sameOpening(
  existing: {
    readonly name: string;
    readonly openingBalanceCents: number;
    readonly creditLimitCents: number;
  },
  requested: Account,
): boolean {
  return (
    existing.name === requested.name &&
    existing.openingBalanceCents === requested.balanceCents &&
    existing.creditLimitCents === requested.creditLimitCents
  );
}

/** How long an authorisation on this account waits before it is decided (fixture `slow`). */
export function decisionDelayMs(account: Account | undefined, slowMs: number): number {
  return account?.slow ? slowMs : 0;
}

/** The account with `amount` more held. The caller has checked it is available. */
export function hold(account: Account, amountCents: number): Account {
  return { ...account, heldCents: account.heldCents + amountCents };
}

/** The account with `amount` less held (a void, or the first half of a capture). */
export function release(account: Account, amountCents: number): Account {
  return { ...account, heldCents: account.heldCents - amountCents };
}

/**
 * Moves `amount` from one account's balance to another's. Returns the accounts that changed:
 * both, or one when they are the same account (nothing moves).
 *
 * @throws {AccountLimitError} when `from` would go below its credit limit.
 */
export function transfer(from: Account, to: Account, amountCents: number): Account[] {
  if (from.id === to.id) return [from];
  const debited = { ...from, balanceCents: from.balanceCents - amountCents };
  if (!withinLimit(debited)) throw new AccountLimitError(from.id);
  return [debited, { ...to, balanceCents: to.balanceCents + amountCents }];
}

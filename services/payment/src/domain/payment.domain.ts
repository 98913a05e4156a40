/**
 * The payment of one order and its lifecycle (docs/checkout-saga.md): pure functions, no I/O.
 *
 *   (none) ──authorise──▶ AUTHORIZED ──capture──▶ CAPTURED ──refund──▶ REFUNDED
 *      │         └──────▶ DECLINED        └──void──▶ VOIDED
 *      └──cancelled first──▶ REFUSED (a tombstone: a late authorisation finds it and does nothing)
 *
 * One payment per order: whatever happened first for an order is final for its authorisation.
 */
import {
  type Account,
  assertCents,
  availableOf,
  hold,
  release,
  transfer,
} from './account.domain.ts';
import { InvalidRequestError, PaymentNotRefundableError } from './payment.errors.ts';

export const PAYMENT_STATUSES = [
  'AUTHORIZED',
  'DECLINED',
  'CAPTURED',
  'VOIDED',
  'REFUNDED',
  'REFUSED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Why an authorisation is declined (reason codes of docs/checkout-saga.md). */
export type DeclineReason = 'INSUFFICIENT_FUNDS' | 'CARD_DECLINED' | 'UNKNOWN_CUSTOMER';

export type Payment = {
  readonly orderId: string;
  /** Undefined for a refusal: the cancellation does not name the customer. */
  readonly customerId: string | undefined;
  readonly amountCents: number;
  readonly status: PaymentStatus;
  /** Why it was declined, voided or refused. */
  readonly reason: string | undefined;
  /** What a decline said, in words (a re-sent authorisation request is answered with it). */
  readonly detail: string | undefined;
};

/** What the saga asks to authorise. */
export type AuthorisationRequest = {
  readonly orderId: string;
  readonly customerId: string;
  readonly amountCents: number;
};

/** The decision on an authorisation. */
export type Authorisation =
  | { readonly kind: 'authorized'; readonly payment: Payment; readonly account: Account }
  | {
      readonly kind: 'declined';
      readonly payment: Payment;
      readonly reason: DeclineReason;
      readonly detail: string;
    };

/**
 * Decides an authorisation: hold the amount on the customer's account if it is available.
 * `account` is the customer's account, locked by the caller, or undefined when there is none.
 *
 * @throws {InvalidRequestError} for a negative or fractional amount (a broken message).
 */
export function decideAuthorisation(
  request: AuthorisationRequest,
  account: Account | undefined,
): Authorisation {
  assertCents(request.amountCents, 'amountCents');
  const base = {
    orderId: request.orderId,
    customerId: request.customerId,
    amountCents: request.amountCents,
  };
  const decline = (reason: DeclineReason, detail: string): Authorisation => ({
    kind: 'declined',
    payment: { ...base, status: 'DECLINED', reason, detail },
    reason,
    detail,
  });
  if (!account) return decline('UNKNOWN_CUSTOMER', `no customer ${request.customerId}`);
  if (account.id !== request.customerId) {
    throw new InvalidRequestError(`account ${account.id} is not customer ${request.customerId}`);
  }
  if (account.declinesAll) return decline('CARD_DECLINED', 'the card was declined');
  const available = availableOf(account);
  if (request.amountCents > available) {
    return decline(
      'INSUFFICIENT_FUNDS',
      `${request.amountCents} cents asked, ${Math.max(0, available)} cents available`,
    );
  }
  return {
    kind: 'authorized',
    payment: { ...base, status: 'AUTHORIZED', reason: undefined, detail: undefined },
    account: hold(account, request.amountCents),
  };
}

/** The tombstone recorded when an order is cancelled before its authorisation was asked for. */
export function refusal(orderId: string, reason: string): Payment {
  return {
    orderId,
    customerId: undefined,
    amountCents: 0,
    status: 'REFUSED',
    reason,
    detail: undefined,
  };
}

/** Whether a payment holds money on the customer's account (voiding or capturing moves it). */
export function isHeld(payment: Payment): boolean {
  return payment.status === 'AUTHORIZED';
}

/** The outcome of voiding a payment (a compensation). */
export type VoidOutcome =
  | { readonly kind: 'voided'; readonly payment: Payment; readonly account: Account }
  | { readonly kind: 'nothing-held'; readonly payment: Payment };

/**
 * Lifts the hold of an authorised payment. Any other payment holds nothing: it is left as it is.
 * `account` is the customer's account, locked by the caller (needed only for a held payment).
 */
export function voidPayment(
  payment: Payment,
  account: Account | undefined,
  reason: string,
): VoidOutcome {
  if (!isHeld(payment)) return { kind: 'nothing-held', payment };
  const customer = accountOf(payment, account);
  return {
    kind: 'voided',
    payment: { ...payment, status: 'VOIDED', reason },
    account: release(customer, payment.amountCents),
  };
}

/** The outcome of capturing a payment. */
export type CaptureOutcome =
  | { readonly kind: 'captured'; readonly payment: Payment; readonly accounts: readonly Account[] }
  | { readonly kind: 'not-authorized'; readonly payment: Payment };

/**
 * Takes the held amount: the customer's hold and balance go down by it, the merchant's balance
 * goes up by it. A payment that is not AUTHORIZED is left as it is.
 */
export function capture(
  payment: Payment,
  customer: Account | undefined,
  merchant: Account,
): CaptureOutcome {
  if (!isHeld(payment)) return { kind: 'not-authorized', payment };
  const released = release(accountOf(payment, customer), payment.amountCents);
  return {
    kind: 'captured',
    payment: { ...payment, status: 'CAPTURED' },
    accounts: transfer(released, merchant, payment.amountCents),
  };
}

/** The outcome of refunding a payment. */
export type RefundOutcome =
  | { readonly kind: 'refunded'; readonly payment: Payment; readonly accounts: readonly Account[] }
  | { readonly kind: 'already-refunded'; readonly payment: Payment };

/**
 * Gives a captured payment back: the reverse of {@link capture}. Refunding a REFUNDED payment
 * again changes nothing (a retry).
 *
 * @throws {PaymentNotRefundableError} unless the payment is CAPTURED or REFUNDED.
 * @throws {AccountLimitError} when the merchant account cannot pay it back.
 */
export function refund(
  payment: Payment,
  customer: Account | undefined,
  merchant: Account,
): RefundOutcome {
  if (payment.status === 'REFUNDED') return { kind: 'already-refunded', payment };
  if (payment.status !== 'CAPTURED') {
    throw new PaymentNotRefundableError(payment.orderId, payment.status);
  }
  return {
    kind: 'refunded',
    payment: { ...payment, status: 'REFUNDED' },
    accounts: transfer(merchant, accountOf(payment, customer), payment.amountCents),
  };
}

/**
 * The payment's customer account. A payment holding money was authorised against an account
 * that exists, so a missing or different one is a broken invariant, not a business outcome.
 */
function accountOf(payment: Payment, account: Account | undefined): Account {
  if (!account || account.id !== payment.customerId) {
    throw new Error(
      `invariant broken: the account of order ${payment.orderId} (${payment.customerId}) is missing`,
    );
  }
  return account;
}

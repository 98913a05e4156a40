/**
 * The payment steps of the checkout saga, each inside a transaction the caller owns (the inbox
 * transaction of a message handler, or one a gRPC call opens), and each returning its outcome
 * for the caller to announce. The choreography handlers (events) and the orchestration handlers
 * (commands) call the same ones, so the saga's business rules exist once.
 *
 * Locking (docs/checkout-saga.md): the order's payment row first, then the accounts, in id order
 * (payment.repository.ts `lockAccounts`), so two transactions never wait on each other in a
 * cycle.
 */
import type { Tx } from '@saga/db';
import {
  findAccount,
  insertPayment,
  lockAccounts,
  lockPayment,
  saveAccounts,
  updatePayment,
} from '../adapters/payment.repository.ts';
import { type Account, decisionDelayMs, MERCHANT_ACCOUNT_ID } from '../domain/account.domain.ts';
import {
  type Authorisation,
  type AuthorisationRequest,
  type CaptureOutcome,
  capture,
  decideAuthorisation,
  type Payment,
  type RefundOutcome,
  refund,
  refusal,
  type VoidOutcome,
  voidPayment,
} from '../domain/payment.domain.ts';
import { PaymentNotFoundError } from '../domain/payment.errors.ts';

/** What the payment use cases need. */
export type PaymentUseCaseDeps = {
  /** How long the `slow` fixture account waits before an authorisation is decided. */
  readonly slowMs: number;
  /** Waits `ms`; tests pass one they control. */
  readonly sleep: (ms: number) => Promise<void>;
};

/** The outcome of an authorisation request. */
export type AuthoriseOutcome =
  | Authorisation
  /** The order already has a payment: decided before, or refused because it was cancelled. */
  | { readonly kind: 'already-recorded'; readonly payment: Payment };

/** The outcome of a cancellation: a void, or a refusal recorded for a later authorisation. */
export type CancelOutcome = VoidOutcome | { readonly kind: 'refused'; readonly payment: Payment };

/** The outcome of a void asked for an order that may have no payment at all. */
export type CompensationOutcome = VoidOutcome | { readonly kind: 'no-payment' };

/** The payment steps of the saga. */
export type PaymentUseCases = ReturnType<typeof createPaymentUseCases>;

/** Builds the payment steps of the saga. */
export function createPaymentUseCases(deps: PaymentUseCaseDeps) {
  /** Locks the payment's customer account, when it has one that exists. */
  async function lockCustomer(tx: Tx, payment: Payment): Promise<Account | undefined> {
    if (payment.customerId === undefined) return undefined;
    return (await lockAccounts(tx, [payment.customerId])).get(payment.customerId);
  }

  /** Locks the customer and merchant accounts a capture or refund moves money between. */
  async function lockParties(tx: Tx, payment: Payment) {
    const ids = [MERCHANT_ACCOUNT_ID, ...(payment.customerId ? [payment.customerId] : [])];
    const accounts = await lockAccounts(tx, ids);
    const merchant = accounts.get(MERCHANT_ACCOUNT_ID);
    if (!merchant) throw new Error(`the ${MERCHANT_ACCOUNT_ID} account is missing`);
    const customer = payment.customerId ? accounts.get(payment.customerId) : undefined;
    return { customer, merchant };
  }

  return {
    /**
     * Authorises (holds) an order's amount on the customer's account, once per order. An order
     * that already has a payment (decided, or refused by an earlier cancellation) is left alone.
     */
    async authorise(tx: Tx, request: AuthorisationRequest): Promise<AuthoriseOutcome> {
      // The slow fixture waits before anything is locked, so a cancellation arriving meanwhile
      // records its refusal first and this late authorisation then finds it.
      const delay = decisionDelayMs(await findAccount(tx, request.customerId), deps.slowMs);
      if (delay > 0) await deps.sleep(delay);

      const existing = await lockPayment(tx, request.orderId);
      if (existing) return { kind: 'already-recorded', payment: existing };
      const account = (await lockAccounts(tx, [request.customerId])).get(request.customerId);
      const decision = decideAuthorisation(request, account);
      // A refusal committed since the look above wins: it was recorded first.
      if (!(await insertPayment(tx, decision.payment))) {
        const recorded = await lockPayment(tx, request.orderId);
        if (!recorded) throw new Error(`payment of order ${request.orderId} vanished`);
        return { kind: 'already-recorded', payment: recorded };
      }
      if (decision.kind === 'authorized') await saveAccounts(tx, [decision.account]);
      return decision;
    },

    /** Voids an order's authorisation (compensation): the hold is lifted if there is one. */
    async voidAuthorisation(tx: Tx, orderId: string, reason: string): Promise<CompensationOutcome> {
      const payment = await lockPayment(tx, orderId);
      if (!payment) return { kind: 'no-payment' };
      return applyVoid(tx, payment, await lockCustomer(tx, payment), reason);
    },

    /**
     * Cancels an order's payment: voids the authorisation if there is one, or records a refusal
     * so that an authorisation request still in flight does nothing when it lands.
     */
    async cancel(tx: Tx, orderId: string, reason: string): Promise<CancelOutcome> {
      const refused = refusal(orderId, reason);
      if (await insertPayment(tx, refused)) return { kind: 'refused', payment: refused };
      const payment = await lockPayment(tx, orderId);
      if (!payment) throw new Error(`payment of order ${orderId} vanished`);
      return applyVoid(tx, payment, await lockCustomer(tx, payment), reason);
    },

    /** Captures an order's authorisation: the held amount moves to the merchant account. */
    async capture(
      tx: Tx,
      orderId: string,
    ): Promise<CaptureOutcome | { readonly kind: 'no-payment' }> {
      const payment = await lockPayment(tx, orderId);
      if (!payment) return { kind: 'no-payment' };
      const { customer, merchant } = await lockParties(tx, payment);
      const outcome = capture(payment, customer, merchant);
      if (outcome.kind === 'captured') {
        await updatePayment(tx, outcome.payment);
        await saveAccounts(tx, outcome.accounts);
      }
      return outcome;
    },

    /**
     * Refunds an order's captured payment: the amount moves back from the merchant account.
     * @throws {PaymentNotFoundError} when the order has no payment.
     * @throws {PaymentNotRefundableError} unless it is CAPTURED or already REFUNDED.
     */
    async refund(tx: Tx, orderId: string): Promise<RefundOutcome> {
      const payment = await lockPayment(tx, orderId);
      if (!payment) throw new PaymentNotFoundError(orderId);
      const { customer, merchant } = await lockParties(tx, payment);
      const outcome = refund(payment, customer, merchant);
      if (outcome.kind === 'refunded') {
        await updatePayment(tx, outcome.payment);
        await saveAccounts(tx, outcome.accounts);
      }
      return outcome;
    },
  };
}

async function applyVoid(
  tx: Tx,
  payment: Payment,
  account: Account | undefined,
  reason: string,
): Promise<VoidOutcome> {
  const outcome = voidPayment(payment, account, reason);
  if (outcome.kind === 'voided') {
    await updatePayment(tx, outcome.payment);
    await saveAccounts(tx, [outcome.account]);
  }
  return outcome;
}

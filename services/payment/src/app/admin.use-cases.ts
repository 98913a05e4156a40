/**
 * What PaymentService offers besides the saga: reading and opening accounts, reading a payment,
 * and refunding a captured one. Each call is its own transaction.
 */
import { EVENTS, messageOf } from '@saga/contracts';
import { withTransaction } from '@saga/db';
import { enqueue } from '@saga/outbox';
import type pg from 'pg';
import { findAccount, findPayment, insertAccount } from '../adapters/payment.repository.ts';
import {
  type Account,
  type NewAccount,
  openAccount,
  sameOpening,
} from '../domain/account.domain.ts';
import type { Payment } from '../domain/payment.domain.ts';
import {
  CustomerExistsError,
  CustomerNotFoundError,
  InvalidRequestError,
  PaymentNotFoundError,
} from '../domain/payment.errors.ts';
import type { PaymentUseCases } from './payment.use-cases.ts';

/** What the admin use cases need. */
export type AdminDeps = {
  readonly pool: pg.Pool;
  readonly payments: PaymentUseCases;
};

/** The admin use cases. */
export type AdminUseCases = ReturnType<typeof createAdminUseCases>;

/** Builds the account and payment administration use cases. */
export function createAdminUseCases(deps: AdminDeps) {
  const { pool, payments } = deps;

  return {
    /** @throws {CustomerNotFoundError} */
    async getCustomer(customerId: string): Promise<Account> {
      const account = customerId ? await findAccount(pool, customerId) : undefined;
      if (!account) throw new CustomerNotFoundError(customerId);
      return account;
    },

    /**
     * Opens an account. Asking again for an account that was opened with the same values
     * succeeds and returns it as it is now (a retry).
     *
     * @throws {InvalidRequestError} for an empty name or id, or negative amounts.
     * @throws {CustomerExistsError} when the id is taken with other values.
     */
    async createCustomer(input: NewAccount): Promise<Account> {
      const account = openAccount(input);
      if (await insertAccount(pool, account)) return account;
      const existing = await findAccount(pool, account.id);
      if (!existing || !sameOpening(existing, account)) throw new CustomerExistsError(account.id);
      return existing;
    },

    /** @throws {PaymentNotFoundError} when the order has no payment. */
    async getPayment(orderId: string): Promise<Payment> {
      const payment = orderId ? await findPayment(pool, orderId) : undefined;
      if (!payment) throw new PaymentNotFoundError(orderId);
      return payment;
    },

    /**
     * Refunds a captured payment and announces it (PaymentRefunded, in the same transaction).
     * A payment already refunded is returned as it is, and nothing is announced again.
     *
     * @throws {InvalidRequestError} for an empty order id.
     * @throws {PaymentNotFoundError} when the order has no payment.
     * @throws {PaymentNotRefundableError} unless the payment is CAPTURED or REFUNDED.
     */
    async refundPayment(orderId: string): Promise<Payment> {
      if (!orderId) throw new InvalidRequestError('orderId is required');
      return withTransaction(pool, async (tx) => {
        const outcome = await payments.refund(tx, orderId);
        if (outcome.kind === 'refunded') {
          await enqueue(
            tx,
            messageOf(
              EVENTS.PaymentRefunded,
              { orderId, amountCents: outcome.payment.amountCents },
              { key: orderId },
            ),
          );
        }
        return outcome.payment;
      });
    },
  };
}

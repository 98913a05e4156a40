/**
 * PostgreSQL access of the payment context: accounts and payments (migrations/). Functions take
 * a transaction, or the pool for a plain read. `bigint` columns arrive as strings and are parsed
 * into numbers here, so nothing above this file sees the driver's types.
 */
import type { Tx } from '@saga/db';
import type { Account } from '../domain/account.domain.ts';
import { PAYMENT_STATUSES, type Payment, type PaymentStatus } from '../domain/payment.domain.ts';

/** A transaction, or the pool for a single read. */
export type Db = Pick<Tx, 'query'>;

/** An account as stored, with what it was opened with. */
export type AccountRecord = Account & { readonly openingBalanceCents: number };

type AccountRow = {
  id: string;
  name: string;
  balance_cents: string;
  held_cents: string;
  credit_limit_cents: string;
  opening_balance_cents: string;
  declines_all: boolean;
  slow: boolean;
};

type PaymentRow = {
  order_id: string;
  customer_id: string | null;
  amount_cents: string;
  status: string;
  reason: string | null;
  detail: string | null;
};

const ACCOUNT_COLUMNS =
  'id, name, balance_cents, held_cents, credit_limit_cents, opening_balance_cents, declines_all, slow';
const PAYMENT_COLUMNS = 'order_id, customer_id, amount_cents, status, reason, detail';

/** A `bigint` column's value as a number of cents. */
function cents(value: string, column: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${column} ${value} is not a safe integer`);
  return n;
}

function toAccount(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    name: row.name,
    balanceCents: cents(row.balance_cents, 'balance_cents'),
    heldCents: cents(row.held_cents, 'held_cents'),
    creditLimitCents: cents(row.credit_limit_cents, 'credit_limit_cents'),
    openingBalanceCents: cents(row.opening_balance_cents, 'opening_balance_cents'),
    declinesAll: row.declines_all,
    slow: row.slow,
  };
}

function isStatus(status: string): status is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(status);
}

function toPayment(row: PaymentRow): Payment {
  if (!isStatus(row.status)) throw new Error(`unknown payment status ${row.status}`);
  return {
    orderId: row.order_id,
    customerId: row.customer_id ?? undefined,
    amountCents: cents(row.amount_cents, 'amount_cents'),
    status: row.status,
    reason: row.reason ?? undefined,
    detail: row.detail ?? undefined,
  };
}

/** An account, unlocked (a read, or a look before a lock). */
export async function findAccount(db: Db, id: string): Promise<AccountRecord | undefined> {
  const { rows } = await db.query<AccountRow>(
    `select ${ACCOUNT_COLUMNS} from accounts where id = $1`,
    [id],
  );
  return rows[0] && toAccount(rows[0]);
}

/**
 * Locks accounts (`FOR UPDATE`) in id order, whatever order `ids` is in: every transaction that
 * locks several accounts takes them in the same order, so two of them cannot deadlock.
 *
 * @returns the accounts found, by id (missing ids are absent).
 */
export async function lockAccounts(tx: Tx, ids: readonly string[]): Promise<Map<string, Account>> {
  const { rows } = await tx.query<AccountRow>(
    `select ${ACCOUNT_COLUMNS} from accounts where id = any($1::text[]) order by id for update`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, toAccount(r)]));
}

/**
 * Opens an account, with the fixture behaviours given (false unless a fixture says otherwise).
 * @returns false when the id is taken (the existing account is left as it is).
 */
export async function insertAccount(db: Db, account: Account): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into accounts
       (id, name, balance_cents, held_cents, credit_limit_cents, opening_balance_cents, declines_all, slow)
     values ($1, $2, $3, $4, $5, $3, $6, $7)
     on conflict (id) do nothing`,
    [
      account.id,
      account.name,
      account.balanceCents,
      account.heldCents,
      account.creditLimitCents,
      account.declinesAll,
      account.slow,
    ],
  );
  return rowCount === 1;
}

/** Writes the balances and holds of accounts the caller has locked. */
export async function saveAccounts(tx: Tx, accounts: readonly Account[]): Promise<void> {
  for (const a of accounts) {
    await tx.query(
      `update accounts set balance_cents = $2, held_cents = $3, updated_at = clock_timestamp()
       where id = $1`,
      [a.id, a.balanceCents, a.heldCents],
    );
  }
}

/** The payment of an order, unlocked. */
export async function findPayment(db: Db, orderId: string): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from payments where order_id = $1`,
    [orderId],
  );
  return rows[0] && toPayment(rows[0]);
}

/**
 * The payment of an order, locked (`FOR UPDATE`) until the transaction ends: two messages about
 * one order are handled one after the other.
 */
export async function lockPayment(tx: Tx, orderId: string): Promise<Payment | undefined> {
  const { rows } = await tx.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from payments where order_id = $1 for update`,
    [orderId],
  );
  return rows[0] && toPayment(rows[0]);
}

/**
 * Records the payment of an order unless it has one. The primary key decides between two
 * transactions racing to record one (an authorisation and a refusal): the second waits for the
 * first to commit, then inserts nothing. The row stays locked by this transaction when inserted.
 *
 * @returns false when the order already had a payment (nothing was written).
 */
export async function insertPayment(tx: Tx, payment: Payment): Promise<boolean> {
  const { rowCount } = await tx.query(
    `insert into payments (order_id, customer_id, amount_cents, status, reason, detail)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (order_id) do nothing`,
    [
      payment.orderId,
      payment.customerId ?? null,
      payment.amountCents,
      payment.status,
      payment.reason ?? null,
      payment.detail ?? null,
    ],
  );
  return rowCount === 1;
}

/** Writes the status and reason of a payment the caller has locked. */
export async function updatePayment(tx: Tx, payment: Payment): Promise<void> {
  await tx.query(
    `update payments set status = $2, reason = $3, updated_at = clock_timestamp()
     where order_id = $1`,
    [payment.orderId, payment.status, payment.reason ?? null],
  );
}

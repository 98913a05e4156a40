import { type Tx, withTransaction } from '@saga/db';
import type { Envelope, MessageHandler } from '@saga/messaging';
import type pg from 'pg';

const IDENT = /^[a-z_][a-z0-9_]{0,50}$/;

/**
 * DDL of an inbox table, for a service's migration (idempotent). One row per (consumer, message):
 * the same message may be processed once by each of a service's consumers.
 */
export function inboxSchemaSql(table = 'inbox'): string {
  if (!IDENT.test(table)) throw new Error(`invalid inbox table name "${table}"`);
  return `
create table if not exists ${table} (
  consumer text not null,
  message_id text not null,
  message_type text not null,
  processed_at timestamptz not null default clock_timestamp(),
  primary key (consumer, message_id)
);
create index if not exists ${table}_processed_at on ${table} (processed_at);
`;
}

/** A handler that does its work inside the inbox transaction. */
export type IdempotentHandler<P> = (tx: Tx, envelope: Envelope<P>) => Promise<void>;

/**
 * Makes a handler idempotent. For each message, in one transaction:
 * 1. insert (consumer, message id) into the inbox; if it is already there, the message was
 *    processed before: commit nothing and acknowledge it;
 * 2. otherwise run `handle(tx, envelope)`: its writes and outbox messages join the transaction;
 * 3. commit. If anything throws, all of it rolls back, including the inbox row, so the retry
 *    (or the redelivery) processes the message afresh.
 *
 * Two deliveries of one message racing (a rebalance) serialise on the inbox row's primary key:
 * the second waits for the first to commit, then sees the row and skips.
 *
 * @param options.onDuplicate - told about every skipped redelivery (for metrics and tests).
 */
export function idempotent<P>(
  pool: pg.Pool,
  consumer: string,
  handle: IdempotentHandler<P>,
  options: { readonly table?: string; readonly onDuplicate?: (envelope: Envelope<P>) => void } = {},
): MessageHandler {
  const table = options.table ?? 'inbox';
  if (!IDENT.test(table)) throw new Error(`invalid inbox table name "${table}"`);
  return async (envelope) => {
    const e = envelope as Envelope<P>;
    const duplicate = await withTransaction(pool, async (tx) => {
      const inserted = await tx.query(
        `insert into ${table} (consumer, message_id, message_type) values ($1, $2, $3)
         on conflict do nothing`,
        [consumer, e.id, e.type],
      );
      if (inserted.rowCount === 0) return true;
      await handle(tx, e);
      return false;
    });
    if (duplicate) options.onDuplicate?.(e);
  };
}

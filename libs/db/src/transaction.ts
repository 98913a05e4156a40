import type pg from 'pg';

/**
 * A connection inside an open transaction. Only `query` is exposed: the transaction's lifetime
 * belongs to {@link withTransaction}.
 */
export type Tx = {
  readonly query: <R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ) => Promise<pg.QueryResult<R>>;
};

/** Transaction isolation levels PostgreSQL offers. */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** Options of {@link withTransaction}. */
export type TransactionOptions = {
  /** Default `read committed`. */
  readonly isolation?: IsolationLevel;
  /**
   * How many times to run `fn` in all when PostgreSQL aborts the transaction with a
   * serialization failure (40001) or a deadlock (40P01). Default 1 (no retry). Only raise it
   * when `fn` has no effects outside the database.
   */
  readonly attempts?: number;
};

const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `fn` in one database transaction: COMMIT when it resolves, ROLLBACK when it throws (the
 * error is rethrown). The connection goes back to the pool either way; one whose connection
 * failed mid-transaction is discarded rather than reused.
 *
 * @returns what `fn` returned.
 * @throws whatever `fn` or the database threw.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 1);
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A connection that dies while checked out emits 'error' on the client; without a listener
    // that is an uncaught exception that takes the whole service down. Record it instead: the
    // query in flight rejects too, and the client is discarded on release.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query(`begin isolation level ${options.isolation ?? 'read committed'}`);
      const tx: Tx = { query: (text, values) => client.query(text, values as unknown[]) };
      const result = await fn(tx);
      await client.query('commit');
      return result;
    } catch (err) {
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      const code = (err as { code?: string }).code;
      if (attempt < attempts && code && RETRYABLE.has(code)) continue;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}

/**
 * The pool as a {@link Tx}, for code that takes a `Tx` but runs outside a transaction (reads,
 * single statements): each query is its own autocommitted statement on any pooled connection.
 */
export function autocommit(pool: pg.Pool): Tx {
  return { query: (text, values) => pool.query(text, values as unknown[]) };
}

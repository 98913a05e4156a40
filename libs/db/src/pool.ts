import pg from 'pg';

/** How a service reaches its database. Every limit has a default, so no call waits forever. */
export type DbConfig = {
  /** `postgres://user:password@host:port/database`. */
  readonly connectionString: string;
  /** Shown in pg_stat_activity; use the service name. */
  readonly applicationName: string;
  /** Pool size. Default 10. */
  readonly maxConnections?: number;
  /** Give up opening a connection after this long. Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Server-side limit on one statement (`statement_timeout`). Default 10 000 ms. */
  readonly statementTimeoutMs?: number;
  /** Client-side limit on one query, a backstop when the server does not answer. Default 15 000 ms. */
  readonly queryTimeoutMs?: number;
  /** Kill a session left idle inside a transaction. Default 30 000 ms. */
  readonly idleInTransactionTimeoutMs?: number;
  /** Close idle pooled connections after this long. Default 30 000 ms. */
  readonly idleTimeoutMs?: number;
};

/**
 * Creates the service's connection pool. Timeouts apply on both sides: the server cancels a
 * statement at `statementTimeoutMs`, and the client abandons a query at `queryTimeoutMs` (for
 * when the server, or the network to it, does not answer at all).
 *
 * The pool emits 'error' for idle clients whose connection dies; the handler here keeps such an
 * error from crashing the process (the pool replaces the client on next use).
 */
export function createPool(config: DbConfig, onIdleError?: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    application_name: config.applicationName,
    max: config.maxConnections ?? 10,
    connectionTimeoutMillis: config.connectTimeoutMs ?? 5_000,
    statement_timeout: config.statementTimeoutMs ?? 10_000,
    query_timeout: config.queryTimeoutMs ?? 15_000,
    idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs ?? 30_000,
    idleTimeoutMillis: config.idleTimeoutMs ?? 30_000,
    keepAlive: true,
  });
  pool.on('error', (err) => onIdleError?.(err));
  return pool;
}

/**
 * Which failures of a store are transient: the connection was dropped or refused, so the same
 * work may succeed in a moment. Shared by the RPC server (UNAVAILABLE rather than INTERNAL) and
 * the message consumer (retry until the store is back rather than dead-letter).
 */

/** Socket error codes of a connection that was dropped or refused (Node's `err.code`). */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * PostgreSQL SQLSTATEs of a server going away or not taking connections yet: class 08
 * (connection exception) and 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now).
 */
const TRANSIENT_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;

/** node-postgres' messages for a connection lost without a socket error code. */
const CONNECTION_LOST_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
];

/**
 * Whether `err` (or an error in its `cause` chain) says a connection to a store was dropped or
 * refused: a socket error (`ECONNRESET`, `ECONNREFUSED`, …), a PostgreSQL connection exception
 * (SQLSTATE class 08, `57P01` admin_shutdown, `57P02`, `57P03`), or node-postgres' "Connection
 * terminated unexpectedly". Such a failure is transient: the same request may succeed in a moment.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (
      typeof code === 'string' &&
      (CONNECTION_ERROR_CODES.has(code) || TRANSIENT_SQLSTATE.test(code))
    )
      return true;
    if (typeof message === 'string' && CONNECTION_LOST_MESSAGES.some((m) => message.includes(m)))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

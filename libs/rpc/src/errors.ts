import { isConnectionError } from '@saga/db';

export { isConnectionError };

import { status } from '@grpc/grpc-js';

/** gRPC status codes by name, as a plain object (the library's enum stays at the edge). */
export const Code = {
  OK: status.OK,
  CANCELLED: status.CANCELLED,
  UNKNOWN: status.UNKNOWN,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ABORTED: status.ABORTED,
  UNAVAILABLE: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
} as const;

/** Why the client refused a call without sending it. */
export type LocalReason = 'circuit-open' | 'bulkhead-full' | 'budget-exhausted';

/**
 * An RPC failure with its gRPC status code. Servers throw it to answer with a status; clients
 * receive it for every failed call (`reason` is set when the client refused the call itself).
 */
export class RpcError extends Error {
  readonly code: number;
  readonly reason: LocalReason | undefined;
  constructor(
    code: number,
    message: string,
    options: { cause?: unknown; reason?: LocalReason } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RpcError';
    this.code = code;
    this.reason = options.reason;
  }
}

/** Statuses that say "the server did not process this; trying again may work". */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([Code.UNAVAILABLE, Code.ABORTED]);

/** Statuses that count against a dependency's health (they open the breaker); client errors do not. */
export const FAILURE_CODES: ReadonlySet<number> = new Set([
  Code.UNAVAILABLE,
  Code.DEADLINE_EXCEEDED,
  Code.INTERNAL,
  Code.UNKNOWN,
  Code.RESOURCE_EXHAUSTED,
]);

/**
 * The one place server-side errors become gRPC statuses: an {@link RpcError} keeps its code and
 * message; a dropped or refused store connection ({@link isConnectionError}) is UNAVAILABLE, so
 * callers may retry it (within their retry budget) and the gateway answers 503 with
 * `Retry-After`; anything else is INTERNAL. Details are generic, so internals never leak.
 */
export function toServiceError(err: unknown): { code: number; details: string } {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (isConnectionError(err)) return { code: Code.UNAVAILABLE, details: 'temporarily unavailable' };
  return { code: Code.INTERNAL, details: 'internal error' };
}

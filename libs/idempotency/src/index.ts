/**
 * @saga/idempotency: Idempotency-Key handling for the public API, stored in Redis. See
 * docs/patterns/idempotency.md.
 */
export {
  type IdempotencyOutcome,
  type IdempotentRequest,
  type IdempotentResponse,
  MAX_KEY_LENGTH,
  runIdempotent,
} from './http.ts';
export {
  type BeginOutcome,
  createIdempotencyStore,
  fingerprint,
  type IdempotencyStore,
  type IdempotencyStoreOptions,
  type KeyScope,
  type StoredResponse,
} from './store.ts';

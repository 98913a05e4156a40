import { createHash } from 'node:crypto';

/**
 * The id a write carries to a service for one client's Idempotency-Key (CreateOrder's
 * `request_id`, the `idempotency-key` metadata of other writes): the same pair always gives the
 * same id, so the service deduplicates a retried call even when the gateway's own record of the
 * key is gone (expired, or the gateway crashed mid-request). Hashed, so neither the client id nor
 * the key travels or is stored in clear.
 */
export function deriveRequestId(clientId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(clientId).update('\0').update(idempotencyKey);
  return `gw_${digest.digest('hex').slice(0, 40)}`;
}

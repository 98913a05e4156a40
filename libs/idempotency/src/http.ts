import { metrics } from '@opentelemetry/api';
import { fingerprint, type IdempotencyStore, type StoredResponse } from './store.ts';

/** Longest key accepted; the draft leaves the limit to the server. */
export const MAX_KEY_LENGTH = 255;

/** What the HTTP layer knows about a request. */
export type IdempotentRequest = {
  readonly clientId: string;
  /** The `Idempotency-Key` header, if any. */
  readonly key: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly body: string;
};

/**
 * How a keyed request was answered, the `idempotency.outcome` of the `idempotency.requests`
 * counter: `miss` executed (first use of the key), `hit` replayed a stored response, `mismatch`
 * refused a reused key (422), `in_flight` refused a concurrent retry (409), `invalid_key` refused
 * a missing or oversized key (400).
 */
export type IdempotencyOutcome = 'miss' | 'hit' | 'mismatch' | 'in_flight' | 'invalid_key';

let requests: ReturnType<ReturnType<typeof metrics.getMeter>['createCounter']> | undefined;

/** Counted on first use, so the counter binds to the meter provider registered by then. */
function count(outcome: IdempotencyOutcome): void {
  requests ??= metrics.getMeter('@saga/idempotency').createCounter('idempotency.requests', {
    description: 'Requests under an Idempotency-Key, by how they were answered',
    unit: '{request}',
  });
  requests.add(1, { 'idempotency.outcome': outcome });
}

/** The response to send, and whether it was replayed from the store. */
export type IdempotentResponse = StoredResponse & { readonly replayed: boolean };

function problem(status: number, code: string, title: string, detail: string): IdempotentResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({
      type: `https://saga-platform.dev/problems/${code.toLowerCase()}`,
      title,
      status,
      detail,
      code,
    }),
    replayed: false,
  };
}

/**
 * Runs a request under an Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header):
 *
 * | situation | answer |
 * | --- | --- |
 * | key missing (it is required), empty or longer than {@link MAX_KEY_LENGTH} | 400 problem |
 * | key seen with a different method, path or body | 422 problem |
 * | key seen, first request still executing | 409 problem, `Retry-After: 1` |
 * | key seen, first request completed | its stored status and body, `Idempotent-Replayed: true` |
 * | key new | `execute()` runs once; a response below 500 is stored for the store's TTL |
 *
 * A 5xx or a thrown error releases the key without storing, so a retry executes again: a server
 * failure is not a result worth replaying.
 */
export async function runIdempotent(
  store: IdempotencyStore,
  request: IdempotentRequest,
  execute: () => Promise<StoredResponse>,
): Promise<IdempotentResponse> {
  const key = request.key?.trim();
  if (!key) {
    count('invalid_key');
    return problem(
      400,
      'IDEMPOTENCY.KEY_MISSING',
      'Idempotency-Key required',
      'This request needs an Idempotency-Key header.',
    );
  }
  if (key.length > MAX_KEY_LENGTH) {
    count('invalid_key');
    return problem(
      400,
      'IDEMPOTENCY.KEY_TOO_LONG',
      'Idempotency-Key too long',
      `An Idempotency-Key is at most ${MAX_KEY_LENGTH} characters.`,
    );
  }
  const scope = { clientId: request.clientId, key };
  const outcome = await store.begin(scope, fingerprint(request.method, request.path, request.body));
  switch (outcome.kind) {
    case 'mismatch':
      count('mismatch');
      return problem(
        422,
        'IDEMPOTENCY.KEY_REUSED',
        'Idempotency-Key reused',
        'This key was used for a different request.',
      );
    case 'in-flight': {
      count('in_flight');
      const p = problem(
        409,
        'IDEMPOTENCY.IN_FLIGHT',
        'Request in progress',
        'A request with this key is still being processed; retry later.',
      );
      return { ...p, headers: { ...p.headers, 'retry-after': '1' } };
    }
    case 'replay':
      count('hit');
      return {
        ...outcome.response,
        headers: { ...outcome.response.headers, 'idempotent-replayed': 'true' },
        replayed: true,
      };
    case 'execute': {
      count('miss');
      let response: StoredResponse;
      try {
        response = await execute();
      } catch (err) {
        await store.abandon(scope, outcome.token);
        throw err;
      }
      if (response.status >= 500) await store.abandon(scope, outcome.token);
      else await store.complete(scope, outcome.token, response);
      return { ...response, replayed: false };
    }
  }
}

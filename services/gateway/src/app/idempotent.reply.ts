import { type IdempotencyStore, runIdempotent } from '@saga/idempotency';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../domain/canonical-json.ts';
import { DependencyUnavailableError } from './dependency.errors.ts';

/** Who sent a request, for scoping its Idempotency-Key. */
export type KeyScope = { readonly clientId: string; readonly key: string };

/** What an idempotent route produces the first time: its status, extra headers and body. */
export type Outcome = {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
};

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The store with its failures made explicit: a Redis that fails or does not answer means the
 * request cannot be run safely, which is a 503 for the client (retry), not a 500.
 */
export function guardStore(store: IdempotencyStore): IdempotencyStore {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw new DependencyUnavailableError('redis', { cause: err });
      }
    };
  return {
    begin: guard(store.begin),
    complete: guard(store.complete),
    abandon: guard(store.abandon),
  };
}

/**
 * Runs a route's effect at most once per (client, Idempotency-Key) and sends the answer: the
 * first time `execute` runs and its answer (below 500) is stored; a retry gets the stored answer
 * with `Idempotent-Replayed: true`; a retry while the first still runs gets 409; the key reused
 * for another body gets 422 (libs/idempotency). The body is compared in canonical form, so key
 * order and whitespace do not matter. The route's response schema serializes the stored body.
 */
export async function replyIdempotent(
  store: IdempotencyStore,
  request: FastifyRequest,
  reply: FastifyReply,
  execute: (scope: KeyScope) => Promise<Outcome>,
): Promise<void> {
  const clientId = header(request.headers['x-client-id'])?.trim() || 'anonymous';
  const key = header(request.headers['idempotency-key']);
  const result = await runIdempotent(
    store,
    {
      clientId,
      key,
      method: request.method,
      path: request.url,
      body: canonicalJson(request.body),
    },
    async () => {
      const outcome = await execute({ clientId, key: key?.trim() ?? '' });
      return {
        status: outcome.status,
        headers: { 'content-type': 'application/json; charset=utf-8', ...outcome.headers },
        body: reply.serializeInput(outcome.body, String(outcome.status)) as string,
      };
    },
  );
  // A string body with a JSON content type is sent as is: it was serialized when first stored.
  await reply.code(result.status).headers(result.headers).send(result.body);
}

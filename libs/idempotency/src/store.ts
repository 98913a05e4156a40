import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A response as stored for replay. */
export type StoredResponse = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
};

/** What {@link IdempotencyStore.begin} decided. */
export type BeginOutcome =
  | { readonly kind: 'execute'; readonly token: string }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in-flight' }
  | { readonly kind: 'mismatch' };

/** Options of {@link createIdempotencyStore}. */
export type IdempotencyStoreOptions = {
  readonly redis: Redis;
  /** How long a completed response is kept for replay. Default 24 h (86 400 s). */
  readonly ttlSeconds?: number;
  /**
   * How long a request may hold its key while executing. After that a retry may execute again:
   * the bound on how long a crashed executor blocks its key. Default 30 000 ms.
   */
  readonly lockTtlMs?: number;
  /** Redis key prefix. Default `idem`. */
  readonly prefix?: string;
};

/** The store; every operation is one atomic Redis script. */
export type IdempotencyStore = {
  /** Claims the key for execution, or says why not (replay, in flight, different payload). */
  readonly begin: (scope: KeyScope, fingerprint: string) => Promise<BeginOutcome>;
  /** Stores the response of the execution that holds `token`; false if it lost the key. */
  readonly complete: (scope: KeyScope, token: string, response: StoredResponse) => Promise<boolean>;
  /** Releases the key without storing a response (the execution failed; a retry may run). */
  readonly abandon: (scope: KeyScope, token: string) => Promise<void>;
};

/** A key is scoped per client: two clients may use the same key independently. */
export type KeyScope = { readonly clientId: string; readonly key: string };

const BEGIN = `
local fp = redis.call('HGET', KEYS[1], 'fp')
if not fp then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'in-flight', 'token', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'execute', ARGV[2]}
end
if fp ~= ARGV[1] then return {'mismatch'} end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'in-flight' then return {'in-flight'} end
return {'replay', redis.call('HGET', KEYS[1], 'status'), redis.call('HGET', KEYS[1], 'headers'), redis.call('HGET', KEYS[1], 'body')}
`;

const COMPLETE = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[2], 'headers', ARGV[3], 'body', ARGV[4])
redis.call('HDEL', KEYS[1], 'token')
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`;

const ABANDON = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * A fingerprint of what a request asks for: method, path and body. The same key with a
 * different fingerprint is a client bug, answered 422.
 */
export function fingerprint(method: string, path: string, body: string | Uint8Array): string {
  return createHash('sha256')
    .update(method.toUpperCase())
    .update('\0')
    .update(path)
    .update('\0')
    .update(body)
    .digest('hex');
}

/** Creates the Redis-backed store. */
export function createIdempotencyStore(options: IdempotencyStoreOptions): IdempotencyStore {
  const { redis } = options;
  const ttl = options.ttlSeconds ?? 86_400;
  const lockTtl = options.lockTtlMs ?? 30_000;
  const prefix = options.prefix ?? 'idem';
  const redisKey = (s: KeyScope) =>
    `${prefix}:${createHash('sha256').update(s.clientId).digest('hex').slice(0, 16)}:${s.key}`;
  return {
    async begin(scope, fp) {
      const token = randomUUID();
      const r = (await redis.eval(
        BEGIN,
        1,
        redisKey(scope),
        fp,
        token,
        String(lockTtl),
      )) as string[];
      switch (r[0]) {
        case 'execute':
          return { kind: 'execute', token };
        case 'mismatch':
          return { kind: 'mismatch' };
        case 'in-flight':
          return { kind: 'in-flight' };
        default:
          return {
            kind: 'replay',
            response: {
              status: Number(r[1]),
              headers: JSON.parse(r[2] ?? '{}') as Record<string, string>,
              body: r[3] ?? '',
            },
          };
      }
    },
    async complete(scope, token, response) {
      const r = await redis.eval(
        COMPLETE,
        1,
        redisKey(scope),
        token,
        String(response.status),
        JSON.stringify(response.headers),
        response.body,
        String(ttl),
      );
      return r === 1;
    },
    async abandon(scope, token) {
      await redis.eval(ABANDON, 1, redisKey(scope), token);
    },
  };
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually, testStack } from '@saga/testkit';
import { Redis } from 'ioredis';
import {
  createIdempotencyStore,
  type IdempotencyStore,
  type IdempotentRequest,
  MAX_KEY_LENGTH,
  runIdempotent,
} from '../src/index.ts';

const { endpoints } = testStack(process.env);
const prefix = `test-idem-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let store: IdempotencyStore;

before(() => {
  redis = new Redis({
    ...endpoints.redis,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
  });
  store = createIdempotencyStore({ redis, prefix });
});
after(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const request = (over: Partial<IdempotentRequest> = {}): IdempotentRequest => ({
  clientId: 'client-a',
  key: randomUUID(),
  method: 'POST',
  path: '/v1/orders',
  body: '{"items":[{"sku":"SKU-1","quantity":1}]}',
  ...over,
});

const created = (id: string) => async () => ({
  status: 202,
  headers: { location: `/v1/orders/${id}`, 'content-type': 'application/json' },
  body: JSON.stringify({ orderId: id, status: 'PENDING' }),
});

test('50 concurrent requests with one key: one execution, the others 409, then the stored response replayed', async () => {
  const req = request();
  let executions = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const responses: number[] = [];
  const all = Array.from({ length: 50 }, () =>
    runIdempotent(store, req, async () => {
      executions += 1;
      await gate; // the first request is still executing while the others arrive
      return created('order-1')();
    }).then((r) => {
      responses.push(r.status);
      return r;
    }),
  );
  await eventually(() => assert.equal(responses.length, 49), {
    description: '49 immediate answers',
  });
  assert.deepEqual([...new Set(responses)], [409]);
  release();
  const results = await Promise.all(all);
  assert.equal(executions, 1);
  const first = results.find((r) => r.status === 202);
  assert.ok(first && !first.replayed);
  const replay = await runIdempotent(store, req, created('never-run'));
  assert.equal(executions, 1);
  assert.deepEqual(
    [
      replay.status,
      replay.body,
      replay.headers.location,
      replay.headers['idempotent-replayed'],
      replay.replayed,
    ],
    [202, first.body, '/v1/orders/order-1', 'true', true],
  );
});

test('a missing, empty or over-long key is answered 400 without executing', async () => {
  let executions = 0;
  const run = () => {
    executions += 1;
    return created('x')();
  };
  for (const key of [undefined, '  ', 'k'.repeat(MAX_KEY_LENGTH + 1)]) {
    const r = await runIdempotent(store, request({ key }), run);
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'application/problem+json');
  }
  const missing = JSON.parse((await runIdempotent(store, request({ key: undefined }), run)).body);
  assert.equal(missing.code, 'IDEMPOTENCY.KEY_MISSING');
  assert.equal(executions, 0);
});

test('the same key with a different payload is answered 422', async () => {
  const req = request();
  await runIdempotent(store, req, created('order-2'));
  const other = await runIdempotent(store, { ...req, body: '{"items":[]}' }, created('order-3'));
  assert.equal(other.status, 422);
  assert.equal(JSON.parse(other.body).code, 'IDEMPOTENCY.KEY_REUSED');
});

test('keys are scoped per client', async () => {
  const key = randomUUID();
  const a = await runIdempotent(store, request({ key, clientId: 'client-a' }), created('a'));
  const b = await runIdempotent(store, request({ key, clientId: 'client-b' }), created('b'));
  assert.deepEqual([a.replayed, b.replayed], [false, false]);
  assert.notEqual(a.body, b.body);
});

test('a 5xx or a thrown error is not stored, so the retry executes again', async () => {
  const req = request();
  let executions = 0;
  const failing = async () => {
    executions += 1;
    return { status: 503, headers: {}, body: '{}' };
  };
  assert.equal((await runIdempotent(store, req, failing)).status, 503);
  await assert.rejects(
    runIdempotent(store, req, async () => {
      executions += 1;
      throw new Error('boom');
    }),
  );
  const ok = await runIdempotent(store, req, created('order-4'));
  assert.deepEqual([ok.status, ok.replayed, executions], [202, false, 2]);
});

test('a completed response is kept for the documented 24 h', async () => {
  const req = request();
  await runIdempotent(store, req, created('order-5'));
  const [key] = await redis.keys(`${prefix}:*:${req.key}`);
  const ttl = await redis.ttl(key ?? '');
  assert.ok(ttl > 86_390 && ttl <= 86_400, `ttl ${ttl}`);
});

test('a key held by an executor that crashed is released after lockTtlMs', async () => {
  const short = createIdempotencyStore({ redis, prefix, lockTtlMs: 200 });
  const scope = { clientId: 'client-a', key: randomUUID() };
  const first = await short.begin(scope, 'fp');
  assert.equal(first.kind, 'execute'); // ...and never completes
  assert.equal((await short.begin(scope, 'fp')).kind, 'in-flight');
  await eventually(async () => assert.equal((await short.begin(scope, 'fp')).kind, 'execute'), {
    timeoutMs: 5_000,
  });
});

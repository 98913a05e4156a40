import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { eventually } from '@saga/testkit';
import { protoPath as healthProto } from 'grpc-health-check';
import {
  type BreakerState,
  Code,
  createRetryBudget,
  createRpcClient,
  createRpcFaults,
  createRpcServer,
  type RpcClient,
  type RpcClientOptions,
  RpcError,
  type RpcServer,
} from '../src/index.ts';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

type Pkg = Record<string, unknown>;
const load = (file: string) =>
  loadPackageDefinition(loadSync(file, { defaults: true, enums: String })) as unknown as Pkg;
const echoPkg = load(`${import.meta.dirname}/fixtures/echo.proto`) as {
  saga: { test: { v1: { Echo: ServiceClientConstructor } } };
};
const Echo = echoPkg.saga.test.v1.Echo;
const Health = (
  load(healthProto) as { grpc: { health: { v1: { Health: ServiceClientConstructor } } } }
).grpc.health.v1.Health;

type Behaviour =
  | 'ok'
  | 'hang'
  | 'unavailable'
  | 'not-found'
  | 'crash'
  | 'slow-first'
  | 'connection-reset';
let behaviour: Behaviour = 'ok';
let hits = 0;
const hanging: (() => void)[] = [];
let server: RpcServer;
let address: string;
const clients: RpcClient[] = [];
const seenFirst = new Set<string>();

const reply = (id: string, key?: string) => ({
  id,
  traceId: trace.getActiveSpan()?.spanContext().traceId ?? '',
  idempotencyKey: key ?? '',
});

async function handle(request: unknown, call: { idempotencyKey: string | undefined }) {
  hits += 1;
  const { id } = request as { id: string };
  switch (behaviour) {
    case 'hang':
      return new Promise((resolve) => hanging.push(() => resolve(reply(id))));
    case 'unavailable':
      throw new RpcError(Code.UNAVAILABLE, 'overloaded');
    case 'not-found':
      throw new RpcError(Code.NOT_FOUND, `order ${id} not found`);
    case 'crash':
      throw new Error('connection to postgres://admin:secret@db failed');
    case 'connection-reset':
      // What node-postgres throws when the database connection drops mid-query.
      throw new Error('Connection terminated unexpectedly');
    case 'slow-first':
      if (!seenFirst.has(id)) {
        seenFirst.add(id);
        return new Promise((resolve) => hanging.push(() => resolve(reply(id))));
      }
      return reply(id);
    default:
      return reply(id, call.idempotencyKey);
  }
}

function client(extra: Partial<RpcClientOptions> = {}): RpcClient {
  const c = createRpcClient(Echo, address, {
    dependency: 'echo',
    defaultDeadlineMs: 2_000,
    idempotentMethods: ['Get'],
    retry: { initialDelayMs: 5, maxDelayMs: 20, ...extra.retry },
    ...extra,
  });
  clients.push(c);
  return c;
}

before(async () => {
  server = createRpcServer();
  server.addService('saga.test.v1.Echo', Echo.service, { Get: handle, Put: handle });
  const port = await server.listen('127.0.0.1:0');
  address = `127.0.0.1:${port}`;
});

after(async () => {
  for (const release of hanging) release();
  for (const c of clients) c.close();
  await server.shutdown(1_000);
});

function reset(b: Behaviour) {
  behaviour = b;
  hits = 0;
  for (const release of hanging.splice(0)) release();
}

test('a call to a server that never answers fails at its deadline', async () => {
  reset('hang');
  const c = client();
  const start = Date.now();
  await assert.rejects(
    c.call('Put', { id: 'a' }, { deadlineMs: 200 }),
    (e: RpcError) => e.code === Code.DEADLINE_EXCEEDED,
  );
  const elapsed = Date.now() - start;
  assert.ok(elapsed >= 190 && elapsed < 1_000, `gave up after ${elapsed} ms`);
  // No explicit deadline: the client's default still applies; there is no call without one.
  const quick = client({ defaultDeadlineMs: 150 });
  await assert.rejects(
    quick.call('Put', { id: 'b' }),
    (e: RpcError) => e.code === Code.DEADLINE_EXCEEDED,
  );
});

test('only idempotent methods, or calls with an idempotency key, are retried', async () => {
  reset('unavailable');
  // Budget and breaker large enough not to be what stops the retries here (see the next tests).
  const budget = createRetryBudget({ maxTokens: 100 });
  const c = client({
    retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20, budget },
    breaker: { threshold: 100 },
  });
  await assert.rejects(c.call('Get', { id: 'r' }), (e: RpcError) => e.code === Code.UNAVAILABLE);
  assert.equal(hits, 3, 'a read is retried up to maxAttempts');
  hits = 0;
  await assert.rejects(c.call('Put', { id: 'w' }));
  assert.equal(hits, 1, 'a write without a key is not retried');
  hits = 0;
  await assert.rejects(c.call('Put', { id: 'w' }, { idempotencyKey: 'k-1' }));
  assert.equal(hits, 3, 'a write with a key is retried');
  reset('ok');
  const r = await c.call<{ idempotencyKey: string }>('Put', { id: 'w' }, { idempotencyKey: 'k-2' });
  assert.equal(r.idempotencyKey, 'k-2', 'the key reaches the server in metadata');
});

test('retries stop when the retry budget is spent', async () => {
  reset('unavailable');
  const budget = createRetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
  const c = client({
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2, budget },
    breaker: { threshold: 1_000 },
  });
  for (let i = 0; i < 20; i++) await assert.rejects(c.call('Get', { id: `b${i}` }));
  // Without a budget: 20 calls x 3 attempts = 60. The budget allows retries only while more
  // than half its 10 tokens remain, i.e. for the first few failures.
  assert.ok(hits <= 26, `${hits} attempts reached the server`);
  assert.ok(hits >= 20, 'every call made its first attempt');
  assert.equal(budget.canRetry(), false);
});

test('with the budget off, every failed retryable call makes all its attempts', async () => {
  reset('unavailable');
  const c = client({
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2, budget: false },
    breaker: { threshold: 1_000 },
  });
  for (let i = 0; i < 20; i++) await assert.rejects(c.call('Get', { id: `n${i}` }));
  assert.equal(hits, 60, '20 calls x 3 attempts: nothing holds the retries back');
});

test('a dropped database connection in a handler is answered UNAVAILABLE, and retried', async () => {
  reset('connection-reset');
  const c = client({
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2, budget: false },
    breaker: { threshold: 1_000 },
  });
  await assert.rejects(c.call('Get', { id: 'pg' }), (e: RpcError) => {
    assert.equal(e.code, Code.UNAVAILABLE);
    assert.equal(e.message, 'temporarily unavailable', 'no internals in the details');
    return true;
  });
  assert.equal(hits, 3, 'UNAVAILABLE is retryable');
});

test("an injected fault fails the given share of a method's calls at the server, which still handles the rest", async () => {
  reset('ok');
  const faults = createRpcFaults();
  const faulty = createRpcServer({ faults });
  faulty.addService('saga.test.v1.Echo', Echo.service, { Get: handle, Put: handle });
  const port = await faulty.listen('127.0.0.1:0');
  try {
    const c = createRpcClient(Echo, `127.0.0.1:${port}`, {
      dependency: 'echo',
      defaultDeadlineMs: 2_000,
      retry: { maxAttempts: 1 },
      breaker: { threshold: 1_000 },
      bulkhead: { maxConcurrent: 200 },
    });
    clients.push(c);
    faults.set({ method: 'Get', code: 'UNAVAILABLE', fraction: 1 });
    await assert.rejects(c.call('Get', { id: 'f' }), (e: RpcError) => e.code === Code.UNAVAILABLE);
    assert.equal(hits, 0, 'the handler did not run');
    await c.call('Put', { id: 'f' });
    assert.equal(hits, 1, 'another method is not affected');
    faults.set({ method: 'Get', code: 'UNAVAILABLE', fraction: 0.5 });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => c.call('Get', { id: `h${i}` })),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    assert.ok(failed > 60 && failed < 140, `${failed} of 200 calls failed at fraction 0.5`);
    faults.clear();
    await c.call('Get', { id: 'g' });
  } finally {
    await faulty.shutdown(1_000);
  }
});

test('the breaker opens after the configured failures, fails fast while open, half-opens later and closes on success', async () => {
  reset('unavailable');
  const c = client({ breaker: { threshold: 3, halfOpenAfterMs: 300 }, retry: { maxAttempts: 1 } });
  const states: BreakerState[] = [];
  c.onBreakerStateChange((s) => states.push(s));
  for (let i = 0; i < 3; i++) await assert.rejects(c.call('Get', { id: `f${i}` }));
  assert.equal(c.breakerState(), 'open');
  const before = hits;
  await assert.rejects(
    c.call('Get', { id: 'fast' }),
    (e: RpcError) => e.code === Code.UNAVAILABLE && e.reason === 'circuit-open',
  );
  assert.equal(hits, before, 'an open breaker does not touch the server');
  behaviour = 'ok';
  await eventually(() => c.call('Get', { id: 'probe' }), { timeoutMs: 3_000, intervalMs: 50 });
  assert.equal(c.breakerState(), 'closed');
  assert.deepEqual(states, ['open', 'half-open', 'closed']);
});

test('the bulkhead rejects calls beyond its concurrency at once', async () => {
  reset('hang');
  const c = client({ bulkhead: { maxConcurrent: 2, queue: 0 }, defaultDeadlineMs: 5_000 });
  const held = [c.call('Put', { id: '1' }), c.call('Put', { id: '2' })];
  await eventually(() => assert.equal(hits, 2));
  const start = Date.now();
  await assert.rejects(c.call('Put', { id: '3' }), (e: RpcError) => e.reason === 'bulkhead-full');
  assert.ok(Date.now() - start < 100, 'rejected without waiting');
  assert.equal(hits, 2);
  reset('ok');
  await Promise.all(held);
});

test('a hedged read answers from the second copy when the first is slow', async () => {
  reset('slow-first');
  const c = client({ hedge: { methods: ['Get'], delayMs: 50 } });
  const start = Date.now();
  const r = await c.call<{ id: string }>('Get', { id: randomUUID() });
  const elapsed = Date.now() - start;
  assert.ok(r.id);
  assert.equal(hits, 2, 'the hedge was sent');
  assert.ok(elapsed < 1_000, `answered after ${elapsed} ms`);
});

test('errors map to status codes, and an unexpected error never leaks its message', async () => {
  const c = client();
  reset('not-found');
  await assert.rejects(
    c.call('Get', { id: '42' }),
    (e: RpcError) => e.code === Code.NOT_FOUND && /order 42 not found/.test(e.message),
  );
  reset('crash');
  await assert.rejects(c.call('Put', { id: '42' }), (e: RpcError) => {
    assert.equal(e.code, Code.INTERNAL);
    assert.doesNotMatch(e.message, /secret|postgres/);
    return true;
  });
});

test("the trace context travels in metadata, so the handler runs in the caller's trace", async () => {
  reset('ok');
  const c = client();
  const traceId = randomUUID().replaceAll('-', '');
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: 'a1b2c3d4e5f60718',
    traceFlags: 1,
  });
  const r = await context.with(parent, () => c.call<{ traceId: string }>('Get', { id: 't' }));
  assert.equal(r.traceId, traceId);
});

test('grpc.health.v1 reports SERVING, and NOT_SERVING once the server is marked so', async () => {
  const health = new Health(address, credentials.createInsecure());
  const check = (service: string) =>
    new Promise<string>((resolve, reject) => {
      (
        health as unknown as {
          check: (
            req: { service: string },
            opts: { deadline: number },
            cb: (err: Error | null, res: { status: string }) => void,
          ) => void;
        }
      ).check(
        { service },
        { deadline: Date.now() + 2_000 },
        (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status)),
      );
    });
  assert.equal(await check(''), 'SERVING');
  assert.equal(await check('saga.test.v1.Echo'), 'SERVING');
  server.setServing(false);
  assert.equal(await check('saga.test.v1.Echo'), 'NOT_SERVING');
  server.setServing(true);
  health.close();
});

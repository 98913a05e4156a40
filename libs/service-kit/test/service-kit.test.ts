import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createPool } from '@saga/db';
import { createToxiproxyClient, testStack } from '@saga/testkit';
import { createHealthServer, createLogger, createShutdown, type Phase } from '../src/index.ts';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const { endpoints } = testStack(process.env);

test('a service with a bad or missing variable exits with code 2 and a message naming it', async () => {
  const child = spawn(process.execPath, [`${import.meta.dirname}/fixtures/config-main.ts`], {
    env: { PATH: process.env.PATH, HTTP_PORT: '99999' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /config error: DATABASE_URL is required/);
  assert.match(stderr, /config error: HTTP_PORT .*99999/);
});

test('log lines carry the trace and span ids of the active span', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const log = createLogger({ service: 'order' }, sink);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';
  context.with(trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: 1 }), () => {
    log.info({ orderId: 'o-1' }, 'order placed');
  });
  log.info('outside any span');
  assert.equal(lines[0]?.trace_id, traceId);
  assert.equal(lines[0]?.span_id, spanId);
  assert.equal(lines[0]?.service, 'order');
  assert.equal(lines[1]?.trace_id, undefined);
});

test('/livez checks nothing; /readyz fails naming the dependency that is down, and during shutdown', async () => {
  const toxiproxy = createToxiproxyClient(endpoints.toxiproxyUrl);
  const pool = createPool({
    connectionString: endpoints.postgresUrl('order'),
    applicationName: 'health-test',
    connectTimeoutMs: 300,
    queryTimeoutMs: 300,
  });
  const health = createHealthServer({
    checks: { postgres: () => pool.query('select 1') },
    checkTimeoutMs: 800,
  });
  const port = await health.listen('127.0.0.1', 0);
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return {
      status: res.status,
      body: (await res.json()) as { status: string; failed?: Record<string, string> },
    };
  };
  try {
    assert.deepEqual(await get('/readyz'), { status: 200, body: { status: 'ready' } });
    await toxiproxy.setEnabled('postgres', false);
    try {
      const down = await get('/readyz');
      assert.equal(down.status, 503);
      assert.deepEqual(Object.keys(down.body.failed ?? {}), ['postgres']);
      assert.equal((await get('/livez')).status, 200, 'liveness does not depend on the database');
    } finally {
      await toxiproxy.setEnabled('postgres', true);
    }
    health.markNotReady();
    assert.deepEqual(await get('/readyz'), { status: 503, body: { status: 'shutting down' } });
  } finally {
    await health.close();
    await pool.end();
  }
});

test('shutdown runs its phases in order, closes resources in reverse order of creation, and goes on past a failing step', async () => {
  const order: string[] = [];
  let exitCode: number | undefined;
  const shutdown = createShutdown({ exit: (c) => (exitCode = c), hardTimeoutMs: 5_000 });
  const add = (phase: Phase, step: string, fail = false) =>
    shutdown.register(phase, step, async () => {
      order.push(step);
      if (fail) throw new Error(`${step} failed`);
    });
  add('telemetry', 'flush spans');
  add('close-resources', 'pg pool'); // created first...
  add('close-resources', 'kafka producer', true); // ...then this, which fails
  add('close-resources', 'outbox relay');
  add('drain', 'wait for in-flight requests');
  add('stop-intake', 'close grpc server');
  add('not-ready', 'readyz 503');
  await Promise.all([shutdown.run('SIGTERM'), shutdown.run('SIGTERM again')]);
  assert.deepEqual(order, [
    'readyz 503',
    'close grpc server',
    'wait for in-flight requests',
    'outbox relay',
    'kafka producer',
    'pg pool',
    'flush spans',
  ]);
  assert.equal(exitCode, 0);
});

test('a shutdown step that hangs is cut off by the hard timeout with exit code 1', async () => {
  let exitCode: number | undefined;
  let exited: () => void = () => {};
  const done = new Promise<void>((r) => {
    exited = r;
  });
  const shutdown = createShutdown({
    exit: (c) => {
      exitCode = c;
      exited();
    },
    hardTimeoutMs: 200,
  });
  shutdown.register('drain', 'never finishes', () => new Promise(() => {}));
  void shutdown.run('SIGTERM');
  await done;
  assert.equal(exitCode, 1);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHealthServer, type HealthServer } from './health.ts';

async function withHealth(
  metrics: (() => Promise<string> | undefined) | undefined,
  fn: (get: (path: string) => Promise<Response>, health: HealthServer) => Promise<void>,
): Promise<void> {
  const health = createHealthServer({ checks: {}, ...(metrics ? { metrics } : {}) });
  const port = await health.listen('127.0.0.1', 0);
  try {
    await fn((path) => fetch(`http://127.0.0.1:${port}${path}`), health);
  } finally {
    await health.close();
  }
}

test('GET /metrics answers the Prometheus text of the process, even once shutdown has begun', async () => {
  await withHealth(
    async () => 'outbox_published_total 3\n',
    async (get, health) => {
      const res = await get('/metrics');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(await res.text(), 'outbox_published_total 3\n');
      health.markNotReady();
      assert.equal((await get('/readyz')).status, 503);
      assert.equal((await get('/metrics')).status, 200);
    },
  );
});

test('GET /metrics is 404 when telemetry is off, and 500 without details when collecting fails', async () => {
  await withHealth(undefined, async (get) => {
    assert.equal((await get('/metrics')).status, 404);
  });
  await withHealth(
    () => undefined,
    async (get) => {
      assert.equal((await get('/metrics')).status, 404);
    },
  );
  await withHealth(
    () => Promise.reject(new Error('password=secret')),
    async (get) => {
      const res = await get('/metrics');
      assert.equal(res.status, 500);
      assert.doesNotMatch(await res.text(), /secret/);
    },
  );
});

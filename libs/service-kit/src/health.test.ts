import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChaosFaults, createHealthServer, type HealthServer } from './health.ts';

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

/** A fault table that accepts `{ fraction }` objects with a number, and refuses the rest. */
function fakeFaults(): ChaosFaults & { readonly items: unknown[] } {
  const items: unknown[] = [];
  return {
    items,
    set(spec) {
      if (typeof (spec as { fraction?: unknown })?.fraction !== 'number')
        throw new Error('"fraction" must be a number from 0 to 1');
      items.push(spec);
      return spec;
    },
    clear: () => items.splice(0),
    list: () => [...items],
  };
}

test('/chaos/rpc-faults sets, lists and clears faults, and refuses bad input with a 400 naming it', async () => {
  const faults = fakeFaults();
  const health = createHealthServer({ checks: {}, rpcFaults: faults });
  const port = await health.listen('127.0.0.1', 0);
  const url = `http://127.0.0.1:${port}/chaos/rpc-faults`;
  try {
    const put = await fetch(url, { method: 'PUT', body: JSON.stringify({ fraction: 0.5 }) });
    assert.equal(put.status, 200);
    assert.deepEqual(await put.json(), { faults: [{ fraction: 0.5 }] });
    assert.deepEqual(await (await fetch(url)).json(), { faults: [{ fraction: 0.5 }] });
    const bad = await fetch(url, { method: 'PUT', body: JSON.stringify({ fraction: 'x' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { status: string }).status, /"fraction"/);
    const notJson = await fetch(url, { method: 'PUT', body: '{' });
    assert.equal(notJson.status, 400);
    const big = await fetch(url, { method: 'PUT', body: 'x'.repeat(10_000) });
    assert.equal(big.status, 413);
    assert.equal((await fetch(url, { method: 'POST', body: '{}' })).status, 405);
    const del = await fetch(url, { method: 'DELETE' });
    assert.deepEqual(await del.json(), { faults: [] });
    assert.deepEqual(faults.items, []);
  } finally {
    await health.close();
  }
});

test('/chaos/rpc-faults does not exist unless the service enables it', async () => {
  await withHealth(undefined, async (get) => {
    assert.equal((await get('/chaos/rpc-faults')).status, 404);
  });
});

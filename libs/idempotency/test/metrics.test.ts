import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import type { SumMetricData } from '@opentelemetry/sdk-metrics';
import { testStack } from '@saga/testkit';
import { installTestMetrics } from '@saga/testkit/metrics';
import { Redis } from 'ioredis';
import { createIdempotencyStore, type IdempotentRequest, runIdempotent } from '../src/index.ts';

// Registered before the library counts anything: its counter is made on first use.
const { reader, provider } = installTestMetrics();

const { endpoints } = testStack(process.env);
const prefix = `test-idem-metrics-${randomUUID().slice(0, 8)}`;
const redis = new Redis({ ...endpoints.redis, maxRetriesPerRequest: 1, commandTimeout: 2000 });
const store = createIdempotencyStore({ redis, prefix });

after(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await provider.shutdown();
});

async function outcomes(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'idempotency.requests') as SumMetricData | undefined;
  return Object.fromEntries(
    (metric?.dataPoints ?? []).map((p) => [String(p.attributes['idempotency.outcome']), p.value]),
  );
}

test('idempotency.requests counts misses, hits, mismatches, in-flight retries and invalid keys', async () => {
  const request = (over: Partial<IdempotentRequest> = {}): IdempotentRequest => ({
    clientId: 'client-a',
    key: 'k-1',
    method: 'POST',
    path: '/v1/orders',
    body: '{"a":1}',
    ...over,
  });
  const ok = async () => ({ status: 201, headers: {}, body: '{}' });

  await runIdempotent(store, request(), ok); // miss: executed
  await runIdempotent(store, request(), ok); // hit: replayed
  await runIdempotent(store, request(), ok); // hit
  await runIdempotent(store, request({ body: '{"a":2}' }), ok); // mismatch: 422
  await runIdempotent(store, request({ key: undefined }), ok); // invalid key: 400
  // The first request holds its key while it executes: a retry meanwhile is in flight (409).
  const { promise: held, resolve: release } = Promise.withResolvers<void>();
  const { promise: executing, resolve: started } = Promise.withResolvers<void>();
  const first = runIdempotent(store, request({ key: 'k-2' }), async () => {
    started();
    await held;
    return { status: 201, headers: {}, body: '{}' };
  });
  await executing;
  assert.equal((await runIdempotent(store, request({ key: 'k-2' }), ok)).status, 409);
  release();
  await first;

  assert.deepEqual(await outcomes(), {
    miss: 2,
    hit: 2,
    mismatch: 1,
    invalid_key: 1,
    in_flight: 1,
  });
});

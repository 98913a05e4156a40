import assert from 'node:assert/strict';
import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('redis-down: POSTs with an Idempotency-Key fail closed with 503 and a retried key never executes twice', {
  timeout: 150_000,
}, async () => {
  const r = await runShort('redis-down');
  assert.ok((r.load.failedByStatus['503'] ?? 0) > 0, 'some POSTs were answered 503');
  assert.deepEqual(
    Object.keys(r.load.failedByStatus).filter((s) => s !== '503'),
    [],
    'no failure other than 503',
  );
});

import assert from 'node:assert/strict';
import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('postgres-blip: connection resets to Postgres lose and double nothing, and clients only see 503', {
  timeout: 150_000,
}, async () => {
  const r = await runShort('postgres-blip');
  // A dropped database connection is transient: UNAVAILABLE → 503 with Retry-After, never 500.
  assert.deepEqual(
    Object.keys(r.load.failedByStatus).filter((s) => s !== '503'),
    [],
    `failed POSTs by status: ${JSON.stringify(r.load.failedByStatus)}`,
  );
});

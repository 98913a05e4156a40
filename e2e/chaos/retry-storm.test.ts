import assert from 'node:assert/strict';
import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('retry-storm: with retry budgets the load on a failing dependency stays bounded, and lower than without', {
  timeout: 150_000,
}, async () => {
  const r = await runShort('retry-storm');
  assert.deepEqual(
    Object.keys(r.load.failedByStatus).filter((s) => s !== '503'),
    [],
    'the injected UNAVAILABLE reaches clients as 503, nothing else fails',
  );
});

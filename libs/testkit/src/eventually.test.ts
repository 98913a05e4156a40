import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from './eventually.ts';

test('eventually returns the first value the probe produces without throwing', async () => {
  let calls = 0;
  const value = await eventually(
    () => {
      calls += 1;
      if (calls < 3) throw new Error('not yet');
      return calls;
    },
    { intervalMs: 1 },
  );
  assert.equal(value, 3);
});

test('eventually fails after its deadline, naming what it waited for and the last error', async () => {
  await assert.rejects(
    eventually(
      () => {
        throw new Error('still broken');
      },
      { timeoutMs: 30, intervalMs: 5, description: 'the thing' },
    ),
    /the thing not met within 30 ms: still broken/,
  );
});

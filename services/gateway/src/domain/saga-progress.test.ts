import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSettled, lastActivityMs, type SagaProgress } from './saga-progress.ts';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const progress = (p: Partial<SagaProgress>): SagaProgress => ({
  status: 'CONFIRMED',
  sagaMode: 'choreography',
  updatedAt: at(100),
  timelineAt: [at(0), at(100), at(250)],
  ...p,
});

test('a pending order is never settled, however quiet', () => {
  assert.equal(isSettled(progress({ status: 'PENDING' }), T0 + 3_600_000, 1_000), false);
});

test('a choreographed order is settled once quiet for the period after its last timeline entry', () => {
  const p = progress({});
  assert.equal(lastActivityMs(p), T0 + 250);
  assert.equal(isSettled(p, T0 + 1_249, 1_000), false);
  assert.equal(isSettled(p, T0 + 1_250, 1_000), true);
});

test('an orchestrated order is settled when its saga reaches a final state, not before', () => {
  const later = T0 + 3_600_000;
  assert.equal(
    isSettled(progress({ sagaMode: 'orchestration', sagaState: 'FINALIZING' }), later, 1),
    false,
  );
  assert.equal(
    isSettled(progress({ sagaMode: 'orchestration', sagaState: 'COMPENSATING' }), later, 1),
    false,
  );
  for (const state of ['COMPLETED', 'COMPENSATED', 'FAILED_COMPENSATION']) {
    assert.equal(
      isSettled(progress({ sagaMode: 'orchestration', sagaState: state }), T0, 1_000),
      true,
    );
  }
});

test('an orchestrated order whose saga cannot be read falls back to the quiet period', () => {
  const p = progress({ sagaMode: 'orchestration' });
  assert.equal(isSettled(p, T0 + 500, 1_000), false);
  assert.equal(isSettled(p, T0 + 2_000, 1_000), true);
});

import assert from 'node:assert/strict';
import test from 'node:test';
import { Code } from './errors.ts';
import { createRpcFaults, RpcFaultError } from './faults.ts';

test('without a fault every call runs its handler', () => {
  assert.equal(createRpcFaults(() => 0).pick('PriceItems'), undefined);
});

test('a fault answers its status to the given fraction of calls of its method only', () => {
  const rolls = [0.1, 0.6, 0.49, 0.5];
  const faults = createRpcFaults(() => rolls.shift() ?? 0);
  faults.set({ method: 'PriceItems', code: 'UNAVAILABLE', fraction: 0.5 });
  assert.deepEqual(
    [1, 2, 3, 4].map(() => faults.pick('PriceItems')),
    [Code.UNAVAILABLE, undefined, Code.UNAVAILABLE, undefined],
  );
  assert.equal(faults.pick('GetProduct'), undefined);
});

test('a "*" fault applies to every method without a fault of its own', () => {
  const faults = createRpcFaults(() => 0);
  faults.set({ method: '*', code: 'ABORTED', fraction: 1 });
  faults.set({ method: 'GetProduct', code: 'UNAVAILABLE', fraction: 1 });
  assert.equal(faults.pick('PriceItems'), Code.ABORTED);
  assert.equal(faults.pick('GetProduct'), Code.UNAVAILABLE);
});

test('clear removes every fault', () => {
  const faults = createRpcFaults(() => 0);
  faults.set({ method: '*', code: 'UNAVAILABLE', fraction: 1 });
  faults.clear();
  assert.deepEqual(faults.list(), []);
  assert.equal(faults.pick('PriceItems'), undefined);
});

test('a malformed fault is refused with a message naming the field', () => {
  const faults = createRpcFaults();
  for (const [spec, field] of [
    [null, 'object'],
    [{ method: 'a/b', code: 'UNAVAILABLE', fraction: 1 }, '"method"'],
    [{ method: 'X', code: 'OK', fraction: 1 }, '"code"'],
    [{ method: 'X', code: 'UNAVAILABLE', fraction: 1.5 }, '"fraction"'],
    [{ method: 'X', code: 'UNAVAILABLE', fraction: '0.5' }, '"fraction"'],
  ] as const) {
    assert.throws(
      () => faults.set(spec),
      (err: unknown) => err instanceof RpcFaultError && err.message.includes(field),
    );
  }
  assert.deepEqual(faults.list(), []);
});

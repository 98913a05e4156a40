import assert from 'node:assert/strict';
import test from 'node:test';
import { sumSamples } from './metrics.ts';
import { countBy, quantile } from './stats.ts';

test('quantile is the nearest-rank value, NaN for no values', () => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(quantile(v, 0.5), 50);
  assert.equal(quantile(v, 0.99), 99);
  assert.equal(quantile(v, 1), 100);
  assert.equal(quantile([7], 0.99), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('countBy counts each key', () => {
  assert.deepEqual(
    countBy(['a', 'b', 'a'], (x) => x),
    { a: 2, b: 1 },
  );
});

test('sumSamples adds the series of a metric that carry the given labels', () => {
  const text = [
    '# TYPE rpc_server_duration_count counter',
    'rpc_server_duration_count{rpc_method="GetCustomer",rpc_grpc_status_code="0"} 3',
    'rpc_server_duration_count{rpc_method="GetCustomer",rpc_grpc_status_code="14"} 4',
    'rpc_server_duration_count{rpc_method="Other",rpc_grpc_status_code="0"} 100',
    'rpc_server_duration_count_total 9',
  ].join('\n');
  assert.equal(sumSamples(text, 'rpc_server_duration_count', { rpc_method: 'GetCustomer' }), 7);
  assert.equal(sumSamples(text, 'rpc_server_duration_count'), 107);
  assert.equal(sumSamples(text, 'missing'), 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inSchema } from './schema.ts';

test('inSchema sets the search path through the options parameter, keeping the rest of the URL', () => {
  const url = inSchema('postgres://u:p%40ss@127.0.0.1:25432/saga_order', 'test_x');
  const u = new URL(url);
  assert.equal(u.searchParams.get('options'), '-c search_path=test_x');
  assert.equal(u.password, 'p%40ss');
  assert.equal(u.pathname, '/saga_order');
});

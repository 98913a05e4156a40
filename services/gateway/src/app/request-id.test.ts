import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../domain/canonical-json.ts';
import { deriveRequestId } from './request-id.ts';

test('the request id is stable for a client and key, and differs when either differs', () => {
  const id = deriveRequestId('client-a', 'key-1');
  assert.equal(deriveRequestId('client-a', 'key-1'), id);
  assert.match(id, /^gw_[0-9a-f]{40}$/);
  assert.notEqual(deriveRequestId('client-b', 'key-1'), id);
  assert.notEqual(deriveRequestId('client-a', 'key-2'), id);
  // The separator keeps ("a", "b:c") and ("a:b", "c") apart.
  assert.notEqual(deriveRequestId('a', 'b:c'), deriveRequestId('a:b', 'c'));
});

test('canonical JSON ignores key order at every level but keeps array order', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, 1], c: null } }),
    canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }),
  );
  assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
  assert.equal(canonicalJson(undefined), '');
});

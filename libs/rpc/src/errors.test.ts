import assert from 'node:assert/strict';
import test from 'node:test';
import { Code, isConnectionError, RpcError, toServiceError } from './errors.ts';

/** An error shaped like node-postgres' DatabaseError (SQLSTATE in `code`). */
const pgError = (code: string, message = 'db error') => Object.assign(new Error(message), { code });

test('a dropped or refused database connection is UNAVAILABLE, so callers may retry', () => {
  for (const err of [
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25432'), { code: 'ECONNREFUSED' }),
    pgError('57P01', 'terminating connection due to administrator command'),
    pgError('08006', 'connection failure'),
    pgError('08003'),
    new Error('Connection terminated unexpectedly'),
    new Error('commit failed', { cause: new Error('Connection terminated unexpectedly') }),
  ]) {
    assert.ok(isConnectionError(err), String(err));
    assert.deepEqual(toServiceError(err), {
      code: Code.UNAVAILABLE,
      details: 'temporarily unavailable',
    });
  }
});

test('other database errors stay INTERNAL with a generic message', () => {
  for (const err of [
    pgError('23505', 'duplicate key value violates unique constraint "orders_pkey"'),
    pgError('42P01', 'relation "x" does not exist'),
    pgError('57014', 'canceling statement due to statement timeout'),
    new Error('boom'),
    'a string',
  ]) {
    assert.equal(isConnectionError(err), false, String(err));
    assert.deepEqual(toServiceError(err), { code: Code.INTERNAL, details: 'internal error' });
  }
});

test('an RpcError keeps its own status', () => {
  assert.deepEqual(toServiceError(new RpcError(Code.NOT_FOUND, 'no order o1')), {
    code: Code.NOT_FOUND,
    details: 'no order o1',
  });
});

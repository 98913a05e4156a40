import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEnvelope, HEADERS, InvalidMessageError, outboxMessage } from './envelope.ts';

test('an outbox message carries the envelope in headers and inherits correlation from its cause', () => {
  const m = outboxMessage('inventory.events.v1', {
    type: 'StockReserved',
    version: 2,
    key: 'order-1',
    payload: { lines: 2 },
    causedBy: { id: 'cause-id', correlationId: 'order-1' },
    occurredAt: new Date('2026-01-02T03:04:05Z'),
  });
  assert.equal(m.type, 'StockReserved');
  assert.match(m.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/, 'a UUIDv7');
  assert.deepEqual(m.headers, {
    [HEADERS.version]: '2',
    [HEADERS.correlationId]: 'order-1',
    [HEADERS.causationId]: 'cause-id',
    [HEADERS.occurredAt]: '2026-01-02T03:04:05.000Z',
  });
  assert.equal(m.payload, '{"lines":2}');
});

test('decoding reads every envelope field back', () => {
  const e = decodeEnvelope(
    'order-1',
    {
      'message-id': 'id-1',
      'message-type': 'OrderPlaced',
      'message-version': '1',
      'correlation-id': 'order-1',
      'occurred-at': '2026-01-02T03:04:05.000Z',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
    Buffer.from('{"total":5}'),
  );
  assert.deepEqual(e, {
    id: 'id-1',
    type: 'OrderPlaced',
    version: 1,
    key: 'order-1',
    correlationId: 'order-1',
    occurredAt: '2026-01-02T03:04:05.000Z',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    payload: { total: 5 },
  });
});

test('a message without the envelope headers, with a bad version or a non-JSON value is invalid', () => {
  const ok = {
    'message-id': 'i',
    'message-type': 'T',
    'message-version': '1',
    'correlation-id': 'c',
    'occurred-at': 'now',
  };
  assert.throws(() => decodeEnvelope('k', { ...ok, 'message-id': undefined }, Buffer.from('{}')), {
    name: 'InvalidMessageError',
    message: 'missing header message-id',
  });
  assert.throws(
    () => decodeEnvelope('k', { ...ok, 'message-version': 'two' }, Buffer.from('{}')),
    InvalidMessageError,
  );
  assert.throws(() => decodeEnvelope('k', ok, Buffer.from('{not json')), /payload is not JSON/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OrderDto } from '../adapters/mappers/order.mapper.ts';
import {
  createOrderEventStreams,
  type OrderSnapshot,
  StreamLimitError,
} from './order-events.stream.ts';

const pending = (at: string): OrderSnapshot => ({
  order: {
    orderId: 'o-1',
    status: 'PENDING',
    sagaMode: 'choreography',
    timeline: [{ step: 'OrderPlaced', source: 'order', outcome: 'ok', detail: '', at }],
    updatedAt: at,
  } as unknown as OrderDto,
});

function sink() {
  const chunks: string[] = [];
  let ended = false;
  return {
    chunks,
    ended: () => ended,
    write: (c: string) => {
      chunks.push(c);
    },
    end: () => {
      ended = true;
    },
  };
}

test('a stream whose order never settles ends, unsettled, when its time is up, and frees its place', async () => {
  const now = new Date().toISOString();
  const streams = createOrderEventStreams({
    read: async () => pending(now),
    pollMs: 5,
    heartbeatMs: 60_000,
    maxStreams: 1,
    maxDurationMs: 50,
  });
  const out = sink();
  const slot = streams.reserve();
  assert.throws(() => streams.reserve(), StreamLimitError);
  await slot.start('o-1', pending(now), out).done;
  assert.ok(out.ended());
  assert.match(
    out.chunks.at(-1) ?? '',
    /^event: end\ndata: \{"settled":false,"status":"PENDING"\}/,
  );
  assert.equal(
    out.chunks.filter((c) => c.startsWith('event: order')).length,
    1,
    'no change, no resend',
  );
  assert.equal(streams.active(), 0);
});

test('a failed read is reported and the stream carries on with the next poll', async () => {
  let calls = 0;
  const failures: unknown[] = [];
  const streams = createOrderEventStreams({
    read: async () => {
      calls++;
      if (calls === 1) throw new Error('order service unavailable');
      return { order: { ...pending('2026-01-01T00:00:00.000Z').order, status: 'CONFIRMED' } };
    },
    pollMs: 5,
    heartbeatMs: 60_000,
    maxStreams: 1,
    onReadError: (err) => failures.push(err),
  });
  const out = sink();
  await streams.reserve().start('o-1', pending('2026-01-01T00:00:00.000Z'), out).done;
  assert.equal(failures.length, 1);
  const names = out.chunks.filter((c) => c.startsWith('event:')).map((c) => c.split('\n')[0]);
  assert.deepEqual(names, ['event: order', 'event: order', 'event: end']);
});

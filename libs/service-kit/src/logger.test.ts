import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { bindSpanContext, createLogger } from './logger.ts';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const OTHER_SPAN = 'b7ad6b7169203331';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, sink };
}

test('a line is one JSON object with time, a level name, service and msg', () => {
  const { lines, sink } = capture();
  createLogger({ service: 'order' }, sink).warn({ order_id: 'o-1' }, 'payment slow');
  const [line] = lines;
  assert.ok(line);
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(line.level, 'warn');
  assert.equal(line.service, 'order');
  assert.equal(line.msg, 'payment slow');
  assert.equal(line.order_id, 'o-1');
});

test('a bound logger carries its span where none is active, and the active one where it is', () => {
  const { lines, sink } = capture();
  const log = createLogger({ service: 'gateway' }, sink).child({ reqId: 'req-1' });
  bindSpanContext(log, { traceId: TRACE, spanId: SPAN, traceFlags: 1 });
  log.info('request completed');
  context.with(
    trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: OTHER_SPAN, traceFlags: 1 }),
    () => log.info('inside a child span'),
  );
  assert.deepEqual(
    lines.map((l) => [l.msg, l.trace_id, l.span_id]),
    [
      ['request completed', TRACE, SPAN],
      ['inside a child span', TRACE, OTHER_SPAN],
    ],
  );
  // Exactly one of each key: the ids are never written twice on one line.
  assert.equal(JSON.stringify(lines[1]).match(/"trace_id"/g)?.length, 1);
});

test('an invalid span context binds nothing, and an unbound logger outside a span has no ids', () => {
  const { lines, sink } = capture();
  const root = createLogger({ service: 'order' }, sink);
  const log = root.child({});
  bindSpanContext(log, INVALID_SPAN_CONTEXT);
  log.info('telemetry off');
  root.info('outside any span');
  assert.deepEqual(
    lines.map((l) => [l.trace_id, l.span_id]),
    [
      [undefined, undefined],
      [undefined, undefined],
    ],
  );
});

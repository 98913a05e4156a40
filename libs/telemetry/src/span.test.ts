import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { RPCType, setRPCMetadata } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { activeTraceParent, inStoredTrace, setHttpRoute, withSpan } from './span.ts';

// A real SDK in memory: what is under test is where spans go, not how they are exported.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
trace.setGlobalTracerProvider(provider);

beforeEach(() => exporter.reset());
after(async () => {
  await provider.shutdown();
  contextManager.disable();
});

const finished = (name: string): ReadableSpan => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  assert.ok(span, `no finished span ${name}`);
  return span;
};

/** Runs `fn` in a new trace, with its root span active; returns that span's traceparent. */
function inNewTrace<T>(name: string, fn: (traceparent: string) => Promise<T>): Promise<T> {
  return context.with(ROOT_CONTEXT, () =>
    withSpan(name, async () => fn(activeTraceParent() as string)),
  );
}

test('activeTraceParent is the W3C traceparent of the active span, and undefined without one', async () => {
  assert.equal(activeTraceParent(), undefined);
  await withSpan('placing', async (span) => {
    const { traceId, spanId } = span.spanContext();
    assert.equal(activeTraceParent(), `00-${traceId}-${spanId}-01`);
  });
});

test('later work on a stored trace, with nothing active, is a child of the stored span', async () => {
  const stored = await inNewTrace('create order', async (tp) => tp);
  await withSpan('sweep', async () => {}, inStoredTrace(stored));
  const create = finished('create order');
  const sweep = finished('sweep');
  assert.equal(sweep.spanContext().traceId, create.spanContext().traceId);
  assert.equal(sweep.parentSpanContext?.spanId, create.spanContext().spanId);
  assert.deepEqual(sweep.links, []);
});

test('later work done in another trace (an operator request) joins the stored trace and links back to the request', async () => {
  const stored = await inNewTrace('create order', async (tp) => tp);
  await inNewTrace('retry request', () => withSpan('retry', async () => {}, inStoredTrace(stored)));
  const create = finished('create order');
  const request = finished('retry request');
  const retry = finished('retry');
  assert.equal(retry.spanContext().traceId, create.spanContext().traceId);
  assert.equal(retry.parentSpanContext?.spanId, create.spanContext().spanId);
  assert.deepEqual(
    retry.links.map((l) => l.context.spanId),
    [request.spanContext().spanId],
  );
});

test('work already in the stored trace (a message of the saga) stays a child of the active span', async () => {
  await inNewTrace('create order', async (stored) => {
    await withSpan('consume reply', () => withSpan('step', async () => {}, inStoredTrace(stored)));
  });
  const step = finished('step');
  assert.equal(step.parentSpanContext?.spanId, finished('consume reply').spanContext().spanId);
  assert.deepEqual(step.links, []);
});

test('nothing stored, or something unreadable, leaves the default placement', () => {
  assert.deepEqual(inStoredTrace(undefined), {});
  assert.deepEqual(inStoredTrace('not a traceparent'), {});
  assert.deepEqual(inStoredTrace(`00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`), {});
});

test('a failing span records the error type and rethrows', async () => {
  const failure = Object.assign(new Error('no stock'), { code: 'STOCK.OUT' });
  await assert.rejects(
    withSpan('reserve', async () => {
      throw failure;
    }),
    failure,
  );
  const span = finished('reserve');
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'STOCK.OUT');
});

test('setHttpRoute names an instrumented HTTP request and is a no-op outside one', () => {
  assert.equal(setHttpRoute('/v1/orders'), false);
  const metadata: { type: RPCType; route?: string } = { type: RPCType.HTTP };
  context.with(setRPCMetadata(ROOT_CONTEXT, metadata as never), () => {
    assert.equal(setHttpRoute(undefined), true);
    assert.equal(metadata.route, undefined);
    assert.equal(setHttpRoute('/v1/orders/:orderId'), true);
  });
  assert.equal(metadata.route, '/v1/orders/:orderId');
});

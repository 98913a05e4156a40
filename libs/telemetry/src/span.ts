import {
  type Attributes,
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { extractTraceContext, injectTraceContext } from '@saga/outbox';

/** Where a span goes: its parent context and its links. */
export type SpanPlacement = {
  /** Parent context; default the active one. */
  readonly parent?: Context;
  /** Spans this one is related to without being their child. */
  readonly links?: readonly Link[];
};

/** Options of {@link withSpan}. */
export type WithSpanOptions = SpanPlacement & {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Name of the tracer (instrumentation scope). Default `@saga/telemetry`. */
  readonly tracer?: string;
};

/**
 * Runs `fn` inside a new active span and ends it. When `fn` throws, the span records the
 * exception, gets status ERROR and the `error.type` attribute (semantic conventions), and the
 * error is rethrown. The one way to write a manual span in this code base.
 *
 * The span is a child of the active span unless `parent` says otherwise (see
 * {@link inStoredTrace}). Never put personal or payment data in `attributes`.
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T>,
  options: WithSpanOptions = {},
): Promise<T> {
  const tracer = trace.getTracer(options.tracer ?? '@saga/telemetry');
  return tracer.startActiveSpan(
    name,
    {
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links?.length ? { links: [...options.links] } : {}),
    },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.setAttribute('error.type', (err as { code?: string }).code ?? error.name);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * The trace id (32 hex digits) of the active span, or undefined when there is none or it is
 * invalid (telemetry off, no incoming trace context). Stored with what a trace creates, e.g. an
 * order, so the trace can be found from it.
 */
export function activeTraceId(): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

/**
 * The W3C `traceparent` of the active span, or undefined without a valid one. Store it with
 * what the trace creates, so later work on it can continue the trace ({@link inStoredTrace}).
 */
export function activeTraceParent(): string | undefined {
  return activeTraceId() ? injectTraceContext(context.active()).traceparent : undefined;
}

/**
 * Where to put a span of later work on something that remembers the trace it was created in
 * (`traceparent`, from {@link activeTraceParent}): "one order, one trace".
 *
 * - The active span is already in that trace (a message of the order's saga): the default
 *   placement, a child of the active span.
 * - Otherwise (a timer, an operator's command, another request about the same order): a child
 *   of the stored span, and a link to the active span when there is one, so both traces lead to
 *   each other.
 * - Nothing stored (telemetry was off): the default placement.
 */
export function inStoredTrace(traceparent: string | undefined): SpanPlacement {
  if (!traceparent) return {};
  const stored = extractTraceContext({ traceparent }, ROOT_CONTEXT);
  const storedSpan = trace.getSpanContext(stored);
  if (!storedSpan || !trace.isSpanContextValid(storedSpan)) return {};
  const active = trace.getActiveSpan()?.spanContext();
  if (active && trace.isSpanContextValid(active)) {
    if (active.traceId === storedSpan.traceId) return {};
    return { parent: stored, links: [{ context: active }] };
  }
  return { parent: stored };
}

/**
 * Tells the http instrumentation the route of the request being served (`/v1/orders/:orderId`):
 * its SERVER span is then named `POST /v1/orders/:orderId` and gets `http.route`, and so does
 * the request duration metric. Call it inside the request's context, e.g. in a fastify
 * `onRequest` hook. An undefined route (no route matched) leaves the name alone.
 * @returns false when the active context is not an instrumented HTTP request (no SDK, the
 * instrumentation off, or `inject`ed requests).
 */
export function setHttpRoute(route: string | undefined): boolean {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type !== RPCType.HTTP) return false;
  if (route) metadata.route = route;
  return true;
}

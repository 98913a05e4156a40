import {
  type Context,
  context,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { extractTraceContext, setHttpRoute } from '@saga/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type Entry = {
  readonly span: Span;
  readonly ctx: Context;
  /** Made here (no http instrumentation): these hooks end it. */
  readonly owned: boolean;
};

const spans = new WeakMap<FastifyRequest, Entry>();

/**
 * The `orderId` of a serialized answer about one order (placed order, order, payment, shipment:
 * their schemas put it first), read without parsing the body again. Idempotent answers are
 * stored serialized, so the body is only ever seen as a string here.
 */
const ORDER_ID_FIRST = /^\{"orderId":"([0-9A-Za-z-]{1,128})"/;

function orderIdOf(value: unknown): string | undefined {
  const id = (value as { orderId?: unknown } | null | undefined)?.orderId;
  return typeof id === 'string' && id ? id : undefined;
}

/**
 * One SERVER span per request, the root of an order's trace (docs/patterns/telemetry.md), and
 * every route handler run inside it, so the gRPC calls a handler makes become its children.
 *
 * With the platform's telemetry (`@saga/telemetry/register`) the span is the http
 * instrumentation's (docs/adr/0008): these hooks give it the route (`POST /v1/orders`,
 * `http.route`) and `order.id` when the request concerns an order (an `:orderId` parameter, or
 * an `orderId` in the response, as for a placed order). Without the instrumentation (an
 * `inject`ed request, a test's SDK) they start the span themselves, continuing the caller's W3C
 * trace context; without a registered SDK it is a no-op span that still carries that context.
 * Call before any route is registered.
 */
export function installRequestSpans(app: FastifyInstance): void {
  const tracer = trace.getTracer('@saga/gateway');
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    const orderId = orderIdOf(request.params);
    const active = trace.getActiveSpan();
    if (active && setHttpRoute(route)) {
      if (orderId) active.setAttribute('order.id', orderId);
      spans.set(request, { span: active, ctx: context.active(), owned: false });
      return;
    }
    const parent = extractTraceContext(
      request.headers as Readonly<Record<string, string | undefined>>,
      context.active(),
    );
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0] ?? request.url,
          ...(route ? { 'http.route': route } : {}),
          ...(orderId ? { 'order.id': orderId } : {}),
        },
      },
      parent,
    );
    spans.set(request, { span, ctx: trace.setSpan(parent, span), owned: true });
  });
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function inRequestSpan(request, reply) {
      const entry = spans.get(request);
      return entry
        ? context.with(entry.ctx, () => handler.call(this, request, reply))
        : handler.call(this, request, reply);
    };
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const orderId = typeof payload === 'string' ? ORDER_ID_FIRST.exec(payload)?.[1] : undefined;
    if (orderId) spans.get(request)?.span.setAttribute('order.id', orderId);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const entry = spans.get(request);
    if (!entry?.owned) return;
    entry.span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) {
      entry.span.setStatus({ code: SpanStatusCode.ERROR });
      entry.span.setAttribute('error.type', String(reply.statusCode));
    }
    entry.span.end();
  });
}

/** The span context of the request's SERVER span (invalid when telemetry is off). */
export function spanContextOf(request: FastifyRequest): SpanContext | undefined {
  return spans.get(request)?.span.spanContext();
}

/** The request's trace id, when it is being traced. */
export function traceIdOf(request: FastifyRequest): string | undefined {
  const ctx = spans.get(request)?.span.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

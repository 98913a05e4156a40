import {
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { extractTraceContext } from '@saga/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const spans = new WeakMap<FastifyRequest, { readonly span: Span; readonly ctx: Context }>();

/**
 * One SERVER span per request, continuing the caller's W3C trace context, and every route handler
 * run inside it: the gRPC calls a handler makes become its children, so an order's trace starts
 * at the gateway (ARCHITECTURE.md, "One order = one trace"). Without a registered SDK the spans
 * are no-ops. Call before any route is registered.
 */
export function installRequestSpans(app: FastifyInstance): void {
  const tracer = trace.getTracer('@saga/gateway');
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
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
        },
      },
      parent,
    );
    spans.set(request, { span, ctx: trace.setSpan(parent, span) });
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
  app.addHook('onResponse', async (request, reply) => {
    const entry = spans.get(request);
    if (!entry) return;
    entry.span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) {
      entry.span.setStatus({ code: SpanStatusCode.ERROR });
      entry.span.setAttribute('error.type', String(reply.statusCode));
    }
    entry.span.end();
  });
}

/** The request's trace id, when it is being traced. */
export function traceIdOf(request: FastifyRequest): string | undefined {
  const ctx = spans.get(request)?.span.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

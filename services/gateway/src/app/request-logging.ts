import { trace } from '@opentelemetry/api';
import { bindSpanContext, type Logger } from '@saga/service-kit';
import { type FastifyInstance, LogController } from 'fastify';
import { spanContextOf } from './request-span.hooks.ts';

/**
 * fastify writes "incoming request" before any hook runs, so before the request's span exists
 * (request-span.hooks.ts): this controller leaves that line to {@link installRequestLogging}.
 * Every other request line is fastify's own.
 */
class SpanAwareLogController extends LogController {
  override incomingRequest(): void {}
}

/** fastify's `logController` option for the gateway: see {@link installRequestLogging}. */
export function requestLogController(): LogController {
  return new SpanAwareLogController();
}

/**
 * Makes every line of a request carry its trace: once the request's SERVER span exists, its
 * per-request logger is bound to it, so "incoming request" (written here, from then on),
 * "request completed" and the problem handler's lines, all written outside the route
 * handler's span context, carry the request's `trace_id` and `span_id` like the handler's own
 * lines do (docs/observability.md, "Logs"). Needs {@link requestLogController} as the app's
 * `logController`, and must be installed after `installRequestSpans`.
 */
export function installRequestLogging(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    // The gateway's request span; else whatever span the request runs in (an HTTP
    // auto-instrumentation's), so the binding does not depend on which one makes the span.
    const span = spanContextOf(request) ?? trace.getActiveSpan()?.spanContext();
    if (span) bindSpanContext(request.log as Logger, span);
    request.log.info({ req: request }, 'incoming request');
  });
}

import { type SpanContext, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Span contexts of loggers bound with {@link bindSpanContext}. */
const boundSpans = new WeakMap<object, SpanContext>();

/**
 * A pino logger for a service: one JSON object per line with `time` (ISO 8601, UTC), `level`
 * (`info`, `warn`, …), `service` and `msg`, plus `trace_id` and `span_id` of the span a line is
 * written in, so a log line leads to its trace in Jaeger and back, and every line of one order
 * can be followed across services (docs/observability.md, "Logs").
 *
 * The ids come from the active span when the line is written; a logger bound with
 * {@link bindSpanContext} falls back to its bound span where none is active.
 *
 * @param options.level - minimum level; default `info`.
 * @param destination - where lines go; default stdout.
 */
export function createLogger(
  options: { readonly service: string; readonly level?: string },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin(_merge, _level, logger) {
        const active = trace.getActiveSpan()?.spanContext();
        const ctx = active && trace.isSpanContextValid(active) ? active : boundSpans.get(logger);
        return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
      },
    },
    destination,
  );
}

/**
 * Makes the lines `logger` writes where no span is active carry `spanContext`'s ids. For a
 * logger that belongs to one unit of work but also writes outside its span: fastify's
 * per-request logger writes "request completed" and the error handler's lines after the route
 * handler's span context is gone. An invalid span context (telemetry off) binds nothing.
 *
 * Only `logger` itself is bound, not children created from it later.
 */
export function bindSpanContext(logger: Logger, spanContext: SpanContext): void {
  if (trace.isSpanContextValid(spanContext)) boundSpans.set(logger, spanContext);
}

export type { Logger } from 'pino';

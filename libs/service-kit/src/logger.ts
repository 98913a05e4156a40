import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * A pino logger for a service: JSON lines with `service`, and `trace_id`/`span_id` of the active
 * span, so a log line leads to its trace in Jaeger and back.
 *
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
      mixin() {
        const ctx = trace.getActiveSpan()?.spanContext();
        return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
      },
    },
    destination,
  );
}

export type { Logger } from 'pino';

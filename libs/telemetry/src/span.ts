import {
  type Attributes,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * Runs `fn` inside a new active span and ends it. When `fn` throws, the span records the
 * exception, gets status ERROR and the `error.type` attribute (semantic conventions), and the
 * error is rethrown. The one way to write a manual span in this code base.
 *
 * Never put personal or payment data in `attributes`.
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T>,
  options: {
    readonly kind?: SpanKind;
    readonly attributes?: Attributes;
    readonly tracer?: string;
  } = {},
): Promise<T> {
  const tracer = trace.getTracer(options.tracer ?? '@saga/telemetry');
  return tracer.startActiveSpan(
    name,
    {
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
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

import type { IncomingMessage, RequestOptions } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

/** Paths no span is made for: probes and scrapes, asked every few seconds, say nothing of an order. */
export const UNTRACED_PATHS: readonly string[] = ['/livez', '/readyz', '/metrics'];

/** Whether an incoming HTTP request is a probe or a scrape ({@link UNTRACED_PATHS}). */
export function isUntracedRequest(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return UNTRACED_PATHS.includes(path);
}

/**
 * Whether an outgoing HTTP request goes to the telemetry collector itself (host and port of
 * `collectorUrl`). The OTLP exporters' own POSTs are plumbing: measured, they would show up as
 * the busiest HTTP client of every service.
 */
export function isCollectorRequest(
  options: RequestOptions,
  collectorUrl: string | undefined,
): boolean {
  if (!collectorUrl) return false;
  let collector: URL;
  try {
    collector = new URL(collectorUrl);
  } catch {
    return false;
  }
  const host = options.hostname ?? options.host?.split(':')[0];
  const port = String(options.port ?? (options.protocol === 'https:' ? 443 : 80));
  const collectorPort = collector.port || (collector.protocol === 'https:' ? '443' : '80');
  return host === collector.hostname && port === collectorPort;
}

/**
 * The auto-instrumentations every process of the platform runs (docs/adr/0008): http (the
 * gateway's request span, the root of an order's trace), pg and ioredis (a span per query or
 * command). gRPC and Kafka are traced by our own spans in `@saga/rpc`, `@saga/outbox` and
 * `@saga/messaging`, not by instrumentation-grpc or instrumentation-kafkajs: the ADR says why.
 *
 * - pg and ioredis spans are made only inside a trace (`requireParentSpan`): the relay's polls,
 *   deadline sweeps and readiness checks would otherwise start a new trace every few
 *   milliseconds. Connection spans are left out.
 * - pg spans carry the SQL text with its `$n` placeholders, never the values; ioredis spans
 *   carry the command name only (keys and values may hold idempotency keys and cached
 *   responses). No personal or payment data reaches a span.
 * - Incoming probes and scrapes ({@link UNTRACED_PATHS}) make no span; an outgoing HTTP call
 *   makes one only inside a trace; calls to the collector (`collectorUrl`) make neither a span
 *   nor a metric.
 */
export function defaultInstrumentations(collectorUrl?: string): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => isUntracedRequest(req.url),
      ignoreOutgoingRequestHook: (options: RequestOptions) =>
        isCollectorRequest(options, collectorUrl),
      requireParentforOutgoingSpans: true,
    }),
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    new IORedisInstrumentation({
      requireParentSpan: true,
      dbStatementSerializer: (command) => command,
    }),
  ];
}

import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { createMetricPipeline } from './metrics.ts';

/** Options of {@link startTelemetry}. */
export type TelemetryOptions = {
  /** `service.name` of every span, e.g. `order`. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP/HTTP base URL of the collector (Jaeger), e.g. `http://127.0.0.1:4318`. */
  readonly otlpHttpUrl: string;
  /** Instrumentations to register (auto-instrumentation of http, pg, ...); default none. */
  readonly instrumentations?: ConstructorParameters<typeof NodeSDK>[0] extends infer C
    ? C extends { instrumentations?: infer I }
      ? I
      : never
    : never;
  /** Longest wait before a batch of spans is exported. Default 1 000 ms. */
  readonly exportDelayMs?: number;
  /** How often metrics are pushed over OTLP. Default 5 000 ms. */
  readonly metricExportIntervalMs?: number;
};

/** A started SDK. */
export type Telemetry = {
  /** Exports every finished span, and the current metric values, now (tests, planned exits). */
  readonly flush: () => Promise<void>;
  /** The process's metrics in the Prometheus text format (served as `GET /metrics`). */
  readonly scrapeMetrics: () => Promise<string>;
  /** Flushes and stops; call last in a shutdown. */
  readonly shutdown: () => Promise<void>;
};

/**
 * Starts the OpenTelemetry Node SDK: spans go through a batch span processor to Jaeger over
 * OTLP/HTTP; context propagates through async calls (AsyncLocalStorage) and across processes as
 * W3C trace context (`traceparent`, `tracestate`) plus baggage. Metrics are pushed over OTLP
 * too, and kept for Prometheus scrapes ({@link Telemetry.scrapeMetrics}; see ./metrics.ts).
 *
 * Call it before importing application code (see `@saga/telemetry/register`), so instrumented
 * modules are patched before they are first loaded.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const processor = new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({
      url: `${options.otlpHttpUrl.replace(/\/$/, '')}/v1/traces`,
      timeoutMillis: 5_000,
    }),
    scheduledDelayMillis: options.exportDelayMs ?? 1_000,
  });
  const metricPipeline = createMetricPipeline({
    otlpHttpUrl: options.otlpHttpUrl,
    ...(options.metricExportIntervalMs ? { exportIntervalMs: options.metricExportIntervalMs } : {}),
  });
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: [processor],
    metricReaders: [...metricPipeline.readers],
    instrumentations: options.instrumentations ?? [],
    ...(options.serviceVersion
      ? { resourceAttributes: { 'service.version': options.serviceVersion } }
      : {}),
  } as ConstructorParameters<typeof NodeSDK>[0]);
  sdk.start();
  return {
    flush: async () => {
      await Promise.all([processor.forceFlush(), metricPipeline.flush()]);
    },
    scrapeMetrics: metricPipeline.scrape,
    shutdown: () => sdk.shutdown(),
  };
}

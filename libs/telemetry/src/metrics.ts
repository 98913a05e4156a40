import { diag } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { type MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

/** `Content-Type` of a Prometheus scrape answer (text exposition format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Options of {@link createMetricPipeline}. */
export type MetricPipelineOptions = {
  /** OTLP/HTTP base URL of the collector, e.g. `http://127.0.0.1:4318` (`/v1/metrics` is appended). */
  readonly otlpHttpUrl: string;
  /** How often metrics are pushed over OTLP. Default 5 000 ms (OTEL_METRIC_EXPORT_INTERVAL). */
  readonly exportIntervalMs?: number;
};

/** The two ways a process's metrics leave it. */
export type MetricPipeline = {
  /** For the MeterProvider: a pull reader (Prometheus) and a push reader (OTLP). */
  readonly readers: readonly MetricReader[];
  /** Collects now and renders every metric in the Prometheus text format. */
  readonly scrape: () => Promise<string>;
  /** Pushes the current values over OTLP now (tests, and before a planned exit). */
  readonly flush: () => Promise<void>;
};

/**
 * Metrics go out two ways (docs/observability-metrics.md):
 * - pull: a Prometheus exporter that starts no server of its own; the service serves
 *   {@link MetricPipeline.scrape} on the HTTP server it already has (`GET /metrics`), so there
 *   is no extra port per process;
 * - push: every `exportIntervalMs`, OTLP/HTTP (protobuf) to the collector, which re-exposes them
 *   for Prometheus with the service name as `job`.
 * Both readers are cumulative, so a counter read from either is the total since process start.
 */
export function createMetricPipeline(options: MetricPipelineOptions): MetricPipeline {
  const interval = Math.max(100, options.exportIntervalMs ?? 5_000);
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const otlp = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: `${options.otlpHttpUrl.replace(/\/$/, '')}/v1/metrics`,
      timeoutMillis: 5_000,
    }),
    exportIntervalMillis: interval,
    exportTimeoutMillis: Math.min(5_000, interval),
  });
  const serializer = new PrometheusSerializer();
  return {
    readers: [prometheus, otlp],
    async scrape() {
      const { resourceMetrics, errors } = await prometheus.collect();
      // A failed observable callback (e.g. a database query for a gauge) drops that metric
      // from this scrape only; the rest is still worth answering with.
      for (const err of errors) diag.warn('metric collection failed', err);
      return serializer.serialize(resourceMetrics);
    },
    flush: () => otlp.forceFlush(),
  };
}

/**
 * The metrics of this process in the Prometheus text format, from the SDK started by
 * `@saga/telemetry/register`; undefined when telemetry is off (no OTEL_SERVICE_NAME), so the
 * caller can answer 404. Serve it as `GET /metrics` with {@link PROMETHEUS_CONTENT_TYPE}.
 */
export function scrapeMetrics(): Promise<string> | undefined {
  const telemetry = (globalThis as { __sagaTelemetry?: { scrapeMetrics?: () => Promise<string> } })
    .__sagaTelemetry;
  return telemetry?.scrapeMetrics?.();
}

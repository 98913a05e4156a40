/**
 * @saga/telemetry: the OpenTelemetry bootstrap and helpers. One trace per order, from the
 * gateway through the outbox row and Kafka to every consumer: see docs/patterns/telemetry.md.
 */
export { extractTraceContext, injectTraceContext } from '@saga/outbox';
export {
  createMetricPipeline,
  type MetricPipeline,
  type MetricPipelineOptions,
  PROMETHEUS_CONTENT_TYPE,
  scrapeMetrics,
} from './metrics.ts';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk.ts';
export {
  activeTraceId,
  activeTraceParent,
  inStoredTrace,
  type SpanPlacement,
  setHttpRoute,
  type WithSpanOptions,
  withSpan,
} from './span.ts';

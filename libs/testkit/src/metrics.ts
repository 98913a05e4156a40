/**
 * `@saga/testkit/metrics`: read the metrics a library or service records, in a test, without an
 * exporter. Its own entry point, so tests that measure nothing do not load the metrics SDK.
 */
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** A pull reader for tests: `collect()` on demand, cumulative like the services' readers. */
export class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * A meter provider read by a {@link TestMetricReader}, registered as the global one (as the
 * preloaded SDK is in production) unless `global` is false. Install it before the code under test
 * records anything: libraries make their instruments on first use. Shut the provider down after.
 */
export function installTestMetrics(options: { readonly global?: boolean } = {}): {
  readonly reader: TestMetricReader;
  readonly provider: MeterProvider;
} {
  const reader = new TestMetricReader();
  const provider = new MeterProvider({ readers: [reader] });
  if (options.global ?? true) metrics.setGlobalMeterProvider(provider);
  return { reader, provider };
}

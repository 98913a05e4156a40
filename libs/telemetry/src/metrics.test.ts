import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createMetricPipeline } from './metrics.ts';

// Stands in for the collector's OTLP/HTTP receiver: records what is pushed, accepts it all.
const pushed: { url: string | undefined; contentType: string | undefined }[] = [];
const collector = createServer((req, res) => {
  pushed.push({ url: req.url, contentType: req.headers['content-type'] });
  req.resume();
  req.on('end', () => res.writeHead(200).end());
});
let otlpHttpUrl = '';
before(async () => {
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  otlpHttpUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`;
});
after(() => {
  collector.close();
});

test('a scrape renders counters with _total, histograms with buckets in seconds, and attributes as labels', async () => {
  const pipeline = createMetricPipeline({ otlpHttpUrl, exportIntervalMs: 60_000 });
  const provider = new MeterProvider({ readers: [...pipeline.readers] });
  try {
    const meter = provider.getMeter('test');
    meter
      .createCounter('saga.outcomes')
      .add(2, { 'saga.mode': 'choreography', 'saga.outcome': 'confirmed' });
    meter
      .createHistogram('saga.duration', {
        unit: 's',
        advice: { explicitBucketBoundaries: [0.1, 1] },
      })
      .record(0.5, { 'saga.mode': 'orchestration' });

    const text = await pipeline.scrape();
    assert.match(
      text,
      /^saga_outcomes_total\{saga_mode="choreography",saga_outcome="confirmed",otel_scope_name="test"\} 2$/m,
    );
    assert.match(text, /^saga_duration_bucket\{saga_mode="orchestration",[^}]*le="0.1"\} 0$/m);
    assert.match(text, /^saga_duration_bucket\{saga_mode="orchestration",[^}]*le="1"\} 1$/m);
    assert.match(text, /^saga_duration_count\{saga_mode="orchestration",[^}]*\} 1$/m);
    assert.match(text, /^# UNIT saga_duration s$/m);
  } finally {
    await provider.shutdown();
  }
});

test('a failing observable callback drops only its own metric from the scrape', async () => {
  const pipeline = createMetricPipeline({ otlpHttpUrl, exportIntervalMs: 60_000 });
  const provider = new MeterProvider({ readers: [...pipeline.readers] });
  try {
    const meter = provider.getMeter('test');
    meter.createObservableGauge('broken.gauge').addCallback(() => {
      throw new Error('database down');
    });
    meter.createCounter('still.counted').add(1);
    const text = await pipeline.scrape();
    assert.match(text, /^still_counted_total\{[^}]*\} 1$/m);
    assert.doesNotMatch(text, /^broken_gauge/m);
  } finally {
    await provider.shutdown();
  }
});

test('flush pushes the metrics as OTLP protobuf to <endpoint>/v1/metrics', async () => {
  const pipeline = createMetricPipeline({ otlpHttpUrl, exportIntervalMs: 60_000 });
  const provider = new MeterProvider({ readers: [...pipeline.readers] });
  try {
    pushed.length = 0;
    provider.getMeter('test').createCounter('outbox.published').add(3);
    await pipeline.flush();
    assert.deepEqual(pushed, [{ url: '/v1/metrics', contentType: 'application/x-protobuf' }]);
  } finally {
    await provider.shutdown();
  }
});

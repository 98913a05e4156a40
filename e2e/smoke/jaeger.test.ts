import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { eventually, testStack } from '@saga/testkit';

const { endpoints } = testStack(process.env);

type JaegerTraces = {
  data: { traceID: string; spans: { operationName: string; spanID: string }[] }[] | null;
};

test('a span exported over OTLP by the Node SDK is found by service name through the query API', async () => {
  const serviceName = `smoke-${randomUUID().slice(0, 8)}`;
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${endpoints.otlpHttpUrl}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  const tracer = trace.getTracer('smoke');
  const { traceId, spanId } = tracer.startActiveSpan('smoke-operation', (span) => {
    span.end();
    return span.spanContext();
  });
  await sdk.shutdown(); // flushes the batch processor

  const found = await eventually(
    async () => {
      const res = await fetch(
        `${endpoints.jaegerUrl}/api/traces?service=${encodeURIComponent(serviceName)}&limit=5`,
      );
      assert.equal(res.status, 200);
      const body = (await res.json()) as JaegerTraces;
      const t = body.data?.find((x) => x.traceID === traceId);
      assert.ok(t, 'trace not found yet');
      return t;
    },
    { timeoutMs: 15_000, description: `the trace of ${serviceName} in Jaeger` },
  );
  assert.deepEqual(
    found.spans.map((s) => [s.spanID, s.operationName]),
    [[spanId, 'smoke-operation']],
  );
});

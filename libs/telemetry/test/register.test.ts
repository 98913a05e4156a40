import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { test } from 'node:test';
import { eventually, testStack } from '@saga/testkit';

const { endpoints } = testStack(process.env);

test('--import @saga/telemetry/register starts the SDK before the application, from OTEL_* variables', async () => {
  const serviceName = `preload-${randomUUID().slice(0, 8)}`;
  const child = spawn(
    process.execPath,
    ['--import', '@saga/telemetry/register', `${import.meta.dirname}/fixtures/preloaded-app.ts`],
    {
      cwd: `${import.meta.dirname}/..`,
      env: {
        PATH: process.env.PATH,
        OTEL_SERVICE_NAME: serviceName,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.otlpHttpUrl,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const traceId = out.trim();
  assert.match(traceId, /^[0-9a-f]{32}$/, 'the span is a real, recording one');
  assert.notEqual(traceId, '0'.repeat(32));
  await eventually(
    async () => {
      const res = await fetch(`${endpoints.jaegerUrl}/api/traces/${traceId}`);
      const body = (await res.json()) as {
        data?: { processes: Record<string, { serviceName: string }> }[];
      };
      const services = Object.values(body.data?.[0]?.processes ?? {}).map((p) => p.serviceName);
      assert.deepEqual(services, [serviceName]);
    },
    { timeoutMs: 15_000, description: `the trace of ${serviceName} in Jaeger` },
  );
});

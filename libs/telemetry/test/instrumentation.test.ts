import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { test } from 'node:test';
import { eventually, testStack } from '@saga/testkit';
import { isCollectorRequest, isUntracedRequest } from '../src/instrumentations.ts';

const { endpoints } = testStack(process.env);

type JaegerSpan = {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
};

test('probes and scrapes are untraced, whatever their query string; other paths are traced', () => {
  assert.equal(isUntracedRequest('/readyz'), true);
  assert.equal(isUntracedRequest('/livez?x=1'), true);
  assert.equal(isUntracedRequest('/metrics'), true);
  assert.equal(isUntracedRequest('/v1/orders'), false);
  assert.equal(isUntracedRequest(undefined), false);
});

test("the collector's own endpoint is recognised by host and port, so exporters measure nothing of themselves", () => {
  const collector = 'http://127.0.0.1:4318';
  assert.equal(
    isCollectorRequest({ hostname: '127.0.0.1', port: 4318, path: '/v1/traces' }, collector),
    true,
  );
  assert.equal(isCollectorRequest({ host: '127.0.0.1:4318', port: '4318' }, collector), true);
  assert.equal(isCollectorRequest({ hostname: '127.0.0.1', port: 18080 }, collector), false);
  assert.equal(isCollectorRequest({ hostname: 'example.test', port: 4318 }, collector), false);
  assert.equal(isCollectorRequest({ hostname: '127.0.0.1', port: 4318 }, undefined), false);
  assert.equal(isCollectorRequest({ hostname: 'collector', port: 80 }, 'http://collector'), true);
});

test('an ESM app preloaded with the register gets pg, ioredis and http spans inside a trace, none outside one, and no values in them', async () => {
  const serviceName = `instrumented-${randomUUID().slice(0, 8)}`;
  const child = spawn(
    process.execPath,
    ['--import', '@saga/telemetry/register', `${import.meta.dirname}/fixtures/instrumented-app.ts`],
    {
      cwd: `${import.meta.dirname}/..`,
      env: {
        PATH: process.env.PATH,
        OTEL_SERVICE_NAME: serviceName,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.otlpHttpUrl,
        FIXTURE_DATABASE_URL: endpoints.postgresUrl('order'),
        FIXTURE_REDIS_HOST: endpoints.redis.host,
        FIXTURE_REDIS_PORT: String(endpoints.redis.port),
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
  assert.match(traceId, /^[0-9a-f]{32}$/);

  const traces = await eventually(
    async () => {
      const res = await fetch(`${endpoints.jaegerUrl}/api/traces?service=${serviceName}&limit=20`);
      const body = (await res.json()) as { data?: { traceID: string; spans: JaegerSpan[] }[] };
      const found = body.data ?? [];
      const spans = found.find((t) => t.traceID === traceId)?.spans ?? [];
      assert.equal(spans.length, 6, `spans so far: ${spans.map((s) => s.operationName)}`);
      return found;
    },
    { timeoutMs: 20_000, description: `the trace of ${serviceName} in Jaeger` },
  );
  assert.deepEqual(
    traces.map((t) => t.traceID),
    [traceId],
    'the query, command and probe made outside the span started no trace of their own',
  );
  const spans = traces[0]?.spans ?? [];
  const root = spans.find((s) => s.operationName === 'instrumented work');
  const tag = (s: JaegerSpan | undefined, key: string) => s?.tags.find((t) => t.key === key)?.value;
  const parentOf = (s: JaegerSpan | undefined) =>
    s?.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
  const pgSpan = spans.find((s) => tag(s, 'db.system.name') === 'postgresql');
  const redisSpan = spans.find((s) => tag(s, 'db.system.name') === 'redis');
  const httpClients = spans.filter(
    (s) => tag(s, 'span.kind') === 'client' && tag(s, 'http.request.method') === 'GET',
  );
  const httpServers = spans.filter((s) => tag(s, 'span.kind') === 'server');
  assert.equal(httpClients.length, 2, 'the two requests made inside the span');
  assert.equal(httpServers.length, 1, 'the probe made no server span');
  const httpServer = httpServers[0];
  const httpClient = httpClients.find((s) => s.spanID === parentOf(httpServer));
  assert.equal(parentOf(pgSpan), root?.spanID, 'pg was patched: its span is a child');
  assert.equal(tag(pgSpan, 'db.query.text'), 'select $1::text as inside');
  assert.equal(parentOf(redisSpan), root?.spanID, 'ioredis was patched: its span is a child');
  assert.equal(tag(redisSpan, 'db.query.text'), 'set', 'the command only, no key or value');
  assert.ok(httpClient, 'trace context crossed HTTP: the server span is a child of a client span');
  assert.equal(parentOf(httpClient), root?.spanID);
  assert.equal(tag(httpServer, 'url.path'), '/work');
  assert.ok(
    !JSON.stringify(spans).includes('must not be recorded'),
    'no query parameter or redis value reaches a span',
  );
});

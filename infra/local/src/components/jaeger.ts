import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, writeFile } from 'node:fs/promises';
import { type StackSettings, VERSIONS } from '@saga/topology';
import { cachedInstall } from '../cache.ts';
import type { Component, StackContext } from '../component.ts';
import { capture, runLogged } from '../process.ts';
import { requireTool } from '../tools.ts';

const MODULE = 'github.com/jaegertracing/jaeger';
const KEY = `jaeger-${VERSIONS.jaegerModule}`;
/** Service name of the span that `up` exports to prove the whole pipeline works. */
export const PROBE_SERVICE = 'saga-stack-readiness';

function binary(ctx: StackContext): string {
  return `${ctx.settings.cacheDir}/${KEY}/jaeger`;
}

/** The stand-in trace viewer the native Jaeger serves (see {@link JaegerConfigOptions}). */
function uiAssetsPath(ctx: StackContext): string {
  return `${ctx.paths.repoRoot}/infra/jaeger-ui`;
}

function configFile(ctx: StackContext): string {
  return `${ctx.paths.dataDir('jaeger')}/config.yaml`;
}

/** Options of {@link jaegerConfig}. */
export type JaegerConfigOptions = {
  /**
   * Folder the query service serves its UI from (`index.html` for every page, `static/*` as
   * files) instead of the UI built into the binary. The native stack sets it to infra/jaeger-ui
   * (its Go build has no UI; docs/adr/0009-native-jaeger-ui.md); the compose image has the real
   * UI, so the compose config leaves it out.
   */
  readonly uiAssetsPath?: string;
};

/**
 * Jaeger v2 config: OTLP in, in-memory storage, query API, every listener on `host`. Shared by
 * the native stack and the docker-compose generator. Jaeger v2 is an OpenTelemetry Collector:
 * besides traces it takes the services' OTLP metrics and exposes them to Prometheus.
 */
export function jaegerConfig(
  host: string,
  j: StackSettings['jaeger'],
  options: JaegerConfigOptions = {},
): string {
  const ui = options.uiAssetsPath
    ? `    ui:\n      assets_path: ${JSON.stringify(options.uiAssetsPath)}\n`
    : '';
  return `# Generated from infra/local/src/components/jaeger.ts; edits are overwritten.
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [prometheus]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: ${host}
                port: ${j.metricsPort}
    logs:
      level: info

extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: ${host}:${j.uiPort}
    grpc:
      endpoint: ${host}:${j.queryGrpcPort}
${ui}  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${host}:${j.otlpGrpcPort}
      http:
        endpoint: ${host}:${j.otlpHttpPort}

processors:
  batch:
    timeout: 200ms

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
  # The services' metrics (OTLP /v1/metrics) for Prometheus, labelled job=<service.name>.
  prometheus:
    endpoint: ${host}:${j.prometheusPort}
`;
}

/** One span in OTLP/JSON, for the readiness probe. */
function probeSpan(): unknown {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: PROBE_SERVICE } }],
        },
        scopeSpans: [
          {
            scope: { name: 'saga-stack' },
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: 'readiness-probe',
                kind: 1,
                startTimeUnixNano: String(now - 1_000_000n),
                endTimeUnixNano: String(now),
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * Jaeger v2, built from the Go module proxy. Its module's go.mod carries a `replace` directive,
 * which `go install pkg@version` refuses, so the module is downloaded and built as the main
 * module instead (see docs/adr/0003-infrastructure-from-package-registries.md).
 */
export const jaeger: Component = {
  name: 'jaeger',
  kind: 'infrastructure',
  readiness: 'an OTLP export found again through the query API',
  stopSignal: 'SIGTERM',
  async install(ctx) {
    const { built } = await cachedInstall(ctx.settings.cacheDir, KEY, async (dir) => {
      const go = requireTool('go', 'the Go toolchain (https://go.dev/dl)', ctx.env);
      const logFile = `${ctx.paths.logsDir}/install-jaeger.log`;
      const env = { ...ctx.env, GOFLAGS: '-buildvcs=false' };
      ctx.report.step('jaeger', `go mod download ${MODULE}@${VERSIONS.jaegerModule}`);
      const info = JSON.parse(
        await capture(go, ['mod', 'download', '-json', `${MODULE}@${VERSIONS.jaegerModule}`], {
          env,
        }),
      ) as { Dir?: string; Error?: string };
      if (!info.Dir) throw new Error(`go mod download failed: ${info.Error ?? 'no Dir'}`);
      const src = `${dir}/src`;
      await cp(info.Dir, src, { recursive: true });
      await chmod(src, 0o755);
      await runLogged({ command: 'chmod', args: ['-R', 'u+w', src], logFile, env });
      ctx.report.step('jaeger', 'go build ./cmd/jaeger (several minutes on 2 cores, once)');
      await runLogged({
        command: go,
        args: ['build', '-trimpath', '-ldflags=-s -w', '-o', `${dir}/jaeger`, './cmd/jaeger'],
        cwd: src,
        logFile,
        env,
      });
      await runLogged({ command: 'rm', args: ['-rf', src], logFile, env });
    });
    return built ? `built Jaeger ${VERSIONS.jaegerImage} from the Go module proxy` : undefined;
  },
  async prepare(ctx) {
    await mkdir(ctx.paths.dataDir('jaeger'), { recursive: true });
    await writeFile(
      configFile(ctx),
      jaegerConfig(ctx.settings.host, ctx.settings.jaeger, { uiAssetsPath: uiAssetsPath(ctx) }),
    );
  },
  async launch(ctx) {
    return { command: binary(ctx), args: ['--config', configFile(ctx)] };
  },
  ports: (ctx) => {
    const j = ctx.settings.jaeger;
    return [
      { port: j.otlpGrpcPort, variable: 'SAGA_JAEGER_OTLP_GRPC_PORT' },
      { port: j.otlpHttpPort, variable: 'SAGA_JAEGER_OTLP_HTTP_PORT' },
      { port: j.uiPort, variable: 'SAGA_JAEGER_UI_PORT' },
      { port: j.queryGrpcPort, variable: 'SAGA_JAEGER_QUERY_GRPC_PORT' },
      { port: j.metricsPort, variable: 'SAGA_JAEGER_METRICS_PORT' },
      { port: j.prometheusPort, variable: 'SAGA_JAEGER_PROMETHEUS_PORT' },
    ];
  },
  async probe(ctx) {
    const { host, jaeger: j } = ctx.settings;
    const exported = await fetch(`http://${host}:${j.otlpHttpPort}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(probeSpan()),
      signal: AbortSignal.timeout(1000),
    });
    if (!exported.ok) throw new Error(`OTLP export answered ${exported.status}`);
    const res = await fetch(`http://${host}:${j.uiPort}/api/services`, {
      signal: AbortSignal.timeout(1000),
    });
    if (!res.ok) throw new Error(`query API answered ${res.status}`);
    const body = (await res.json()) as { data?: string[] | null };
    if (!body.data?.includes(PROBE_SERVICE)) throw new Error('exported span not yet queryable');
    return 'span exported over OTLP and found through the query API';
  },
  urls: (ctx) => {
    const { host, jaeger: j } = ctx.settings;
    return [
      `jaeger UI/API  http://${host}:${j.uiPort}  (OTLP gRPC ${host}:${j.otlpGrpcPort}, HTTP http://${host}:${j.otlpHttpPort})`,
      `OTLP metrics   http://${host}:${j.prometheusPort}/metrics  (Prometheus format, job=<service>)`,
    ];
  },
};

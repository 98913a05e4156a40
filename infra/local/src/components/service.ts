import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import {
  clientEndpoints,
  GRPC_CALLS,
  type ServiceName,
  type ServiceProcessName,
  type StackSettings,
} from '@saga/topology';
import type { Component, PortSpec, StackContext } from '../component.ts';

/**
 * How every service runs (services/README.md): its TypeScript sources, type-stripped by Node 24,
 * with the telemetry SDK preloaded before any application module, in the service's folder.
 * infra/docker/service.Dockerfile runs the same command.
 */
export const SERVICE_NODE_ARGS: readonly string[] = [
  '--disable-warning=TimeoutNegativeWarning',
  '--import',
  '@saga/telemetry/register',
  'src/main.ts',
];

/**
 * The addresses a service process is given. The native stack and docker-compose.yml differ only
 * in these; every data-plane address is the caller's own toxiproxy edge (`<from>-><to>`,
 * libs/topology `edgeSpecs`) in both.
 */
export type ServiceWiring = {
  /** Address the service binds. */
  readonly host: string;
  /** The service's own database, through `<service>->postgres`. */
  readonly databaseUrl: (service: ServiceName) => string;
  /** Comma-separated Kafka bootstrap addresses, through `<service>->kafka`. */
  readonly kafkaBrokers: (service: ServiceName) => string;
  /** Redis, through `<from>->redis`. */
  readonly redisUrl: (from: ServiceProcessName) => string;
  /** `host:port` of a callee's gRPC server, through `<from>-><to>`. */
  readonly grpcAddress: (from: ServiceProcessName, to: ServiceName) => string;
  readonly otlpHttpUrl: string;
  /** Base URL clients use for the gateway. */
  readonly publicUrl: string;
  /** Base URL of Jaeger's UI as a browser reaches it (the gateway's timeline page links to it). */
  readonly jaegerUiUrl: string;
  /** SAGA_MESSAGE_SPAN_RELATION of the bounded-context services (`child` or `link`). */
  readonly messageSpanRelation: string;
  /** CHAOS_ENDPOINTS of the bounded-context services (`on` or `off`). */
  readonly chaosEndpoints: string;
  /** RPC_RETRY_BUDGET of the gateway and the order service (`on` or `off`). */
  readonly rpcRetryBudget: string;
};

/** The native stack's wiring: everything on SAGA_HOST, through the local toxiproxy's edges. */
export function nativeWiring(s: StackSettings): ServiceWiring {
  const e = clientEndpoints(s);
  return {
    host: s.host,
    databaseUrl: (service) => e.serviceEdges(service).postgresUrl(),
    kafkaBrokers: (service) => e.serviceEdges(service).kafkaBrokers().join(','),
    redisUrl: (from) => e.serviceEdges(from).redisUrl(),
    grpcAddress: (from, to) => e.serviceEdges(from).grpcAddress(to),
    otlpHttpUrl: e.otlpHttpUrl,
    publicUrl: e.gatewayUrl,
    jaegerUiUrl: e.jaegerUrl,
    messageSpanRelation: s.messageSpanRelation,
    chaosEndpoints: s.chaosEndpoints,
    rpcRetryBudget: s.rpcRetryBudget,
  };
}

/**
 * The environment of a service process, as services/README.md ("Process contract") defines it.
 * Ports come from `s`; addresses from `w`.
 */
export function serviceEnv(
  name: ServiceProcessName,
  s: StackSettings,
  w: ServiceWiring,
): Record<string, string> {
  const common = {
    HOST: w.host,
    LOG_LEVEL: 'info',
    OTEL_SERVICE_NAME: name,
    OTEL_EXPORTER_OTLP_ENDPOINT: w.otlpHttpUrl,
  };
  const callees = Object.fromEntries(
    GRPC_CALLS[name].map((callee) => [
      `${callee.toUpperCase()}_GRPC_ADDR`,
      w.grpcAddress(name, callee),
    ]),
  );
  if (name === 'gateway') {
    return {
      ...common,
      HTTP_PORT: String(s.gateway.port),
      PUBLIC_URL: w.publicUrl,
      JAEGER_UI_URL: w.jaegerUiUrl,
      REDIS_URL: w.redisUrl(name),
      RPC_RETRY_BUDGET: w.rpcRetryBudget,
      ...callees,
    };
  }
  return {
    ...common,
    GRPC_PORT: String(s.services[name].grpcPort),
    HEALTH_PORT: String(s.services[name].healthPort),
    DATABASE_URL: w.databaseUrl(name),
    KAFKA_BROKERS: w.kafkaBrokers(name),
    SEED_FIXTURES: 'true',
    SAGA_MESSAGE_SPAN_RELATION: w.messageSpanRelation,
    CHAOS_ENDPOINTS: w.chaosEndpoints,
    ...(name === 'order' ? { RPC_RETRY_BUDGET: w.rpcRetryBudget } : {}),
    ...callees,
  };
}

/** The port serving `/readyz`: the health port, or the gateway's public port. */
export function readinessPort(name: ServiceProcessName, s: StackSettings): number {
  return name === 'gateway' ? s.gateway.port : s.services[name].healthPort;
}

function ports(name: ServiceProcessName, s: StackSettings): PortSpec[] {
  if (name === 'gateway') return [{ port: s.gateway.port, variable: 'SAGA_GATEWAY_PORT' }];
  const prefix = `SAGA_${name.toUpperCase()}`;
  return [
    { port: s.services[name].grpcPort, variable: `${prefix}_GRPC_PORT` },
    { port: s.services[name].healthPort, variable: `${prefix}_HEALTH_PORT` },
  ];
}

function urls(name: ServiceProcessName, ctx: StackContext): string[] {
  const { settings: s } = ctx;
  if (name === 'gateway') {
    const api = clientEndpoints(s).gatewayUrl;
    return [
      `gateway API    ${api}`,
      `OpenAPI UI     ${api}/docs`,
      `OpenAPI JSON   ${api}/openapi.json`,
      `saga timeline  ${api}/ui`,
    ];
  }
  const p = s.services[name];
  return [
    `${name.padEnd(15)}gRPC ${s.host}:${p.grpcProxyPort} via toxiproxy (server ${p.grpcPort}), health http://${s.host}:${p.healthPort}/readyz`,
  ];
}

/** Options of {@link serviceComponent}; tests point them at fixtures. */
export type ServiceComponentOptions = {
  /** The service's package folder (default `<repo>/services/<name>`). */
  readonly packageDir?: string;
  /** From spawn to ready (default 60 s: migrations, fixtures, Kafka consumer groups). */
  readonly readyDeadlineMs?: number;
};

/**
 * A service as a component of the native stack: `node … src/main.ts` in its folder, ready when
 * `GET /readyz` answers 200, stopped with SIGTERM (it drains, then exits) and killed after 20 s.
 * A service whose `src/main.ts` is missing fails to start with a message naming the file.
 */
export function serviceComponent(
  name: ServiceProcessName,
  options: ServiceComponentOptions = {},
): Component {
  const packageDir = (ctx: StackContext) =>
    options.packageDir ?? `${ctx.paths.repoRoot}/services/${name}`;
  return {
    name,
    kind: 'service',
    readiness: 'GET /readyz to answer 200',
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 20_000,
    readyDeadlineMs: options.readyDeadlineMs ?? 60_000,
    async prepare() {},
    async launch(ctx) {
      const dir = packageDir(ctx);
      const entry = `${dir}/src/main.ts`;
      if (!existsSync(entry)) {
        const shown = relative(ctx.paths.repoRoot, entry);
        throw new Error(`${shown.startsWith('..') ? entry : shown} does not exist`);
      }
      return {
        // The Node running this CLI: the project's Node 24 (./saga puts it first on PATH).
        command: process.execPath,
        args: SERVICE_NODE_ARGS,
        cwd: dir,
        env: serviceEnv(name, ctx.settings, nativeWiring(ctx.settings)),
      };
    },
    ports: (ctx) => ports(name, ctx.settings),
    async probe(ctx) {
      const url = `http://${ctx.settings.host}:${readinessPort(name, ctx.settings)}/readyz`;
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        throw new Error(`GET ${url}: ${cause ?? (err as Error).message}`);
      }
      const body = (await res.text()).trim();
      if (res.status !== 200) {
        throw new Error(
          `GET ${url} answered ${res.status}${body ? `: ${body.slice(0, 300)}` : ''}`,
        );
      }
      return `GET /readyz answered 200`;
    },
    urls: (ctx) => urls(name, ctx),
  };
}

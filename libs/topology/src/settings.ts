import { ENV_VARS, type EnvVarName } from './env-vars.ts';

/** The four bounded contexts. Each owns one database and one role of the same name. */
export const SERVICES = ['order', 'inventory', 'payment', 'shipping'] as const;
/** A bounded context's name. */
export type ServiceName = (typeof SERVICES)[number];

/**
 * Every service process, in start order: each one starts after the services it calls (order
 * calls inventory; the gateway calls all four).
 */
export const SERVICE_PROCESSES = ['inventory', 'payment', 'shipping', 'order', 'gateway'] as const;
/** A service process's name: a bounded context or the gateway. */
export type ServiceProcessName = (typeof SERVICE_PROCESSES)[number];

/**
 * Which services each service process calls over gRPC (services/README.md, "Process contract").
 * Each callee gets a `<SERVICE>_GRPC_ADDR` variable and starts before its callers.
 */
export const GRPC_CALLS: { readonly [P in ServiceProcessName]: readonly ServiceName[] } = {
  inventory: [],
  payment: [],
  shipping: [],
  order: ['inventory'],
  gateway: ['order', 'inventory', 'payment', 'shipping'],
};

/** Ports of a bounded context's process. */
export type ServicePorts = {
  /** The service's own gRPC server. */
  readonly grpcPort: number;
  /** The toxiproxy proxy in front of it; every caller uses this one. */
  readonly grpcProxyPort: number;
  /** HTTP `/livez` and `/readyz`. */
  readonly healthPort: number;
};

/** Raised when an environment variable has a value the stack cannot use. */
export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  /** The variable at fault, so the message can name it. */
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** A service's database: name, owning role and that role's password. */
export type ServiceDatabase = {
  readonly service: ServiceName;
  readonly database: string;
  readonly user: string;
  readonly password: string;
};

/** Resolved, validated settings of the infrastructure (ports, credentials, folders). */
export type StackSettings = {
  readonly host: string;
  readonly stackDir: string;
  readonly cacheDir: string;
  readonly postgres: {
    readonly port: number;
    readonly proxyPort: number;
    readonly user: string;
    readonly password: string;
    readonly databases: readonly ServiceDatabase[];
  };
  readonly redis: { readonly port: number; readonly proxyPort: number };
  readonly kafka: {
    readonly port: number;
    readonly controllerPort: number;
    readonly internalPort: number;
    readonly proxyPort: number;
    readonly heapMb: number;
  };
  readonly jaeger: {
    readonly otlpGrpcPort: number;
    readonly otlpHttpPort: number;
    readonly uiPort: number;
    readonly queryGrpcPort: number;
    readonly metricsPort: number;
    /** The collector's Prometheus exporter: the services' OTLP metrics, scrapeable. */
    readonly prometheusPort: number;
  };
  readonly toxiproxy: { readonly port: number };
  readonly gateway: { readonly port: number };
  readonly services: { readonly [S in ServiceName]: ServicePorts };
  /** The services the native stack runs after the infrastructure (SAGA_SERVICES), in start order. */
  readonly runServices: readonly ServiceProcessName[];
  /** A consumed message's span: child of the sender's, or linked (SAGA_MESSAGE_SPAN_RELATION). */
  readonly messageSpanRelation: 'child' | 'link';
};

type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: EnvVarName): string {
  const value = env[name];
  return value === undefined || value.trim() === '' ? ENV_VARS[name].default : value.trim();
}

function port(env: Env, name: EnvVarName): number {
  const value = raw(env, name);
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new ConfigError(name, `expected a TCP port (1-65535), got "${value}"`);
  }
  return n;
}

function int(env: Env, name: EnvVarName, min: number): number {
  const value = raw(env, name);
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) {
    throw new ConfigError(name, `expected an integer >= ${min}, got "${value}"`);
  }
  return n;
}

function oneOf<const V extends string>(env: Env, name: EnvVarName, values: readonly V[]): V {
  const value = raw(env, name);
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(name, `expected one of ${values.join(', ')}, got "${value}"`);
  }
  return value as V;
}

function serviceList(env: Env): ServiceProcessName[] {
  const value = raw(env, 'SAGA_SERVICES');
  if (value === 'all') return [...SERVICE_PROCESSES];
  if (value === 'none') return [];
  const names = value.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(SERVICE_PROCESSES as readonly string[]).includes(n));
  if (unknown.length) {
    throw new ConfigError(
      'SAGA_SERVICES',
      `expected all, none or a comma-separated list of ${SERVICE_PROCESSES.join(', ')}; got "${unknown.join(', ')}"`,
    );
  }
  return SERVICE_PROCESSES.filter((n) => names.includes(n));
}

function servicePorts(env: Env, service: ServiceName): ServicePorts {
  const prefix = `SAGA_${service.toUpperCase()}`;
  return {
    grpcPort: port(env, `${prefix}_GRPC_PORT` as EnvVarName),
    grpcProxyPort: port(env, `${prefix}_GRPC_PROXY_PORT` as EnvVarName),
    healthPort: port(env, `${prefix}_HEALTH_PORT` as EnvVarName),
  };
}

/**
 * Reads and validates the stack's settings from environment variables, applying the documented
 * defaults (see {@link ENV_VARS}).
 *
 * @param env - the environment to read (pass `process.env` from a composition root).
 * @param paths - how to resolve the two folder variables: `repoRoot` anchors a relative
 *   `SAGA_STACK_DIR`, `home` expands a leading `~` in `SAGA_CACHE_DIR`.
 * @returns frozen settings.
 * @throws {ConfigError} naming the first variable with an unusable value, or two variables that
 *   ask for the same port.
 */
export function loadStackSettings(
  env: Env,
  paths: { readonly repoRoot: string; readonly home: string },
): StackSettings {
  const stackDirRaw = raw(env, 'SAGA_STACK_DIR');
  const stackDir = stackDirRaw.startsWith('/')
    ? stackDirRaw
    : `${paths.repoRoot.replace(/\/$/, '')}/${stackDirRaw}`;
  const cacheRaw =
    env.SAGA_CACHE_DIR === undefined && env.XDG_CACHE_HOME
      ? `${env.XDG_CACHE_HOME}/saga-platform`
      : raw(env, 'SAGA_CACHE_DIR');
  const cacheDir = cacheRaw.startsWith('~') ? `${paths.home}${cacheRaw.slice(1)}` : cacheRaw;

  const settings: StackSettings = {
    host: raw(env, 'SAGA_HOST'),
    stackDir,
    cacheDir,
    postgres: {
      port: port(env, 'SAGA_POSTGRES_PORT'),
      proxyPort: port(env, 'SAGA_POSTGRES_PROXY_PORT'),
      user: raw(env, 'SAGA_POSTGRES_USER'),
      password: raw(env, 'SAGA_POSTGRES_PASSWORD'),
      databases: SERVICES.map((service) => ({
        service,
        database: `saga_${service}`,
        user: `saga_${service}`,
        password: raw(env, `SAGA_${service.toUpperCase()}_DB_PASSWORD` as EnvVarName),
      })),
    },
    redis: { port: port(env, 'SAGA_REDIS_PORT'), proxyPort: port(env, 'SAGA_REDIS_PROXY_PORT') },
    kafka: {
      port: port(env, 'SAGA_KAFKA_PORT'),
      controllerPort: port(env, 'SAGA_KAFKA_CONTROLLER_PORT'),
      internalPort: port(env, 'SAGA_KAFKA_INTERNAL_PORT'),
      proxyPort: port(env, 'SAGA_KAFKA_PROXY_PORT'),
      heapMb: int(env, 'SAGA_KAFKA_HEAP_MB', 256),
    },
    jaeger: {
      otlpGrpcPort: port(env, 'SAGA_JAEGER_OTLP_GRPC_PORT'),
      otlpHttpPort: port(env, 'SAGA_JAEGER_OTLP_HTTP_PORT'),
      uiPort: port(env, 'SAGA_JAEGER_UI_PORT'),
      queryGrpcPort: port(env, 'SAGA_JAEGER_QUERY_GRPC_PORT'),
      metricsPort: port(env, 'SAGA_JAEGER_METRICS_PORT'),
      prometheusPort: port(env, 'SAGA_JAEGER_PROMETHEUS_PORT'),
    },
    toxiproxy: { port: port(env, 'SAGA_TOXIPROXY_PORT') },
    gateway: { port: port(env, 'SAGA_GATEWAY_PORT') },
    services: {
      order: servicePorts(env, 'order'),
      inventory: servicePorts(env, 'inventory'),
      payment: servicePorts(env, 'payment'),
      shipping: servicePorts(env, 'shipping'),
    },
    runServices: serviceList(env),
    messageSpanRelation: oneOf(env, 'SAGA_MESSAGE_SPAN_RELATION', ['child', 'link'] as const),
  };

  const seen = new Map<string, number>();
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    if (spec.kind !== 'port') continue;
    const value = raw(env, name as EnvVarName);
    const other = [...seen.entries()].find(([, v]) => String(v) === value);
    if (other) throw new ConfigError(name, `port ${value} is already used by ${other[0]}`);
    seen.set(name, Number(value));
  }
  return deepFreeze(settings);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A toxiproxy proxy: one per network edge, named after what it fronts (an infrastructure
 * component, or a service's gRPC server).
 */
export type ProxySpec = {
  readonly name: 'postgres' | 'redis' | 'kafka' | ServiceName;
  readonly listen: { readonly host: string; readonly port: number };
  readonly upstream: { readonly host: string; readonly port: number };
  /** The variable that sets the listen port, for error messages. */
  readonly variable: EnvVarName;
};

/**
 * The proxies the stack creates, one per edge. Clients use the `listen` side; tests put toxics
 * on a proxy by name.
 */
export function proxySpecs(s: StackSettings): readonly ProxySpec[] {
  return [
    {
      name: 'postgres',
      listen: { host: s.host, port: s.postgres.proxyPort },
      upstream: { host: s.host, port: s.postgres.port },
      variable: 'SAGA_POSTGRES_PROXY_PORT',
    },
    {
      name: 'redis',
      listen: { host: s.host, port: s.redis.proxyPort },
      upstream: { host: s.host, port: s.redis.port },
      variable: 'SAGA_REDIS_PROXY_PORT',
    },
    {
      name: 'kafka',
      listen: { host: s.host, port: s.kafka.proxyPort },
      upstream: { host: s.host, port: s.kafka.port },
      variable: 'SAGA_KAFKA_PROXY_PORT',
    },
    ...SERVICES.map(
      (name): ProxySpec => ({
        name,
        listen: { host: s.host, port: s.services[name].grpcProxyPort },
        upstream: { host: s.host, port: s.services[name].grpcPort },
        variable: `SAGA_${name.toUpperCase()}_GRPC_PROXY_PORT` as EnvVarName,
      }),
    ),
  ];
}

/**
 * Where clients connect. Every data-plane address goes through a toxiproxy proxy (service to
 * service too); OTLP, the Jaeger API and the gateway's public API are not proxied.
 */
export type ClientEndpoints = {
  /** `postgres://` URL of a service's database, through the `postgres` proxy. */
  readonly postgresUrl: (service: ServiceName) => string;
  /** `postgres://` URL of the superuser's `postgres` database, through the proxy. */
  readonly postgresAdminUrl: string;
  readonly redis: { readonly host: string; readonly port: number };
  /** Kafka bootstrap addresses (the proxy). */
  readonly kafkaBrokers: readonly string[];
  /** OTLP/HTTP base URL (append `/v1/traces`). */
  readonly otlpHttpUrl: string;
  /** OTLP/gRPC address. */
  readonly otlpGrpcUrl: string;
  /** Jaeger query API and UI. */
  readonly jaegerUrl: string;
  /** Prometheus scrape URL of the metrics the services push to the collector over OTLP. */
  readonly collectorMetricsUrl: string;
  /** Toxiproxy HTTP API. */
  readonly toxiproxyUrl: string;
  /** The gateway's public HTTP API (`/docs` for the OpenAPI UI, `/openapi.json`). */
  readonly gatewayUrl: string;
  /** `host:port` of a service's gRPC server, through its toxiproxy proxy. */
  readonly grpcAddress: (service: ServiceName) => string;
};

/** Derives client-side addresses from settings. */
export function clientEndpoints(s: StackSettings): ClientEndpoints {
  const h = s.host;
  const pgUrl = (user: string, password: string, db: string) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${h}:${s.postgres.proxyPort}/${db}`;
  return {
    postgresUrl: (service) => {
      const db = s.postgres.databases.find((d) => d.service === service);
      if (!db) throw new Error(`unknown service ${service}`);
      return pgUrl(db.user, db.password, db.database);
    },
    postgresAdminUrl: pgUrl(s.postgres.user, s.postgres.password, 'postgres'),
    redis: { host: h, port: s.redis.proxyPort },
    kafkaBrokers: [`${h}:${s.kafka.proxyPort}`],
    otlpHttpUrl: `http://${h}:${s.jaeger.otlpHttpPort}`,
    otlpGrpcUrl: `http://${h}:${s.jaeger.otlpGrpcPort}`,
    jaegerUrl: `http://${h}:${s.jaeger.uiPort}`,
    collectorMetricsUrl: `http://${h}:${s.jaeger.prometheusPort}/metrics`,
    toxiproxyUrl: `http://${h}:${s.toxiproxy.port}`,
    gatewayUrl: `http://${h}:${s.gateway.port}`,
    grpcAddress: (service) => {
      const ports = s.services[service];
      if (!ports) throw new Error(`unknown service ${service}`);
      return `${h}:${ports.grpcProxyPort}`;
    },
  };
}

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

/** An infrastructure component a service process connects to. */
export type InfrastructureTarget = 'postgres' | 'redis' | 'kafka';

/**
 * Which infrastructure each service process connects to: every bounded context to its own
 * database and to Kafka, the gateway to Redis (Idempotency-Keys) only.
 */
export const INFRA_USES: {
  readonly [P in ServiceProcessName]: readonly InfrastructureTarget[];
} = {
  inventory: ['postgres', 'kafka'],
  payment: ['postgres', 'kafka'],
  shipping: ['postgres', 'kafka'],
  order: ['postgres', 'kafka'],
  gateway: ['redis'],
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

/**
 * A service's database: name, owning role and that role's password, and a role that may only
 * read it (SELECT on every table, present and future), for tools such as the invariant checker.
 */
export type ServiceDatabase = {
  readonly service: ServiceName;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly readOnlyUser: string;
  readonly readOnlyPassword: string;
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
    /** First of the per-service client listeners (`ORDER` on base+1, …): {@link kafkaListeners}. */
    readonly edgePortBase: number;
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
  readonly toxiproxy: {
    readonly port: number;
    /** First port of the per-edge proxies' block: {@link edgeSpecs}. */
    readonly edgePortBase: number;
  };
  readonly gateway: { readonly port: number };
  readonly services: { readonly [S in ServiceName]: ServicePorts };
  /** The services the native stack runs after the infrastructure (SAGA_SERVICES), in start order. */
  readonly runServices: readonly ServiceProcessName[];
  /** A consumed message's span: child of the sender's, or linked (SAGA_MESSAGE_SPAN_RELATION). */
  readonly messageSpanRelation: 'child' | 'link';
  /** Whether the services serve `/chaos/rpc-faults` (SAGA_CHAOS_ENDPOINTS). */
  readonly chaosEndpoints: 'on' | 'off';
  /** The gateway's and the order service's gRPC retry budget (SAGA_RPC_RETRY_BUDGET). */
  readonly rpcRetryBudget: 'on' | 'off';
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
        readOnlyUser: `saga_${service}_ro`,
        readOnlyPassword: raw(
          env,
          `SAGA_${service.toUpperCase()}_DB_READONLY_PASSWORD` as EnvVarName,
        ),
      })),
    },
    redis: { port: port(env, 'SAGA_REDIS_PORT'), proxyPort: port(env, 'SAGA_REDIS_PROXY_PORT') },
    kafka: {
      port: port(env, 'SAGA_KAFKA_PORT'),
      controllerPort: port(env, 'SAGA_KAFKA_CONTROLLER_PORT'),
      internalPort: port(env, 'SAGA_KAFKA_INTERNAL_PORT'),
      proxyPort: port(env, 'SAGA_KAFKA_PROXY_PORT'),
      edgePortBase: port(env, 'SAGA_KAFKA_EDGE_PORT_BASE'),
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
    toxiproxy: {
      port: port(env, 'SAGA_TOXIPROXY_PORT'),
      edgePortBase: port(env, 'SAGA_EDGE_PROXY_PORT_BASE'),
    },
    gateway: { port: port(env, 'SAGA_GATEWAY_PORT') },
    services: {
      order: servicePorts(env, 'order'),
      inventory: servicePorts(env, 'inventory'),
      payment: servicePorts(env, 'payment'),
      shipping: servicePorts(env, 'shipping'),
    },
    runServices: serviceList(env),
    messageSpanRelation: oneOf(env, 'SAGA_MESSAGE_SPAN_RELATION', ['child', 'link'] as const),
    chaosEndpoints: oneOf(env, 'SAGA_CHAOS_ENDPOINTS', ['on', 'off'] as const),
    rpcRetryBudget: oneOf(env, 'SAGA_RPC_RETRY_BUDGET', ['on', 'off'] as const),
  };

  const seen = new Map<string, number>();
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    if (spec.kind !== 'port') continue;
    const value = raw(env, name as EnvVarName);
    const other = [...seen.entries()].find(([, v]) => String(v) === value);
    if (other) throw new ConfigError(name, `port ${value} is already used by ${other[0]}`);
    seen.set(name, Number(value));
  }
  // The ports derived from the two bases must be free too: of each other and of every port
  // variable. A base itself is never listened on (offsets start at 1), so it is not in the way.
  const bases: readonly EnvVarName[] = ['SAGA_EDGE_PROXY_PORT_BASE', 'SAGA_KAFKA_EDGE_PORT_BASE'];
  const taken = new Map(
    [...seen.entries()]
      .filter(([name]) => !bases.includes(name as EnvVarName))
      .map(([n, p]) => [p, n]),
  );
  const derived = [
    ...edgeSpecs(settings).map((e) => ({
      port: e.listen.port,
      what: `edge ${e.name}`,
      variable: 'SAGA_EDGE_PROXY_PORT_BASE',
    })),
    ...kafkaListeners(settings).map((l) => ({
      port: l.port,
      what: `Kafka listener ${l.name}`,
      variable: 'SAGA_KAFKA_EDGE_PORT_BASE',
    })),
  ];
  for (const d of derived) {
    if (d.port > 65535) {
      throw new ConfigError(d.variable, `puts the ${d.what} on port ${d.port}, above 65535`);
    }
    const other = taken.get(d.port);
    if (other) {
      throw new ConfigError(
        d.variable,
        `puts the ${d.what} on port ${d.port}, already used by ${other}`,
      );
    }
    taken.set(d.port, `the ${d.what}`);
  }
  return deepFreeze(settings);
}

/**
 * SQL that lets a service database's read-only role read it, and nothing more: CONNECT on the
 * database, USAGE on schema `public`, SELECT on every table there, and the same SELECT on tables
 * the owning role creates later (its migrations). Idempotent. Run by the superuser while
 * connected to that database; the role itself must exist.
 */
export function readOnlyGrantsSql(db: ServiceDatabase): readonly string[] {
  const ro = db.readOnlyUser;
  return [
    `grant connect on database ${db.database} to ${ro}`,
    `grant usage on schema public to ${ro}`,
    `grant select on all tables in schema public to ${ro}`,
    `alter default privileges for role ${db.user} in schema public grant select on tables to ${ro}`,
  ];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** What an edge's caller reaches: an infrastructure component, or a service's gRPC server. */
export type EdgeTarget = InfrastructureTarget | ServiceName;
/** An edge's kind: the infrastructure component it reaches, or `grpc` for a service's server. */
export type EdgeKind = InfrastructureTarget | 'grpc';

/**
 * One network edge of a service process: a caller, what it reaches, and the toxiproxy proxy
 * between them, named `<from>-><to>` (`payment->postgres`, `gateway->order`). Cutting or slowing
 * that proxy affects that caller's connections to that target and nothing else.
 */
export type EdgeSpec = {
  /** `<from>-><to>`; also the toxiproxy proxy's name (URL-encode it in API paths). */
  readonly name: `${ServiceProcessName}->${EdgeTarget}`;
  readonly from: ServiceProcessName;
  readonly to: EdgeTarget;
  readonly kind: EdgeKind;
  /** The proxy's address: what the caller is given. */
  readonly listen: { readonly host: string; readonly port: number };
  /** The server behind the proxy (for `kafka`, the broker's listener of that service). */
  readonly upstream: { readonly host: string; readonly port: number };
};

/** Index of a service process in port numbering: order 1, inventory 2, payment 3, shipping 4, gateway 5. */
const PORT_INDEX: { readonly [P in ServiceProcessName]: number } = {
  order: 1,
  inventory: 2,
  payment: 3,
  shipping: 4,
  gateway: 5,
};

/** Tens digit of an infrastructure edge's offset from SAGA_EDGE_PROXY_PORT_BASE. */
const INFRA_BLOCK: { readonly [T in InfrastructureTarget]: number } = {
  postgres: 0,
  redis: 1,
  kafka: 2,
};

/** Tens digit of a gRPC edge's offset, by caller: 3x for the gateway's calls, 4x for order's. */
const GRPC_BLOCK: { readonly [P in ServiceProcessName]?: number } = { gateway: 3, order: 4 };

/**
 * An edge's fixed offset from SAGA_EDGE_PROXY_PORT_BASE. Tens digit: the block (0x postgres,
 * 1x redis, 2x kafka, 3x gRPC from the gateway, 4x gRPC from order); ones digit: the caller
 * (infrastructure edges) or the callee (gRPC edges), numbered order 1, inventory 2, payment 3,
 * shipping 4, gateway 5. So `payment->postgres` is base+3 and `gateway->order` base+31, whatever
 * else changes; a new edge takes a new slot and never moves an existing one.
 */
export function edgePortOffset(from: ServiceProcessName, to: EdgeTarget): number {
  if (to === 'postgres' || to === 'redis' || to === 'kafka') {
    return INFRA_BLOCK[to] * 10 + PORT_INDEX[from];
  }
  const block = GRPC_BLOCK[from];
  if (block === undefined)
    throw new Error(`${from} makes no gRPC calls, so it has no edge to ${to}`);
  return block * 10 + PORT_INDEX[to];
}

/** The edge names, in the order {@link edgeSpecs} lists them (infrastructure, then gRPC). */
function edgePairs(): { from: ServiceProcessName; to: EdgeTarget; kind: EdgeKind }[] {
  const infra = (['postgres', 'redis', 'kafka'] as const).flatMap((to) =>
    SERVICE_PROCESSES.filter((from) => INFRA_USES[from].includes(to))
      .sort((a, b) => PORT_INDEX[a] - PORT_INDEX[b])
      .map((from) => ({ from, to, kind: to as EdgeKind })),
  );
  const grpc = (['gateway', 'order'] as const).flatMap((from) =>
    [...GRPC_CALLS[from]]
      .sort((a, b) => PORT_INDEX[a] - PORT_INDEX[b])
      .map((to) => ({ from, to: to as EdgeTarget, kind: 'grpc' as EdgeKind })),
  );
  return [...infra, ...grpc];
}

/**
 * A broker listener of one service: the service's Kafka edge proxy is in front of it, and it
 * advertises that proxy, so after the bootstrap the service's connections stay on its own edge.
 */
export type KafkaListener = {
  /** The listener name in server.properties: the service's name in capitals (`PAYMENT`). */
  readonly name: string;
  readonly service: ServiceName;
  /** The broker's port for it: SAGA_KAFKA_EDGE_PORT_BASE + the service's index (order 1, …). */
  readonly port: number;
};

/** The broker's per-service client listeners, one per service that uses Kafka. */
export function kafkaListeners(s: StackSettings): readonly KafkaListener[] {
  return SERVICES.filter((service) => INFRA_USES[service].includes('kafka')).map((service) => ({
    name: service.toUpperCase(),
    service,
    port: s.kafka.edgePortBase + PORT_INDEX[service],
  }));
}

function upstreamPort(s: StackSettings, from: ServiceProcessName, to: EdgeTarget): number {
  switch (to) {
    case 'postgres':
      return s.postgres.port;
    case 'redis':
      return s.redis.port;
    case 'kafka': {
      const listener = kafkaListeners(s).find((l) => l.service === from);
      if (!listener) throw new Error(`${from} has no Kafka listener`);
      return listener.port;
    }
    default:
      return s.services[to].grpcPort;
  }
}

/**
 * Every edge a service process uses, one toxiproxy proxy each: each bounded context to its
 * database and to Kafka, the gateway to Redis, and each gRPC caller to each callee
 * ({@link GRPC_CALLS}). Chaos tooling enumerates edges here; `pnpm stack edges` prints them.
 */
export function edgeSpecs(s: StackSettings): readonly EdgeSpec[] {
  return edgePairs().map(({ from, to, kind }) => ({
    name: `${from}->${to}` as const,
    from,
    to,
    kind,
    listen: { host: s.host, port: s.toxiproxy.edgePortBase + edgePortOffset(from, to) },
    upstream: { host: s.host, port: upstreamPort(s, from, to) },
  }));
}

/**
 * The edge from `from` to `to`.
 * @throws Error when `from` does not use `to` (no such edge).
 */
export function edgeSpec(s: StackSettings, from: ServiceProcessName, to: EdgeTarget): EdgeSpec {
  const edge = edgeSpecs(s).find((e) => e.from === from && e.to === to);
  if (!edge) throw new Error(`there is no edge ${from}->${to}: ${from} does not use ${to}`);
  return edge;
}

/**
 * A toxiproxy proxy. The shared ones are named after what they front (`postgres`, `redis`,
 * `kafka`, and each service's gRPC server: `order`, …) and serve tools, tests and admin clients,
 * so cutting a service's edge never blinds them; the others are the services' edges
 * ({@link edgeSpecs}), named `<from>-><to>`.
 */
export type ProxySpec = {
  readonly name: string;
  /** The component behind it (its container's name in docker-compose.yml). */
  readonly target: EdgeTarget;
  readonly listen: { readonly host: string; readonly port: number };
  readonly upstream: { readonly host: string; readonly port: number };
  /** The variable that sets the listen port (for an edge, the base), for error messages. */
  readonly variable: EnvVarName;
  /** The edge it is, or undefined for a shared proxy. */
  readonly edge?: EdgeSpec;
};

/**
 * Every proxy the stack creates: the shared ones, then one per edge. Clients use the `listen`
 * side; tests put toxics on a proxy by name.
 */
export function proxySpecs(s: StackSettings): readonly ProxySpec[] {
  return [
    {
      name: 'postgres',
      target: 'postgres',
      listen: { host: s.host, port: s.postgres.proxyPort },
      upstream: { host: s.host, port: s.postgres.port },
      variable: 'SAGA_POSTGRES_PROXY_PORT',
    },
    {
      name: 'redis',
      target: 'redis',
      listen: { host: s.host, port: s.redis.proxyPort },
      upstream: { host: s.host, port: s.redis.port },
      variable: 'SAGA_REDIS_PROXY_PORT',
    },
    {
      name: 'kafka',
      target: 'kafka',
      listen: { host: s.host, port: s.kafka.proxyPort },
      upstream: { host: s.host, port: s.kafka.port },
      variable: 'SAGA_KAFKA_PROXY_PORT',
    },
    ...SERVICES.map(
      (name): ProxySpec => ({
        name,
        target: name,
        listen: { host: s.host, port: s.services[name].grpcProxyPort },
        upstream: { host: s.host, port: s.services[name].grpcPort },
        variable: `SAGA_${name.toUpperCase()}_GRPC_PROXY_PORT` as EnvVarName,
      }),
    ),
    ...edgeSpecs(s).map(
      (edge): ProxySpec => ({
        name: edge.name,
        target: edge.to,
        listen: edge.listen,
        upstream: edge.upstream,
        variable: 'SAGA_EDGE_PROXY_PORT_BASE',
        edge,
      }),
    ),
  ];
}

/**
 * Where clients connect. Every data-plane address goes through a toxiproxy proxy: tools, tests
 * and admin clients use the shared proxies (`postgresUrl`, `kafkaBrokers`, …), service processes
 * their own edges (`serviceEdges`). OTLP, the Jaeger API and the gateway's public API are not
 * proxied.
 */
export type ClientEndpoints = {
  /** `postgres://` URL of a service's database, through the `postgres` proxy. */
  readonly postgresUrl: (service: ServiceName) => string;
  /** `postgres://` URL of a service's database as its read-only role, through the `postgres` proxy. */
  readonly postgresReadOnlyUrl: (service: ServiceName) => string;
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
  /** `host:port` of a service's gRPC server, through its shared toxiproxy proxy (tools, tests). */
  readonly grpcAddress: (service: ServiceName) => string;
  /**
   * Addresses of one service process, each through its own edge (`<from>-><to>`): what the
   * stack gives the process. Throws for a target the process does not use.
   */
  readonly serviceEdges: (from: ServiceProcessName) => ServiceEdgeEndpoints;
};

/** A service process's addresses, each through its own edge proxy. */
export type ServiceEdgeEndpoints = {
  /** `postgres://` URL of its own database, through `<service>->postgres`. */
  readonly postgresUrl: () => string;
  /** Kafka bootstrap addresses, through `<service>->kafka`. */
  readonly kafkaBrokers: () => readonly string[];
  /** `redis://` URL, through `<from>->redis`. */
  readonly redisUrl: () => string;
  /** `host:port` of a callee's gRPC server, through `<from>-><callee>`. */
  readonly grpcAddress: (to: ServiceName) => string;
};

/** Derives client-side addresses from settings. */
export function clientEndpoints(s: StackSettings): ClientEndpoints {
  const h = s.host;
  const pgUrl = (user: string, password: string, db: string, port = s.postgres.proxyPort) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${h}:${port}/${db}`;
  const serviceDb = (service: ServiceName) => {
    const db = s.postgres.databases.find((d) => d.service === service);
    if (!db) throw new Error(`unknown service ${service}`);
    return db;
  };
  const edgeAddress = (from: ServiceProcessName, to: EdgeTarget) => {
    const { listen } = edgeSpec(s, from, to);
    return `${listen.host}:${listen.port}`;
  };
  return {
    postgresUrl: (service) => {
      const db = serviceDb(service);
      return pgUrl(db.user, db.password, db.database);
    },
    postgresReadOnlyUrl: (service) => {
      const db = s.postgres.databases.find((d) => d.service === service);
      if (!db) throw new Error(`unknown service ${service}`);
      return pgUrl(db.readOnlyUser, db.readOnlyPassword, db.database);
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
    serviceEdges: (from) => ({
      postgresUrl: () => {
        if (from === 'gateway') throw new Error('the gateway has no database');
        const db = serviceDb(from);
        return pgUrl(db.user, db.password, db.database, edgeSpec(s, from, 'postgres').listen.port);
      },
      kafkaBrokers: () => [edgeAddress(from, 'kafka')],
      redisUrl: () => `redis://${edgeAddress(from, 'redis')}`,
      grpcAddress: (to) => edgeAddress(from, to),
    }),
  };
}

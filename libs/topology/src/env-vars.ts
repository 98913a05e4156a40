/**
 * The one documented set of environment variables for the infrastructure, with their defaults.
 *
 * Both modes read these names: the native stack (infra/local) and docker-compose.yml (generated
 * from this file). docs/configuration.md is generated from it too, so a variable cannot exist in
 * one place and be missing from another without a test failing.
 *
 * Default ports sit below the kernel's ephemeral range (32768-60999) and away from the standard
 * ports of a system Postgres (5432) or Redis (6379), so the stack can run beside them.
 */
export type EnvVarSpec = {
  /** Default value, used when the variable is unset or empty. */
  readonly default: string;
  /** Which part of the stack it configures; groups the docs table. */
  readonly group: 'general' | 'postgres' | 'redis' | 'kafka' | 'jaeger' | 'toxiproxy' | 'services';
  /** `port` values are validated as TCP ports; `text` values as non-empty strings. */
  readonly kind: 'port' | 'text' | 'int';
  /** One sentence for the docs table. */
  readonly description: string;
};

/** Every environment variable the stack reads, keyed by name. */
export const ENV_VARS = {
  SAGA_HOST: {
    default: '127.0.0.1',
    group: 'general',
    kind: 'text',
    description:
      'Address every native component binds to and every client connects to (loopback by default).',
  },
  SAGA_STACK_DIR: {
    default: '.stack',
    group: 'general',
    kind: 'text',
    description:
      'Project-local folder (relative to the repository root, or absolute) holding data, logs and pid files of the native stack. Ignored by git; `reset` empties it.',
  },
  SAGA_CACHE_DIR: {
    default: '~/.cache/saga-platform',
    group: 'general',
    kind: 'text',
    description:
      'Where installed toolchains are cached (Node 24, pnpm, Kafka jars, Jaeger and Toxiproxy binaries), shared by every clone on the machine.',
  },
  SAGA_POSTGRES_PORT: {
    default: '15432',
    group: 'postgres',
    kind: 'port',
    description: 'Port the PostgreSQL server itself listens on.',
  },
  SAGA_POSTGRES_PROXY_PORT: {
    default: '25432',
    group: 'postgres',
    kind: 'port',
    description:
      'Port of the shared `postgres` toxiproxy proxy, for tools, tests and admin clients; each service uses its own `<service>->postgres` edge.',
  },
  SAGA_POSTGRES_USER: {
    default: 'saga',
    group: 'postgres',
    kind: 'text',
    description: 'Superuser created by initdb; used only to provision the service databases.',
  },
  SAGA_POSTGRES_PASSWORD: {
    default: 'saga',
    group: 'postgres',
    kind: 'text',
    description: 'Password of the superuser (local development default).',
  },
  SAGA_ORDER_DB_PASSWORD: {
    default: 'saga_order',
    group: 'postgres',
    kind: 'text',
    description: 'Password of role `saga_order`, owner of database `saga_order`.',
  },
  SAGA_INVENTORY_DB_PASSWORD: {
    default: 'saga_inventory',
    group: 'postgres',
    kind: 'text',
    description: 'Password of role `saga_inventory`, owner of database `saga_inventory`.',
  },
  SAGA_PAYMENT_DB_PASSWORD: {
    default: 'saga_payment',
    group: 'postgres',
    kind: 'text',
    description: 'Password of role `saga_payment`, owner of database `saga_payment`.',
  },
  SAGA_SHIPPING_DB_PASSWORD: {
    default: 'saga_shipping',
    group: 'postgres',
    kind: 'text',
    description: 'Password of role `saga_shipping`, owner of database `saga_shipping`.',
  },
  SAGA_ORDER_DB_READONLY_PASSWORD: {
    default: 'saga_order_ro',
    group: 'postgres',
    kind: 'text',
    description:
      'Password of role `saga_order_ro`, which may only read database `saga_order` (the invariant checker, tools/invariants).',
  },
  SAGA_INVENTORY_DB_READONLY_PASSWORD: {
    default: 'saga_inventory_ro',
    group: 'postgres',
    kind: 'text',
    description:
      'Password of role `saga_inventory_ro`, which may only read database `saga_inventory` (the invariant checker, tools/invariants).',
  },
  SAGA_PAYMENT_DB_READONLY_PASSWORD: {
    default: 'saga_payment_ro',
    group: 'postgres',
    kind: 'text',
    description:
      'Password of role `saga_payment_ro`, which may only read database `saga_payment` (the invariant checker, tools/invariants).',
  },
  SAGA_SHIPPING_DB_READONLY_PASSWORD: {
    default: 'saga_shipping_ro',
    group: 'postgres',
    kind: 'text',
    description:
      'Password of role `saga_shipping_ro`, which may only read database `saga_shipping` (the invariant checker, tools/invariants).',
  },
  SAGA_REDIS_PORT: {
    default: '16379',
    group: 'redis',
    kind: 'port',
    description: 'Port the Redis server itself listens on.',
  },
  SAGA_REDIS_PROXY_PORT: {
    default: '26379',
    group: 'redis',
    kind: 'port',
    description:
      'Port of the shared `redis` toxiproxy proxy, for tools and tests; the gateway uses its own `gateway->redis` edge.',
  },
  SAGA_KAFKA_PORT: {
    default: '19092',
    group: 'kafka',
    kind: 'port',
    description:
      'Port of the broker listener for tools and tests (`CLIENT`). The broker advertises the shared `kafka` proxy for it, so those clients always end up going through toxiproxy.',
  },
  SAGA_KAFKA_CONTROLLER_PORT: {
    default: '19093',
    group: 'kafka',
    kind: 'port',
    description: 'Port of the KRaft controller listener.',
  },
  SAGA_KAFKA_INTERNAL_PORT: {
    default: '19094',
    group: 'kafka',
    kind: 'port',
    description:
      'Port of the inter-broker listener (not proxied, so a toxic on the client edge does not break the broker itself).',
  },
  SAGA_KAFKA_PROXY_PORT: {
    default: '29092',
    group: 'kafka',
    kind: 'port',
    description:
      'Port of the shared `kafka` toxiproxy proxy: bootstrap address for tools and tests, advertised by the `CLIENT` listener. Services use their own `<service>->kafka` edges.',
  },
  SAGA_KAFKA_EDGE_PORT_BASE: {
    default: '19100',
    group: 'kafka',
    kind: 'port',
    description:
      'First of the broker\'s per-service client listeners: `ORDER` on base+1, `INVENTORY` +2, `PAYMENT` +3, `SHIPPING` +4. Each advertises its service\'s own `<service>->kafka` edge proxy, so a service stays on its edge after the bootstrap (docs/native-stack.md, "Edges").',
  },
  SAGA_KAFKA_HEAP_MB: {
    default: '768',
    group: 'kafka',
    kind: 'int',
    description: 'Maximum JVM heap of the native Kafka broker, in MiB.',
  },
  SAGA_JAEGER_OTLP_GRPC_PORT: {
    default: '4317',
    group: 'jaeger',
    kind: 'port',
    description: 'Jaeger OTLP/gRPC receiver.',
  },
  SAGA_JAEGER_OTLP_HTTP_PORT: {
    default: '4318',
    group: 'jaeger',
    kind: 'port',
    description: 'Jaeger OTLP/HTTP receiver (`/v1/traces`).',
  },
  SAGA_JAEGER_UI_PORT: {
    default: '16686',
    group: 'jaeger',
    kind: 'port',
    description: 'Jaeger query HTTP API (`/api/traces`) and UI.',
  },
  SAGA_JAEGER_QUERY_GRPC_PORT: {
    default: '16685',
    group: 'jaeger',
    kind: 'port',
    description: 'Jaeger query gRPC API.',
  },
  SAGA_JAEGER_METRICS_PORT: {
    default: '18888',
    group: 'jaeger',
    kind: 'port',
    description: "Jaeger's own Prometheus metrics.",
  },
  SAGA_JAEGER_PROMETHEUS_PORT: {
    default: '18889',
    group: 'jaeger',
    kind: 'port',
    description:
      "Prometheus endpoint (`/metrics`) of the services' metrics received over OTLP (`/v1/metrics`), labelled `job=<service>`.",
  },
  SAGA_TOXIPROXY_PORT: {
    default: '8474',
    group: 'toxiproxy',
    kind: 'port',
    description: 'Toxiproxy HTTP API (create proxies, add and remove toxics).',
  },
  SAGA_EDGE_PROXY_PORT_BASE: {
    default: '25200',
    group: 'toxiproxy',
    kind: 'port',
    description:
      'First port of the block of 50 the per-edge toxiproxy proxies (`payment->postgres`, `gateway->order`, …) listen on; each edge has a fixed offset from it (docs/native-stack.md, "Edges").',
  },
  SAGA_SERVICES: {
    default: 'all',
    group: 'services',
    kind: 'text',
    description:
      'Which services the native stack runs after the infrastructure (`up`, `status`, `with`): `all`, `none` (infrastructure only, like `--infra-only`), or a comma-separated list such as `inventory,payment`.',
  },
  SAGA_MESSAGE_SPAN_RELATION: {
    default: 'child',
    group: 'services',
    kind: 'text',
    description:
      "How a service's span of a consumed Kafka message relates to the span that sent it: `child` (one trace per order, from the gateway to every participant) or `link` (a new trace per message, linked to the sender's). See docs/patterns/telemetry.md.",
  },
  SAGA_CHAOS_ENDPOINTS: {
    default: 'on',
    group: 'services',
    kind: 'text',
    description:
      "`on` or `off`: each bounded-context service serves `PUT|DELETE /chaos/rpc-faults` on its health port, to loopback clients only, which makes its gRPC server answer an error status to a share of a method's calls (local chaos, docs/chaos.md). Passed to the services as `CHAOS_ENDPOINTS`.",
  },
  SAGA_RPC_RETRY_BUDGET: {
    default: 'on',
    group: 'services',
    kind: 'text',
    description:
      "`on` or `off`: the retry budget of the gateway's and the order service's gRPC clients. `off` lets every retryable failure be retried up to 3 attempts, only to show a retry storm (docs/chaos.md, `retry-storm`). Passed to them as `RPC_RETRY_BUDGET`.",
  },
  SAGA_GATEWAY_PORT: {
    default: '18080',
    group: 'services',
    kind: 'port',
    description:
      "Port of the gateway's public HTTP API (also `/docs`, `/openapi.json`, `/livez`, `/readyz`).",
  },
  SAGA_ORDER_GRPC_PORT: {
    default: '15101',
    group: 'services',
    kind: 'port',
    description: "Port of the order service's own gRPC server.",
  },
  SAGA_ORDER_GRPC_PROXY_PORT: {
    default: '25101',
    group: 'services',
    kind: 'port',
    description:
      'Port of the shared `order` toxiproxy proxy in front of that gRPC server, for tools and tests; services call order through their own `<caller>->order` edges.',
  },
  SAGA_ORDER_HEALTH_PORT: {
    default: '15111',
    group: 'services',
    kind: 'port',
    description: "Port of the order service's HTTP `/livez` and `/readyz`.",
  },
  SAGA_INVENTORY_GRPC_PORT: {
    default: '15102',
    group: 'services',
    kind: 'port',
    description: "Port of the inventory service's own gRPC server.",
  },
  SAGA_INVENTORY_GRPC_PROXY_PORT: {
    default: '25102',
    group: 'services',
    kind: 'port',
    description:
      'Port of the shared `inventory` toxiproxy proxy in front of that gRPC server, for tools and tests; services call inventory through their own `<caller>->inventory` edges.',
  },
  SAGA_INVENTORY_HEALTH_PORT: {
    default: '15112',
    group: 'services',
    kind: 'port',
    description: "Port of the inventory service's HTTP `/livez` and `/readyz`.",
  },
  SAGA_PAYMENT_GRPC_PORT: {
    default: '15103',
    group: 'services',
    kind: 'port',
    description: "Port of the payment service's own gRPC server.",
  },
  SAGA_PAYMENT_GRPC_PROXY_PORT: {
    default: '25103',
    group: 'services',
    kind: 'port',
    description:
      'Port of the shared `payment` toxiproxy proxy in front of that gRPC server, for tools and tests; services call payment through their own `<caller>->payment` edges.',
  },
  SAGA_PAYMENT_HEALTH_PORT: {
    default: '15113',
    group: 'services',
    kind: 'port',
    description: "Port of the payment service's HTTP `/livez` and `/readyz`.",
  },
  SAGA_SHIPPING_GRPC_PORT: {
    default: '15104',
    group: 'services',
    kind: 'port',
    description: "Port of the shipping service's own gRPC server.",
  },
  SAGA_SHIPPING_GRPC_PROXY_PORT: {
    default: '25104',
    group: 'services',
    kind: 'port',
    description:
      'Port of the shared `shipping` toxiproxy proxy in front of that gRPC server, for tools and tests; services call shipping through their own `<caller>->shipping` edges.',
  },
  SAGA_SHIPPING_HEALTH_PORT: {
    default: '15114',
    group: 'services',
    kind: 'port',
    description: "Port of the shipping service's HTTP `/livez` and `/readyz`.",
  },
} as const satisfies Record<string, EnvVarSpec>;

/** Name of a variable the stack reads. */
export type EnvVarName = keyof typeof ENV_VARS;

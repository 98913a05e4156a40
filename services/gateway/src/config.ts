import { type Static, Type } from '@sinclair/typebox';

const grpcAddress = (service: string) =>
  Type.String({
    pattern: '^[^\\s:/]+:[0-9]{1,5}$',
    description: `host:port of the ${service} service's gRPC server (its toxiproxy proxy).`,
  });

/**
 * The gateway's environment (services/README.md, "Process contract"), parsed once by
 * `loadConfigOrExit` in main.ts and passed down frozen. The tuning variables are optional.
 */
export const configSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'Address to bind.' }),
  HTTP_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    description: 'Public HTTP API; also serves /livez and /readyz.',
  }),
  PUBLIC_URL: Type.String({
    pattern: '^https?://[^\\s]+$',
    description: 'Base URL clients use (the OpenAPI `servers` entry).',
  }),
  REDIS_URL: Type.String({
    pattern: '^rediss?://[^\\s]+$',
    description: 'Idempotency-Key store (through its proxy).',
  }),
  ORDER_GRPC_ADDR: grpcAddress('order'),
  INVENTORY_GRPC_ADDR: grpcAddress('inventory'),
  PAYMENT_GRPC_ADDR: grpcAddress('payment'),
  SHIPPING_GRPC_ADDR: grpcAddress('shipping'),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  GRPC_READ_DEADLINE_MS: Type.Integer({
    minimum: 1,
    default: 2_000,
    description: 'Deadline of a read (Get*, List*), retries included.',
  }),
  GRPC_WRITE_DEADLINE_MS: Type.Integer({
    minimum: 1,
    default: 5_000,
    description: 'Deadline of a write (CreateOrder, CancelOrder, Create*), retries included.',
  }),
  GRPC_BREAKER_HALF_OPEN_MS: Type.Integer({
    minimum: 1,
    default: 5_000,
    description: 'How long an open circuit breaker refuses calls before letting a probe through.',
  }),
  RPC_RETRY_BUDGET: Type.Optional(
    Type.Union([Type.Literal('on'), Type.Literal('off')], {
      default: 'on',
      description:
        "`off` removes the retry budget of the gateway's gRPC clients, so every retryable failure is retried up to 3 attempts: only to show a retry storm (docs/chaos.md).",
    }),
  ),
  JAEGER_UI_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+[^/\\s]$',
      description:
        "Base URL of Jaeger's UI as a browser reaches it (no trailing slash); the timeline page links each order's trace to `<JAEGER_UI_URL>/trace/<traceId>`. Without it, no link.",
    }),
  ),
  ORDER_EVENTS_POLL_MS: Type.Integer({
    minimum: 50,
    default: 300,
    description:
      'How often an order event stream (`GET /v1/orders/{id}/events`) reads the order while the saga runs.',
  }),
  ORDER_EVENTS_MAX_STREAMS: Type.Integer({
    minimum: 1,
    default: 32,
    description: 'Order event streams open at once (a bulkhead); one more is answered 503.',
  }),
  ORDER_EVENTS_HEARTBEAT_MS: Type.Integer({
    minimum: 100,
    default: 15_000,
    description: 'Comment line sent on an idle event stream, so proxies keep it open.',
  }),
  HTTP_BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1_024,
    default: 65_536,
    description: 'Largest request body accepted (413 above).',
  }),
});

/** The gateway's parsed configuration. */
export type Config = Static<typeof configSchema>;

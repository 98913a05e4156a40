import { type Static, Type } from '@sinclair/typebox';

/**
 * Environment variables every bounded-context service reads (services/README.md, "Process
 * contract"). A service's own schema spreads these properties and adds its own.
 */
export const HOST_CONFIG = {
  HOST: Type.String({ default: '127.0.0.1', description: 'Address to bind.' }),
  GRPC_PORT: Type.Integer({ minimum: 0, maximum: 65535, description: 'gRPC server port.' }),
  HEALTH_PORT: Type.Integer({ minimum: 0, maximum: 65535, description: '/livez and /readyz.' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', description: 'Own database.' }),
  KAFKA_BROKERS: Type.String({ minLength: 1, description: 'Comma-separated bootstrap list.' }),
  SEED_FIXTURES: Type.Boolean({ default: false, description: 'Load test fixtures at start.' }),
  SAGA_MESSAGE_SPAN_RELATION: Type.Optional(
    Type.Union([Type.Literal('child'), Type.Literal('link')], {
      default: 'child',
      description:
        "A consumed message's span: `child` of the span that sent it (one trace per order), or a new trace with a `link` to it (docs/patterns/telemetry.md).",
    }),
  ),
  CHAOS_ENDPOINTS: Type.Optional(
    Type.Union([Type.Literal('on'), Type.Literal('off')], {
      default: 'off',
      description:
        "Local chaos only: `on` serves `PUT|DELETE /chaos/rpc-faults` on the health port (loopback clients only), which makes the gRPC server answer an error status to a share of a method's calls (docs/chaos.md).",
    }),
  ),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
};

const hostConfigSchema = Type.Object(HOST_CONFIG);
/** The parsed common part of a service's config. */
export type HostConfig = Static<typeof hostConfigSchema>;

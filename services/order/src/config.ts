import { HOST_CONFIG } from '@saga/service-host';
import { type Static, Type } from '@sinclair/typebox';

/** The order service's environment (services/README.md, "Process contract"). */
export const orderConfigSchema = Type.Object({
  ...HOST_CONFIG,
  INVENTORY_GRPC_ADDR: Type.String({ minLength: 3, description: 'inventory gRPC host:port.' }),
  DEFAULT_SAGA_MODE: Type.Union([Type.Literal('choreography'), Type.Literal('orchestration')], {
    default: 'choreography',
    description: 'Saga style of an order that does not choose one.',
  }),
  INVENTORY_DEADLINE_MS: Type.Integer({
    minimum: 50,
    default: 2_000,
    description: 'Deadline of a call to the inventory (pricing an order).',
  }),
  RPC_RETRY_BUDGET: Type.Optional(
    Type.Union([Type.Literal('on'), Type.Literal('off')], {
      default: 'on',
      description:
        '`off` removes the retry budget of the inventory client, so every retryable failure is retried up to 3 attempts: only to show a retry storm (docs/chaos.md).',
    }),
  ),
  SAGA_STEP_DEADLINE_MS: Type.Integer({
    minimum: 100,
    // Above the p99 of a step under the bursts this platform is tested with (200 orders at once
    // on 2 cores queue for seconds): a deadline that fires under mere load rejects good orders.
    default: 30_000,
    description: 'Orchestration: how long a participant may take to answer a step.',
  }),
  SAGA_RETRY_DEADLINE_MS: Type.Integer({
    minimum: 100,
    default: 5_000,
    description: 'Orchestration: first wait for a compensation or finalisation, doubled per retry.',
  }),
  SAGA_MAX_RETRY_DEADLINE_MS: Type.Integer({
    minimum: 100,
    default: 30_000,
    description: 'Orchestration: longest wait between retries.',
  }),
  SAGA_MAX_COMPENSATION_ATTEMPTS: Type.Integer({
    minimum: 1,
    default: 8,
    description: 'Orchestration: compensation attempts before the saga is parked.',
  }),
  SAGA_SWEEP_INTERVAL_MS: Type.Integer({
    minimum: 10,
    default: 250,
    description: 'Orchestration: how often expired step deadlines are looked for.',
  }),
});

/** The order service's parsed config. */
export type OrderConfig = Static<typeof orderConfigSchema>;

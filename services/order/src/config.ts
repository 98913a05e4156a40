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
});

/** The order service's parsed config. */
export type OrderConfig = Static<typeof orderConfigSchema>;

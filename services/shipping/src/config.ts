import { HOST_CONFIG } from '@saga/service-host';
import { type Static, Type } from '@sinclair/typebox';

/** The shipping service's environment (services/README.md, "Process contract"). */
export const shippingConfigSchema = Type.Object({
  ...HOST_CONFIG,
  SHIPPING_SLOW_MS: Type.Integer({
    minimum: 0,
    default: 5_000,
    description:
      'How long scheduling a shipment to the `Slowtown` fixture takes (docs/fixtures.md).',
  }),
});

/** The shipping service's parsed config. */
export type ShippingConfig = Static<typeof shippingConfigSchema>;

import { HOST_CONFIG } from '@saga/service-host';
import { type Static, Type } from '@sinclair/typebox';

/** The payment service's environment variables (services/README.md, "Process contract"). */
export const PAYMENT_CONFIG = Type.Object({
  ...HOST_CONFIG,
  PAYMENT_SLOW_MS: Type.Integer({
    minimum: 0,
    // The wait happens inside the message's transaction, which the database ends after 30 s
    // idle (@saga/db idleInTransactionTimeoutMs).
    maximum: 20_000,
    default: 5_000,
    description: 'How long the cust_slow fixture waits before an authorisation is decided.',
  }),
});

/** The payment service's parsed configuration. */
export type PaymentConfig = Static<typeof PAYMENT_CONFIG>;

import { setTimeout as sleep } from 'node:timers/promises';
import { COMMANDS, EVENTS, TOPICS } from '@saga/contracts';
import { PaymentServiceService } from '@saga/contracts/payment';
import { createServiceHost, on, type ServiceHost } from '@saga/service-host';
import type { Logger } from '@saga/service-kit';
import { createPaymentGrpcHandlers, PAYMENT_SERVICE_NAME } from './adapters/payment.grpc.ts';
import { seedFixtures } from './adapters/seed.ts';
import { createAdminUseCases } from './app/admin.use-cases.ts';
import { createChoreographyHandlers } from './app/choreography.handlers.ts';
import { createOrchestrationHandlers } from './app/orchestration.handlers.ts';
import { createPaymentUseCases } from './app/payment.use-cases.ts';
import type { PaymentConfig } from './config.ts';

/** What the payment service is built from besides its config. */
export type PaymentAppDeps = {
  readonly logger: Logger;
  /** `false` runs without Kafka (component tests deliver messages themselves). Default true. */
  readonly messaging?: boolean;
  /** Waits `ms` (the slow fixture); tests pass one they control. Default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
};

/**
 * The payment service: accounts and payments in its own database, PaymentService over gRPC, and
 * both styles of the checkout saga (docs/checkout-saga.md): the choreography consumer of other
 * contexts' events, and the consumer of the orchestrator's commands, over the same use cases.
 */
export function buildApp(deps: PaymentAppDeps, config: PaymentConfig): ServiceHost {
  const host = createServiceHost({
    service: 'payment',
    config,
    migrationsDir: new URL('../migrations', import.meta.url).pathname,
    logger: deps.logger,
    seed: seedFixtures,
    messaging: deps.messaging ?? true,
  });
  const payments = createPaymentUseCases({
    slowMs: config.PAYMENT_SLOW_MS,
    sleep: deps.sleep ?? ((ms) => sleep(ms)),
  });
  const admin = createAdminUseCases({ pool: host.pool, payments });
  host.rpc.addService(
    PAYMENT_SERVICE_NAME,
    PaymentServiceService,
    createPaymentGrpcHandlers(admin),
  );
  const choreography = createChoreographyHandlers({ payments, logger: deps.logger });
  host.consume({
    name: 'choreography',
    topics: [TOPICS.inventoryEvents, TOPICS.shippingEvents, TOPICS.orderEvents],
    handlers: [
      on(EVENTS.StockReserved, choreography.onStockReserved),
      on(EVENTS.ShipmentRejected, choreography.onShipmentRejected),
      on(EVENTS.OrderCancelled, choreography.onOrderCancelled),
      on(EVENTS.OrderConfirmed, choreography.onOrderConfirmed),
    ],
  });
  const orchestration = createOrchestrationHandlers({ payments });
  // The orchestrator's commands: inbox consumer `payment.commands`, its own Kafka group.
  host.consume({
    name: 'commands',
    topics: [TOPICS.paymentCommands],
    handlers: [
      on(COMMANDS.AuthorizePayment, orchestration.onAuthorizePayment),
      on(COMMANDS.VoidPayment, orchestration.onVoidPayment),
      on(COMMANDS.CapturePayment, orchestration.onCapturePayment),
    ],
  });
  return host;
}

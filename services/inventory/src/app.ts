import { resolve } from 'node:path';
import { COMMANDS, EVENTS, TOPICS } from '@saga/contracts';
import { InventoryServiceService } from '@saga/contracts/inventory';
import { createServiceHost, on, type ServiceHost } from '@saga/service-host';
import type { Logger } from '@saga/service-kit';
import { createInventoryGrpcHandlers } from './adapters/inventory.grpc.ts';
import { seedFixtures } from './adapters/inventory.seed.ts';
import { createChoreographyHandlers } from './app/choreography.handlers.ts';
import { createOrchestrationHandlers } from './app/orchestration.handlers.ts';
import { createProductUseCases } from './app/product.use-cases.ts';
import { reservationUseCases } from './app/reservation.use-cases.ts';
import type { InventoryConfig } from './config.ts';

/** What the inventory service is built from besides its config. */
export type InventoryDeps = {
  readonly logger: Logger;
  /** `false` runs without Kafka (component tests deliver messages by hand). Default true. */
  readonly messaging?: boolean;
};

/**
 * The inventory service, ready to start: the catalogue over gRPC, and the reservations of the
 * checkout saga in both styles: driven by order, payment and shipping events (choreography), or
 * by the order service's commands, answered on their reply topic (orchestration).
 */
export function buildApp(deps: InventoryDeps, config: InventoryConfig): ServiceHost {
  const host = createServiceHost({
    service: 'inventory',
    config,
    migrationsDir: resolve(import.meta.dirname, '../migrations'),
    logger: deps.logger,
    seed: seedFixtures,
    messaging: deps.messaging ?? true,
  });

  host.rpc.addService(
    'saga.inventory.v1.InventoryService',
    InventoryServiceService,
    createInventoryGrpcHandlers(createProductUseCases({ pool: host.pool })),
  );

  const saga = createChoreographyHandlers({ reservations: reservationUseCases });
  host.consume({
    name: 'choreography',
    topics: [TOPICS.orderEvents, TOPICS.paymentEvents, TOPICS.shippingEvents],
    handlers: [
      on(EVENTS.OrderPlaced, saga.onOrderPlaced),
      on(EVENTS.PaymentDeclined, saga.onPaymentDeclined),
      on(EVENTS.ShipmentRejected, saga.onShipmentRejected),
      on(EVENTS.OrderCancelled, saga.onOrderCancelled),
      on(EVENTS.OrderConfirmed, saga.onOrderConfirmed),
    ],
  });

  // Orchestration: one group of its own, answering each command on the command's `replyTo`.
  const commands = createOrchestrationHandlers({ reservations: reservationUseCases });
  host.consume({
    name: 'commands',
    topics: [TOPICS.inventoryCommands],
    handlers: [
      on(COMMANDS.ReserveStock, commands.onReserveStock),
      on(COMMANDS.ReleaseStock, commands.onReleaseStock),
      on(COMMANDS.CommitStock, commands.onCommitStock),
    ],
  });
  return host;
}

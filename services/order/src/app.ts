import { TOPICS } from '@saga/contracts';
import type { RpcClient } from '@saga/rpc';
import { createServiceHost, type ServiceHost } from '@saga/service-host';
import type { Logger } from '@saga/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { inventoryPricing } from './adapters/inventory.client.ts';
import { addOrderService } from './adapters/order.grpc.ts';
import { choreographySubscriptions } from './app/choreography.handlers.ts';
import { orchestratorSubscriptions } from './app/orchestrator.handlers.ts';
import { createOrchestrator } from './app/orchestrator.ts';
import { createOrderUseCases } from './app/orders.use-cases.ts';
import type { OrderConfig } from './config.ts';

/** What the order service is built from; tests pass their own. */
export type OrderDeps = {
  readonly logger: Logger;
  /** The inventory's gRPC client (main.ts: {@link createInventoryClient}). */
  readonly inventory: RpcClient;
  /** Default true; component tests run without Kafka (see libs/service-host). */
  readonly messaging?: boolean;
};

/** The order service, ready to start. */
export function buildApp(deps: OrderDeps, config: OrderConfig): ServiceHost {
  const host = createServiceHost({
    service: 'order',
    config,
    migrationsDir: new URL('../migrations', import.meta.url).pathname,
    logger: deps.logger,
    messaging: deps.messaging ?? true,
  });
  const orchestrator = createOrchestrator({
    pool: host.pool,
    logger: deps.logger,
    policy: {
      stepDeadlineMs: config.SAGA_STEP_DEADLINE_MS,
      retryDeadlineMs: config.SAGA_RETRY_DEADLINE_MS,
      maxRetryDeadlineMs: config.SAGA_MAX_RETRY_DEADLINE_MS,
      maxCompensationAttempts: config.SAGA_MAX_COMPENSATION_ATTEMPTS,
    },
  });
  const orders = createOrderUseCases({
    pool: host.pool,
    priceItems: inventoryPricing(deps.inventory),
    newId: uuidv7,
    defaultSagaMode: config.DEFAULT_SAGA_MODE,
    sagaModes: ['choreography', 'orchestration'],
    orchestrator,
  });
  addOrderService(host.rpc, orders, orchestrator);
  host.consume({
    name: 'choreography',
    topics: [TOPICS.inventoryEvents, TOPICS.paymentEvents, TOPICS.shippingEvents],
    handlers: choreographySubscriptions(),
  });
  host.consume({
    name: 'orchestrator',
    topics: [TOPICS.sagaReplies],
    handlers: orchestratorSubscriptions(orchestrator),
  });
  host.every('saga deadlines', config.SAGA_SWEEP_INTERVAL_MS, async () => {
    await orchestrator.sweep();
  });
  return host;
}

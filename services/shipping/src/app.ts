import { setTimeout as sleep } from 'node:timers/promises';
import { COMMANDS, EVENTS, TOPICS } from '@saga/contracts';
import { createServiceHost, on, type ServiceHost } from '@saga/service-host';
import type { Logger } from '@saga/service-kit';
import { addShippingService } from './adapters/shipping.grpc.ts';
import { createChoreographyHandlers } from './app/choreography.handlers.ts';
import { createOrchestrationHandlers } from './app/orchestration.handlers.ts';
import { createShipmentUseCases } from './app/shipments.use-cases.ts';
import type { ShippingConfig } from './config.ts';

/**
 * The service's consumers (inbox consumers `shipping.<name>`, Kafka groups
 * `shipping.<name>.<topic>`), for `host.deliver` in tests.
 */
export const CONSUMERS = {
  paymentEvents: 'payment-events',
  orderEvents: 'order-events',
  commands: 'commands',
} as const;

/** What the shipping service is built from; tests pass their own. */
export type ShippingDeps = {
  readonly logger: Logger;
  /** The clock delivery dates are planned from. Default the system clock. */
  readonly now?: () => Date;
  /** Default true; component tests run without Kafka (see docs/patterns/service-host.md). */
  readonly messaging?: boolean;
};

/**
 * The shipping service, ready to start. Its fixtures (docs/fixtures.md) are address rules in
 * the domain, not rows, so there is nothing to seed: `SEED_FIXTURES` is accepted and changes
 * nothing.
 */
export function buildApp(deps: ShippingDeps, config: ShippingConfig): ServiceHost {
  const host = createServiceHost({
    service: 'shipping',
    config,
    migrationsDir: new URL('../migrations', import.meta.url).pathname,
    logger: deps.logger,
    messaging: deps.messaging ?? true,
  });
  const shipments = createShipmentUseCases({
    now: deps.now ?? (() => new Date()),
    delay: (ms) => sleep(ms),
    slowMs: config.SHIPPING_SLOW_MS,
  });
  addShippingService(host.rpc, host.pool, shipments);
  const h = createChoreographyHandlers({ shipments });
  // One consumer per topic, not one for both: kafkajs fetches from a broker, then waits until
  // every batch of that fetch is handled before fetching again. A `Slowtown` PaymentAuthorized
  // would then hold back the OrderCancelled that its wait exists to let through.
  host.consume({
    name: CONSUMERS.paymentEvents,
    topics: [TOPICS.paymentEvents],
    handlers: [on(EVENTS.PaymentAuthorized, h.onPaymentAuthorized)],
  });
  host.consume({
    name: CONSUMERS.orderEvents,
    topics: [TOPICS.orderEvents],
    handlers: [on(EVENTS.OrderCancelled, h.onOrderCancelled)],
  });
  // The orchestrated saga: commands from the order service, answered on their `replyTo` topic.
  const c = createOrchestrationHandlers({ shipments });
  host.consume({
    name: CONSUMERS.commands,
    topics: [TOPICS.shippingCommands],
    handlers: [
      on(COMMANDS.ScheduleShipment, c.onScheduleShipment),
      on(COMMANDS.CancelShipment, c.onCancelShipment),
    ],
  });
  return host;
}

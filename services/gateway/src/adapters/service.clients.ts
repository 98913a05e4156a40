import { makeGenericClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { InventoryServiceClient } from '@saga/contracts/inventory';
import { OrderServiceClient } from '@saga/contracts/order';
import { PaymentServiceClient } from '@saga/contracts/payment';
import { ShippingServiceClient } from '@saga/contracts/shipping';
import { createRpcClient, type RpcClient } from '@saga/rpc';
import { service as healthService } from 'grpc-health-check';
import type { Config } from '../config.ts';

/** The gateway's clients, one per service, each with its own breaker and bulkhead. */
export type ServiceClients = {
  readonly order: RpcClient;
  readonly inventory: RpcClient;
  readonly payment: RpcClient;
  readonly shipping: RpcClient;
};

type ClientConfig = Pick<
  Config,
  | 'ORDER_GRPC_ADDR'
  | 'INVENTORY_GRPC_ADDR'
  | 'PAYMENT_GRPC_ADDR'
  | 'SHIPPING_GRPC_ADDR'
  | 'GRPC_READ_DEADLINE_MS'
  | 'GRPC_BREAKER_HALF_OPEN_MS'
  | 'RPC_RETRY_BUDGET'
>;

/**
 * Reads, safe to retry as they are. Writes are retried only with an idempotency key
 * (`CallOptions.idempotencyKey`): CreateOrder's `request_id`, and the Create* calls whose
 * contracts make the same values again succeed. CancelOrder is never retried here: the client
 * sees the failure and may repeat the DELETE itself.
 */
const READS = {
  order: ['getOrder', 'listOrders'],
  inventory: ['listProducts', 'getProduct', 'priceItems'],
  payment: ['getCustomer', 'getPayment'],
  shipping: ['getShipment'],
} as const;

/**
 * One resilient client per service (libs/rpc: deadline, retries with budget, breaker,
 * bulkhead). The default deadline is the read deadline; writes pass the write deadline per call.
 */
export function createServiceClients(config: ClientConfig): ServiceClients {
  const client = (
    dependency: keyof typeof READS,
    Ctor: Parameters<typeof createRpcClient>[0],
    address: string,
  ) =>
    createRpcClient(Ctor, address, {
      dependency,
      defaultDeadlineMs: config.GRPC_READ_DEADLINE_MS,
      idempotentMethods: READS[dependency],
      retry: {
        maxAttempts: 3,
        initialDelayMs: 25,
        maxDelayMs: 250,
        ...(config.RPC_RETRY_BUDGET === 'off' ? { budget: false as const } : {}),
      },
      breaker: { threshold: 5, halfOpenAfterMs: config.GRPC_BREAKER_HALF_OPEN_MS },
      // A gateway fans many requests into few services: each service gets at most 64 calls in
      // flight, so one slow service cannot take every request with it. A burst beyond that waits
      // in a bounded queue rather than failing (a queued call still has its deadline, counted
      // from when the request arrived); past the queue, 503 at once.
      bulkhead: { maxConcurrent: 64, queue: 512 },
    });
  return {
    order: client('order', OrderServiceClient, config.ORDER_GRPC_ADDR),
    inventory: client('inventory', InventoryServiceClient, config.INVENTORY_GRPC_ADDR),
    payment: client('payment', PaymentServiceClient, config.PAYMENT_GRPC_ADDR),
    shipping: client('shipping', ShippingServiceClient, config.SHIPPING_GRPC_ADDR),
  };
}

const HealthClient = makeGenericClientConstructor(
  healthService as unknown as ServiceDefinition,
  'grpc.health.v1.Health',
);

/** Asks a service's grpc.health.v1 whether it is SERVING. */
export type HealthProbe = {
  /** Resolves when the service answers SERVING; rejects otherwise (or after `deadlineMs`). */
  readonly check: () => Promise<void>;
  readonly close: () => void;
};

/**
 * A grpc.health.v1 probe of one service, on its own channel so a probe never takes a place in
 * the service client's bulkhead nor counts against its breaker.
 */
export function createHealthProbe(
  address: string,
  serviceName: string,
  deadlineMs = 1_000,
): HealthProbe {
  const rpc = createRpcClient(HealthClient, address, {
    dependency: `${serviceName} health`,
    defaultDeadlineMs: deadlineMs,
    retry: { maxAttempts: 1 },
    // A probe reports what it sees now; an open breaker would keep reporting the past.
    breaker: { threshold: Number.MAX_SAFE_INTEGER },
  });
  return {
    async check() {
      const res = await rpc.call<{ status: string }>('Check', { service: serviceName });
      if (res.status !== 'SERVING') throw new Error(`${serviceName} is ${res.status}`);
    },
    close: () => rpc.close(),
  };
}

/** The full names services register their health under (libs/rpc `addService`). */
export const SERVICE_NAMES = {
  order: 'saga.order.v1.OrderService',
  inventory: 'saga.inventory.v1.InventoryService',
  payment: 'saga.payment.v1.PaymentService',
  shipping: 'saga.shipping.v1.ShippingService',
} as const;

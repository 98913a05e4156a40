/**
 * `saga.outcomes` and `saga.duration` against the real order service (in-process, real
 * Postgres, real inbox): each order is counted once, when the transaction that settles it
 * commits, in both saga modes, however often the settling message is delivered.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { SumMetricData } from '@opentelemetry/sdk-metrics';
import { EVENTS, type MessageDef } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import { InventoryServiceService, type PriceItemsRequest } from '@saga/contracts/inventory';
import { type CreateOrderResponse, OrderServiceClient } from '@saga/contracts/order';
import type { Envelope } from '@saga/messaging';
import { createRpcClient, createRpcServer, type RpcClient, type RpcServer } from '@saga/rpc';
import type { ServiceHost } from '@saga/service-host';
import { createLogger } from '@saga/service-kit';
import { inSchema, testStack } from '@saga/testkit';
import { installTestMetrics } from '@saga/testkit/metrics';
import pg from 'pg';
import { createInventoryClient } from '../src/adapters/inventory.client.ts';
import { buildApp } from '../src/app.ts';

// Registered before the service records anything, as the preloaded SDK is in production.
const { reader, provider } = installTestMetrics();

const stack = testStack(process.env);
const schema = `test_saga_metrics_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const url = inSchema(stack.endpoints.postgresUrl('order'), schema);
const admin = new pg.Pool({ connectionString: stack.endpoints.postgresUrl('order'), max: 2 });

let inventoryServer: RpcServer;
let inventory: RpcClient;
let app: ServiceHost;
let client: RpcClient;

before(async () => {
  await admin.query(`create schema ${schema}`);
  inventoryServer = createRpcServer();
  inventoryServer.addService('saga.inventory.v1.InventoryService', InventoryServiceService, {
    priceItems: async (req) => {
      const items = (req as PriceItemsRequest).items.map((i) => ({ ...i, unitPriceCents: 1_000 }));
      return { items, totalCents: items.reduce((s, i) => s + i.quantity * 1_000, 0) };
    },
  });
  const inventoryPort = await inventoryServer.listen('127.0.0.1:0');
  inventory = createInventoryClient(`127.0.0.1:${inventoryPort}`, 500);
  app = buildApp(
    { logger: createLogger({ service: 'order', level: 'silent' }), inventory, messaging: false },
    {
      HOST: '127.0.0.1',
      GRPC_PORT: 0,
      HEALTH_PORT: 0,
      DATABASE_URL: url,
      KAFKA_BROKERS: stack.endpoints.kafkaBrokers.join(','),
      SEED_FIXTURES: false,
      LOG_LEVEL: 'silent',
      INVENTORY_GRPC_ADDR: `127.0.0.1:${inventoryPort}`,
      DEFAULT_SAGA_MODE: 'choreography',
      INVENTORY_DEADLINE_MS: 500,
      SAGA_STEP_DEADLINE_MS: 60_000,
      SAGA_RETRY_DEADLINE_MS: 1_000,
      SAGA_MAX_RETRY_DEADLINE_MS: 2_000,
      SAGA_MAX_COMPENSATION_ATTEMPTS: 3,
      SAGA_SWEEP_INTERVAL_MS: 1_000,
    },
  );
  const { grpcPort } = await app.start();
  client = createRpcClient(OrderServiceClient, `127.0.0.1:${grpcPort}`, {
    dependency: 'order',
    defaultDeadlineMs: 3_000,
  });
});

after(async () => {
  client?.close();
  inventory?.close();
  await app?.stop();
  await inventoryServer?.shutdown(100);
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
  await provider.shutdown();
});

async function place(mode: SagaMode): Promise<string> {
  const res = await client.call<CreateOrderResponse>('createOrder', {
    requestId: randomUUID(),
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    shippingAddress: {
      name: 'Ada',
      line1: '1 Main St',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    },
    sagaMode: mode,
  });
  assert.ok(res.order);
  return res.order.orderId;
}

function envelope<T extends { orderId: string }>(
  def: MessageDef<T>,
  payload: T,
): Envelope<unknown> {
  return {
    id: randomUUID(),
    type: def.type,
    version: def.version,
    key: payload.orderId,
    correlationId: payload.orderId,
    occurredAt: new Date().toISOString(),
    payload: def.codec.toJSON(payload),
  };
}

/** `saga.outcomes` by `<mode>/<outcome>`. */
async function outcomes(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'saga.outcomes') as SumMetricData | undefined;
  return Object.fromEntries(
    (metric?.dataPoints ?? []).map((p) => [
      `${p.attributes['saga.mode']}/${p.attributes['saga.outcome']}`,
      p.value,
    ]),
  );
}

test('choreography: a confirmation delivered twice counts one confirmed order', async () => {
  const orderId = await place(SagaMode.SAGA_MODE_CHOREOGRAPHY);
  const scheduled = envelope(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' });
  await app.deliver('choreography', scheduled);
  await app.deliver('choreography', scheduled); // redelivery: the inbox skips it
  assert.equal((await outcomes())['choreography/confirmed'], 1);
});

test('orchestration: a rejection delivered twice counts one rejected order', async () => {
  const orderId = await place(SagaMode.SAGA_MODE_ORCHESTRATION);
  const rejected = envelope(EVENTS.StockRejected, {
    orderId,
    reason: 'OUT_OF_STOCK',
    detail: 'none left',
  });
  await app.deliver('orchestrator', rejected);
  await app.deliver('orchestrator', rejected);
  assert.equal((await outcomes())['orchestration/rejected'], 1);
});

test('a cancellation asked twice counts one cancelled order, and a settled order never counts again', async () => {
  const orderId = await place(SagaMode.SAGA_MODE_ORCHESTRATION);
  await client.call('cancelOrder', { orderId });
  await client.call('cancelOrder', { orderId }); // already cancelled: nothing changes
  // A late confirmation after the cancellation does not settle the order a second time.
  await app.deliver(
    'orchestrator',
    envelope(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' }),
  );
  assert.deepEqual(await outcomes(), {
    'choreography/confirmed': 1,
    'orchestration/rejected': 1,
    'orchestration/cancelled': 1,
  });
});

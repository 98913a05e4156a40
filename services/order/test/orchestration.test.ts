/**
 * The orchestrator, booted in-process against a throwaway schema of the order database, driven
 * through gRPC and replies handed to its consumer route (no Kafka: the participants are played
 * by the test). Every command it sends is read back from the outbox.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { EVENTS, type MessageDef, TOPICS } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import { InventoryServiceService, type PriceItemsRequest } from '@saga/contracts/inventory';
import {
  type CreateOrderResponse,
  type GetOrderResponse,
  type GetSagaResponse,
  OrderServiceClient,
  OrderStatus,
} from '@saga/contracts/order';
import type { Envelope } from '@saga/messaging';
import {
  Code,
  createRpcClient,
  createRpcServer,
  type RpcClient,
  type RpcError,
  type RpcServer,
} from '@saga/rpc';
import type { ServiceHost } from '@saga/service-host';
import { createLogger } from '@saga/service-kit';
import { eventually, inSchema, testStack } from '@saga/testkit';
import pg from 'pg';
import { createInventoryClient } from '../src/adapters/inventory.client.ts';
import { buildApp } from '../src/app.ts';
import type { OrderConfig } from '../src/config.ts';

const stack = testStack(process.env);
const schema = `test_orch_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const url = inSchema(stack.endpoints.postgresUrl('order'), schema);
const admin = new pg.Pool({ connectionString: stack.endpoints.postgresUrl('order'), max: 2 });

let inventoryServer: RpcServer;
let inventory: RpcClient;
let app: ServiceHost;
let client: RpcClient;
let config: OrderConfig;

function boot(): ServiceHost {
  return buildApp(
    { logger: createLogger({ service: 'order', level: 'silent' }), inventory, messaging: false },
    config,
  );
}

before(async () => {
  await admin.query(`create schema ${schema}`);
  inventoryServer = createRpcServer();
  inventoryServer.addService('saga.inventory.v1.InventoryService', InventoryServiceService, {
    priceItems: async (req) => {
      const { items } = req as PriceItemsRequest;
      const priced = items.map((i) => ({ ...i, unitPriceCents: 1_000 }));
      return { items: priced, totalCents: priced.reduce((s, i) => s + i.quantity * 1_000, 0) };
    },
  });
  const port = await inventoryServer.listen('127.0.0.1:0');
  inventory = createInventoryClient(`127.0.0.1:${port}`, 1_000);
  config = {
    HOST: '127.0.0.1',
    GRPC_PORT: 0,
    HEALTH_PORT: 0,
    DATABASE_URL: url,
    KAFKA_BROKERS: stack.endpoints.kafkaBrokers.join(','),
    SEED_FIXTURES: false,
    LOG_LEVEL: 'silent',
    INVENTORY_GRPC_ADDR: `127.0.0.1:${port}`,
    DEFAULT_SAGA_MODE: 'orchestration',
    INVENTORY_DEADLINE_MS: 1_000,
    SAGA_STEP_DEADLINE_MS: 1_500,
    SAGA_RETRY_DEADLINE_MS: 300,
    SAGA_MAX_RETRY_DEADLINE_MS: 600,
    SAGA_MAX_COMPENSATION_ATTEMPTS: 3,
    SAGA_SWEEP_INTERVAL_MS: 50,
  };
  app = boot();
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
});

const address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

async function place(): Promise<string> {
  const res = await client.call<CreateOrderResponse>('createOrder', {
    requestId: randomUUID(),
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 2 }],
    shippingAddress: address,
    sagaMode: SagaMode.SAGA_MODE_ORCHESTRATION,
  });
  assert.ok(res.order);
  return res.order.orderId;
}

const order = async (orderId: string) =>
  (await client.call<GetOrderResponse>('getOrder', { orderId })).order;
const saga = async (orderId: string) =>
  (await client.call<GetSagaResponse>('getSaga', { orderId })).saga;

/** Messages the order service enqueued for an order: [topic, type, payload]. */
async function sent(orderId: string) {
  const { rows } = await app.pool.query<{ topic: string; type: string; payload: Buffer }>(
    `select topic, type, payload from ${schema}.outbox where key = $1 order by position`,
    [orderId],
  );
  return rows.map((r) => ({
    topic: r.topic,
    type: r.type,
    payload: JSON.parse(r.payload.toString()),
  }));
}
const commands = async (orderId: string) =>
  (await sent(orderId)).filter((m) => m.topic.endsWith('.commands.v1')).map((m) => m.type);

/** A participant's reply, delivered to the orchestrator's route as Kafka would. */
async function reply<T extends { orderId: string }>(
  def: MessageDef<T>,
  payload: T,
  id: string = randomUUID(),
) {
  const envelope: Envelope<unknown> = {
    id,
    type: def.type,
    version: def.version,
    key: payload.orderId,
    correlationId: payload.orderId,
    occurredAt: new Date().toISOString(),
    payload: def.codec.toJSON(payload),
  };
  await app.deliver('orchestrator', envelope);
}

test('an orchestrated order starts its saga: OrderPlaced, then ReserveStock to inventory with the reply topic', async () => {
  const orderId = await place();
  const messages = await sent(orderId);
  assert.deepEqual(
    messages.map((m) => [m.topic, m.type]),
    [
      [TOPICS.orderEvents, 'OrderPlaced'],
      [TOPICS.inventoryCommands, 'ReserveStock'],
    ],
  );
  assert.equal(messages[0]?.payload.sagaMode, 'SAGA_MODE_ORCHESTRATION');
  assert.equal(messages[1]?.payload.replyTo, TOPICS.sagaReplies);
  assert.equal(messages[1]?.payload.totalCents, 2_000);
  assert.equal((await saga(orderId))?.state, 'RESERVING');
});

test('the happy path: each reply sends the next command; CONFIRMED with commit and capture; then COMPLETED', async () => {
  const orderId = await place();
  await reply(EVENTS.StockReserved, {
    orderId,
    customerId: 'cust_alice',
    totalCents: 2_000,
    shippingAddress: address,
    items: [],
  });
  assert.equal((await saga(orderId))?.state, 'AUTHORIZING');
  await reply(EVENTS.PaymentAuthorized, {
    orderId,
    customerId: 'cust_alice',
    amountCents: 2_000,
    shippingAddress: address,
    items: [],
  });
  const scheduled = randomUUID();
  await reply(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' }, scheduled);
  await reply(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' }, scheduled); // redelivery
  assert.equal((await order(orderId))?.status, OrderStatus.ORDER_STATUS_CONFIRMED);
  assert.equal((await saga(orderId))?.state, 'FINALIZING');
  await reply(EVENTS.StockCommitted, { orderId });
  await reply(EVENTS.PaymentCaptured, { orderId, amountCents: 2_000 });
  assert.equal((await saga(orderId))?.state, 'COMPLETED');
  assert.deepEqual(await commands(orderId), [
    'ReserveStock',
    'AuthorizePayment',
    'ScheduleShipment',
    'CommitStock',
    'CapturePayment',
  ]);
  // The same timeline as a choreographed order's.
  assert.deepEqual(
    (await order(orderId))?.timeline.map((t) => t.step),
    [
      'OrderPlaced',
      'StockReserved',
      'PaymentAuthorized',
      'ShipmentScheduled',
      'OrderConfirmed',
      'StockCommitted',
      'PaymentCaptured',
    ],
  );
  const events = (await sent(orderId))
    .filter((m) => m.topic === TOPICS.orderEvents)
    .map((m) => m.type);
  assert.deepEqual(events, ['OrderPlaced', 'OrderConfirmed']);
});

test('a rejected shipment rejects the order and compensates in reverse: void, then release', async () => {
  const orderId = await place();
  await reply(EVENTS.StockReserved, {
    orderId,
    customerId: 'c',
    totalCents: 1,
    shippingAddress: address,
    items: [],
  });
  await reply(EVENTS.PaymentAuthorized, {
    orderId,
    customerId: 'c',
    amountCents: 1,
    shippingAddress: address,
    items: [],
  });
  await reply(EVENTS.ShipmentRejected, {
    orderId,
    reason: 'ADDRESS_REJECTED',
    detail: 'postal code 00000',
  });
  const rejected = await order(orderId);
  assert.equal(rejected?.status, OrderStatus.ORDER_STATUS_REJECTED);
  assert.equal(rejected?.reason, 'ADDRESS_REJECTED');
  assert.deepEqual((await commands(orderId)).slice(3), ['VoidPayment']);
  await reply(EVENTS.PaymentVoided, { orderId, voided: true });
  assert.deepEqual((await commands(orderId)).slice(3), ['VoidPayment', 'ReleaseStock']);
  await reply(EVENTS.StockReleased, { orderId, released: true });
  assert.equal((await saga(orderId))?.state, 'COMPENSATED');
});

test('a step without a reply by its deadline is failed and compensated, and its late reply is compensated again', async () => {
  const orderId = await place();
  await reply(EVENTS.StockReserved, {
    orderId,
    customerId: 'c',
    totalCents: 1,
    shippingAddress: address,
    items: [],
  });
  // Payment never answers.
  await eventually(
    async () => assert.equal((await order(orderId))?.status, OrderStatus.ORDER_STATUS_REJECTED),
    {
      timeoutMs: 10_000,
      description: 'the authorisation step times out',
    },
  );
  const rejected = await order(orderId);
  assert.equal(rejected?.reason, 'PAYMENT_TIMEOUT');
  assert.deepEqual(await commands(orderId), ['ReserveStock', 'AuthorizePayment', 'VoidPayment']);
  assert.ok(rejected?.timeline.some((t) => t.step === 'AuthorizePaymentTimedOut'));
  // The late authorisation: the orchestrator voids it (again).
  await reply(EVENTS.PaymentAuthorized, {
    orderId,
    customerId: 'c',
    amountCents: 1,
    shippingAddress: address,
    items: [],
  });
  assert.deepEqual((await commands(orderId)).slice(2), ['VoidPayment', 'VoidPayment']);
  await reply(EVENTS.PaymentVoided, { orderId, voided: true });
  await reply(EVENTS.StockReleased, { orderId, released: true });
  assert.equal((await saga(orderId))?.state, 'COMPENSATED');
  assert.equal(
    (await order(orderId))?.status,
    OrderStatus.ORDER_STATUS_REJECTED,
    'the late reply changes nothing else',
  );
});

test('cancelling while a step is in flight cancels the order and compensates that step too', async () => {
  const orderId = await place();
  await reply(EVENTS.StockReserved, {
    orderId,
    customerId: 'c',
    totalCents: 1,
    shippingAddress: address,
    items: [],
  });
  await client.call('cancelOrder', { orderId });
  assert.equal((await order(orderId))?.status, OrderStatus.ORDER_STATUS_CANCELLED);
  assert.deepEqual(await commands(orderId), ['ReserveStock', 'AuthorizePayment', 'VoidPayment']);
  const events = (await sent(orderId)).filter((m) => m.topic === TOPICS.orderEvents);
  assert.equal(events.at(-1)?.type, 'OrderCancelled');
  assert.equal(events.at(-1)?.payload.sagaMode, 'SAGA_MODE_ORCHESTRATION');
  await reply(EVENTS.PaymentVoided, { orderId, voided: false });
  await reply(EVENTS.StockReleased, { orderId, released: true });
  assert.equal((await saga(orderId))?.state, 'COMPENSATED');
});

test('an unanswered compensation is retried, then parked FAILED_COMPENSATION; an operator retry resumes it', async () => {
  const orderId = await place();
  await reply(EVENTS.StockReserved, {
    orderId,
    customerId: 'c',
    totalCents: 1,
    shippingAddress: address,
    items: [],
  });
  await reply(EVENTS.PaymentDeclined, { orderId, reason: 'CARD_DECLINED', detail: 'fixture' });
  await eventually(async () => assert.equal((await saga(orderId))?.state, 'FAILED_COMPENSATION'), {
    timeoutMs: 10_000,
    description: 'the saga is parked',
  });
  assert.deepEqual(await commands(orderId), [
    'ReserveStock',
    'AuthorizePayment',
    'ReleaseStock',
    'ReleaseStock',
    'ReleaseStock',
  ]);
  await assert.rejects(
    client.call('retrySaga', { orderId: await place() }),
    (err: RpcError) => err.code === Code.FAILED_PRECONDITION,
  );
  const retried = (await client.call<{ saga: { state: string } }>('retrySaga', { orderId })).saga;
  assert.equal(retried.state, 'COMPENSATING');
  assert.equal((await commands(orderId)).at(-1), 'ReleaseStock');
  await reply(EVENTS.StockReleased, { orderId, released: true });
  assert.equal((await saga(orderId))?.state, 'COMPENSATED');
  const log = (await saga(orderId))?.log.map((l) => l.input);
  assert.deepEqual(
    log?.filter((i) => i === 'Retry'),
    ['Retry'],
  );
});

test('deadlines survive a restart: a saga left waiting is timed out by the next instance', async () => {
  const orderId = await place();
  await app.stop();
  app = boot();
  const { grpcPort } = await app.start();
  client.close();
  client = createRpcClient(OrderServiceClient, `127.0.0.1:${grpcPort}`, {
    dependency: 'order',
    defaultDeadlineMs: 3_000,
  });
  await eventually(async () => assert.equal((await order(orderId))?.reason, 'INVENTORY_TIMEOUT'), {
    timeoutMs: 10_000,
    description: 'the restarted orchestrator times the step out',
  });
  assert.deepEqual(await commands(orderId), ['ReserveStock', 'ReleaseStock']);
});

test('a choreographed order has no saga to read or retry', async () => {
  const res = await client.call<CreateOrderResponse>('createOrder', {
    requestId: randomUUID(),
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    shippingAddress: address,
    sagaMode: SagaMode.SAGA_MODE_CHOREOGRAPHY,
  });
  const orderId = res.order?.orderId ?? '';
  await assert.rejects(
    client.call('getSaga', { orderId }),
    (err: RpcError) => err.code === Code.NOT_FOUND,
  );
  assert.deepEqual(await commands(orderId), []);
});

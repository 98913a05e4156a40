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
import { type GetSagaResponse, OrderStatus } from '@saga/contracts/order';
import { Code, type RpcError } from '@saga/rpc';
import { eventually } from '@saga/testkit';
import {
  address,
  envelope,
  type OrderHarness,
  orderRequest,
  startOrderHarness,
} from './support/order-harness.ts';

let h: OrderHarness;

before(async () => {
  h = await startOrderHarness({
    schemaPrefix: 'test_orch',
    config: { DEFAULT_SAGA_MODE: 'orchestration', INVENTORY_DEADLINE_MS: 1_000 },
  });
});

after(async () => {
  await h?.stop();
});

const place = (): Promise<string> =>
  h.place(SagaMode.SAGA_MODE_ORCHESTRATION, [{ sku: 'SKU-BOOK', quantity: 2 }]);

const saga = async (orderId: string) =>
  (await h.client.call<GetSagaResponse>('getSaga', { orderId })).saga;

const commands = async (orderId: string) =>
  (await h.outbox(orderId)).filter((m) => m.topic.endsWith('.commands.v1')).map((m) => m.type);

/** A participant's reply, delivered to the orchestrator's route as Kafka would. */
async function reply<T extends { orderId: string }>(def: MessageDef<T>, payload: T, id?: string) {
  await h.app.deliver('orchestrator', envelope(def, payload, id));
}

test('an orchestrated order starts its saga: OrderPlaced, then ReserveStock to inventory with the reply topic', async () => {
  const orderId = await place();
  const messages = await h.outbox(orderId);
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
  assert.equal((await h.getOrder(orderId))?.status, OrderStatus.ORDER_STATUS_CONFIRMED);
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
    (await h.getOrder(orderId))?.timeline.map((t) => t.step),
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
  const events = (await h.outbox(orderId))
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
  const rejected = await h.getOrder(orderId);
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
    async () =>
      assert.equal((await h.getOrder(orderId))?.status, OrderStatus.ORDER_STATUS_REJECTED),
    {
      timeoutMs: 10_000,
      description: 'the authorisation step times out',
    },
  );
  const rejected = await h.getOrder(orderId);
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
    (await h.getOrder(orderId))?.status,
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
  await h.client.call('cancelOrder', { orderId });
  assert.equal((await h.getOrder(orderId))?.status, OrderStatus.ORDER_STATUS_CANCELLED);
  assert.deepEqual(await commands(orderId), ['ReserveStock', 'AuthorizePayment', 'VoidPayment']);
  const events = (await h.outbox(orderId)).filter((m) => m.topic === TOPICS.orderEvents);
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
    h.client.call('retrySaga', { orderId: await place() }),
    (err: RpcError) => err.code === Code.FAILED_PRECONDITION,
  );
  const retried = (await h.client.call<{ saga: { state: string } }>('retrySaga', { orderId })).saga;
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
  await h.restart();
  await eventually(
    async () => assert.equal((await h.getOrder(orderId))?.reason, 'INVENTORY_TIMEOUT'),
    {
      timeoutMs: 10_000,
      description: 'the restarted orchestrator times the step out',
    },
  );
  assert.deepEqual(await commands(orderId), ['ReserveStock', 'ReleaseStock']);
});

test('a choreographed order has no saga to read or retry', async () => {
  const order = await h.create(orderRequest({ sagaMode: SagaMode.SAGA_MODE_CHOREOGRAPHY }));
  const orderId = order?.orderId ?? '';
  await assert.rejects(
    h.client.call('getSaga', { orderId }),
    (err: RpcError) => err.code === Code.NOT_FOUND,
  );
  assert.deepEqual(await commands(orderId), []);
});

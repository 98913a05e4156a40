import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { COMMANDS, EVENTS, type MessageDef, TOPICS } from '@saga/contracts';
import { type Address, SagaMode } from '@saga/contracts/common';
import type { OrderCancelled } from '@saga/contracts/order';
import type { PaymentAuthorized } from '@saga/contracts/payment';
import {
  type CancelShipment,
  type GetShipmentResponse,
  type ScheduleShipment,
  ShippingServiceClient,
} from '@saga/contracts/shipping';
import type { Envelope } from '@saga/messaging';
import { Code, createRpcClient, type RpcClient, type RpcError } from '@saga/rpc';
import type { ServiceHost } from '@saga/service-host';
import { createLogger } from '@saga/service-kit';
import { eventually, inSchema, testStack } from '@saga/testkit';
import pg from 'pg';
import { buildApp, CONSUMERS } from '../src/app.ts';
import type { ShippingConfig } from '../src/config.ts';

const stack = testStack(process.env);
const schema = `test_shipping_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const url = inSchema(stack.endpoints.postgresUrl('shipping'), schema);
const admin = new pg.Pool({ connectionString: stack.endpoints.postgresUrl('shipping'), max: 2 });

const SLOW_MS = 1_500;
// A Friday: three business days later is the next Wednesday.
const NOW = new Date('2025-06-06T10:00:00Z');
const DELIVERY_DATE = '2025-06-11';

const config: ShippingConfig = {
  HOST: '127.0.0.1',
  GRPC_PORT: 0,
  HEALTH_PORT: 0,
  DATABASE_URL: url,
  KAFKA_BROKERS: stack.endpoints.kafkaBrokers.join(','),
  SEED_FIXTURES: false,
  LOG_LEVEL: 'silent',
  SHIPPING_SLOW_MS: SLOW_MS,
};
const logger = createLogger({ service: 'shipping', level: 'silent' });

let app: ServiceHost;
let healthPort: number;
let client: RpcClient;

before(async () => {
  await admin.query(`create schema ${schema}`);
  app = buildApp({ logger, now: () => NOW, messaging: false }, config);
  const ports = await app.start();
  healthPort = ports.healthPort;
  client = createRpcClient(ShippingServiceClient, `127.0.0.1:${ports.grpcPort}`, {
    dependency: 'shipping',
    defaultDeadlineMs: 3_000,
  });
});

after(async () => {
  client.close();
  await app.stop();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
});

const address = (over: Partial<Address> = {}): Address => ({
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
  ...over,
});

/** An envelope as the consumer would hand it over: the payload is proto3 JSON. */
function envelope<T>(def: MessageDef<T>, payload: T & { orderId: string }): Envelope<unknown> {
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

const paymentAuthorized = (orderId: string, shippingAddress: Address | undefined) =>
  envelope<PaymentAuthorized>(EVENTS.PaymentAuthorized, {
    orderId,
    customerId: 'cust_alice',
    amountCents: 6_200,
    shippingAddress,
    items: [{ sku: 'SKU-BOOK', quantity: 2, unitPriceCents: 2_500 }],
  });
const orderCancelled = (orderId: string, sagaMode: SagaMode = SagaMode.SAGA_MODE_CHOREOGRAPHY) =>
  envelope<OrderCancelled>(EVENTS.OrderCancelled, {
    orderId,
    reason: 'CUSTOMER_CANCELLED',
    sagaMode,
  });

/** The orchestrator's reply topic. */
const REPLIES = TOPICS.sagaReplies;
const scheduleShipment = (
  orderId: string,
  shippingAddress: Address | undefined,
  replyTo: string = REPLIES,
) =>
  envelope<ScheduleShipment>(COMMANDS.ScheduleShipment, {
    orderId,
    address: shippingAddress,
    replyTo,
  });
const cancelShipment = (orderId: string, replyTo: string = REPLIES) =>
  envelope<CancelShipment>(COMMANDS.CancelShipment, { orderId, replyTo });

const CONSUMER_OF: Record<string, string> = {
  [EVENTS.PaymentAuthorized.type]: CONSUMERS.paymentEvents,
  [EVENTS.OrderCancelled.type]: CONSUMERS.orderEvents,
  [COMMANDS.ScheduleShipment.type]: CONSUMERS.commands,
  [COMMANDS.CancelShipment.type]: CONSUMERS.commands,
};

/** Hands a message to the consumer of its topic, as Kafka would. */
const deliver = (e: Envelope<unknown>) => {
  const consumer = CONSUMER_OF[e.type];
  if (!consumer) throw new Error(`no consumer takes ${e.type}`);
  return app.deliver(consumer, e);
};

async function row(orderId: string) {
  const { rows } = await app.pool.query<{
    status: string;
    reason: string | null;
    detail: string | null;
    delivery_date: string | null;
  }>(
    `select status, reason, detail, to_char(delivery_date, 'YYYY-MM-DD') as delivery_date
     from ${schema}.shipments where order_id = $1`,
    [orderId],
  );
  return rows;
}

type OutboxRow = {
  topic: string;
  type: string;
  payload: unknown;
  causationId: string | undefined;
};

/** The order's outbox rows, oldest first, payloads decoded with their contract. */
async function outbox(orderId: string): Promise<OutboxRow[]> {
  const { rows } = await app.pool.query<{
    topic: string;
    type: keyof typeof EVENTS;
    payload: Buffer;
    headers: Record<string, string>;
  }>(
    `select topic, type, payload, headers from ${schema}.outbox where key = $1 order by position`,
    [orderId],
  );
  return rows.map((r) => ({
    topic: r.topic,
    type: r.type,
    payload: (EVENTS[r.type].codec as MessageDef<unknown>['codec']).fromJSON(
      JSON.parse(r.payload.toString()),
    ),
    causationId: r.headers['causation-id'],
  }));
}

/** The order's shipment row, every column: equal snapshots mean nothing was written. */
async function snapshot(orderId: string): Promise<unknown> {
  const { rows } = await app.pool.query<{ shipment: unknown }>(
    `select to_jsonb(s) as shipment from ${schema}.shipments s where order_id = $1`,
    [orderId],
  );
  return rows[0]?.shipment;
}

const getShipment = async (orderId: string) =>
  (await client.call<GetShipmentResponse>('getShipment', { orderId })).shipment;

test('a payment authorised for a deliverable address schedules the shipment and enqueues ShipmentScheduled', async () => {
  const orderId = randomUUID();
  const trigger = paymentAuthorized(orderId, address());
  await deliver(trigger);

  assert.deepEqual(await row(orderId), [
    { status: 'SCHEDULED', reason: null, detail: null, delivery_date: DELIVERY_DATE },
  ]);
  assert.deepEqual(await outbox(orderId), [
    {
      topic: TOPICS.shippingEvents,
      type: 'ShipmentScheduled',
      payload: { orderId, deliveryDate: DELIVERY_DATE },
      causationId: trigger.id,
    },
  ]);
  assert.deepEqual(await getShipment(orderId), {
    orderId,
    status: 'SCHEDULED',
    reason: '',
    address: address(),
    deliveryDate: DELIVERY_DATE,
  });
});

test('an unsupported country is rejected UNSUPPORTED_COUNTRY and ShipmentRejected is enqueued', async () => {
  const orderId = randomUUID();
  await deliver(paymentAuthorized(orderId, address({ country: 'AQ' })));

  assert.deepEqual(await row(orderId), [
    {
      status: 'REJECTED',
      reason: 'UNSUPPORTED_COUNTRY',
      detail: 'country AQ is not served',
      delivery_date: null,
    },
  ]);
  const [event] = await outbox(orderId);
  assert.equal(event?.type, 'ShipmentRejected');
  assert.deepEqual(event?.payload, {
    orderId,
    reason: 'UNSUPPORTED_COUNTRY',
    detail: 'country AQ is not served',
  });
  const shipment = await getShipment(orderId);
  assert.equal(shipment?.status, 'REJECTED');
  assert.equal(shipment?.reason, 'UNSUPPORTED_COUNTRY');
  assert.equal(shipment?.deliveryDate, '');
});

test('postal code 00000 is rejected ADDRESS_REJECTED as undeliverable', async () => {
  const orderId = randomUUID();
  await deliver(paymentAuthorized(orderId, address({ postalCode: '00000' })));

  const [event] = await outbox(orderId);
  assert.equal(event?.type, 'ShipmentRejected');
  assert.deepEqual(event?.payload, {
    orderId,
    reason: 'ADDRESS_REJECTED',
    detail: 'postal code 00000 is undeliverable',
  });
  assert.equal((await row(orderId))[0]?.status, 'REJECTED');
});

test('an address missing a field, or missing altogether, is rejected ADDRESS_REJECTED naming what is missing', async () => {
  const incomplete = randomUUID();
  await deliver(paymentAuthorized(incomplete, address({ line1: '' })));
  assert.deepEqual((await outbox(incomplete))[0]?.payload, {
    orderId: incomplete,
    reason: 'ADDRESS_REJECTED',
    detail: 'line1 is required',
  });

  const none = randomUUID();
  await deliver(paymentAuthorized(none, undefined));
  assert.deepEqual((await outbox(none))[0]?.payload, {
    orderId: none,
    reason: 'ADDRESS_REJECTED',
    detail: 'a shipping address is required',
  });
  assert.deepEqual(await getShipment(none), {
    orderId: none,
    status: 'REJECTED',
    reason: 'ADDRESS_REJECTED',
    address: undefined,
    deliveryDate: '',
  });
});

test('cancelling an order with a scheduled shipment cancels it: ShipmentCancelled{cancelled: true}', async () => {
  const orderId = randomUUID();
  await deliver(paymentAuthorized(orderId, address()));
  const cancel = orderCancelled(orderId);
  await deliver(cancel);

  assert.equal((await row(orderId))[0]?.status, 'CANCELLED');
  const events = await outbox(orderId);
  assert.deepEqual(
    events.map((e) => e.type),
    ['ShipmentScheduled', 'ShipmentCancelled'],
  );
  assert.deepEqual(events[1], {
    topic: TOPICS.shippingEvents,
    type: 'ShipmentCancelled',
    payload: { orderId, cancelled: true },
    causationId: cancel.id,
  });
  const shipment = await getShipment(orderId);
  assert.equal(shipment?.status, 'CANCELLED');
  assert.equal(shipment?.deliveryDate, '', 'a cancelled shipment has no planned delivery');
});

test('a cancellation before the payment is authorised records a refusal, and the late payment schedules nothing', async () => {
  const orderId = randomUUID();
  await deliver(orderCancelled(orderId));

  assert.deepEqual(await row(orderId), [
    { status: 'REFUSED', reason: null, detail: null, delivery_date: null },
  ]);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.payload),
    [{ orderId, cancelled: false }],
  );

  await deliver(paymentAuthorized(orderId, address()));
  assert.equal((await row(orderId))[0]?.status, 'REFUSED');
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['ShipmentCancelled'],
    'the late trigger announces nothing',
  );
  assert.equal((await getShipment(orderId))?.status, 'REFUSED');
});

test('cancelling an order whose shipment was rejected leaves it rejected: ShipmentCancelled{cancelled: false}', async () => {
  const orderId = randomUUID();
  await deliver(paymentAuthorized(orderId, address({ country: 'AQ' })));
  await deliver(orderCancelled(orderId));

  assert.equal((await row(orderId))[0]?.status, 'REJECTED');
  const events = await outbox(orderId);
  assert.deepEqual(
    events.map((e) => e.type),
    ['ShipmentRejected', 'ShipmentCancelled'],
  );
  assert.deepEqual(events[1]?.payload, { orderId, cancelled: false });
});

test('a redelivered message has no second effect', async () => {
  const orderId = randomUUID();
  const trigger = paymentAuthorized(orderId, address());
  const cancel = orderCancelled(orderId);
  await deliver(trigger);
  await deliver(trigger);
  await deliver(cancel);
  await Promise.all([deliver(cancel), deliver(cancel), deliver(trigger)]);

  assert.equal((await row(orderId))[0]?.status, 'CANCELLED');
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['ShipmentScheduled', 'ShipmentCancelled'],
  );
});

test('a second PaymentAuthorized for an order (another message id) keeps the first decision', async () => {
  const orderId = randomUUID();
  await deliver(paymentAuthorized(orderId, address()));
  await deliver(paymentAuthorized(orderId, address({ country: 'AQ' })));

  assert.equal((await row(orderId))[0]?.status, 'SCHEDULED');
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['ShipmentScheduled'],
  );
});

test('a Slowtown address is scheduled, but only after SHIPPING_SLOW_MS', async () => {
  const orderId = randomUUID();
  const started = Date.now();
  await deliver(paymentAuthorized(orderId, address({ city: 'Slowtown' })));

  assert.ok(Date.now() - started >= SLOW_MS - 50, `took ${Date.now() - started} ms`);
  assert.equal((await row(orderId))[0]?.status, 'SCHEDULED');
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['ShipmentScheduled'],
  );
});

test('an order cancelled while its Slowtown shipment waits ends REFUSED: the late scheduling does nothing', async () => {
  const orderId = randomUUID();
  let scheduling = 'waiting';
  const slow = deliver(paymentAuthorized(orderId, address({ city: 'SLOWTOWN' }))).then(
    () => {
      scheduling = 'done';
    },
    (err: unknown) => {
      scheduling = 'failed';
      throw err;
    },
  );

  await deliver(orderCancelled(orderId));
  assert.equal(scheduling, 'waiting', 'the cancellation landed while scheduling was waiting');
  assert.equal((await getShipment(orderId))?.status, 'REFUSED');

  // The waiting scheduling request now finds the refusal.
  await eventually(() => assert.equal(scheduling, 'done'), {
    timeoutMs: SLOW_MS + 5_000,
    intervalMs: 50,
    description: 'the slow scheduling to finish',
  });
  await slow;
  assert.deepEqual(await row(orderId), [
    { status: 'REFUSED', reason: null, detail: null, delivery_date: null },
  ]);
  const events = await outbox(orderId);
  assert.deepEqual(
    events.map((e) => ({ type: e.type, payload: e.payload })),
    [{ type: 'ShipmentCancelled', payload: { orderId, cancelled: false } }],
  );
});

test('payments and cancellations of many orders arriving at once leave each order consistent', async () => {
  const orderIds = Array.from({ length: 20 }, () => randomUUID());
  const messages = orderIds.flatMap((id) => [paymentAuthorized(id, address()), orderCancelled(id)]);
  // Shuffled, so for some orders the cancellation comes first.
  for (let i = messages.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [messages[i], messages[j]] = [messages[j] as Envelope, messages[i] as Envelope];
  }
  await Promise.all(messages.map(deliver));

  for (const orderId of orderIds) {
    const rows = await row(orderId);
    assert.equal(rows.length, 1, 'one shipment row per order');
    const events = await outbox(orderId);
    const cancelled = events.filter((e) => e.type === 'ShipmentCancelled');
    assert.equal(cancelled.length, 1, 'every cancellation is answered once');
    if (rows[0]?.status === 'CANCELLED') {
      // Scheduled first, then cancelled.
      assert.deepEqual(
        events.map((e) => e.type),
        ['ShipmentScheduled', 'ShipmentCancelled'],
      );
      assert.deepEqual(cancelled[0]?.payload, { orderId, cancelled: true });
    } else {
      // Cancelled first: a refusal, and nothing scheduled.
      assert.equal(rows[0]?.status, 'REFUSED');
      assert.deepEqual(
        events.map((e) => e.type),
        ['ShipmentCancelled'],
      );
      assert.deepEqual(cancelled[0]?.payload, { orderId, cancelled: false });
    }
  }
});

test('concurrent scheduling requests for one order (different message ids) schedule it once', async () => {
  const orderId = randomUUID();
  await Promise.all(
    Array.from({ length: 8 }, () => deliver(paymentAuthorized(orderId, address()))),
  );

  assert.equal((await row(orderId)).length, 1);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['ShipmentScheduled'],
  );
});

test('GetShipment of an order with no shipment is NOT_FOUND', async () => {
  await assert.rejects(
    getShipment(randomUUID()),
    (err: RpcError) => err.code === Code.NOT_FOUND && /has no shipment/.test(err.message),
  );
});

test('GetShipment without an order id is INVALID_ARGUMENT', async () => {
  await assert.rejects(
    getShipment(''),
    (err: RpcError) => err.code === Code.INVALID_ARGUMENT && /orderId/.test(err.message),
  );
});

test('the service is ready once started', async () => {
  const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
  assert.equal(res.status, 200);
});

test('a second instance starts on the same database with SEED_FIXTURES, and leaves shipments as they are', async () => {
  const orderId = randomUUID();
  await deliver(paymentAuthorized(orderId, address()));
  for (let i = 0; i < 2; i++) {
    const again = buildApp(
      { logger, now: () => NOW, messaging: false },
      { ...config, SEED_FIXTURES: true },
    );
    await again.start();
    await again.stop();
  }
  assert.equal((await row(orderId))[0]?.status, 'SCHEDULED');
  assert.equal((await outbox(orderId)).length, 1);
});

describe('orchestrated checkout: commands, answered on their replyTo topic', () => {
  const scheduled = (orderId: string) => ({
    type: 'ShipmentScheduled',
    payload: { orderId, deliveryDate: DELIVERY_DATE },
  });
  const rejected = (orderId: string) => ({
    type: 'ShipmentRejected',
    payload: { orderId, reason: 'UNSUPPORTED_COUNTRY', detail: 'country AQ is not served' },
  });
  const compensatedBefore = (orderId: string) => ({
    type: 'ShipmentRejected',
    payload: {
      orderId,
      reason: 'CANCELLED',
      detail: 'compensated before it ran: the shipment was cancelled before it was scheduled',
    },
  });
  const compensatedAfter = (orderId: string) => ({
    type: 'ShipmentRejected',
    payload: {
      orderId,
      reason: 'CANCELLED',
      detail: 'the shipment was scheduled, then cancelled (compensated)',
    },
  });
  const cancelledReply = (cancelled: boolean) => (orderId: string) => ({
    type: 'ShipmentCancelled',
    payload: { orderId, cancelled },
  });

  /** How to bring an order's shipment into each state, with commands. */
  const GIVEN = {
    none: () => [],
    SCHEDULED: (o: string) => [scheduleShipment(o, address())],
    REJECTED: (o: string) => [scheduleShipment(o, address({ country: 'AQ' }))],
    REFUSED: (o: string) => [cancelShipment(o)],
    CANCELLED: (o: string) => [scheduleShipment(o, address()), cancelShipment(o)],
  } satisfies Record<string, (orderId: string) => Envelope<unknown>[]>;

  /** orchestration.handlers.ts's table, row by row. */
  const TABLE: {
    readonly before: keyof typeof GIVEN;
    readonly command: string;
    readonly send: (orderId: string) => Envelope<unknown>;
    readonly after: string;
    readonly reply: (orderId: string) => { type: string; payload: object };
  }[] = [
    {
      before: 'none',
      command: 'ScheduleShipment, address OK',
      send: (o) => scheduleShipment(o, address()),
      after: 'SCHEDULED',
      reply: scheduled,
    },
    {
      before: 'none',
      command: 'ScheduleShipment, country not served',
      send: (o) => scheduleShipment(o, address({ country: 'AQ' })),
      after: 'REJECTED',
      reply: rejected,
    },
    {
      before: 'SCHEDULED',
      command: 'ScheduleShipment, now to a country not served',
      send: (o) => scheduleShipment(o, address({ country: 'AQ' })),
      after: 'SCHEDULED',
      reply: scheduled,
    },
    {
      before: 'REJECTED',
      command: 'ScheduleShipment, now to a deliverable address',
      send: (o) => scheduleShipment(o, address()),
      after: 'REJECTED',
      reply: rejected,
    },
    {
      before: 'REFUSED',
      command: 'ScheduleShipment',
      send: (o) => scheduleShipment(o, address()),
      after: 'REFUSED',
      reply: compensatedBefore,
    },
    {
      before: 'CANCELLED',
      command: 'ScheduleShipment',
      send: (o) => scheduleShipment(o, address()),
      after: 'CANCELLED',
      reply: compensatedAfter,
    },
    {
      before: 'none',
      command: 'CancelShipment',
      send: (o) => cancelShipment(o),
      after: 'REFUSED',
      reply: cancelledReply(false),
    },
    {
      before: 'SCHEDULED',
      command: 'CancelShipment',
      send: (o) => cancelShipment(o),
      after: 'CANCELLED',
      reply: cancelledReply(true),
    },
    {
      before: 'CANCELLED',
      command: 'CancelShipment',
      send: (o) => cancelShipment(o),
      after: 'CANCELLED',
      reply: cancelledReply(true),
    },
    {
      before: 'REJECTED',
      command: 'CancelShipment',
      send: (o) => cancelShipment(o),
      after: 'REJECTED',
      reply: cancelledReply(false),
    },
    {
      before: 'REFUSED',
      command: 'CancelShipment',
      send: (o) => cancelShipment(o),
      after: 'REFUSED',
      reply: cancelledReply(false),
    },
  ];

  for (const c of TABLE) {
    const { type, payload } = c.reply('');
    const gist = JSON.stringify({ ...payload, orderId: undefined, detail: undefined });
    test(`${c.command} on ${c.before} → ${c.after}, replies ${type} ${gist}`, async () => {
      const orderId = randomUUID();
      for (const e of GIVEN[c.before](orderId)) await deliver(e);
      const before = await snapshot(orderId);
      const earlier = await outbox(orderId);

      const command = c.send(orderId);
      await deliver(command);

      const rows = await outbox(orderId);
      assert.deepEqual(rows.slice(0, -1), earlier, 'exactly one reply is added');
      assert.deepEqual(rows.at(-1), {
        topic: REPLIES,
        ...c.reply(orderId),
        causationId: command.id,
      });
      assert.equal((await row(orderId))[0]?.status, c.after);
      if (c.before === c.after)
        assert.deepEqual(await snapshot(orderId), before, 'nothing written');
    });
  }

  test('the scheduled shipment of an orchestrated order is the one GetShipment returns', async () => {
    const orderId = randomUUID();
    await deliver(scheduleShipment(orderId, address()));
    assert.deepEqual(await getShipment(orderId), {
      orderId,
      status: 'SCHEDULED',
      reason: '',
      address: address(),
      deliveryDate: DELIVERY_DATE,
    });
  });

  test('replies go to the topic each command names, never to shipping.events.v1', async () => {
    const orderId = randomUUID();
    const first = `${REPLIES}.first`;
    const second = `${REPLIES}.second`;
    await deliver(scheduleShipment(orderId, address(), first));
    await deliver(cancelShipment(orderId, second));

    assert.deepEqual(
      (await outbox(orderId)).map((r) => [r.topic, r.type]),
      [
        [first, 'ShipmentScheduled'],
        [second, 'ShipmentCancelled'],
      ],
    );
  });

  test('a redelivered command (same message id) has no second effect and gets no second reply', async () => {
    const orderId = randomUUID();
    const schedule = scheduleShipment(orderId, address());
    const cancel = cancelShipment(orderId);
    await deliver(schedule);
    await deliver(schedule);
    const scheduledRow = await snapshot(orderId);
    await Promise.all([deliver(schedule), deliver(schedule)]);
    assert.deepEqual(await snapshot(orderId), scheduledRow);
    await deliver(cancel);
    await Promise.all([deliver(cancel), deliver(cancel), deliver(schedule)]);

    assert.equal((await row(orderId))[0]?.status, 'CANCELLED');
    assert.deepEqual(
      (await outbox(orderId)).map((r) => [r.type, r.causationId]),
      [
        ['ShipmentScheduled', schedule.id],
        ['ShipmentCancelled', cancel.id],
      ],
    );
  });

  test('a re-sent ScheduleShipment (new message id) is answered again with the same truth, and nothing more is scheduled', async () => {
    const orderId = randomUUID();
    const first = scheduleShipment(orderId, address());
    await deliver(first);
    const scheduledRow = await snapshot(orderId);
    const resent = scheduleShipment(orderId, address({ city: 'Paris', country: 'FR' }));
    await deliver(resent);

    assert.deepEqual(await snapshot(orderId), scheduledRow, 'the first shipment stands as it was');
    assert.deepEqual(await outbox(orderId), [
      { topic: REPLIES, ...scheduled(orderId), causationId: first.id },
      { topic: REPLIES, ...scheduled(orderId), causationId: resent.id },
    ]);
    assert.deepEqual((await getShipment(orderId))?.address, address());
  });

  test('a re-sent CancelShipment (new message id) is answered again with the same truth', async () => {
    const orderId = randomUUID();
    await deliver(scheduleShipment(orderId, address()));
    const first = cancelShipment(orderId);
    await deliver(first);
    const cancelledRow = await snapshot(orderId);
    const resent = cancelShipment(orderId);
    await deliver(resent);

    assert.deepEqual(await snapshot(orderId), cancelledRow);
    assert.deepEqual((await outbox(orderId)).slice(1), [
      { topic: REPLIES, ...cancelledReply(true)(orderId), causationId: first.id },
      { topic: REPLIES, ...cancelledReply(true)(orderId), causationId: resent.id },
    ]);
  });

  test('concurrent re-sends of ScheduleShipment schedule the order once, and each gets the same answer', async () => {
    const orderId = randomUUID();
    const commands = Array.from({ length: 8 }, () => scheduleShipment(orderId, address()));
    await Promise.all(commands.map(deliver));

    assert.equal((await row(orderId)).length, 1);
    const replies = await outbox(orderId);
    assert.deepEqual(
      replies.map((r) => r.causationId).sort(),
      commands.map((c) => c.id).sort(),
      'every command is answered once',
    );
    for (const reply of replies) {
      assert.deepEqual(reply, {
        topic: REPLIES,
        ...scheduled(orderId),
        causationId: reply.causationId,
      });
    }
  });

  test('a CancelShipment that overtakes its ScheduleShipment records a refusal: the late ScheduleShipment is answered CANCELLED and schedules nothing', async () => {
    const orderId = randomUUID();
    await deliver(cancelShipment(orderId));
    assert.deepEqual(await row(orderId), [
      { status: 'REFUSED', reason: null, detail: null, delivery_date: null },
    ]);

    await deliver(scheduleShipment(orderId, address()));

    assert.equal((await getShipment(orderId))?.status, 'REFUSED');
    assert.deepEqual(
      (await outbox(orderId)).map(({ topic, type, payload }) => ({ topic, type, payload })),
      [
        { topic: REPLIES, ...cancelledReply(false)(orderId) },
        { topic: REPLIES, ...compensatedBefore(orderId) },
      ],
    );
  });

  test('a ScheduleShipment to Slowtown is answered only after SHIPPING_SLOW_MS', async () => {
    const orderId = randomUUID();
    const started = Date.now();
    await deliver(scheduleShipment(orderId, address({ city: 'Slowtown' })));

    assert.ok(Date.now() - started >= SLOW_MS - 50, `took ${Date.now() - started} ms`);
    assert.deepEqual(
      (await outbox(orderId)).map((r) => [r.topic, r.type]),
      [[REPLIES, 'ShipmentScheduled']],
    );
  });

  test("an orchestrated order's OrderCancelled is ignored by choreography: no refusal, no ShipmentCancelled", async () => {
    const unscheduled = randomUUID();
    await deliver(orderCancelled(unscheduled, SagaMode.SAGA_MODE_ORCHESTRATION));
    assert.deepEqual(await row(unscheduled), [], 'no refusal recorded');
    assert.deepEqual(await outbox(unscheduled), []);
    // So the orchestrator's own command still decides.
    await deliver(scheduleShipment(unscheduled, address()));
    assert.equal((await row(unscheduled))[0]?.status, 'SCHEDULED');

    const scheduledOrder = randomUUID();
    await deliver(scheduleShipment(scheduledOrder, address()));
    await deliver(orderCancelled(scheduledOrder, SagaMode.SAGA_MODE_ORCHESTRATION));
    assert.equal((await row(scheduledOrder))[0]?.status, 'SCHEDULED', 'not cancelled');
    assert.deepEqual(
      (await outbox(scheduledOrder)).map((r) => r.type),
      ['ShipmentScheduled'],
    );
  });

  test('a command without replyTo is refused before it runs: nothing is written or answered', async () => {
    const orderId = randomUUID();
    await assert.rejects(
      deliver(scheduleShipment(orderId, address(), '')),
      /ScheduleShipment v1: replyTo is required/,
    );
    await assert.rejects(deliver(cancelShipment(orderId, '')), /replyTo is required/);
    assert.deepEqual(await row(orderId), []);
    assert.deepEqual(await outbox(orderId), []);
  });
});

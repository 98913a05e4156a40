/**
 * The payment service, booted in-process against a throwaway schema of its real database, driven
 * the way the platform drives it: events handed to its choreography consumer and commands to its
 * orchestration consumer (exactly as Kafka delivery would, inbox transaction included), and calls
 * on its gRPC API.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { COMMANDS, EVENTS, type MessageDef, TOPICS } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import {
  type CreateCustomerResponse,
  type Customer,
  type GetCustomerResponse,
  type GetPaymentResponse,
  type Payment,
  PaymentServiceClient,
  type RefundPaymentResponse,
} from '@saga/contracts/payment';
import type { Envelope } from '@saga/messaging';
import { Code, createRpcClient, type RpcClient, RpcError } from '@saga/rpc';
import type { ServiceHost } from '@saga/service-host';
import { createLogger, loadConfig } from '@saga/service-kit';
import { eventually, inSchema, testStack } from '@saga/testkit';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { PAYMENT_CONFIG } from '../src/config.ts';
import { PaymentNotCapturableError } from '../src/domain/payment.errors.ts';

const { endpoints } = testStack(process.env);
const schema = `test_payment_${randomUUID().slice(0, 8)}`;
const url = inSchema(endpoints.postgresUrl('payment'), schema);
const config = loadConfig(PAYMENT_CONFIG, {
  HOST: '127.0.0.1',
  GRPC_PORT: '0',
  HEALTH_PORT: '0',
  DATABASE_URL: url,
  KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
  SEED_FIXTURES: 'true',
  LOG_LEVEL: 'silent',
  PAYMENT_SLOW_MS: '2500',
});
const logger = createLogger({ service: 'payment', level: 'silent' });

/** The slow fixture's waits, held until the test releases them (no timing guesswork). */
const waits: { ms: number; release: () => void }[] = [];
const sleep = (ms: number) => new Promise<void>((release) => waits.push({ ms, release }));

let host: ServiceHost;
let client: RpcClient;
/** For assertions on the service's rows, in the test's schema. */
const db = new pg.Pool({ connectionString: url, max: 4 });

before(async () => {
  const admin = new pg.Client({ connectionString: endpoints.postgresUrl('payment') });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  host = buildApp({ logger, messaging: false, sleep }, config);
  const { grpcPort } = await host.start();
  client = createRpcClient(PaymentServiceClient, `127.0.0.1:${grpcPort}`, {
    dependency: 'payment',
    defaultDeadlineMs: 5_000,
  });
});

after(async () => {
  for (const w of waits.splice(0)) w.release();
  client?.close();
  await host?.stop();
  await db.query(`drop schema ${schema} cascade`);
  await db.end();
});

// --- helpers -------------------------------------------------------------------------------

const address = {
  name: 'Ada',
  line1: 'Main St 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const items = [{ sku: 'SKU-BOOK', quantity: 2, unitPriceCents: 2_500 }];

/** An envelope as the consumer receives it: payload in proto3 JSON, keyed by order id. */
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

const stockReserved = (orderId: string, customerId: string, totalCents: number) =>
  envelope(EVENTS.StockReserved, {
    orderId,
    customerId,
    totalCents,
    shippingAddress: address,
    items,
  });
const orderConfirmed = (orderId: string, sagaMode: SagaMode = SagaMode.SAGA_MODE_CHOREOGRAPHY) =>
  envelope(EVENTS.OrderConfirmed, { orderId, sagaMode });
const orderCancelled = (orderId: string, sagaMode: SagaMode = SagaMode.SAGA_MODE_CHOREOGRAPHY) =>
  envelope(EVENTS.OrderCancelled, { orderId, reason: 'CUSTOMER_CANCELLED', sagaMode });
const shipmentRejected = (orderId: string) =>
  envelope(EVENTS.ShipmentRejected, {
    orderId,
    reason: 'ADDRESS_REJECTED',
    detail: 'postal code 00000',
  });

const deliver = (e: Envelope<unknown>) => host.deliver('choreography', e);

/** The events payment announced (or replies it sent) about an order, in order. */
async function outbox(orderId: string) {
  const { rows } = await db.query<{
    topic: string;
    type: string;
    payload: Record<string, unknown>;
    headers: Record<string, string>;
  }>(
    `select topic, type, convert_from(payload, 'UTF8')::jsonb as payload, headers
     from outbox where key = $1 order by position`,
    [orderId],
  );
  return rows;
}

async function customer(customerId: string): Promise<Customer> {
  const res = await client.call<GetCustomerResponse>('getCustomer', { customerId });
  assert.ok(res.customer);
  return res.customer;
}

async function payment(orderId: string): Promise<Payment> {
  const res = await client.call<GetPaymentResponse>('getPayment', { orderId });
  assert.ok(res.payment);
  return res.payment;
}

async function totalBalance(): Promise<number> {
  const { rows } = await db.query<{ total: string }>(
    'select sum(balance_cents) as total from accounts',
  );
  return Number(rows[0]?.total);
}

/** A customer of the test's own, with the numbers it needs. */
async function newCustomer(balanceCents: number, creditLimitCents = 0): Promise<string> {
  const customerId = `cust_${randomUUID().slice(0, 8)}`;
  await client.call<CreateCustomerResponse>('createCustomer', {
    customerId,
    name: 'Test customer',
    balanceCents,
    creditLimitCents,
  });
  return customerId;
}

const rejectsWith = (promise: Promise<unknown>, code: number) =>
  assert.rejects(promise, (err: unknown) => err instanceof RpcError && err.code === code);

// --- fixtures ------------------------------------------------------------------------------

test('the fixture customers of docs/fixtures.md are loaded, beside the merchant account', async () => {
  assert.deepEqual(await customer('cust_alice'), {
    customerId: 'cust_alice',
    name: 'Alice',
    balanceCents: 100_000_000,
    heldCents: 0,
    creditLimitCents: 0,
    availableCents: 100_000_000,
  });
  assert.equal((await customer('cust_bob')).availableCents, 5_000);
  assert.equal((await customer('cust_declined')).balanceCents, 100_000_000);
  assert.equal((await customer('cust_slow')).balanceCents, 100_000_000);
  assert.equal((await customer('merchant')).creditLimitCents, 0);
});

// --- the saga paths ------------------------------------------------------------------------

test('StockReserved within the funds holds the total and announces PaymentAuthorized with what shipping needs', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  const trigger = stockReserved(orderId, 'cust_alice', 5_000);
  await deliver(trigger);

  assert.deepEqual(await payment(orderId), {
    orderId,
    customerId: 'cust_alice',
    amountCents: 5_000,
    status: 'AUTHORIZED',
    reason: '',
  });
  const after = await customer('cust_alice');
  assert.equal(after.heldCents, before.heldCents + 5_000);
  assert.equal(after.balanceCents, before.balanceCents);
  assert.equal(after.availableCents, before.availableCents - 5_000);
  const events = await outbox(orderId);
  assert.deepEqual(
    events.map((e) => [e.type, e.payload]),
    [
      [
        'PaymentAuthorized',
        { orderId, customerId: 'cust_alice', amountCents: 5_000, shippingAddress: address, items },
      ],
    ],
  );
  assert.equal(events[0]?.headers['causation-id'], trigger.id);
  assert.equal(events[0]?.headers['correlation-id'], orderId);
});

test('OrderConfirmed captures: the held amount moves to the merchant and the sum of balances is unchanged', async () => {
  const orderId = randomUUID();
  await deliver(stockReserved(orderId, 'cust_alice', 4_200));
  const [alice, merchant, total] = [
    await customer('cust_alice'),
    await customer('merchant'),
    await totalBalance(),
  ];

  await deliver(orderConfirmed(orderId));

  assert.equal((await payment(orderId)).status, 'CAPTURED');
  const aliceAfter = await customer('cust_alice');
  assert.equal(aliceAfter.balanceCents, alice.balanceCents - 4_200);
  assert.equal(aliceAfter.heldCents, alice.heldCents - 4_200);
  assert.equal((await customer('merchant')).balanceCents, merchant.balanceCents + 4_200);
  assert.equal(await totalBalance(), total);
  assert.deepEqual((await outbox(orderId)).map((e) => [e.type, e.payload]).slice(1), [
    ['PaymentCaptured', { orderId, amountCents: 4_200 }],
  ]);
});

for (const [customerId, amount, reason] of [
  ['cust_bob', 5_001, 'INSUFFICIENT_FUNDS'],
  ['cust_declined', 100, 'CARD_DECLINED'],
  ['cust_nobody', 100, 'UNKNOWN_CUSTOMER'],
] as const) {
  test(`StockReserved for ${customerId} is declined ${reason}, holding nothing`, async () => {
    const orderId = randomUUID();
    const before = customerId === 'cust_nobody' ? undefined : await customer(customerId);
    await deliver(stockReserved(orderId, customerId, amount));

    assert.deepEqual(await payment(orderId), {
      orderId,
      customerId,
      amountCents: amount,
      status: 'DECLINED',
      reason,
    });
    if (before) assert.deepEqual(await customer(customerId), before);
    const events = await outbox(orderId);
    assert.deepEqual(
      events.map((e) => [e.type, e.payload.reason]),
      [['PaymentDeclined', reason]],
    );
    assert.ok(String(events[0]?.payload.detail).length > 0, 'the decline says why');
  });
}

test('cust_bob is authorised up to exactly his 50.00', async () => {
  const orderId = randomUUID();
  await deliver(stockReserved(orderId, 'cust_bob', 5_000));
  assert.equal((await payment(orderId)).status, 'AUTHORIZED');
  await deliver(shipmentRejected(orderId));
  assert.equal((await customer('cust_bob')).heldCents, 0);
});

test('ShipmentRejected voids the authorisation and announces PaymentVoided { voided: true }', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  await deliver(stockReserved(orderId, 'cust_alice', 3_000));
  await deliver(shipmentRejected(orderId));

  assert.deepEqual(await payment(orderId), {
    orderId,
    customerId: 'cust_alice',
    amountCents: 3_000,
    status: 'VOIDED',
    reason: 'ADDRESS_REJECTED',
  });
  assert.deepEqual(await customer('cust_alice'), before);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => [e.type, e.type === 'PaymentVoided' ? e.payload : {}]),
    [
      ['PaymentAuthorized', {}],
      ['PaymentVoided', { orderId, voided: true }],
    ],
  );
});

test('OrderCancelled after the authorisation voids it and announces PaymentVoided { voided: true }', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  await deliver(stockReserved(orderId, 'cust_alice', 3_000));
  await deliver(orderCancelled(orderId));

  const p = await payment(orderId);
  assert.deepEqual([p.status, p.reason], ['VOIDED', 'CUSTOMER_CANCELLED']);
  assert.deepEqual(await customer('cust_alice'), before);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => [e.type, e.payload.voided]),
    [
      ['PaymentAuthorized', undefined],
      ['PaymentVoided', true],
    ],
  );
});

test('OrderCancelled after a decline has nothing to void: PaymentVoided { voided: false }', async () => {
  const orderId = randomUUID();
  await deliver(stockReserved(orderId, 'cust_declined', 100));
  await deliver(orderCancelled(orderId));
  assert.equal((await payment(orderId)).status, 'DECLINED');
  assert.deepEqual(
    (await outbox(orderId)).map((e) => [e.type, e.payload]).slice(1),
    [['PaymentVoided', { orderId }]], // proto3 JSON omits false
  );
});

test('an order cancelled before StockReserved is refused, and the late StockReserved does nothing', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  await deliver(orderCancelled(orderId));

  assert.deepEqual(await payment(orderId), {
    orderId,
    customerId: '',
    amountCents: 0,
    status: 'REFUSED',
    reason: 'CUSTOMER_CANCELLED',
  });
  assert.deepEqual(
    (await outbox(orderId)).map((e) => [e.type, e.payload]),
    [['PaymentVoided', { orderId }]],
  );

  await deliver(stockReserved(orderId, 'cust_alice', 2_000));
  assert.equal((await payment(orderId)).status, 'REFUSED');
  assert.deepEqual(await customer('cust_alice'), before);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['PaymentVoided'],
  );
});

test('the slow customer waits PAYMENT_SLOW_MS before locking anything, so a cancellation meanwhile wins', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_slow');
  const authorising = deliver(stockReserved(orderId, 'cust_slow', 1_000));
  const wait = await eventually(() => {
    const w = waits.shift();
    assert.ok(w, 'the authorisation is not waiting yet');
    return w;
  });
  assert.equal(wait.ms, config.PAYMENT_SLOW_MS);

  // Completes while the authorisation waits: it has locked nothing the refusal needs.
  await deliver(orderCancelled(orderId));
  assert.equal((await payment(orderId)).status, 'REFUSED');

  wait.release();
  await authorising;
  assert.equal((await payment(orderId)).status, 'REFUSED');
  assert.deepEqual(await customer('cust_slow'), before);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['PaymentVoided'],
  );
});

test('the slow customer is authorised once the wait is over', async () => {
  const orderId = randomUUID();
  const authorising = deliver(stockReserved(orderId, 'cust_slow', 1_000));
  const wait = await eventually(() => {
    const w = waits.shift();
    assert.ok(w, 'the authorisation is not waiting yet');
    return w;
  });
  await rejectsWith(payment(orderId), Code.NOT_FOUND);
  wait.release();
  await authorising;
  assert.equal((await payment(orderId)).status, 'AUTHORIZED');
  await deliver(orderCancelled(orderId));
});

test('OrderConfirmed for a payment that is not authorised captures nothing and announces nothing', async () => {
  const orderId = randomUUID();
  await deliver(stockReserved(orderId, 'cust_declined', 100));
  const merchant = await customer('merchant');
  await deliver(orderConfirmed(orderId));
  assert.equal((await payment(orderId)).status, 'DECLINED');
  assert.deepEqual(await customer('merchant'), merchant);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['PaymentDeclined'],
  );
});

test('ShipmentRejected for an order without a payment announces PaymentVoided { voided: false }', async () => {
  const orderId = randomUUID();
  await deliver(shipmentRejected(orderId));
  await rejectsWith(payment(orderId), Code.NOT_FOUND);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => [e.type, e.payload]),
    [['PaymentVoided', { orderId }]],
  );
});

// --- exactly-once processing ---------------------------------------------------------------

test('a redelivered message has no second effect', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  const merchant = await customer('merchant');
  const reserved = stockReserved(orderId, 'cust_alice', 1_500);
  const confirmed = orderConfirmed(orderId);
  await deliver(reserved);
  await deliver(reserved);
  assert.equal((await customer('cust_alice')).heldCents, before.heldCents + 1_500);
  await deliver(confirmed);
  await Promise.all([deliver(confirmed), deliver(confirmed)]);

  const after = await customer('cust_alice');
  assert.equal(after.balanceCents, before.balanceCents - 1_500);
  assert.equal(after.heldCents, before.heldCents);
  assert.equal((await customer('merchant')).balanceCents, merchant.balanceCents + 1_500);
  assert.deepEqual(
    (await outbox(orderId)).map((e) => e.type),
    ['PaymentAuthorized', 'PaymentCaptured'],
  );
});

// --- concurrency ---------------------------------------------------------------------------

test('concurrent authorisations for one customer never take it below its limit: held is the sum authorised', async () => {
  const customerId = await newCustomer(10_000, 2_000);
  const orders = Array.from({ length: 25 }, () => randomUUID());
  await Promise.all(orders.map((orderId) => deliver(stockReserved(orderId, customerId, 1_000))));

  const statuses = await Promise.all(
    orders.map(async (orderId) => (await payment(orderId)).status),
  );
  const authorised = statuses.filter((s) => s === 'AUTHORIZED').length;
  assert.equal(authorised, 12, `12 of 1 000 fit in 10 000 + 2 000 of credit; got ${authorised}`);
  assert.equal(statuses.filter((s) => s === 'DECLINED').length, 13);
  const c = await customer(customerId);
  assert.equal(c.heldCents, authorised * 1_000);
  assert.equal(c.balanceCents, 10_000);
  assert.ok(c.balanceCents - c.heldCents >= -c.creditLimitCents);
  assert.equal(c.availableCents, 0);
});

test('authorisations racing cancellations of the same orders end either voided or refused, holding nothing', async () => {
  const customerId = await newCustomer(1_000_000);
  const orders = Array.from({ length: 20 }, () => randomUUID());
  await Promise.all(
    orders.flatMap((orderId) => [
      deliver(stockReserved(orderId, customerId, 1_000)),
      deliver(orderCancelled(orderId)),
    ]),
  );

  for (const orderId of orders) {
    const p = await payment(orderId);
    const types = (await outbox(orderId)).map(
      (e) => `${e.type}${e.payload.voided ? ':voided' : ''}`,
    );
    if (p.status === 'VOIDED') {
      assert.deepEqual(types, ['PaymentAuthorized', 'PaymentVoided:voided']);
    } else {
      assert.equal(p.status, 'REFUSED');
      assert.deepEqual(types, ['PaymentVoided']);
    }
  }
  assert.equal((await customer(customerId)).heldCents, 0);
});

test('concurrent captures, voids and refunds across customers keep the sum of all balances', async () => {
  const customers = [await newCustomer(50_000), await newCustomer(20_000, 10_000)];
  const orders = Array.from({ length: 24 }, (_, i) => ({
    orderId: randomUUID(),
    customerId: customers[i % 2] ?? '',
    amount: 1_000 + i,
  }));
  await Promise.all(orders.map((o) => deliver(stockReserved(o.orderId, o.customerId, o.amount))));
  const total = await totalBalance();
  const merchant = await customer('merchant');

  await Promise.all(
    orders.map((o, i) =>
      deliver(i % 3 === 0 ? orderCancelled(o.orderId) : orderConfirmed(o.orderId)),
    ),
  );
  const refunded = orders.filter((_, i) => i % 3 === 1);
  await Promise.all(
    refunded.map((o) =>
      client.call<RefundPaymentResponse>('refundPayment', { orderId: o.orderId }),
    ),
  );

  assert.equal(await totalBalance(), total);
  const kept = orders.filter((_, i) => i % 3 === 2).reduce((sum, o) => sum + o.amount, 0);
  assert.equal((await customer('merchant')).balanceCents, merchant.balanceCents + kept);
  for (const id of customers) {
    const c = await customer(id);
    assert.equal(c.heldCents, 0);
    assert.ok(c.balanceCents - c.heldCents >= -c.creditLimitCents);
  }
});

// --- gRPC ----------------------------------------------------------------------------------

test('RefundPayment gives a captured payment back once and announces PaymentRefunded; again it changes nothing', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  await deliver(stockReserved(orderId, 'cust_alice', 2_500));
  await deliver(orderConfirmed(orderId));
  const merchant = await customer('merchant');

  const first = await client.call<RefundPaymentResponse>('refundPayment', { orderId });
  assert.equal(first.payment?.status, 'REFUNDED');
  const again = await client.call<RefundPaymentResponse>('refundPayment', { orderId });
  assert.deepEqual(again, first);

  assert.deepEqual(await customer('cust_alice'), before);
  assert.equal((await customer('merchant')).balanceCents, merchant.balanceCents - 2_500);
  assert.deepEqual((await outbox(orderId)).map((e) => [e.type, e.payload]).slice(2), [
    ['PaymentRefunded', { orderId, amountCents: 2_500 }],
  ]);
});

test('RefundPayment of a payment that is not captured is FAILED_PRECONDITION; of none, NOT_FOUND', async () => {
  const orderId = randomUUID();
  await deliver(stockReserved(orderId, 'cust_alice', 100));
  await rejectsWith(client.call('refundPayment', { orderId }), Code.FAILED_PRECONDITION);
  assert.equal((await payment(orderId)).status, 'AUTHORIZED');
  await deliver(orderCancelled(orderId));
  await rejectsWith(client.call('refundPayment', { orderId }), Code.FAILED_PRECONDITION);
  await rejectsWith(client.call('refundPayment', { orderId: randomUUID() }), Code.NOT_FOUND);
  await rejectsWith(client.call('refundPayment', { orderId: '' }), Code.INVALID_ARGUMENT);
});

test('GetCustomer and GetPayment answer NOT_FOUND for what does not exist', async () => {
  await rejectsWith(client.call('getCustomer', { customerId: 'cust_nobody' }), Code.NOT_FOUND);
  await rejectsWith(client.call('getCustomer', { customerId: '' }), Code.NOT_FOUND);
  await rejectsWith(client.call('getPayment', { orderId: randomUUID() }), Code.NOT_FOUND);
});

test('CreateCustomer opens an account; the same values again succeed, other values are ALREADY_EXISTS', async () => {
  const customerId = `cust_${randomUUID().slice(0, 8)}`;
  const request = { customerId, name: 'Carol', balanceCents: 12_345, creditLimitCents: 1_000 };
  const created = await client.call<CreateCustomerResponse>('createCustomer', request);
  assert.deepEqual(created.customer, {
    customerId,
    name: 'Carol',
    balanceCents: 12_345,
    heldCents: 0,
    creditLimitCents: 1_000,
    availableCents: 13_345,
  });

  // Still a retry after the balance has moved: it is compared with what the account opened with.
  const orderId = randomUUID();
  await deliver(stockReserved(orderId, customerId, 345));
  await deliver(orderConfirmed(orderId));
  const again = await client.call<CreateCustomerResponse>('createCustomer', request);
  assert.equal(again.customer?.balanceCents, 12_000);

  await rejectsWith(
    client.call('createCustomer', { ...request, balanceCents: 1 }),
    Code.ALREADY_EXISTS,
  );
  await rejectsWith(
    client.call('createCustomer', { ...request, name: 'Dave' }),
    Code.ALREADY_EXISTS,
  );
  await rejectsWith(
    client.call('createCustomer', { ...request, customerId: 'cust_alice' }),
    Code.ALREADY_EXISTS,
  );
});

test('CreateCustomer with a negative balance or credit limit, or no name, is INVALID_ARGUMENT', async () => {
  const valid = {
    customerId: `cust_${randomUUID().slice(0, 8)}`,
    name: 'Eve',
    balanceCents: 0,
    creditLimitCents: 0,
  };
  await rejectsWith(
    client.call('createCustomer', { ...valid, balanceCents: -1 }),
    Code.INVALID_ARGUMENT,
  );
  await rejectsWith(
    client.call('createCustomer', { ...valid, creditLimitCents: -1 }),
    Code.INVALID_ARGUMENT,
  );
  await rejectsWith(client.call('createCustomer', { ...valid, name: ' ' }), Code.INVALID_ARGUMENT);
  await rejectsWith(
    client.call('createCustomer', { ...valid, customerId: '' }),
    Code.INVALID_ARGUMENT,
  );
  await rejectsWith(client.call('getCustomer', { customerId: valid.customerId }), Code.NOT_FOUND);
});

// --- orchestration: the orchestrator's commands --------------------------------------------

const authorizePayment = (
  orderId: string,
  customerId: string,
  amountCents: number,
  replyTo: string = TOPICS.sagaReplies,
) =>
  envelope(COMMANDS.AuthorizePayment, {
    orderId,
    customerId,
    amountCents,
    shippingAddress: address,
    items,
    replyTo,
  });
const voidPayment = (orderId: string, replyTo: string = TOPICS.sagaReplies) =>
  envelope(COMMANDS.VoidPayment, { orderId, replyTo });
const capturePayment = (orderId: string, replyTo: string = TOPICS.sagaReplies) =>
  envelope(COMMANDS.CapturePayment, { orderId, replyTo });

const command = (e: Envelope<unknown>) => host.deliver('commands', e);

/**
 * The replies payment sent about an order, in order, as [type, payload]. Every one must be on
 * `replyTo`: none on payment.events.v1, where choreography consumers would see them. (A refund
 * is announced there, but it answers the RefundPayment call, not a command.)
 */
async function replies(orderId: string, replyTo: string = TOPICS.sagaReplies) {
  const rows = (await outbox(orderId)).filter((r) => r.type !== 'PaymentRefunded');
  assert.deepEqual(
    rows.map((r) => r.topic),
    rows.map(() => replyTo),
    'replies go to the replyTo topic only',
  );
  return rows.map((r) => [r.type, r.payload] as const);
}

/** The payment states of the table in app/orchestration.handlers.ts; `none`: no payment yet. */
type State = 'none' | 'AUTHORIZED' | 'DECLINED' | 'CAPTURED' | 'VOIDED' | 'REFUNDED' | 'REFUSED';

/** A new order whose payment the orchestrator's commands have brought to `state`. */
async function orderIn(state: State, amountCents = 1_000): Promise<string> {
  const orderId = randomUUID();
  if (state === 'REFUSED') await command(voidPayment(orderId));
  else if (state !== 'none') {
    const customerId = state === 'DECLINED' ? 'cust_declined' : 'cust_alice';
    await command(authorizePayment(orderId, customerId, amountCents));
  }
  if (state === 'VOIDED') await command(voidPayment(orderId));
  if (state === 'CAPTURED' || state === 'REFUNDED') await command(capturePayment(orderId));
  if (state === 'REFUNDED') await client.call('refundPayment', { orderId });
  if (state === 'none') await rejectsWith(payment(orderId), Code.NOT_FOUND);
  else assert.equal((await payment(orderId)).status, state);
  return orderId;
}

/** What a command must leave as it found when it has nothing to do. */
async function snapshot(orderId: string) {
  const p = await client.call<GetPaymentResponse>('getPayment', { orderId }).catch(() => null);
  return {
    payment: p?.payment,
    alice: await customer('cust_alice'),
    merchant: await customer('merchant'),
    total: await totalBalance(),
  };
}

test('AuthorizePayment within the funds holds the amount and replies PaymentAuthorized, with what shipping needs, on its replyTo topic', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  const authorize = authorizePayment(orderId, 'cust_alice', 5_000);
  await command(authorize);

  assert.deepEqual(await payment(orderId), {
    orderId,
    customerId: 'cust_alice',
    amountCents: 5_000,
    status: 'AUTHORIZED',
    reason: '',
  });
  assert.equal((await customer('cust_alice')).heldCents, before.heldCents + 5_000);
  assert.deepEqual(await replies(orderId), [
    [
      'PaymentAuthorized',
      { orderId, customerId: 'cust_alice', amountCents: 5_000, shippingAddress: address, items },
    ],
  ]);
  const [reply] = await outbox(orderId);
  assert.equal(reply?.headers['causation-id'], authorize.id);
  assert.equal(reply?.headers['correlation-id'], orderId);
});

for (const [customerId, amount, reason] of [
  ['cust_bob', 5_001, 'INSUFFICIENT_FUNDS'],
  ['cust_declined', 100, 'CARD_DECLINED'],
  ['cust_nobody', 100, 'UNKNOWN_CUSTOMER'],
] as const) {
  test(`AuthorizePayment for ${customerId} is declined ${reason}: it holds nothing and replies PaymentDeclined`, async () => {
    const orderId = randomUUID();
    const before = customerId === 'cust_nobody' ? undefined : await customer(customerId);
    await command(authorizePayment(orderId, customerId, amount));

    assert.equal((await payment(orderId)).status, 'DECLINED');
    if (before) assert.deepEqual(await customer(customerId), before);
    const answers = await replies(orderId);
    assert.deepEqual(
      answers.map(([type, p]) => [type, p.reason]),
      [['PaymentDeclined', reason]],
    );
    assert.ok(String(answers[0]?.[1].detail).length > 0, 'the decline says why');
  });
}

for (const state of ['AUTHORIZED', 'CAPTURED', 'REFUNDED'] as const) {
  test(`AuthorizePayment re-sent (new id) when the payment is ${state} replies the same PaymentAuthorized again and moves no money`, async () => {
    const orderId = await orderIn(state, 2_000);
    const [first] = await replies(orderId);
    const before = await snapshot(orderId);

    await command(authorizePayment(orderId, 'cust_alice', 2_000));

    assert.deepEqual(await snapshot(orderId), before);
    const answers = await replies(orderId);
    assert.equal(first?.[0], 'PaymentAuthorized');
    assert.deepEqual(answers.at(-1), first);
  });
}

test('AuthorizePayment re-sent for a declined payment replies the same PaymentDeclined, its detail as first said though the balance has moved since', async () => {
  const customerId = await newCustomer(5_000);
  const orderId = randomUUID();
  await command(authorizePayment(orderId, customerId, 6_000));
  const [first] = await replies(orderId);
  assert.deepEqual(first, [
    'PaymentDeclined',
    { orderId, reason: 'INSUFFICIENT_FUNDS', detail: '6000 cents asked, 5000 cents available' },
  ]);
  await command(authorizePayment(randomUUID(), customerId, 1_000));
  const before = await customer(customerId);

  await command(authorizePayment(orderId, customerId, 6_000));

  assert.deepEqual(await customer(customerId), before);
  assert.equal((await payment(orderId)).status, 'DECLINED');
  assert.deepEqual(await replies(orderId), [first, first]);
});

test('VoidPayment before its AuthorizePayment records a refusal and replies voided: false; the late AuthorizePayment holds nothing and replies PaymentDeclined CANCELLED', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  await command(voidPayment(orderId));

  assert.deepEqual(await payment(orderId), {
    orderId,
    customerId: '',
    amountCents: 0,
    status: 'REFUSED',
    reason: 'CANCELLED',
  });
  assert.deepEqual(await replies(orderId), [['PaymentVoided', { orderId }]]); // false is omitted

  await command(authorizePayment(orderId, 'cust_alice', 2_000));

  assert.equal((await payment(orderId)).status, 'REFUSED');
  assert.deepEqual(await customer('cust_alice'), before);
  const answers = await replies(orderId);
  assert.deepEqual(
    answers.map(([type, p]) => [type, p.reason]),
    [
      ['PaymentVoided', undefined],
      ['PaymentDeclined', 'CANCELLED'],
    ],
  );
  assert.match(String(answers[1]?.[1].detail), /compensated before this AuthorizePayment ran/);
});

test('VoidPayment lifts the hold of an authorisation and replies voided: true; re-sent, it lifts nothing more and replies voided: false', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  await command(authorizePayment(orderId, 'cust_alice', 3_000));
  await command(voidPayment(orderId));

  assert.deepEqual(await payment(orderId), {
    orderId,
    customerId: 'cust_alice',
    amountCents: 3_000,
    status: 'VOIDED',
    reason: 'CANCELLED',
  });
  assert.deepEqual(await customer('cust_alice'), before);

  await command(voidPayment(orderId));

  assert.deepEqual(await customer('cust_alice'), before);
  assert.deepEqual((await replies(orderId)).slice(1), [
    ['PaymentVoided', { orderId, voided: true }],
    ['PaymentVoided', { orderId }],
  ]);
});

test('AuthorizePayment re-sent for a voided payment holds nothing and replies PaymentDeclined CANCELLED', async () => {
  const orderId = await orderIn('VOIDED');
  const before = await snapshot(orderId);

  await command(authorizePayment(orderId, 'cust_alice', 1_000));

  assert.deepEqual(await snapshot(orderId), before);
  const [type, answer] = (await replies(orderId)).at(-1) ?? [];
  assert.equal(type, 'PaymentDeclined');
  assert.equal(answer?.reason, 'CANCELLED');
  assert.match(String(answer?.detail), /its authorisation was voided/);
});

for (const state of ['DECLINED', 'VOIDED', 'REFUSED', 'CAPTURED', 'REFUNDED'] as const) {
  test(`VoidPayment when the payment is ${state} changes nothing and replies voided: false`, async () => {
    const orderId = await orderIn(state);
    const before = await snapshot(orderId);
    const count = (await replies(orderId)).length;

    await command(voidPayment(orderId));

    assert.deepEqual(await snapshot(orderId), before);
    assert.deepEqual((await replies(orderId)).slice(count), [['PaymentVoided', { orderId }]]);
  });
}

test('CapturePayment moves the authorised amount to the merchant and replies PaymentCaptured; re-sent, it moves nothing and replies the same', async () => {
  const orderId = randomUUID();
  const alice = await customer('cust_alice');
  const merchant = await customer('merchant');
  const total = await totalBalance();
  await command(authorizePayment(orderId, 'cust_alice', 4_200));
  await command(capturePayment(orderId));

  assert.equal((await payment(orderId)).status, 'CAPTURED');
  const aliceAfter = await customer('cust_alice');
  assert.equal(aliceAfter.balanceCents, alice.balanceCents - 4_200);
  assert.equal(aliceAfter.heldCents, alice.heldCents);
  assert.equal((await customer('merchant')).balanceCents, merchant.balanceCents + 4_200);
  assert.equal(await totalBalance(), total);
  const captured = await snapshot(orderId);

  await command(capturePayment(orderId));

  assert.deepEqual(await snapshot(orderId), captured);
  assert.deepEqual((await replies(orderId)).slice(1), [
    ['PaymentCaptured', { orderId, amountCents: 4_200 }],
    ['PaymentCaptured', { orderId, amountCents: 4_200 }],
  ]);
});

test('CapturePayment for a refunded payment moves nothing and replies PaymentCaptured: the capture happened', async () => {
  const orderId = await orderIn('REFUNDED', 1_500);
  const before = await snapshot(orderId);

  await command(capturePayment(orderId));

  assert.deepEqual(await snapshot(orderId), before);
  assert.deepEqual((await replies(orderId)).at(-1), [
    'PaymentCaptured',
    { orderId, amountCents: 1_500 },
  ]);
});

for (const state of ['none', 'DECLINED', 'VOIDED', 'REFUSED'] as const) {
  test(`CapturePayment when ${state === 'none' ? 'there is no payment' : `the payment is ${state}`} throws PaymentNotCapturableError and writes nothing, not even its inbox row`, async () => {
    const orderId = await orderIn(state);
    const before = await snapshot(orderId);
    const count = (await replies(orderId)).length;
    const capture = capturePayment(orderId);

    const notCapturable = (err: unknown) =>
      err instanceof PaymentNotCapturableError && err.code === 'PAYMENT.NOT_CAPTURABLE';
    await assert.rejects(command(capture), notCapturable);
    // Rolled back, inbox row included: the consumer's redelivery fails the same way.
    await assert.rejects(command(capture), notCapturable);

    assert.deepEqual(await snapshot(orderId), before);
    assert.equal((await replies(orderId)).length, count);
  });
}

test('AuthorizePayment with a negative amount is a broken command: it throws and writes nothing', async () => {
  const orderId = randomUUID();
  await assert.rejects(command(authorizePayment(orderId, 'cust_alice', -1)), {
    name: 'InvalidRequestError',
  });
  await rejectsWith(payment(orderId), Code.NOT_FOUND);
  assert.deepEqual(await outbox(orderId), []);
});

test('a redelivered command (same id) has no second effect and gets no second reply', async () => {
  const captured = randomUUID();
  const voided = randomUUID();
  const alice = await customer('cust_alice');
  const merchant = await customer('merchant');
  const commands = [
    authorizePayment(captured, 'cust_alice', 1_100),
    capturePayment(captured),
    authorizePayment(voided, 'cust_alice', 900),
    voidPayment(voided),
  ];
  for (const c of commands) {
    await command(c);
    await Promise.all([command(c), command(c)]);
  }

  const after = await customer('cust_alice');
  assert.equal(after.balanceCents, alice.balanceCents - 1_100);
  assert.equal(after.heldCents, alice.heldCents);
  assert.equal((await customer('merchant')).balanceCents, merchant.balanceCents + 1_100);
  assert.deepEqual(
    (await replies(captured)).map(([type]) => type),
    ['PaymentAuthorized', 'PaymentCaptured'],
  );
  assert.deepEqual(
    (await replies(voided)).map(([type]) => type),
    ['PaymentAuthorized', 'PaymentVoided'],
  );
  assert.equal((await payment(voided)).status, 'VOIDED');
});

test('AuthorizePayment re-sent while the first is still being handled holds once, and each gets the same PaymentAuthorized', async () => {
  const orderId = randomUUID();
  const before = await customer('cust_alice');
  await Promise.all([1, 2, 3].map(() => command(authorizePayment(orderId, 'cust_alice', 700))));

  assert.equal((await customer('cust_alice')).heldCents, before.heldCents + 700);
  const answers = await replies(orderId);
  assert.equal(answers.length, 3);
  for (const a of answers) assert.deepEqual(a, answers[0]);
  assert.equal(answers[0]?.[0], 'PaymentAuthorized');
});

test('AuthorizePayment for the slow customer waits PAYMENT_SLOW_MS before deciding, as StockReserved does', async () => {
  const orderId = randomUUID();
  const authorising = command(authorizePayment(orderId, 'cust_slow', 1_000));
  const wait = await eventually(() => {
    const w = waits.shift();
    assert.ok(w, 'the authorisation is not waiting yet');
    return w;
  });
  assert.equal(wait.ms, config.PAYMENT_SLOW_MS);
  await rejectsWith(payment(orderId), Code.NOT_FOUND);
  assert.deepEqual(await outbox(orderId), []);

  wait.release();
  await authorising;
  assert.equal((await payment(orderId)).status, 'AUTHORIZED');
  assert.deepEqual(
    (await replies(orderId)).map(([type]) => type),
    ['PaymentAuthorized'],
  );
  await command(voidPayment(orderId));
});

test('replies go to the topic the command names, whatever it is', async () => {
  const orderId = randomUUID();
  const replyTo = 'test.saga-replies.v1';
  await command(authorizePayment(orderId, 'cust_alice', 800, replyTo));
  await command(capturePayment(orderId, replyTo));
  await command(voidPayment(orderId, replyTo));

  assert.deepEqual(
    (await replies(orderId, replyTo)).map(([type]) => type),
    ['PaymentAuthorized', 'PaymentCaptured', 'PaymentVoided'],
  );
});

test('the choreography consumer ignores OrderConfirmed and OrderCancelled of orchestrated orders: no capture, no void, no refusal, no event', async () => {
  const orderId = await orderIn('AUTHORIZED');
  const before = await snapshot(orderId);
  const count = (await outbox(orderId)).length;

  await deliver(orderConfirmed(orderId, SagaMode.SAGA_MODE_ORCHESTRATION));
  await deliver(orderCancelled(orderId, SagaMode.SAGA_MODE_ORCHESTRATION));

  assert.deepEqual(await snapshot(orderId), before);
  assert.equal((await outbox(orderId)).length, count);

  const unknown = randomUUID();
  await deliver(orderCancelled(unknown, SagaMode.SAGA_MODE_ORCHESTRATION));
  await rejectsWith(payment(unknown), Code.NOT_FOUND);
  assert.deepEqual(await outbox(unknown), []);
  await command(voidPayment(orderId));
});

test('an OrderCancelled without a sagaMode (published before orchestration existed) is handled as choreography', async () => {
  const orderId = randomUUID();
  await deliver(orderCancelled(orderId, SagaMode.SAGA_MODE_UNSPECIFIED));
  assert.equal((await payment(orderId)).status, 'REFUSED');
  assert.deepEqual(
    (await outbox(orderId)).map((e) => [e.topic, e.type]),
    [[TOPICS.paymentEvents, 'PaymentVoided']],
  );
});

// --- restart -------------------------------------------------------------------------------

test('starting again loads the fixtures idempotently: existing accounts are left as they are', async () => {
  const orderId = randomUUID();
  await deliver(stockReserved(orderId, 'cust_bob', 1_000));
  const { rows: before } = await db.query('select * from accounts order by id');

  const second = buildApp({ logger, messaging: false, sleep }, config);
  try {
    await second.start();
  } finally {
    await second.stop();
  }

  const { rows: after } = await db.query('select * from accounts order by id');
  assert.deepEqual(after, before);
  assert.equal((await customer('cust_bob')).heldCents, 1_000);
  await deliver(orderCancelled(orderId));
});

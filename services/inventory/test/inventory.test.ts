import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { COMMANDS, EVENTS, type MessageDef, TOPICS } from '@saga/contracts';
import { type Address, type PricedLineItem, SagaMode } from '@saga/contracts/common';
import {
  type CreateProductResponse,
  type GetProductResponse,
  InventoryServiceClient,
  type ListProductsResponse,
  type PriceItemsResponse,
  type Product,
  type ReserveStock,
} from '@saga/contracts/inventory';
import type { OrderPlaced } from '@saga/contracts/order';
import type { Envelope } from '@saga/messaging';
import { Code, createRpcClient, type RpcClient, RpcError } from '@saga/rpc';
import type { ServiceHost } from '@saga/service-host';
import { createLogger } from '@saga/service-kit';
import { inSchema, testStack } from '@saga/testkit';
import pg from 'pg';
import { FIXTURE_PRODUCTS } from '../src/adapters/inventory.seed.ts';
import { buildApp } from '../src/app.ts';
import type { InventoryConfig } from '../src/config.ts';
import {
  InvalidItemsError,
  ReservationNotCommittableError,
} from '../src/domain/inventory.errors.ts';

const stack = testStack(process.env);
const schema = `test_inventory_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const url = inSchema(stack.endpoints.postgresUrl('inventory'), schema);
const admin = new pg.Pool({ connectionString: stack.endpoints.postgresUrl('inventory'), max: 2 });

const config: InventoryConfig = {
  HOST: '127.0.0.1',
  GRPC_PORT: 0,
  HEALTH_PORT: 0,
  DATABASE_URL: url,
  KAFKA_BROKERS: stack.endpoints.kafkaBrokers.join(','),
  SEED_FIXTURES: true,
  LOG_LEVEL: 'silent',
};
const logger = createLogger({ service: 'inventory', level: 'silent' });

let app: ServiceHost;
let healthPort: number;
let client: RpcClient;

before(async () => {
  await admin.query(`create schema ${schema}`);
  app = buildApp({ logger, messaging: false }, config);
  const ports = await app.start();
  healthPort = ports.healthPort;
  client = createRpcClient(InventoryServiceClient, `127.0.0.1:${ports.grpcPort}`, {
    dependency: 'inventory',
    defaultDeadlineMs: 5_000,
  });
});

after(async () => {
  client.close();
  await app.stop();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
});

// --- helpers ---------------------------------------------------------------------------------

const address: Address = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

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

const orderPlaced = (
  orderId: string,
  items: PricedLineItem[],
  sagaMode: SagaMode = SagaMode.SAGA_MODE_CHOREOGRAPHY,
) =>
  envelope<OrderPlaced>(EVENTS.OrderPlaced, {
    orderId,
    customerId: 'cust_alice',
    items,
    totalCents: items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
    shippingAddress: address,
    sagaMode,
  });
const paymentDeclined = (orderId: string) =>
  envelope(EVENTS.PaymentDeclined, { orderId, reason: 'INSUFFICIENT_FUNDS', detail: 'no' });
const shipmentRejected = (orderId: string) =>
  envelope(EVENTS.ShipmentRejected, { orderId, reason: 'ADDRESS_REJECTED', detail: '00000' });
const orderCancelled = (orderId: string, sagaMode: SagaMode = SagaMode.SAGA_MODE_CHOREOGRAPHY) =>
  envelope(EVENTS.OrderCancelled, { orderId, reason: 'CUSTOMER_CANCELLED', sagaMode });
const orderConfirmed = (orderId: string, sagaMode: SagaMode = SagaMode.SAGA_MODE_CHOREOGRAPHY) =>
  envelope(EVENTS.OrderConfirmed, { orderId, sagaMode });

/** Where the orchestrator asks for replies. */
const REPLY_TO = TOPICS.sagaReplies;
const reserveStock = (orderId: string, items: PricedLineItem[], replyTo: string = REPLY_TO) =>
  envelope<ReserveStock>(COMMANDS.ReserveStock, {
    orderId,
    customerId: 'cust_alice',
    items,
    totalCents: items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
    shippingAddress: address,
    replyTo,
  });
const releaseStock = (orderId: string, replyTo: string = REPLY_TO) =>
  envelope(COMMANDS.ReleaseStock, { orderId, replyTo });
const commitStock = (orderId: string, replyTo: string = REPLY_TO) =>
  envelope(COMMANDS.CommitStock, { orderId, replyTo });

const line = (sku: string, quantity: number, unitPriceCents = 1_000): PricedLineItem => ({
  sku,
  quantity,
  unitPriceCents,
});

/** Hands a message to the choreography consumer, as Kafka delivery would. */
const deliver = (e: Envelope<unknown>) => app.deliver('choreography', e);
/** Hands a command to the orchestration consumer, as Kafka delivery would. */
const command = (e: Envelope<unknown>) => app.deliver('commands', e);

/** A product of its own for a test that needs exact numbers. */
async function newProduct(stock: number, priceCents = 1_000): Promise<string> {
  const sku = `T-${randomUUID().slice(0, 8)}`;
  await client.call('createProduct', { sku, name: `Test ${sku}`, priceCents, stock });
  return sku;
}

async function stock(sku: string) {
  const { rows } = await app.pool.query<{
    available: number;
    reserved: number;
    committed: number;
    received: number;
  }>(`select available, reserved, committed, received from ${schema}.products where sku = $1`, [
    sku,
  ]);
  const row = rows[0];
  assert.ok(row, `product ${sku} exists`);
  return row;
}

async function reservation(orderId: string) {
  const { rows } = await app.pool.query<{
    status: string;
    reason: string | null;
    detail: string | null;
  }>(`select status, reason, detail from ${schema}.reservations where order_id = $1`, [orderId]);
  const lines = await app.pool.query<{ sku: string; quantity: number }>(
    `select sku, quantity from ${schema}.reservation_lines where order_id = $1 order by sku`,
    [orderId],
  );
  return rows[0] ? { ...rows[0], lines: lines.rows } : undefined;
}

type OutboxRow = { type: string; payload: unknown; causationId: string | undefined };

/** The order's outbox rows on `topic`, oldest first; asserts the order has none elsewhere. */
async function outboxOn(topic: string, orderId: string): Promise<OutboxRow[]> {
  const { rows } = await app.pool.query<{
    type: keyof typeof EVENTS;
    topic: string;
    payload: Buffer;
    headers: Record<string, string>;
  }>(
    `select type, topic, payload, headers from ${schema}.outbox where key = $1 order by position`,
    [orderId],
  );
  for (const r of rows) assert.equal(r.topic, topic, `${r.type} is on ${topic}`);
  return rows.map((r) => ({
    type: r.type,
    payload: (EVENTS[r.type].codec as MessageDef<unknown>['codec']).fromJSON(
      JSON.parse(r.payload.toString()),
    ),
    causationId: r.headers['causation-id'],
  }));
}

/** The order's choreography events, oldest first: all on inventory.events.v1. */
const outbox = (orderId: string) => outboxOn(TOPICS.inventoryEvents, orderId);
/** The replies to the order's commands, oldest first: all on the reply topic, none elsewhere. */
const replies = (orderId: string, replyTo: string = REPLY_TO) => outboxOn(replyTo, orderId);

/** Has the inbox recorded this message as processed? */
async function processed(messageId: string): Promise<boolean> {
  const { rows } = await app.pool.query(`select 1 from ${schema}.inbox where message_id = $1`, [
    messageId,
  ]);
  return rows.length > 0;
}

const rpcCode = (code: number, message?: RegExp) => (err: unknown) =>
  err instanceof RpcError && err.code === code && (!message || message.test(err.message));

// --- start, fixtures, health -----------------------------------------------------------------

test('at start the fixture products of docs/fixtures.md are loaded, and the service is ready', async () => {
  const { products } = await client.call<ListProductsResponse>('listProducts', {
    skus: FIXTURE_PRODUCTS.map((p) => p.sku),
  });
  assert.deepEqual(
    products.map((p) => [p.sku, p.priceCents, p.available]),
    [
      ['SKU-BOOK', 2_500, 1_000_000],
      ['SKU-MUG', 1_200, 1_000_000],
      ['SKU-SOLDOUT', 999, 0],
      ['SKU-TSHIRT', 1_900, 1_000_000],
    ],
  );
  const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
  assert.equal(ready.status, 200);
});

test('starting again loads the fixtures idempotently: existing products keep their stock', async () => {
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line('SKU-TSHIRT', 3, 1_900)]));
  const before = await stock('SKU-TSHIRT');
  const second = buildApp({ logger, messaging: false }, config);
  try {
    await second.start();
  } finally {
    await second.stop();
  }
  assert.deepEqual(await stock('SKU-TSHIRT'), before);
  assert.equal(before.reserved, 3);
  const { rows } = await app.pool.query(`select count(*)::int as n from ${schema}.products
    where sku like 'SKU-%' and sku not like 'T-%'`);
  assert.equal(rows[0].n, FIXTURE_PRODUCTS.length);
});

// --- gRPC --------------------------------------------------------------------------------------

test('GetProduct returns the product with its stock, and NOT_FOUND for an unknown SKU', async () => {
  const { product } = await client.call<GetProductResponse>('getProduct', { sku: 'SKU-MUG' });
  assert.deepEqual(product, {
    sku: 'SKU-MUG',
    name: 'Mug',
    priceCents: 1_200,
    available: 1_000_000,
    reserved: 0,
    committed: 0,
  });
  await assert.rejects(
    client.call('getProduct', { sku: 'SKU-NOPE' }),
    rpcCode(Code.NOT_FOUND, /SKU-NOPE/),
  );
});

test('CreateProduct creates a product with all its stock available', async () => {
  const sku = `T-${randomUUID().slice(0, 8)}`;
  const { product } = await client.call<CreateProductResponse>('createProduct', {
    sku,
    name: 'Lamp',
    priceCents: 4_999,
    stock: 7,
  });
  assert.deepEqual(product, {
    sku,
    name: 'Lamp',
    priceCents: 4_999,
    available: 7,
    reserved: 0,
    committed: 0,
  });
  assert.deepEqual(await stock(sku), { available: 7, reserved: 0, committed: 0, received: 7 });
});

test('CreateProduct with identical values succeeds again, returning the product as it is now; other values are ALREADY_EXISTS', async () => {
  const sku = await newProduct(5, 700);
  await deliver(orderPlaced(randomUUID(), [line(sku, 2, 700)]));
  const again = await client.call<CreateProductResponse>('createProduct', {
    sku,
    name: `Test ${sku}`,
    priceCents: 700,
    stock: 5,
  });
  assert.equal(again.product?.available, 3);
  assert.equal(again.product?.reserved, 2);
  for (const change of [{ name: 'Other' }, { priceCents: 701 }, { stock: 6 }]) {
    await assert.rejects(
      client.call('createProduct', {
        sku,
        name: `Test ${sku}`,
        priceCents: 700,
        stock: 5,
        ...change,
      }),
      rpcCode(Code.ALREADY_EXISTS, new RegExp(sku)),
      JSON.stringify(change),
    );
  }
});

test('CreateProduct refuses a bad sku, name, price or stock with INVALID_ARGUMENT', async () => {
  const good = { sku: `T-${randomUUID().slice(0, 8)}`, name: 'Ok', priceCents: 100, stock: 1 };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ sku: '' }, /sku/],
    [{ sku: 'has space' }, /sku/],
    [{ name: '' }, /name/],
    [{ priceCents: 0 }, /priceCents/],
    [{ priceCents: -5 }, /priceCents/],
    [{ stock: -1 }, /stock/],
  ];
  for (const [change, message] of cases) {
    await assert.rejects(
      client.call('createProduct', { ...good, ...change }),
      rpcCode(Code.INVALID_ARGUMENT, message),
      JSON.stringify(change),
    );
  }
  await assert.rejects(client.call('getProduct', { sku: good.sku }), rpcCode(Code.NOT_FOUND));
});

test('ListProducts returns the given SKUs that exist, or every product when none is given', async () => {
  const a = await newProduct(1);
  const b = await newProduct(2);
  const some = await client.call<ListProductsResponse>('listProducts', {
    skus: [b, 'SKU-NOPE', a],
  });
  assert.deepEqual(
    some.products.map((p) => p.sku),
    [a, b].sort(),
  );
  const all = await client.call<ListProductsResponse>('listProducts', { skus: [] });
  const skus = all.products.map((p: Product) => p.sku);
  for (const sku of [a, b, 'SKU-BOOK', 'SKU-SOLDOUT']) assert.ok(skus.includes(sku), sku);
});

test('PriceItems prices each line at the current price, merges lines of one SKU and sums the total', async () => {
  const priced = await client.call<PriceItemsResponse>('priceItems', {
    items: [
      { sku: 'SKU-BOOK', quantity: 2 },
      { sku: 'SKU-MUG', quantity: 1 },
      { sku: 'SKU-BOOK', quantity: 1 },
    ],
  });
  assert.deepEqual(priced, {
    items: [
      { sku: 'SKU-BOOK', quantity: 3, unitPriceCents: 2_500 },
      { sku: 'SKU-MUG', quantity: 1, unitPriceCents: 1_200 },
    ],
    totalCents: 8_700,
  });
});

test('PriceItems answers INVALID_ARGUMENT naming the first unknown SKU, a quantity below 1, or no items', async () => {
  await assert.rejects(
    client.call('priceItems', {
      items: [
        { sku: 'SKU-BOOK', quantity: 1 },
        { sku: 'SKU-NOPE', quantity: 1 },
        { sku: 'SKU-GONE', quantity: 1 },
      ],
    }),
    rpcCode(Code.INVALID_ARGUMENT, /unknown SKU SKU-NOPE$/),
  );
  await assert.rejects(
    client.call('priceItems', { items: [{ sku: 'SKU-BOOK', quantity: 0 }] }),
    rpcCode(Code.INVALID_ARGUMENT, /items\[0\]\.quantity/),
  );
  await assert.rejects(client.call('priceItems', { items: [] }), rpcCode(Code.INVALID_ARGUMENT));
});

// --- the saga ----------------------------------------------------------------------------------

test('OrderPlaced with stock for every line reserves them all and enqueues StockReserved carrying the order', async () => {
  const book = await newProduct(10, 2_500);
  const mug = await newProduct(10, 1_200);
  const orderId = randomUUID();
  const items = [line(book, 2, 2_500), line(mug, 1, 1_200)];
  const placed = orderPlaced(orderId, items);
  await deliver(placed);

  assert.deepEqual(await stock(book), { available: 8, reserved: 2, committed: 0, received: 10 });
  assert.deepEqual(await stock(mug), { available: 9, reserved: 1, committed: 0, received: 10 });
  assert.deepEqual(await reservation(orderId), {
    status: 'RESERVED',
    reason: null,
    detail: null,
    lines: [
      { sku: book, quantity: 2 },
      { sku: mug, quantity: 1 },
    ].sort((x, y) => x.sku.localeCompare(y.sku)),
  });
  assert.deepEqual(await outbox(orderId), [
    {
      type: 'StockReserved',
      payload: {
        orderId,
        customerId: 'cust_alice',
        totalCents: 6_200,
        shippingAddress: address,
        items,
      },
      causationId: placed.id,
    },
  ]);
});

test('OrderPlaced with a line beyond the available stock reserves nothing and enqueues StockRejected OUT_OF_STOCK', async () => {
  const book = await newProduct(10);
  const orderId = randomUUID();
  const placed = orderPlaced(orderId, [line(book, 1), line('SKU-SOLDOUT', 1, 999)]);
  await deliver(placed);
  assert.deepEqual(await stock(book), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.deepEqual(await outbox(orderId), [
    {
      type: 'StockRejected',
      payload: { orderId, reason: 'OUT_OF_STOCK', detail: 'SKU-SOLDOUT: requested 1, available 0' },
      causationId: placed.id,
    },
  ]);
  const r = await reservation(orderId);
  assert.equal(r?.status, 'REJECTED');
  assert.equal(r?.reason, 'OUT_OF_STOCK');
  assert.deepEqual(r?.lines, []);
});

test('OrderPlaced for a SKU that does not exist is rejected UNKNOWN_PRODUCT', async () => {
  const book = await newProduct(10);
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line(book, 1), line('SKU-NOPE', 1)]));
  assert.equal((await stock(book)).available, 10);
  const [event] = await outbox(orderId);
  assert.equal(event?.type, 'StockRejected');
  assert.deepEqual(event?.payload, {
    orderId,
    reason: 'UNKNOWN_PRODUCT',
    detail: 'unknown SKU SKU-NOPE',
  });
});

test('lines of one SKU are reserved together: together beyond the stock, the order is rejected', async () => {
  const sku = await newProduct(5);
  const fits = randomUUID();
  await deliver(orderPlaced(fits, [line(sku, 2), line(sku, 3)]));
  assert.deepEqual((await reservation(fits))?.lines, [{ sku, quantity: 5 }]);
  const tooMany = randomUUID();
  await deliver(orderPlaced(tooMany, [line(sku, 1), line(sku, 1)]));
  const [event] = await outbox(tooMany);
  assert.deepEqual(event?.payload, {
    orderId: tooMany,
    reason: 'OUT_OF_STOCK',
    detail: `${sku}: requested 2, available 0`,
  });
});

test('when the payment is declined, the reservation is released and StockReleased says so', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line(sku, 4)]));
  await deliver(paymentDeclined(orderId));
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'RELEASED');
  const events = await outbox(orderId);
  assert.deepEqual(
    events.map((e) => e.type),
    ['StockReserved', 'StockReleased'],
  );
  assert.deepEqual(events[1]?.payload, { orderId, released: true });
});

test('when the shipment is rejected, the reservation is released and StockReleased says so', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line(sku, 4)]));
  await deliver(shipmentRejected(orderId));
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.deepEqual((await outbox(orderId)).at(-1)?.payload, { orderId, released: true });
});

test('when the order is confirmed, the reservation is committed (sold) and StockCommitted is enqueued', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line(sku, 4)]));
  const confirmed = orderConfirmed(orderId);
  await deliver(confirmed);
  assert.deepEqual(await stock(sku), { available: 6, reserved: 0, committed: 4, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'COMMITTED');
  assert.deepEqual((await outbox(orderId)).at(-1), {
    type: 'StockCommitted',
    payload: { orderId },
    causationId: confirmed.id,
  });
  // A compensation arriving after the sale gives nothing back.
  await deliver(paymentDeclined(orderId));
  assert.deepEqual(await stock(sku), { available: 6, reserved: 0, committed: 4, received: 10 });
  assert.deepEqual((await outbox(orderId)).at(-1)?.payload, { orderId, released: false });
});

test('when a reserved order is cancelled, the reservation is released', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line(sku, 4)]));
  const cancelled = orderCancelled(orderId);
  await deliver(cancelled);
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'RELEASED');
  assert.deepEqual((await outbox(orderId)).at(-1), {
    type: 'StockReleased',
    payload: { orderId, released: true },
    causationId: cancelled.id,
  });
});

test('an order cancelled before its OrderPlaced arrives is refused: StockReleased(released false), and the late OrderPlaced reserves nothing', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  const cancelled = orderCancelled(orderId);
  await deliver(cancelled);
  assert.equal((await reservation(orderId))?.status, 'REFUSED');
  assert.deepEqual(await outbox(orderId), [
    { type: 'StockReleased', payload: { orderId, released: false }, causationId: cancelled.id },
  ]);
  await deliver(orderPlaced(orderId, [line(sku, 4)]));
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'REFUSED');
  assert.equal((await outbox(orderId)).length, 1, 'the late OrderPlaced announces nothing');
});

test('cancelling a rejected order releases nothing', async () => {
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line('SKU-SOLDOUT', 1, 999)]));
  await deliver(orderCancelled(orderId));
  assert.equal((await reservation(orderId))?.status, 'REJECTED');
  assert.deepEqual((await outbox(orderId)).at(-1)?.payload, { orderId, released: false });
});

test('a redelivered message has no second effect', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  const placed = orderPlaced(orderId, [line(sku, 3)]);
  await deliver(placed);
  await deliver(placed);
  assert.deepEqual(await stock(sku), { available: 7, reserved: 3, committed: 0, received: 10 });
  assert.equal((await outbox(orderId)).length, 1);

  const declined = paymentDeclined(orderId);
  await deliver(declined);
  await deliver(declined);
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.equal((await outbox(orderId)).length, 2);
});

test('a second OrderPlaced for an order (another message id) keeps the first decision', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line(sku, 3)]));
  await deliver(orderPlaced(orderId, [line(sku, 3)]));
  assert.deepEqual(await stock(sku), { available: 7, reserved: 3, committed: 0, received: 10 });
  assert.equal((await outbox(orderId)).length, 1);
});

test('an orchestrated OrderPlaced is left to the orchestrator: nothing is reserved or announced', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await deliver(orderPlaced(orderId, [line(sku, 3)], SagaMode.SAGA_MODE_ORCHESTRATION));
  assert.equal((await stock(sku)).available, 10);
  assert.equal(await reservation(orderId), undefined);
  assert.deepEqual(await outbox(orderId), []);
});

test('OrderConfirmed for an order whose stock is not reserved fails (for the dead-letter topic) and writes nothing', async () => {
  const orderId = randomUUID();
  const confirmed = orderConfirmed(orderId);
  await assert.rejects(deliver(confirmed), ReservationNotCommittableError);
  assert.equal(await reservation(orderId), undefined);
  const { rows } = await app.pool.query(`select 1 from ${schema}.inbox where message_id = $1`, [
    confirmed.id,
  ]);
  assert.equal(rows.length, 0, 'not marked processed: a retry runs it again');
});

test('an OrderPlaced with an invalid line fails as poison and writes nothing', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await assert.rejects(deliver(orderPlaced(orderId, [line(sku, 0)])), InvalidItemsError);
  assert.equal(await reservation(orderId), undefined);
  assert.deepEqual(await outbox(orderId), []);
});

// --- the saga, orchestrated: commands and replies ----------------------------------------------

/** The StockReserved payload that answers {@link reserveStock}: the order the command carries. */
const reservedOrder = (orderId: string, items: PricedLineItem[]) => ({
  orderId,
  customerId: 'cust_alice',
  totalCents: items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
  shippingAddress: address,
  items,
});

test('ReserveStock with stock for every line reserves them all and replies StockReserved, carrying the order, on its replyTo topic only', async () => {
  const book = await newProduct(10, 2_500);
  const mug = await newProduct(10, 1_200);
  const orderId = randomUUID();
  const items = [line(book, 2, 2_500), line(mug, 1, 1_200)];
  const reserve = reserveStock(orderId, items);
  await command(reserve);

  assert.deepEqual(await stock(book), { available: 8, reserved: 2, committed: 0, received: 10 });
  assert.deepEqual(await stock(mug), { available: 9, reserved: 1, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'RESERVED');
  assert.deepEqual(await replies(orderId), [
    { type: 'StockReserved', payload: reservedOrder(orderId, items), causationId: reserve.id },
  ]);
});

test('a reply goes to whatever topic the command names in replyTo', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  const elsewhere = 'test.inventory-replies.v1';
  await command(reserveStock(orderId, [line(sku, 1)], elsewhere));
  await command(commitStock(orderId, elsewhere));
  await command(releaseStock(orderId, elsewhere));
  assert.deepEqual(
    (await replies(orderId, elsewhere)).map((r) => r.type),
    ['StockReserved', 'StockCommitted', 'StockReleased'],
  );
});

test('ReserveStock with a line beyond the stock, or an unknown SKU, reserves nothing and replies StockRejected', async () => {
  const book = await newProduct(10);
  const short = randomUUID();
  const unknown = randomUUID();
  await command(reserveStock(short, [line(book, 1), line('SKU-SOLDOUT', 1, 999)]));
  await command(reserveStock(unknown, [line(book, 1), line('SKU-NOPE', 1)]));
  assert.deepEqual(await stock(book), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.deepEqual(
    (await replies(short)).map((r) => [r.type, r.payload]),
    [
      [
        'StockRejected',
        { orderId: short, reason: 'OUT_OF_STOCK', detail: 'SKU-SOLDOUT: requested 1, available 0' },
      ],
    ],
  );
  assert.deepEqual(
    (await replies(unknown)).map((r) => [r.type, r.payload]),
    [
      [
        'StockRejected',
        { orderId: unknown, reason: 'UNKNOWN_PRODUCT', detail: 'unknown SKU SKU-NOPE' },
      ],
    ],
  );
  assert.equal((await reservation(short))?.status, 'REJECTED');
});

test('a ReserveStock re-sent for a RESERVED order (new message id) replies StockReserved again, with the same payload, and reserves nothing more', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  const items = [line(sku, 3)];
  const first = reserveStock(orderId, items);
  const again = reserveStock(orderId, items);
  await command(first);
  await command(again);
  assert.deepEqual(await stock(sku), { available: 7, reserved: 3, committed: 0, received: 10 });
  assert.deepEqual(await replies(orderId), [
    { type: 'StockReserved', payload: reservedOrder(orderId, items), causationId: first.id },
    { type: 'StockReserved', payload: reservedOrder(orderId, items), causationId: again.id },
  ]);
});

test('a ReserveStock re-sent for a REJECTED order replies StockRejected again with the stored reason and detail, not a new decision', async () => {
  const sku = await newProduct(1);
  const orderId = randomUUID();
  await command(reserveStock(orderId, [line(sku, 2)]));
  // The stock changes in between; the order's rejection does not.
  await command(reserveStock(randomUUID(), [line(sku, 1)]));
  await command(reserveStock(orderId, [line(sku, 2)]));
  const rejection = { orderId, reason: 'OUT_OF_STOCK', detail: `${sku}: requested 2, available 1` };
  assert.deepEqual(
    (await replies(orderId)).map((r) => [r.type, r.payload]),
    [
      ['StockRejected', rejection],
      ['StockRejected', rejection],
    ],
  );
});

test('a ReserveStock for a COMMITTED order replies StockReserved: the stock is still the order’s, now sold', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  const items = [line(sku, 4)];
  await command(reserveStock(orderId, items));
  await command(commitStock(orderId));
  await command(reserveStock(orderId, items));
  assert.deepEqual(await stock(sku), { available: 6, reserved: 0, committed: 4, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'COMMITTED');
  const last = (await replies(orderId)).at(-1);
  assert.deepEqual([last?.type, last?.payload], ['StockReserved', reservedOrder(orderId, items)]);
});

test('a ReserveStock for a RELEASED order replies StockRejected CANCELLED and reserves nothing again', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await command(reserveStock(orderId, [line(sku, 4)]));
  await command(releaseStock(orderId));
  await command(reserveStock(orderId, [line(sku, 4)]));
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'RELEASED');
  const last = (await replies(orderId)).at(-1);
  assert.equal(last?.type, 'StockRejected');
  assert.deepEqual(last?.payload, {
    orderId,
    reason: 'CANCELLED',
    detail: `order ${orderId} was compensated: its reservation was released`,
  });
});

test('a ReleaseStock before its ReserveStock records a refusal and replies released false; the late ReserveStock reserves nothing and replies StockRejected CANCELLED', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  const release = releaseStock(orderId);
  await command(release);
  assert.equal((await reservation(orderId))?.status, 'REFUSED');
  assert.deepEqual(await replies(orderId), [
    { type: 'StockReleased', payload: { orderId, released: false }, causationId: release.id },
  ]);

  const late = reserveStock(orderId, [line(sku, 4)]);
  await command(late);
  await command(reserveStock(orderId, [line(sku, 4)])); // re-sent: the same answer
  await command(releaseStock(orderId)); // re-sent: the refusal stands
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'REFUSED');
  const refusal = {
    orderId,
    reason: 'CANCELLED',
    detail: `order ${orderId} was compensated before this ReserveStock ran: nothing is reserved`,
  };
  assert.deepEqual(
    (await replies(orderId)).map((r) => [r.type, r.payload]),
    [
      ['StockReleased', { orderId, released: false }],
      ['StockRejected', refusal],
      ['StockRejected', refusal],
      ['StockReleased', { orderId, released: false }],
    ],
  );
  assert.equal((await replies(orderId))[1]?.causationId, late.id);
});

test('ReleaseStock gives a RESERVED order’s stock back and replies released true; re-sent, it gives nothing back twice and replies released false', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await command(reserveStock(orderId, [line(sku, 4)]));
  const release = releaseStock(orderId);
  await command(release);
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'RELEASED');
  await command(releaseStock(orderId));
  assert.deepEqual(await stock(sku), { available: 10, reserved: 0, committed: 0, received: 10 });
  const [, first, second] = await replies(orderId);
  assert.deepEqual(first, {
    type: 'StockReleased',
    payload: { orderId, released: true },
    causationId: release.id,
  });
  assert.deepEqual(second?.payload, { orderId, released: false });
});

test('ReleaseStock for a REJECTED order, or a COMMITTED one (a sale is never undone), changes nothing and replies released false', async () => {
  const sku = await newProduct(10);
  const rejected = randomUUID();
  await command(reserveStock(rejected, [line(sku, 11)]));
  await command(releaseStock(rejected));
  assert.equal((await reservation(rejected))?.status, 'REJECTED');
  assert.deepEqual((await replies(rejected)).at(-1)?.payload, {
    orderId: rejected,
    released: false,
  });

  const sold = randomUUID();
  await command(reserveStock(sold, [line(sku, 4)]));
  await command(commitStock(sold));
  await command(releaseStock(sold));
  assert.equal((await reservation(sold))?.status, 'COMMITTED');
  assert.deepEqual(await stock(sku), { available: 6, reserved: 0, committed: 4, received: 10 });
  assert.deepEqual((await replies(sold)).at(-1)?.payload, { orderId: sold, released: false });
});

test('CommitStock sells a RESERVED order’s stock and replies StockCommitted; re-sent, it sells nothing more and replies StockCommitted again', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await command(reserveStock(orderId, [line(sku, 4)]));
  const commit = commitStock(orderId);
  const again = commitStock(orderId);
  await command(commit);
  await command(again);
  assert.deepEqual(await stock(sku), { available: 6, reserved: 0, committed: 4, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'COMMITTED');
  assert.deepEqual((await replies(orderId)).slice(1), [
    { type: 'StockCommitted', payload: { orderId }, causationId: commit.id },
    { type: 'StockCommitted', payload: { orderId }, causationId: again.id },
  ]);
});

test('CommitStock for an order that is not RESERVED or COMMITTED fails (for the dead-letter topic), writes nothing and replies nothing', async () => {
  const sku = await newProduct(10);
  const unknown = randomUUID();
  const rejected = randomUUID();
  await command(reserveStock(rejected, [line(sku, 11)]));
  const released = randomUUID();
  await command(reserveStock(released, [line(sku, 1)]));
  await command(releaseStock(released));
  const refused = randomUUID();
  await command(releaseStock(refused));
  const before = await stock(sku);

  for (const [orderId, status] of [
    [unknown, undefined],
    [rejected, 'REJECTED'],
    [released, 'RELEASED'],
    [refused, 'REFUSED'],
  ] as const) {
    const replied = await replies(orderId);
    const commit = commitStock(orderId);
    await assert.rejects(
      command(commit),
      (err) =>
        err instanceof ReservationNotCommittableError &&
        err.message.includes(`is ${status ?? 'NEW'} and cannot be committed`),
    );
    assert.equal((await reservation(orderId))?.status, status);
    assert.deepEqual(await replies(orderId), replied, `${status}: no reply`);
    assert.equal(await processed(commit.id), false, 'not marked processed: a retry runs it again');
  }
  assert.deepEqual(await stock(sku), before);
});

test('a ReserveStock with an invalid line fails, writes nothing and replies nothing', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await assert.rejects(command(reserveStock(orderId, [line(sku, 0)])), InvalidItemsError);
  assert.equal(await reservation(orderId), undefined);
  assert.deepEqual(await replies(orderId), []);
});

test('a redelivered command (the same message id) has no second effect and no second reply', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  const reserve = reserveStock(orderId, [line(sku, 3)]);
  await command(reserve);
  await command(reserve);
  assert.deepEqual(await stock(sku), { available: 7, reserved: 3, committed: 0, received: 10 });
  assert.equal((await replies(orderId)).length, 1);

  const commit = commitStock(orderId);
  await command(commit);
  await command(commit);
  assert.deepEqual(await stock(sku), { available: 7, reserved: 0, committed: 3, received: 10 });
  assert.equal((await replies(orderId)).length, 2);

  const other = randomUUID();
  await command(reserveStock(other, [line(sku, 2)]));
  const release = releaseStock(other);
  await command(release);
  await command(release);
  assert.deepEqual(await stock(sku), { available: 7, reserved: 0, committed: 3, received: 10 });
  assert.deepEqual(
    (await replies(other)).map((r) => r.type),
    ['StockReserved', 'StockReleased'],
  );
});

test('orchestrated OrderCancelled and OrderConfirmed are left to the orchestrator: the choreography changes nothing and announces nothing', async () => {
  const sku = await newProduct(10);
  const orderId = randomUUID();
  await command(reserveStock(orderId, [line(sku, 3)]));
  await deliver(orderConfirmed(orderId, SagaMode.SAGA_MODE_ORCHESTRATION));
  await deliver(orderCancelled(orderId, SagaMode.SAGA_MODE_ORCHESTRATION));
  assert.deepEqual(await stock(sku), { available: 7, reserved: 3, committed: 0, received: 10 });
  assert.equal((await reservation(orderId))?.status, 'RESERVED');
  assert.equal((await replies(orderId)).length, 1, 'only the reply to ReserveStock');

  // No refusal either: the orchestrator's ReserveStock still reserves.
  const notYet = randomUUID();
  await deliver(orderCancelled(notYet, SagaMode.SAGA_MODE_ORCHESTRATION));
  assert.equal(await reservation(notYet), undefined);
  assert.deepEqual(await outbox(notYet), []);
});

// --- concurrency -------------------------------------------------------------------------------

test('50 concurrent orders for a SKU with stock 20: exactly 20 are reserved, stock never negative, units conserved', async () => {
  const sku = await newProduct(20);
  const orders = Array.from({ length: 50 }, () => randomUUID());
  await Promise.all(orders.map((orderId) => deliver(orderPlaced(orderId, [line(sku, 1)]))));

  assert.deepEqual(await stock(sku), { available: 0, reserved: 20, committed: 0, received: 20 });
  const events = (await Promise.all(orders.map(outbox))).map((rows) => {
    const [event, ...more] = rows;
    assert.ok(event && more.length === 0, 'one outcome per order');
    return event;
  });
  assert.equal(events.filter((e) => e.type === 'StockReserved').length, 20);
  const rejected = events.filter((e) => e.type === 'StockRejected');
  assert.equal(rejected.length, 30);
  for (const e of rejected) {
    assert.match((e.payload as { detail: string }).detail, /requested 1, available 0$/);
  }
});

test('orders naming the same products in opposite orders, reserved and settled concurrently, never deadlock and conserve stock', async () => {
  const a = await newProduct(60);
  const b = await newProduct(60);
  const orders = Array.from({ length: 40 }, (_, i) => ({
    orderId: randomUUID(),
    lines: i % 2 === 0 ? [line(a, 2), line(b, 1)] : [line(b, 2), line(a, 1)],
  }));
  await Promise.all(orders.map((o) => deliver(orderPlaced(o.orderId, o.lines))));
  // 40 orders ask for 60 of each: all reserved.
  assert.deepEqual(await stock(a), { available: 0, reserved: 60, committed: 0, received: 60 });
  assert.deepEqual(await stock(b), { available: 0, reserved: 60, committed: 0, received: 60 });

  // Settle them all at once: a quarter each confirmed, declined, rejected by shipping, cancelled.
  const settle = [orderConfirmed, paymentDeclined, shipmentRejected, orderCancelled];
  await Promise.all(
    orders.map((o, i) => deliver(settle[i % 4]?.(o.orderId) ?? orderConfirmed(o.orderId))),
  );
  // Confirmed: orders 0, 4, 8, … (even: 2 of a, 1 of b) → 10 orders → 20 of a, 10 of b sold.
  assert.deepEqual(await stock(a), { available: 40, reserved: 0, committed: 20, received: 60 });
  assert.deepEqual(await stock(b), { available: 50, reserved: 0, committed: 10, received: 60 });
});

test('OrderPlaced and OrderCancelled racing for one order end the same way whichever wins: nothing stays held', async () => {
  const sku = await newProduct(100);
  const orders = Array.from({ length: 20 }, () => randomUUID());
  await Promise.all(
    orders.flatMap((orderId) => [
      deliver(orderPlaced(orderId, [line(sku, 2)])),
      deliver(orderCancelled(orderId)),
    ]),
  );
  assert.deepEqual(await stock(sku), { available: 100, reserved: 0, committed: 0, received: 100 });
  for (const orderId of orders) {
    const r = await reservation(orderId);
    assert.ok(r?.status === 'RELEASED' || r?.status === 'REFUSED', `${orderId}: ${r?.status}`);
    const events = await outbox(orderId);
    const released = events.find((e) => e.type === 'StockReleased');
    assert.deepEqual(released?.payload, { orderId, released: r?.status === 'RELEASED' });
  }
});

test('after all of the above, every SKU’s reserved and committed units are exactly what the reservations hold', async () => {
  const { rows } = await app.pool.query<{
    sku: string;
    reserved: number;
    committed: number;
    held: number;
    sold: number;
  }>(
    `select p.sku, p.reserved, p.committed,
       coalesce(sum(l.quantity) filter (where r.status = 'RESERVED'), 0)::int as held,
       coalesce(sum(l.quantity) filter (where r.status = 'COMMITTED'), 0)::int as sold
     from ${schema}.products p
     left join ${schema}.reservation_lines l on l.sku = p.sku
     left join ${schema}.reservations r on r.order_id = l.order_id
     group by p.sku, p.reserved, p.committed`,
  );
  assert.ok(rows.length > FIXTURE_PRODUCTS.length);
  for (const r of rows) {
    assert.equal(r.reserved, r.held, `${r.sku} reserved`);
    assert.equal(r.committed, r.sold, `${r.sku} committed`);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEnvelope, InvalidMessageError } from '@saga/messaging';
import { publishable } from '@saga/outbox';
import { SagaMode } from './gen/saga/common/v1/common.ts';
import type { OrderPlaced } from './gen/saga/order/v1/order.ts';
import { messageOf, parseMessage, routeOf } from './messages.ts';
import { ALL_TOPICS, COMMANDS, EVENTS, TOPICS } from './registry.ts';

const placed: OrderPlaced = {
  orderId: '0190a3b4-0000-7000-8000-000000000001',
  customerId: 'cust_alice',
  items: [{ sku: 'SKU-BOOK', quantity: 2, unitPriceCents: 2_500 }],
  totalCents: 5_000,
  shippingAddress: {
    name: 'Ada',
    line1: '1 Main St',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  },
  sagaMode: SagaMode.SAGA_MODE_CHOREOGRAPHY,
};

test('a message survives the trip through outbox row, Kafka record and envelope unchanged', () => {
  const message = messageOf(EVENTS.OrderPlaced, placed, { key: placed.orderId });
  assert.equal(message.topic, TOPICS.orderEvents);
  const record = publishable({ ...message, payload: message.payload });
  const envelope = decodeEnvelope(
    record.key,
    Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, String(v)])),
    record.value,
  );
  assert.equal(envelope.type, 'OrderPlaced');
  assert.equal(envelope.version, 1);
  assert.equal(envelope.correlationId, placed.orderId);
  assert.deepEqual(parseMessage(EVENTS.OrderPlaced, envelope.payload), placed);
});

test('payloads are proto3 JSON: camelCase names, enums as names, defaults omitted', () => {
  const message = messageOf(
    EVENTS.StockReleased,
    { orderId: 'o-1', released: false },
    { key: 'o-1' },
  );
  assert.deepEqual(JSON.parse(String(message.payload)), { orderId: 'o-1' });
  const json = JSON.parse(String(messageOf(EVENTS.OrderPlaced, placed, { key: 'k' }).payload));
  assert.equal(json.sagaMode, 'SAGA_MODE_CHOREOGRAPHY');
  assert.equal(json.items[0].unitPriceCents, 2_500);
});

test('a payload missing a required identifier is invalid, so it is dead-lettered', () => {
  assert.throws(() => parseMessage(EVENTS.OrderPlaced, { customerId: 'c' }), InvalidMessageError);
  assert.throws(
    () => parseMessage(EVENTS.OrderPlaced, { orderId: ' ', customerId: 'c' }),
    /orderId is required/,
  );
  assert.throws(() => parseMessage(EVENTS.StockRejected, { orderId: 'o' }), /reason is required/);
  assert.throws(() => parseMessage(EVENTS.OrderConfirmed, 'nope'), /not an object/);
  assert.throws(() => parseMessage(EVENTS.OrderConfirmed, [1]), /not an object/);
});

test('a command can be sent to another topic than its default (a reply topic)', () => {
  const m = messageOf(
    COMMANDS.ReleaseStock,
    { orderId: 'o-1', replyTo: TOPICS.sagaReplies },
    { key: 'o-1', topic: 'elsewhere' },
  );
  assert.equal(m.topic, 'elsewhere');
  assert.equal(m.type, 'ReleaseStock');
});

test('a route accepts exactly the registered version and validates before handling', async () => {
  const seen: unknown[] = [];
  const [type, route] = routeOf(EVENTS.OrderConfirmed, async (e) => {
    seen.push(e.payload.orderId);
  });
  assert.equal(type, 'OrderConfirmed');
  assert.deepEqual(Object.keys(route.versions), ['1']);
  const parse = route.versions[1];
  assert.ok(parse);
  assert.throws(() => parse({}), InvalidMessageError);
  await route.handle({
    id: 'm',
    type,
    version: 1,
    key: 'o',
    correlationId: 'o',
    occurredAt: new Date().toISOString(),
    payload: parse({ orderId: 'o' }),
  });
  assert.deepEqual(seen, ['o']);
});

test('every registered message names a known topic, and types are unique', () => {
  const defs = [...Object.values(EVENTS), ...Object.values(COMMANDS)];
  for (const d of defs) assert.ok(ALL_TOPICS.includes(d.topic), `${d.type} -> ${d.topic}`);
  assert.equal(new Set(defs.map((d) => d.type)).size, defs.length);
  for (const [name, def] of Object.entries({ ...EVENTS, ...COMMANDS }))
    assert.equal(def.type, name);
});

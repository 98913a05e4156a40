/**
 * A small healthy platform, consistent across the four scratch databases: what the services
 * would have written for five settled orders (docs/invariants.md walks through the numbers).
 *
 * | order | mode          | status    | items          | stock        | payment          | shipment  |
 * | ----- | ------------- | --------- | -------------- | ------------ | ---------------- | --------- |
 * | O1    | choreography  | CONFIRMED | A×2            | COMMITTED    | CAPTURED 2000    | SCHEDULED |
 * | O2    | choreography  | REJECTED  | B×1            | RELEASED     | VOIDED 500       | REJECTED  |
 * | O3    | orchestration | CONFIRMED | A×1, B×1       | COMMITTED    | CAPTURED 1500    | SCHEDULED |
 * | O4    | orchestration | CANCELLED | B×2            | RELEASED     | VOIDED 1000      | CANCELLED |
 * | O5    | choreography  | REJECTED  | A×50           | REJECTED     | —                | —         |
 *
 * SKU-A received 10: 3 committed (O1, O3), 7 available. SKU-B received 5: 1 committed, 4
 * available. cust_a opened with 10 000 and paid 3 500 to the merchant; cust_b has 5 000 untouched.
 */
import { randomUUID } from 'node:crypto';
import type { Scratch } from './scratch.ts';

/** The orders' ids, fresh per test file. */
export const O = {
  o1: randomUUID(),
  o2: randomUUID(),
  o3: randomUUID(),
  o4: randomUUID(),
  o5: randomUUID(),
} as const;

const ADDRESS = {
  name: 'Ada',
  line1: '1 Road',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

type Item = { sku: string; quantity: number; unitPriceCents: number };
const A = (quantity: number): Item => ({ sku: 'SKU-A', quantity, unitPriceCents: 1_000 });
const B = (quantity: number): Item => ({ sku: 'SKU-B', quantity, unitPriceCents: 500 });

const ORDERS = [
  {
    id: O.o1,
    customer: 'cust_a',
    status: 'CONFIRMED',
    mode: 'choreography',
    items: [A(2)],
    reason: null,
  },
  {
    id: O.o2,
    customer: 'cust_b',
    status: 'REJECTED',
    mode: 'choreography',
    items: [B(1)],
    reason: 'ADDRESS_REJECTED',
  },
  {
    id: O.o3,
    customer: 'cust_a',
    status: 'CONFIRMED',
    mode: 'orchestration',
    items: [A(1), B(1)],
    reason: null,
  },
  {
    id: O.o4,
    customer: 'cust_b',
    status: 'CANCELLED',
    mode: 'orchestration',
    items: [B(2)],
    reason: 'CUSTOMER_CANCELLED',
  },
  {
    id: O.o5,
    customer: 'cust_a',
    status: 'REJECTED',
    mode: 'choreography',
    items: [A(50)],
    reason: 'OUT_OF_STOCK',
  },
] as const;

const total = (items: readonly Item[]) =>
  items.reduce((s, i) => s + i.quantity * i.unitPriceCents, 0);

/** An outbox row as a relay leaves it once published (or not, with `publishedAt: null`). */
export async function insertOutbox(
  scratch: Scratch,
  service: 'order' | 'inventory' | 'payment' | 'shipping',
  row: {
    key: string;
    type: string;
    topic: string;
    causationId?: string;
    createdSecondsAgo?: number;
    published?: boolean;
  },
): Promise<void> {
  const headers = {
    'message-version': '1',
    'correlation-id': row.key,
    ...(row.causationId ? { 'causation-id': row.causationId } : {}),
  };
  await scratch.owner[service].query(
    `insert into outbox (id, topic, key, type, headers, payload, created_at, published_at)
     values ($1, $2, $3, $4, $5, '\\x7b7d',
             clock_timestamp() - make_interval(secs => $6::float8),
             case when $7 then clock_timestamp() end)`,
    [
      randomUUID(),
      row.topic,
      row.key,
      row.type,
      headers,
      row.createdSecondsAgo ?? 1,
      row.published ?? true,
    ],
  );
}

/** Loads the healthy dataset into freshly truncated scratch databases. */
export async function loadHealthy(scratch: Scratch): Promise<void> {
  const { order, inventory, payment, shipping } = scratch.owner;
  for (const o of ORDERS) {
    await order.query(
      `insert into orders (id, request_id, customer_id, status, reason, items, total_cents, shipping_address, saga_mode)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        o.id,
        `req-${o.id}`,
        o.customer,
        o.status,
        o.reason,
        JSON.stringify(o.items),
        total(o.items),
        ADDRESS,
        o.mode,
      ],
    );
    await order.query(
      `insert into order_timeline (order_id, step, source, outcome, message_id)
       values ($1, 'OrderPlaced', 'order', 'ok', null), ($1, 'StockReserved', 'inventory', 'ok', $2)`,
      [o.id, randomUUID()],
    );
    if (o.mode === 'orchestration') {
      const state = o.status === 'CONFIRMED' ? 'COMPLETED' : 'COMPENSATED';
      await order.query(`insert into sagas (order_id, state, state_name) values ($1, $2, $3)`, [
        o.id,
        { kind: state },
        state,
      ]);
      await order.query(
        `insert into saga_log (order_id, input, from_state, to_state, message_id)
         values ($1, 'StockReserved', 'RESERVING', 'AUTHORIZING', $2)`,
        [o.id, randomUUID()],
      );
    }
    await insertOutbox(scratch, 'order', {
      key: o.id,
      type: 'OrderPlaced',
      topic: 'order.events.v1',
    });
  }

  await inventory.query(
    `insert into products (sku, name, price_cents, available, reserved, committed, received)
     values ('SKU-A', 'A', 1000, 7, 0, 3, 10), ('SKU-B', 'B', 500, 4, 0, 1, 5)`,
  );
  const reservations: [string, string, string | null, [string, number][]][] = [
    [O.o1, 'COMMITTED', null, [['SKU-A', 2]]],
    [O.o2, 'RELEASED', null, [['SKU-B', 1]]],
    [
      O.o3,
      'COMMITTED',
      null,
      [
        ['SKU-A', 1],
        ['SKU-B', 1],
      ],
    ],
    [O.o4, 'RELEASED', null, [['SKU-B', 2]]],
    [O.o5, 'REJECTED', 'OUT_OF_STOCK', []],
  ];
  for (const [orderId, status, reason, lines] of reservations) {
    await inventory.query(
      'insert into reservations (order_id, status, reason) values ($1, $2, $3)',
      [orderId, status, reason],
    );
    for (const [sku, quantity] of lines) {
      await inventory.query(
        'insert into reservation_lines (order_id, sku, quantity) values ($1, $2, $3)',
        [orderId, sku, quantity],
      );
    }
  }

  await payment.query(
    `insert into accounts (id, name, balance_cents, held_cents, opening_balance_cents)
     values ('merchant', 'Merchant', 3500, 0, 0), ('cust_a', 'A', 6500, 0, 10000), ('cust_b', 'B', 5000, 0, 5000)`,
  );
  const captureOfO1 = randomUUID();
  await payment.query(
    `insert into payments (order_id, customer_id, amount_cents, status, reason) values
       ($1, 'cust_a', 2000, 'CAPTURED', null), ($2, 'cust_b', 500, 'VOIDED', 'ADDRESS_REJECTED'),
       ($3, 'cust_a', 1500, 'CAPTURED', null), ($4, 'cust_b', 1000, 'VOIDED', 'CUSTOMER_CANCELLED')`,
    [O.o1, O.o2, O.o3, O.o4],
  );
  await payment.query(
    `insert into inbox (consumer, message_id, message_type) values ('payment.choreography', $1, 'OrderConfirmed')`,
    [captureOfO1],
  );
  await insertOutbox(scratch, 'payment', {
    key: O.o1,
    type: 'PaymentCaptured',
    topic: 'payment.events.v1',
    causationId: captureOfO1,
  });

  await shipping.query(
    `insert into shipments (order_id, status, reason, delivery_date) values
       ($1, 'SCHEDULED', null, current_date + 3), ($2, 'REJECTED', 'ADDRESS_REJECTED', null),
       ($3, 'SCHEDULED', null, current_date + 3), ($4, 'CANCELLED', null, null)`,
    [O.o1, O.o2, O.o3, O.o4],
  );
  await insertOutbox(scratch, 'shipping', {
    key: O.o1,
    type: 'ShipmentScheduled',
    topic: 'shipping.events.v1',
    causationId: randomUUID(),
  });
}

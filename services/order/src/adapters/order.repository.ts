import type { Tx } from '@saga/db';
import type {
  Address,
  Order,
  OrderStatus,
  PricedLineItem,
  SagaMode,
  TimelineEntry,
} from '../domain/order.domain.ts';

/** An order as stored, with its timestamps and the trace of the request that placed it. */
export type StoredOrder = Order & {
  readonly createdAt: string;
  readonly updatedAt: string;
  /** W3C trace id of the placing request; undefined when telemetry was off. */
  readonly traceId: string | undefined;
  /** W3C `traceparent` of the span that placed it: the parent of later work on it. */
  readonly traceParent: string | undefined;
};

/** The trace an order was placed in (both undefined when telemetry was off). */
export type OrderTrace = {
  readonly traceId: string | undefined;
  readonly traceParent: string | undefined;
};
/** A timeline entry as stored. */
export type StoredTimelineEntry = TimelineEntry & {
  readonly at: string;
  readonly messageId: string | undefined;
};

type OrderRow = {
  id: string;
  customer_id: string;
  status: OrderStatus;
  reason: string | null;
  reason_detail: string | null;
  items: PricedLineItem[];
  total_cents: string;
  shipping_address: Address;
  saga_mode: SagaMode;
  trace_id: string | null;
  trace_parent: string | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `id, customer_id, status, reason, reason_detail, items, total_cents, shipping_address,
  saga_mode, trace_id, trace_parent, created_at, updated_at`;

function fromRow(row: OrderRow): StoredOrder {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    reason: row.reason ?? undefined,
    reasonDetail: row.reason_detail ?? undefined,
    items: row.items,
    totalCents: Number(row.total_cents),
    shippingAddress: row.shipping_address,
    sagaMode: row.saga_mode,
    traceId: row.trace_id ?? undefined,
    traceParent: row.trace_parent ?? undefined,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * Inserts a new order unless one with the same request id exists, with the trace it is placed
 * in.
 * @returns true when inserted, false when the request id was already used.
 */
export async function insertOrder(
  tx: Tx,
  order: Order,
  requestId: string,
  trace: OrderTrace,
): Promise<boolean> {
  const result = await tx.query(
    `insert into orders (id, request_id, customer_id, status, items, total_cents, shipping_address, saga_mode, trace_id, trace_parent)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (request_id) do nothing`,
    [
      order.id,
      requestId,
      order.customerId,
      order.status,
      JSON.stringify(order.items),
      order.totalCents,
      JSON.stringify(order.shippingAddress),
      order.sagaMode,
      trace.traceId ?? null,
      trace.traceParent ?? null,
    ],
  );
  return result.rowCount === 1;
}

/** The order created by a request id, if any. */
export async function findByRequestId(db: Tx, requestId: string): Promise<StoredOrder | undefined> {
  const { rows } = await db.query<OrderRow>(`select ${COLUMNS} from orders where request_id = $1`, [
    requestId,
  ]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** An order by id; `forUpdate` locks its row until the transaction ends. */
export async function findOrder(
  db: Tx,
  id: string,
  options: { readonly forUpdate?: boolean } = {},
): Promise<StoredOrder | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<OrderRow>(
    `select ${COLUMNS} from orders where id = $1 ${options.forUpdate ? 'for update' : ''}`,
    [id],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Most recent orders first. */
export async function listOrders(db: Tx, limit: number): Promise<StoredOrder[]> {
  const { rows } = await db.query<OrderRow>(
    `select ${COLUMNS} from orders order by created_at desc limit $1`,
    [limit],
  );
  return rows.map(fromRow);
}

/** Writes an order's status and reason. */
export async function saveStatus(tx: Tx, order: Order): Promise<void> {
  await tx.query(
    `update orders set status = $2, reason = $3, reason_detail = $4, updated_at = clock_timestamp()
     where id = $1`,
    [order.id, order.status, order.reason ?? null, order.reasonDetail ?? null],
  );
}

/** Appends to an order's timeline. */
export async function appendTimeline(
  tx: Tx,
  orderId: string,
  entry: TimelineEntry,
  messageId?: string,
): Promise<void> {
  await tx.query(
    `insert into order_timeline (order_id, step, source, outcome, detail, message_id)
     values ($1, $2, $3, $4, $5, $6)`,
    [orderId, entry.step, entry.source, entry.outcome, entry.detail, messageId ?? null],
  );
}

/** An order's timeline, oldest first. */
export async function timelineOf(db: Tx, orderId: string): Promise<StoredTimelineEntry[]> {
  const { rows } = await db.query<{
    step: string;
    source: TimelineEntry['source'];
    outcome: TimelineEntry['outcome'];
    detail: string;
    message_id: string | null;
    at: Date;
  }>(
    `select step, source, outcome, detail, message_id, at from order_timeline
     where order_id = $1 order by position`,
    [orderId],
  );
  return rows.map((r) => ({
    step: r.step,
    source: r.source,
    outcome: r.outcome,
    detail: r.detail,
    messageId: r.message_id ?? undefined,
    at: r.at.toISOString(),
  }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(value: string): boolean {
  return UUID.test(value);
}

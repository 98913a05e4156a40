/** Loads what the four databases hold about the orders in scope (order.rules.ts checks it). */
import type { Databases } from './databases.ts';
import type { InvariantScope } from './invariants.types.ts';
import type { OrderRow, OrderSnapshot } from './order.rules.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Raised for a scope that cannot be used (an order id that is not a UUID). */
export class InvalidScopeError extends Error {
  readonly code = 'INVARIANTS.INVALID_SCOPE';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidScopeError';
  }
}

/**
 * Checks a scope's order ids.
 * @throws {InvalidScopeError} for an id that is not a UUID, or an invalid date.
 */
export function assertScope(scope: InvariantScope): void {
  for (const id of scope.orderIds ?? []) {
    if (!UUID.test(id)) throw new InvalidScopeError(`order id "${id}" is not a UUID`);
  }
  if (scope.since && Number.isNaN(scope.since.getTime())) {
    throw new InvalidScopeError('scope.since is not a valid date');
  }
}

type OrderDbRow = {
  id: string;
  status: OrderRow['status'];
  saga_mode: OrderRow['sagaMode'];
  total_cents: string;
  items: { sku: string; quantity: number }[];
};

/** The orders in scope and their participants' rows; also the scope's ids that match no order. */
export async function loadOrderSnapshot(
  dbs: Databases,
  scope: InvariantScope,
): Promise<{ snapshot: OrderSnapshot; missing: readonly string[] }> {
  const rows = await dbs.order.query<OrderDbRow>(
    `select id::text, status, saga_mode, total_cents, items from orders
      where ($1::timestamptz is null or created_at >= $1)
        and ($2::uuid[] is null or id = any($2::uuid[]))
      order by created_at, id`,
    [scope.since ?? null, scope.orderIds ? [...scope.orderIds] : null],
  );
  const orders: OrderRow[] = rows.map((r) => ({
    id: r.id,
    status: r.status,
    sagaMode: r.saga_mode,
    totalCents: Number(r.total_cents),
    items: r.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
  }));
  const ids = orders.map((o) => o.id);
  const found = new Set(ids);
  const missing = (scope.orderIds ?? []).filter((id) => !found.has(id.toLowerCase()));

  const [sagas, reservations, lines, payments, shipments] = await Promise.all([
    dbs.order.query<{ order_id: string; state_name: string }>(
      'select order_id::text, state_name from sagas where order_id = any($1::uuid[])',
      [ids],
    ),
    dbs.inventory.query<{ order_id: string; status: string }>(
      'select order_id, status from reservations where order_id = any($1::text[])',
      [ids],
    ),
    dbs.inventory.query<{ order_id: string; sku: string; quantity: number }>(
      'select order_id, sku, quantity from reservation_lines where order_id = any($1::text[])',
      [ids],
    ),
    dbs.payment.query<{ order_id: string; status: string; amount_cents: string }>(
      'select order_id, status, amount_cents from payments where order_id = any($1::text[])',
      [ids],
    ),
    dbs.shipping.query<{ order_id: string; status: string }>(
      'select order_id, status from shipments where order_id = any($1::text[])',
      [ids],
    ),
  ]);
  const linesOf = new Map<string, Map<string, number>>();
  for (const l of lines) {
    const m = linesOf.get(l.order_id) ?? new Map<string, number>();
    m.set(l.sku, l.quantity);
    linesOf.set(l.order_id, m);
  }
  return {
    missing,
    snapshot: {
      orders,
      sagas: new Map(sagas.map((s) => [s.order_id, s.state_name])),
      reservations: new Map(
        reservations.map((r) => [
          r.order_id,
          { status: r.status, lines: linesOf.get(r.order_id) ?? new Map() },
        ]),
      ),
      payments: new Map(
        payments.map((p) => [
          p.order_id,
          { status: p.status, amountCents: Number(p.amount_cents) },
        ]),
      ),
      shipments: new Map(shipments.map((s) => [s.order_id, { status: s.status }])),
    },
  };
}

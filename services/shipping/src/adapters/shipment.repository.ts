import type { Tx } from '@saga/db';
import type {
  Address,
  RejectionReason,
  Shipment,
  ShipmentStatus,
} from '../domain/shipment.domain.ts';

type ShipmentRow = {
  order_id: string;
  status: ShipmentStatus;
  reason: RejectionReason | null;
  detail: string | null;
  address: Address | null;
  delivery_date: string | null;
};

// The date as text: node-pg would turn a `date` into a Date at local midnight, which shifts
// the day in any time zone west of UTC.
const COLUMNS = `order_id, status, reason, detail, address,
  to_char(delivery_date, 'YYYY-MM-DD') as delivery_date`;

function fromRow(row: ShipmentRow): Shipment {
  return {
    orderId: row.order_id,
    status: row.status,
    reason: row.reason ?? undefined,
    detail: row.detail ?? undefined,
    address: row.address ?? undefined,
    deliveryDate: row.delivery_date ?? undefined,
  };
}

/** The shipment of an order, if any; `forUpdate` locks its row until the transaction ends. */
export async function findShipment(
  db: Tx,
  orderId: string,
  options: { readonly forUpdate?: boolean } = {},
): Promise<Shipment | undefined> {
  const { rows } = await db.query<ShipmentRow>(
    `select ${COLUMNS} from shipments where order_id = $1 ${options.forUpdate ? 'for update' : ''}`,
    [orderId],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/**
 * Inserts an order's first shipment row.
 * @returns false when the order already has one (another transaction created it first; this
 *   call waited for that transaction to commit).
 */
export async function insertShipment(tx: Tx, shipment: Shipment): Promise<boolean> {
  const result = await tx.query(
    `insert into shipments (order_id, status, reason, detail, address, delivery_date)
     values ($1, $2, $3, $4, $5, $6::date)
     on conflict (order_id) do nothing`,
    values(shipment),
  );
  return result.rowCount === 1;
}

/** Writes the state of an existing shipment row (locked by the caller). */
export async function updateShipment(tx: Tx, shipment: Shipment): Promise<void> {
  await tx.query(
    `update shipments
     set status = $2, reason = $3, detail = $4, address = $5, delivery_date = $6::date,
         updated_at = clock_timestamp()
     where order_id = $1`,
    values(shipment),
  );
}

function values(s: Shipment): unknown[] {
  return [
    s.orderId,
    s.status,
    s.reason ?? null,
    s.detail ?? null,
    s.address ? JSON.stringify(s.address) : null,
    s.deliveryDate ?? null,
  ];
}

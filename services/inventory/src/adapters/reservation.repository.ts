import type { Tx } from '@saga/db';
import type { LineItem } from '../domain/product.domain.ts';
import type {
  RejectionReason,
  Reservation,
  ReservationStatus,
} from '../domain/reservation.domain.ts';

type ReservationRow = {
  order_id: string;
  status: ReservationStatus;
  reason: RejectionReason | null;
  detail: string | null;
};

/**
 * The reservation of an order, its row locked until the transaction ends; a NEW one is created
 * first when the order is unknown. Every message about an order starts here, so two of them
 * (say OrderPlaced and OrderCancelled, racing on different topics) are decided one after the
 * other: the second blocks on the row (or on the first one's insert) until the first commits,
 * then sees what it decided.
 */
export async function claimReservation(tx: Tx, orderId: string): Promise<Reservation> {
  await tx.query(
    `insert into reservations (order_id, status) values ($1, 'NEW') on conflict do nothing`,
    [orderId],
  );
  const { rows } = await tx.query<ReservationRow>(
    'select order_id, status, reason, detail from reservations where order_id = $1 for update',
    [orderId],
  );
  const row = rows[0];
  if (!row) throw new Error(`reservation of order ${orderId} vanished`);
  const lines = await tx.query<LineItem>(
    'select sku, quantity from reservation_lines where order_id = $1 order by sku',
    [orderId],
  );
  return {
    orderId: row.order_id,
    status: row.status,
    lines: lines.rows,
    reason: row.reason ?? undefined,
    detail: row.detail ?? undefined,
  };
}

/**
 * Writes a reservation claimed in this transaction ({@link claimReservation}): its status and
 * reason, and its lines when it has just been reserved (lines never change afterwards).
 */
export async function saveReservation(tx: Tx, reservation: Reservation): Promise<void> {
  await tx.query(
    `update reservations set status = $2, reason = $3, detail = $4, updated_at = clock_timestamp()
     where order_id = $1`,
    [
      reservation.orderId,
      reservation.status,
      reservation.reason ?? null,
      reservation.detail ?? null,
    ],
  );
  if (reservation.lines.length === 0) return;
  await tx.query(
    `insert into reservation_lines (order_id, sku, quantity)
     select $1, * from unnest($2::text[], $3::int[])
     on conflict do nothing`,
    [
      reservation.orderId,
      reservation.lines.map((l) => l.sku),
      reservation.lines.map((l) => l.quantity),
    ],
  );
}

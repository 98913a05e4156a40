import type { Tx } from '@saga/db';
import { lockStock, saveStock } from '../adapters/product.repository.ts';
import { claimReservation, saveReservation } from '../adapters/reservation.repository.ts';
import type { LineItem } from '../domain/product.domain.ts';
import {
  type CancelOutcome,
  type CommitOutcome,
  cancel,
  commit,
  type ReleaseOutcome,
  type Reservation,
  type ReserveOutcome,
  release,
  reserve,
  type StockBySku,
} from '../domain/reservation.domain.ts';

// Every use case runs in its caller's transaction (the inbox transaction of the message being
// handled) and takes its locks in one order: the order's reservation row, then the product rows
// in SKU order. Two messages about one order are decided one after the other; two orders
// sharing products never wait on each other in a cycle. The caller announces the outcome (an
// event in choreography, a reply to the orchestrator's command) in the same transaction.

async function persist(tx: Tx, reservation: Reservation, stock?: StockBySku): Promise<void> {
  if (stock) await saveStock(tx, stock);
  await saveReservation(tx, reservation);
}

/** What reserving an order's stock needs. */
export type ReserveInput = { readonly orderId: string; readonly lines: readonly LineItem[] };

/**
 * Reserves every line of an order or none, unless the order was cancelled first (refused) or
 * decided before.
 * @throws {InvalidItemsError} when the lines are invalid.
 */
export async function reserveStock(tx: Tx, input: ReserveInput): Promise<ReserveOutcome> {
  const reservation = await claimReservation(tx, input.orderId);
  const outcome = reserve(reservation, input.lines, await lockStock(tx, skusOf(input.lines)));
  switch (outcome.kind) {
    case 'reserved':
      await persist(tx, outcome.reservation, outcome.stock);
      break;
    case 'rejected':
      await persist(tx, outcome.reservation);
      break;
    case 'refused':
    case 'already-decided':
      break;
  }
  return outcome;
}

/** Releases an order's reservation (compensation), if it holds anything. */
export async function releaseStock(tx: Tx, orderId: string): Promise<ReleaseOutcome> {
  const reservation = await claimReservation(tx, orderId);
  const outcome = release(reservation, await lockStock(tx, skusOf(reservation.lines)));
  if (outcome.kind === 'released') await persist(tx, outcome.reservation, outcome.stock);
  return outcome;
}

/**
 * Cancels an order (OrderCancelled, ReleaseStock): releases its reservation, or refuses the order
 * for good when nothing was decided yet (its OrderPlaced or ReserveStock may still be on its way).
 */
export async function cancelReservation(tx: Tx, orderId: string): Promise<CancelOutcome> {
  const reservation = await claimReservation(tx, orderId);
  const outcome = cancel(reservation, await lockStock(tx, skusOf(reservation.lines)));
  switch (outcome.kind) {
    case 'released':
      await persist(tx, outcome.reservation, outcome.stock);
      break;
    case 'refused':
      await persist(tx, outcome.reservation);
      break;
    case 'nothing-held':
      break;
  }
  return outcome;
}

/** Turns an order's reservation into a sale. */
export async function commitStock(tx: Tx, orderId: string): Promise<CommitOutcome> {
  const reservation = await claimReservation(tx, orderId);
  const outcome = commit(reservation, await lockStock(tx, skusOf(reservation.lines)));
  if (outcome.kind === 'committed') await persist(tx, outcome.reservation, outcome.stock);
  return outcome;
}

function skusOf(lines: readonly LineItem[]): string[] {
  return lines.map((l) => l.sku);
}

/** The reservation use cases, as message handlers (events and commands) receive them. */
export type ReservationUseCases = {
  readonly reserve: typeof reserveStock;
  readonly release: typeof releaseStock;
  readonly cancel: typeof cancelReservation;
  readonly commit: typeof commitStock;
};

/** The use cases backed by the service's database. */
export const reservationUseCases: ReservationUseCases = {
  reserve: reserveStock,
  release: releaseStock,
  cancel: cancelReservation,
  commit: commitStock,
};

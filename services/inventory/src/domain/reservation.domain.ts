import { StockInvariantError } from './inventory.errors.ts';
import { type LineItem, mergeLines, type Stock } from './product.domain.ts';

/**
 * Where an order stands with the inventory:
 *
 * ```
 * NEW ──reserve──▶ RESERVED ──release──▶ RELEASED
 *  │     └──────▶ REJECTED      └──commit──▶ COMMITTED
 *  └──cancel────▶ REFUSED   (cancelled or compensated before its OrderPlaced or
 *                           ReserveStock arrived: never reserve)
 * ```
 *
 * NEW is the state of an order the inventory has heard of but decided nothing about yet.
 */
export type ReservationStatus =
  | 'NEW'
  | 'RESERVED'
  | 'REJECTED'
  | 'RELEASED'
  | 'COMMITTED'
  | 'REFUSED';

/** Why a reservation was rejected (docs/checkout-saga.md, "Reason codes"). */
export type RejectionReason = 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT';

/** The inventory's record of one order. */
export type Reservation = {
  readonly orderId: string;
  readonly status: ReservationStatus;
  /** What it holds, or held, one line per SKU; empty unless it was RESERVED. */
  readonly lines: readonly LineItem[];
  readonly reason: RejectionReason | undefined;
  readonly detail: string | undefined;
};

/** Stock of the products a decision involves, by SKU (those that exist). */
export type StockBySku = ReadonlyMap<string, Stock>;

/** An order the inventory has not decided anything about yet. */
export function newReservation(orderId: string): Reservation {
  return { orderId, status: 'NEW', lines: [], reason: undefined, detail: undefined };
}

/** What asking to reserve an order's lines does. */
export type ReserveOutcome =
  /** Every line is held; `stock` is the new stock of the SKUs involved. */
  | { readonly kind: 'reserved'; readonly reservation: Reservation; readonly stock: StockBySku }
  /** Nothing is held. */
  | {
      readonly kind: 'rejected';
      readonly reservation: Reservation;
      readonly reason: RejectionReason;
      readonly detail: string;
    }
  /** The order was cancelled first: its refusal stands and nothing is reserved. */
  | { readonly kind: 'refused'; readonly reservation: Reservation }
  /** The order was decided before (a second request for it): nothing changes. */
  | { readonly kind: 'already-decided'; readonly reservation: Reservation };

/**
 * Reserves every line of an order or none. Lines of one SKU count together. The first line
 * (in order) that cannot be held names the rejection: `UNKNOWN_PRODUCT` when its SKU does not
 * exist, `OUT_OF_STOCK` when it asks for more than is available.
 *
 * @param stock - stock of the requested SKUs; a SKU missing from it does not exist.
 * @throws {InvalidItemsError} when the lines are invalid ({@link mergeLines}).
 */
export function reserve(
  reservation: Reservation,
  requested: readonly LineItem[],
  stock: StockBySku,
): ReserveOutcome {
  if (reservation.status === 'REFUSED') return { kind: 'refused', reservation };
  if (reservation.status !== 'NEW') return { kind: 'already-decided', reservation };
  const lines = mergeLines(requested);
  for (const line of lines) {
    const current = stock.get(line.sku);
    const rejection =
      current === undefined
        ? { reason: 'UNKNOWN_PRODUCT' as const, detail: `unknown SKU ${line.sku}` }
        : current.available < line.quantity
          ? {
              reason: 'OUT_OF_STOCK' as const,
              detail: `${line.sku}: requested ${line.quantity}, available ${current.available}`,
            }
          : undefined;
    if (rejection) {
      return {
        kind: 'rejected',
        reservation: { ...reservation, status: 'REJECTED', ...rejection },
        ...rejection,
      };
    }
  }
  return {
    kind: 'reserved',
    reservation: { ...reservation, status: 'RESERVED', lines },
    stock: moveLines(lines, stock, 'available', 'reserved'),
  };
}

/** What releasing (compensating) a reservation does. */
export type ReleaseOutcome =
  /** Its units are available again; `stock` is the new stock of its SKUs. */
  | { readonly kind: 'released'; readonly reservation: Reservation; readonly stock: StockBySku }
  /** It holds nothing (never reserved, rejected, released or sold already): nothing changes. */
  | { readonly kind: 'nothing-held'; readonly reservation: Reservation };

/**
 * Gives a reservation's units back (a later step of the saga failed).
 * @param stock - stock of the reservation's SKUs.
 */
export function release(reservation: Reservation, stock: StockBySku): ReleaseOutcome {
  if (reservation.status !== 'RESERVED') return { kind: 'nothing-held', reservation };
  return {
    kind: 'released',
    reservation: { ...reservation, status: 'RELEASED' },
    stock: moveLines(reservation.lines, stock, 'reserved', 'available'),
  };
}

/** What cancelling an order does to its reservation. */
export type CancelOutcome =
  | ReleaseOutcome
  /**
   * Nothing was decided yet: it is now REFUSED, so a late OrderPlaced or ReserveStock reserves
   * nothing.
   */
  | { readonly kind: 'refused'; readonly reservation: Reservation };

/**
 * The customer cancelled the order (OrderCancelled), or the orchestrator compensates its
 * reservation (ReleaseStock): release what it holds, or, when its OrderPlaced or ReserveStock has
 * not been handled yet (it may still be in flight, or never come), refuse it for good.
 * @param stock - stock of the reservation's SKUs.
 */
export function cancel(reservation: Reservation, stock: StockBySku): CancelOutcome {
  if (reservation.status === 'NEW') {
    return { kind: 'refused', reservation: { ...reservation, status: 'REFUSED' } };
  }
  return release(reservation, stock);
}

/** What confirming an order does to its reservation. */
export type CommitOutcome =
  /** Its units are sold; `stock` is the new stock of its SKUs. */
  | { readonly kind: 'committed'; readonly reservation: Reservation; readonly stock: StockBySku }
  | { readonly kind: 'already-committed'; readonly reservation: Reservation }
  /** It holds nothing to sell (never reserved, rejected, released or refused). */
  | { readonly kind: 'not-committable'; readonly reservation: Reservation };

/**
 * Turns a reservation into a sale (the order is confirmed).
 * @param stock - stock of the reservation's SKUs.
 */
export function commit(reservation: Reservation, stock: StockBySku): CommitOutcome {
  switch (reservation.status) {
    case 'RESERVED':
      return {
        kind: 'committed',
        reservation: { ...reservation, status: 'COMMITTED' },
        stock: moveLines(reservation.lines, stock, 'reserved', 'committed'),
      };
    case 'COMMITTED':
      return { kind: 'already-committed', reservation };
    case 'NEW':
    case 'REJECTED':
    case 'RELEASED':
    case 'REFUSED':
      return { kind: 'not-committable', reservation };
  }
}

/**
 * Moves `quantity` units of one product from one bucket to another. The sum of the three never
 * changes (conservation), and no bucket goes below zero.
 * @throws {StockInvariantError} when `from` holds fewer than `quantity` units.
 */
export function moveUnits(
  stock: Stock,
  from: keyof Stock,
  to: keyof Stock,
  quantity: number,
): Stock {
  if (stock[from] < quantity) {
    throw new StockInvariantError(`cannot move ${quantity} units: only ${stock[from]} ${from}`);
  }
  return { ...stock, [from]: stock[from] - quantity, [to]: stock[to] + quantity };
}

function moveLines(
  lines: readonly LineItem[],
  stock: StockBySku,
  from: keyof Stock,
  to: keyof Stock,
): StockBySku {
  const moved = new Map<string, Stock>();
  for (const line of lines) {
    const current = stock.get(line.sku);
    if (!current) throw new StockInvariantError(`no stock of ${line.sku} to move`);
    moved.set(line.sku, moveUnits(current, from, to, line.quantity));
  }
  return moved;
}

import type { Tx } from '@saga/db';
import { findShipment, insertShipment, updateShipment } from '../adapters/shipment.repository.ts';
import {
  type Address,
  type CancelDecision,
  decideCancel,
  decideSchedule,
  isSlowAddress,
  type ScheduleDecision,
  type Shipment,
} from '../domain/shipment.domain.ts';
import { InvalidShipmentQueryError, ShipmentNotFoundError } from './shipment.errors.ts';

/** What the shipping use cases need from the outside world. */
export type ShipmentUseCaseDeps = {
  /** The clock; scheduling plans the delivery date from it. */
  readonly now: () => Date;
  /** Waits `ms` milliseconds (the `Slowtown` fixture). */
  readonly delay: (ms: number) => Promise<void>;
  /** How long scheduling for a `Slowtown` address takes (`SHIPPING_SLOW_MS`). */
  readonly slowMs: number;
};

/**
 * The shipping service's use cases, shared by both saga styles. Each runs in a transaction its
 * caller owns (the inbox transaction of an event or a command handler), so the caller can
 * enqueue the message announcing the outcome in that same transaction.
 */
export function createShipmentUseCases(deps: ShipmentUseCaseDeps) {
  /**
   * Locks the order's shipment row, decides against it, and writes the decision's shipment when
   * it changed. There is no row to lock before an order's first message, so two first messages
   * can both find none: the second insert then waits for the first transaction, finds its row,
   * and the decision is taken again against it, locked. Rows are never deleted, so the second
   * round always finds one.
   */
  async function decideLocked<D extends { readonly shipment: Shipment }>(
    tx: Tx,
    orderId: string,
    decide: (current: Shipment | undefined) => D,
    changes: (decision: D) => boolean,
  ): Promise<D> {
    for (;;) {
      const current = await findShipment(tx, orderId, { forUpdate: true });
      const decision = decide(current);
      if (!changes(decision)) return decision;
      if (current) {
        await updateShipment(tx, decision.shipment);
        return decision;
      }
      if (await insertShipment(tx, decision.shipment)) return decision;
    }
  }

  return {
    /**
     * Schedules the shipment of an order, or rejects its address. Does nothing when the order
     * already has a shipment, in particular a refusal left by an earlier cancellation.
     *
     * The `Slowtown` fixture waits before the row is locked, not after: a cancellation arriving
     * meanwhile records its refusal first, and this request then finds it.
     */
    async schedule(
      tx: Tx,
      request: { readonly orderId: string; readonly address: Address | undefined },
    ): Promise<ScheduleDecision> {
      if (isSlowAddress(request.address)) await deps.delay(deps.slowMs);
      return decideLocked(
        tx,
        request.orderId,
        (current) => decideSchedule(current, request, deps.now()),
        (d) => d.kind !== 'ignored',
      );
    },

    /** Cancels an order's shipment; with none yet, records a refusal. */
    cancel(tx: Tx, request: { readonly orderId: string }): Promise<CancelDecision> {
      return decideLocked(
        tx,
        request.orderId,
        (current) => decideCancel(current, request.orderId),
        (d) => d.kind !== 'unchanged',
      );
    },

    /**
     * The shipment of an order.
     * @throws {InvalidShipmentQueryError} when `orderId` is empty.
     * @throws {ShipmentNotFoundError} when the order has none.
     */
    async getShipment(db: Tx, orderId: string): Promise<Shipment> {
      if (!orderId.trim()) throw new InvalidShipmentQueryError('orderId is required');
      const shipment = await findShipment(db, orderId);
      if (!shipment) throw new ShipmentNotFoundError(orderId);
      return shipment;
    },
  };
}

/** The shipping use cases, as built by {@link createShipmentUseCases}. */
export type ShipmentUseCases = ReturnType<typeof createShipmentUseCases>;

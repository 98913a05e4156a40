import { EVENTS, messageOf } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import type { OrderCancelled, OrderConfirmed, OrderPlaced } from '@saga/contracts/order';
import type { PaymentDeclined } from '@saga/contracts/payment';
import type { ShipmentRejected } from '@saga/contracts/shipping';
import type { Tx } from '@saga/db';
import { enqueue } from '@saga/outbox';
import type { TxHandler } from '@saga/service-host';
import { ReservationNotCommittableError } from '../domain/inventory.errors.ts';
import { toStockReserved } from './reservation.messages.ts';
import type { ReservationUseCases } from './reservation.use-cases.ts';

/** The message being handled, which causes the events a handler enqueues. */
type Causing = Parameters<TxHandler<unknown>>[1];

/**
 * The inventory's part in the choreographed checkout saga (docs/checkout-saga.md, "Who reacts
 * to what"). Each handler runs in the inbox transaction of its message: the use case locks and
 * changes the order's reservation and stock, and the event announcing the outcome is enqueued
 * in the same transaction (transactional outbox), keyed by order id.
 *
 * Orders placed in orchestration mode (`sagaMode` on OrderPlaced, OrderCancelled and
 * OrderConfirmed) are ignored here: the orchestrator drives them with commands instead
 * (app/orchestration.handlers.ts). The other events these handlers take (PaymentDeclined,
 * ShipmentRejected) are never about an orchestrated order: those go to the orchestrator only.
 */
export function createChoreographyHandlers(deps: { readonly reservations: ReservationUseCases }) {
  const { reservations } = deps;

  const announceRelease = async (tx: Tx, envelope: Causing, orderId: string, released: boolean) => {
    await enqueue(
      tx,
      messageOf(EVENTS.StockReleased, { orderId, released }, { key: orderId, causedBy: envelope }),
    );
  };

  /** PaymentDeclined and ShipmentRejected: compensate by releasing the reservation. */
  const releaseOnFailure: TxHandler<PaymentDeclined | ShipmentRejected> = async (tx, envelope) => {
    const { orderId } = envelope.payload;
    const outcome = await reservations.release(tx, orderId);
    await announceRelease(tx, envelope, orderId, outcome.kind === 'released');
  };

  const onOrderPlaced: TxHandler<OrderPlaced> = async (tx, envelope) => {
    const order = envelope.payload;
    // The orchestrator drives orchestrated orders with ReserveStock commands.
    if (order.sagaMode === SagaMode.SAGA_MODE_ORCHESTRATION) return;
    const outcome = await reservations.reserve(tx, { orderId: order.orderId, lines: order.items });
    const options = { key: order.orderId, causedBy: envelope };
    switch (outcome.kind) {
      case 'reserved':
        await enqueue(tx, messageOf(EVENTS.StockReserved, toStockReserved(order), options));
        return;
      case 'rejected':
        await enqueue(
          tx,
          messageOf(
            EVENTS.StockRejected,
            { orderId: order.orderId, reason: outcome.reason, detail: outcome.detail },
            options,
          ),
        );
        return;
      // Cancelled first (its StockReleased, released false, went out with the refusal), or
      // decided by an earlier OrderPlaced: there is nothing new to announce.
      case 'refused':
      case 'already-decided':
        return;
    }
  };

  const onOrderCancelled: TxHandler<OrderCancelled> = async (tx, envelope) => {
    const { orderId, sagaMode } = envelope.payload;
    // The orchestrator compensates orchestrated orders with a ReleaseStock command.
    if (sagaMode === SagaMode.SAGA_MODE_ORCHESTRATION) return;
    const outcome = await reservations.cancel(tx, orderId);
    await announceRelease(tx, envelope, orderId, outcome.kind === 'released');
  };

  const onOrderConfirmed: TxHandler<OrderConfirmed> = async (tx, envelope) => {
    const { orderId, sagaMode } = envelope.payload;
    // The orchestrator finalises orchestrated orders with a CommitStock command.
    if (sagaMode === SagaMode.SAGA_MODE_ORCHESTRATION) return;
    const outcome = await reservations.commit(tx, orderId);
    switch (outcome.kind) {
      case 'committed':
        await enqueue(
          tx,
          messageOf(EVENTS.StockCommitted, { orderId }, { key: orderId, causedBy: envelope }),
        );
        return;
      case 'already-committed':
        return;
      case 'not-committable':
        throw new ReservationNotCommittableError(orderId, outcome.reservation.status);
    }
  };

  return {
    onOrderPlaced,
    onPaymentDeclined: releaseOnFailure,
    onShipmentRejected: releaseOnFailure,
    onOrderCancelled,
    onOrderConfirmed,
  };
}

/** The inventory's choreography handlers. */
export type ChoreographyHandlers = ReturnType<typeof createChoreographyHandlers>;

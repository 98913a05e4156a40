/**
 * Payment's part in the choreographed checkout saga (docs/checkout-saga.md, "Who reacts to
 * what"). Each handler runs in the inbox transaction the service host opens for the message:
 * the use case changes the payment and the accounts, and the event announcing it goes into the
 * outbox in that same transaction.
 *
 * Order events of orchestrated orders (`sagaMode` ORCHESTRATION) are ignored: the order
 * service's orchestrator drives those with commands instead (app/orchestration.handlers.ts).
 * Participant events (StockReserved, ShipmentRejected) are only published in choreography.
 */
import { EVENTS, messageOf } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import type { StockReserved } from '@saga/contracts/inventory';
import type { OrderCancelled, OrderConfirmed } from '@saga/contracts/order';
import type { ShipmentRejected } from '@saga/contracts/shipping';
import type { Tx } from '@saga/db';
import type { Envelope } from '@saga/messaging';
import { enqueue } from '@saga/outbox';
import type { Logger } from '@saga/service-kit';
import type { PaymentUseCases } from './payment.use-cases.ts';

/** What the choreography handlers need. */
export type ChoreographyDeps = {
  readonly payments: PaymentUseCases;
  readonly logger: Logger;
};

/** Reason recorded on a payment voided or refused for a cancellation that gives none. */
const CANCELLED = 'CUSTOMER_CANCELLED';

/** Builds the choreography handlers, one per event payment reacts to. */
export function createChoreographyHandlers(deps: ChoreographyDeps) {
  const { payments, logger } = deps;

  return {
    /** StockReserved → authorise the total → PaymentAuthorized | PaymentDeclined. */
    async onStockReserved(tx: Tx, envelope: Envelope<StockReserved>): Promise<void> {
      const event = envelope.payload;
      const outcome = await payments.authorise(tx, {
        orderId: event.orderId,
        customerId: event.customerId,
        amountCents: event.totalCents,
      });
      const options = { key: event.orderId, causedBy: envelope };
      switch (outcome.kind) {
        case 'authorized':
          await enqueue(
            tx,
            messageOf(
              EVENTS.PaymentAuthorized,
              {
                orderId: event.orderId,
                customerId: event.customerId,
                amountCents: event.totalCents,
                shippingAddress: event.shippingAddress,
                items: event.items,
              },
              options,
            ),
          );
          return;
        case 'declined':
          await enqueue(
            tx,
            messageOf(
              EVENTS.PaymentDeclined,
              { orderId: event.orderId, reason: outcome.reason, detail: outcome.detail },
              options,
            ),
          );
          return;
        case 'already-recorded':
          // A refusal (the order was cancelled first) or an earlier decision: nothing to do.
          logger.info(
            { order_id: event.orderId, status: outcome.payment.status },
            'authorisation not taken: the order already has a payment',
          );
          return;
      }
    },

    /** ShipmentRejected → void the authorisation → PaymentVoided. */
    async onShipmentRejected(tx: Tx, envelope: Envelope<ShipmentRejected>): Promise<void> {
      const { orderId, reason } = envelope.payload;
      const outcome = await payments.voidAuthorisation(tx, orderId, reason);
      await enqueue(
        tx,
        messageOf(
          EVENTS.PaymentVoided,
          { orderId, voided: outcome.kind === 'voided' },
          { key: orderId, causedBy: envelope },
        ),
      );
    },

    /** OrderCancelled → void the authorisation, or refuse a later one → PaymentVoided. */
    async onOrderCancelled(tx: Tx, envelope: Envelope<OrderCancelled>): Promise<void> {
      const { orderId, reason, sagaMode } = envelope.payload;
      // The orchestrator sends VoidPayment instead.
      if (sagaMode === SagaMode.SAGA_MODE_ORCHESTRATION) return;
      const outcome = await payments.cancel(tx, orderId, reason || CANCELLED);
      await enqueue(
        tx,
        messageOf(
          EVENTS.PaymentVoided,
          { orderId, voided: outcome.kind === 'voided' },
          { key: orderId, causedBy: envelope },
        ),
      );
    },

    /** OrderConfirmed → capture → PaymentCaptured. */
    async onOrderConfirmed(tx: Tx, envelope: Envelope<OrderConfirmed>): Promise<void> {
      const { orderId, sagaMode } = envelope.payload;
      // The orchestrator sends CapturePayment instead.
      if (sagaMode === SagaMode.SAGA_MODE_ORCHESTRATION) return;
      const outcome = await payments.capture(tx, orderId);
      if (outcome.kind !== 'captured') {
        // A confirmed order was authorised; anything else means the saga went wrong upstream.
        // Retrying cannot change it, so it is reported rather than thrown.
        logger.warn(
          {
            order_id: orderId,
            status: outcome.kind === 'no-payment' ? undefined : outcome.payment.status,
          },
          'order confirmed but its payment is not authorised: nothing captured',
        );
        return;
      }
      await enqueue(
        tx,
        messageOf(
          EVENTS.PaymentCaptured,
          { orderId, amountCents: outcome.payment.amountCents },
          { key: orderId, causedBy: envelope },
        ),
      );
    },
  };
}

import { EVENTS, messageOf } from '@saga/contracts';
import type { OrderCancelled } from '@saga/contracts/order';
import type { PaymentAuthorized } from '@saga/contracts/payment';
import type { Tx } from '@saga/db';
import type { Envelope } from '@saga/messaging';
import { enqueue } from '@saga/outbox';
import { isCancelled } from '../domain/shipment.domain.ts';
import type { ShipmentUseCases } from './shipments.use-cases.ts';

/**
 * The shipping service's part in the choreographed checkout (docs/checkout-saga.md). Each
 * handler runs in the inbox transaction the host opens: the use case locks the order's shipment
 * row and writes its state, and the event announcing the outcome is enqueued in that same
 * transaction (transactional outbox).
 */
export function createChoreographyHandlers(deps: { readonly shipments: ShipmentUseCases }) {
  const { shipments } = deps;
  return {
    /**
     * PaymentAuthorized → ShipmentScheduled | ShipmentRejected. Nothing is announced when the
     * order already has a shipment: a refusal (cancelled first) or an earlier decision.
     */
    async onPaymentAuthorized(tx: Tx, envelope: Envelope<PaymentAuthorized>): Promise<void> {
      const { orderId, shippingAddress } = envelope.payload;
      const decision = await shipments.schedule(tx, { orderId, address: shippingAddress });
      const options = { key: orderId, causedBy: envelope };
      switch (decision.kind) {
        case 'scheduled':
          await enqueue(
            tx,
            messageOf(
              EVENTS.ShipmentScheduled,
              { orderId, deliveryDate: decision.deliveryDate },
              options,
            ),
          );
          return;
        case 'rejected':
          await enqueue(
            tx,
            messageOf(
              EVENTS.ShipmentRejected,
              { orderId, reason: decision.reason, detail: decision.detail },
              options,
            ),
          );
          return;
        case 'ignored':
          return;
      }
    },

    /**
     * OrderCancelled → ShipmentCancelled: `cancelled` true when a scheduled shipment was
     * cancelled, false when there was none (a refusal is recorded) or it had been rejected.
     * Every cancellation is answered, so the order's timeline shows shipping's part.
     */
    async onOrderCancelled(tx: Tx, envelope: Envelope<OrderCancelled>): Promise<void> {
      const { orderId } = envelope.payload;
      const decision = await shipments.cancel(tx, { orderId });
      await enqueue(
        tx,
        messageOf(
          EVENTS.ShipmentCancelled,
          { orderId, cancelled: isCancelled(decision) },
          { key: orderId, causedBy: envelope },
        ),
      );
    },
  };
}

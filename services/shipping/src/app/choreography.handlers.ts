import { SagaMode } from '@saga/contracts/common';
import type { OrderCancelled } from '@saga/contracts/order';
import type { PaymentAuthorized } from '@saga/contracts/payment';
import type { Tx } from '@saga/db';
import type { Envelope } from '@saga/messaging';
import { enqueue } from '@saga/outbox';
import { scheduleOutcome } from '../domain/shipment.domain.ts';
import { scheduleOutcomeMessage, shipmentCancelledMessage } from './shipment.messages.ts';
import type { ShipmentUseCases } from './shipments.use-cases.ts';

/**
 * The shipping service's part in the choreographed checkout (docs/checkout-saga.md). Each
 * handler runs in the inbox transaction the host opens: the use case locks the order's shipment
 * row and writes its state, and the event announcing the outcome is enqueued in that same
 * transaction (transactional outbox). Orchestrated orders are driven by commands instead
 * (orchestration.handlers.ts).
 */
export function createChoreographyHandlers(deps: { readonly shipments: ShipmentUseCases }) {
  const { shipments } = deps;
  return {
    /**
     * PaymentAuthorized → ShipmentScheduled | ShipmentRejected. Nothing is announced when the
     * order already has a shipment: a refusal (cancelled first) or an earlier decision. (Payment
     * answers an orchestrated order's command on the orchestrator's reply topic, never with this
     * event, so it only comes for choreographed orders.)
     */
    async onPaymentAuthorized(tx: Tx, envelope: Envelope<PaymentAuthorized>): Promise<void> {
      const { orderId, shippingAddress } = envelope.payload;
      const decision = await shipments.schedule(tx, { orderId, address: shippingAddress });
      if (decision.kind === 'ignored') return;
      await enqueue(
        tx,
        scheduleOutcomeMessage(orderId, scheduleOutcome(decision.shipment), {
          key: orderId,
          causedBy: envelope,
        }),
      );
    },

    /**
     * OrderCancelled → ShipmentCancelled: `cancelled` true when a scheduled shipment was
     * cancelled, false when there was none (a refusal is recorded) or it had been rejected.
     * Every cancellation is answered, so the order's timeline shows shipping's part. An
     * orchestrated order's cancellation is ignored: its orchestrator sends CancelShipment.
     */
    async onOrderCancelled(tx: Tx, envelope: Envelope<OrderCancelled>): Promise<void> {
      const { orderId, sagaMode } = envelope.payload;
      if (sagaMode === SagaMode.SAGA_MODE_ORCHESTRATION) return;
      const decision = await shipments.cancel(tx, { orderId });
      await enqueue(
        tx,
        shipmentCancelledMessage(orderId, decision, { key: orderId, causedBy: envelope }),
      );
    },
  };
}

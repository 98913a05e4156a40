import { EVENTS, type MessageOptions, messageOf } from '@saga/contracts';
import type { OutboxMessage } from '@saga/outbox';
import {
  type CancelDecision,
  isCancelled,
  type ScheduleOutcome,
} from '../domain/shipment.domain.ts';

/**
 * The message telling where an order's scheduling step stands: ShipmentScheduled with the
 * planned date, or ShipmentRejected with the reason. The same message announces a decision in
 * choreography and answers a ScheduleShipment command.
 */
export function scheduleOutcomeMessage(
  orderId: string,
  outcome: ScheduleOutcome,
  options: MessageOptions,
): OutboxMessage {
  switch (outcome.kind) {
    case 'scheduled':
      return messageOf(
        EVENTS.ShipmentScheduled,
        { orderId, deliveryDate: outcome.deliveryDate },
        options,
      );
    case 'not-scheduled':
      return messageOf(
        EVENTS.ShipmentRejected,
        { orderId, reason: outcome.reason, detail: outcome.detail },
        options,
      );
  }
}

/**
 * ShipmentCancelled for a cancellation: `cancelled` is true when the order's shipment ended
 * cancelled (by this cancellation or an earlier one), false when there was none to cancel
 * (refused or rejected).
 */
export function shipmentCancelledMessage(
  orderId: string,
  decision: CancelDecision,
  options: MessageOptions,
): OutboxMessage {
  return messageOf(
    EVENTS.ShipmentCancelled,
    { orderId, cancelled: isCancelled(decision) },
    options,
  );
}

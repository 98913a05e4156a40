import type { CancelShipment, ScheduleShipment } from '@saga/contracts/shipping';
import type { Tx } from '@saga/db';
import type { Envelope } from '@saga/messaging';
import { enqueue } from '@saga/outbox';
import { scheduleOutcome } from '../domain/shipment.domain.ts';
import { scheduleOutcomeMessage, shipmentCancelledMessage } from './shipment.messages.ts';
import type { ShipmentUseCases } from './shipments.use-cases.ts';

/** The reply to a command: keyed by order, caused by the command, on its `replyTo` topic only. */
function replyOptions(command: Envelope<{ readonly orderId: string; readonly replyTo: string }>) {
  const { orderId, replyTo } = command.payload;
  return { key: orderId, causedBy: command, topic: replyTo };
}

/**
 * The shipping service's part in the orchestrated checkout: the order service's orchestrator
 * sends commands on `shipping.commands.v1`, and each delivery of a command is answered by exactly
 * one reply, enqueued in the inbox transaction on the command's `replyTo` topic (never on
 * `shipping.events.v1`, whose choreography consumers must not see orchestrated orders). The
 * use cases, the row lock and the refusals are those of choreography (choreography.handlers.ts,
 * docs/adr/0006-choreography-decisions-and-refusals.md); only who sends the trigger changes.
 *
 * The orchestrator re-sends a command after its deadline (a new message id, same order), so a
 * command is idempotent per order and always answered with where the shipment stands now:
 *
 * | command          | order's shipment before | shipment after | reply                                           |
 * | ---------------- | ----------------------- | -------------- | ----------------------------------------------- |
 * | ScheduleShipment | none, address OK        | SCHEDULED      | ShipmentScheduled{deliveryDate}                 |
 * | ScheduleShipment | none, address not OK    | REJECTED       | ShipmentRejected{reason, detail}                |
 * | ScheduleShipment | SCHEDULED               | unchanged      | ShipmentScheduled{the stored deliveryDate}      |
 * | ScheduleShipment | REJECTED                | unchanged      | ShipmentRejected{the stored reason, detail}     |
 * | ScheduleShipment | REFUSED                 | unchanged      | ShipmentRejected{CANCELLED, compensated before} |
 * | ScheduleShipment | CANCELLED               | unchanged      | ShipmentRejected{CANCELLED, scheduled, then…}   |
 * | CancelShipment   | none                    | REFUSED        | ShipmentCancelled{cancelled: false}             |
 * | CancelShipment   | SCHEDULED               | CANCELLED      | ShipmentCancelled{cancelled: true}              |
 * | CancelShipment   | CANCELLED               | unchanged      | ShipmentCancelled{cancelled: true}              |
 * | CancelShipment   | REJECTED                | unchanged      | ShipmentCancelled{cancelled: false}             |
 * | CancelShipment   | REFUSED                 | unchanged      | ShipmentCancelled{cancelled: false}             |
 *
 * A ScheduleShipment for an order that already has a shipment is answered from the stored
 * shipment, whatever address it carries. CANCELLED is no carrier reason: it tells the
 * orchestrator that its compensation overtook the step (a CancelShipment sent while the
 * ScheduleShipment was lost or late), and such an order is never scheduled afterwards.
 * `cancelled` says whether the order's shipment ended cancelled, so a re-sent CancelShipment
 * gets the first answer again (the flag of choreography's ShipmentCancelled, too).
 */
export function createOrchestrationHandlers(deps: { readonly shipments: ShipmentUseCases }) {
  const { shipments } = deps;
  return {
    /**
     * ScheduleShipment → ShipmentScheduled | ShipmentRejected, on `replyTo`. Honours the
     * `Slowtown` delay like choreography (the wait happens before the row is locked).
     */
    async onScheduleShipment(tx: Tx, envelope: Envelope<ScheduleShipment>): Promise<void> {
      const { orderId, address } = envelope.payload;
      const decision = await shipments.schedule(tx, { orderId, address });
      await enqueue(
        tx,
        scheduleOutcomeMessage(orderId, scheduleOutcome(decision.shipment), replyOptions(envelope)),
      );
    },

    /**
     * CancelShipment → ShipmentCancelled, on `replyTo`. With no shipment yet, records the
     * refusal that makes a later ScheduleShipment answer CANCELLED.
     */
    async onCancelShipment(tx: Tx, envelope: Envelope<CancelShipment>): Promise<void> {
      const { orderId } = envelope.payload;
      const decision = await shipments.cancel(tx, { orderId });
      await enqueue(tx, shipmentCancelledMessage(orderId, decision, replyOptions(envelope)));
    },
  };
}

import { EVENTS, messageOf } from '@saga/contracts';
import type { Tx } from '@saga/db';
import type { Envelope } from '@saga/messaging';
import { enqueue } from '@saga/outbox';
import { on, type Subscription } from '@saga/service-host';
import { appendTimeline, findOrder, saveStatus } from '../adapters/order.repository.ts';
import { type ParticipantEvent, react } from '../domain/order.domain.ts';
import { OrderNotFoundError } from './order.errors.ts';
import { toProtoSagaMode } from './order.mapping.ts';
import { PARTICIPANT_EVENTS } from './participant-events.ts';
import { recordingOutcomes, stageOutcome } from './saga.metrics.ts';

/**
 * Applies a participant's event to its order, inside the inbox transaction: lock the order,
 * let the domain decide, store the new status and the timeline entry, and enqueue the order's
 * own announcement (OrderConfirmed or OrderRejected) in the same transaction.
 *
 * @throws {OrderNotFoundError} for an event about an unknown order: after the consumer's
 *   retries it is dead-lettered (it cannot be explained, so it is kept, not dropped).
 */
export async function applyParticipantEvent(
  tx: Tx,
  envelope: Envelope<{ readonly orderId: string }>,
  event: ParticipantEvent,
): Promise<void> {
  const orderId = envelope.payload.orderId;
  const order = await findOrder(tx, orderId, { forUpdate: true });
  if (!order) throw new OrderNotFoundError(orderId);
  const reaction = react(order, event);
  if (reaction.order !== order) await saveStatus(tx, reaction.order);
  if (reaction.order.status !== order.status) stageOutcome(order, reaction.order.status);
  await appendTimeline(tx, orderId, reaction.timeline, envelope.id);
  const announce = reaction.announce;
  if (!announce) return;
  const message =
    announce.type === 'OrderConfirmed'
      ? messageOf(
          EVENTS.OrderConfirmed,
          { orderId, sagaMode: toProtoSagaMode(order.sagaMode) },
          { key: orderId, causedBy: envelope },
        )
      : messageOf(
          EVENTS.OrderRejected,
          {
            orderId,
            reason: announce.reason,
            detail: announce.detail,
            sagaMode: toProtoSagaMode(order.sagaMode),
          },
          { key: orderId, causedBy: envelope },
        );
  await appendTimeline(
    tx,
    orderId,
    {
      step: announce.type,
      source: 'order',
      outcome: announce.type === 'OrderConfirmed' ? 'ok' : 'failed',
      detail: announce.type === 'OrderRejected' ? announce.reason : '',
    },
    message.id,
  );
  await enqueue(tx, message);
}

/**
 * The order service's choreography subscriptions: every participant event, mapped to the
 * domain's {@link ParticipantEvent}.
 */
export function choreographySubscriptions(): Subscription[] {
  return recordingOutcomes(
    PARTICIPANT_EVENTS.map(({ def, toEvent }) =>
      on(def, (tx, e) => applyParticipantEvent(tx, e, toEvent(e.payload))),
    ),
  );
}

import { EVENTS, type MessageDef } from '@saga/contracts';
import type { ParticipantEvent } from '../domain/order.domain.ts';

/** The part of every participant event the order service keys on. */
export type ParticipantPayload = { readonly orderId: string };

/** A participant event's contract and its meaning for the order. */
export type ParticipantEventDef = {
  readonly def: MessageDef<ParticipantPayload>;
  readonly toEvent: (payload: ParticipantPayload) => ParticipantEvent;
};

function entry<T extends ParticipantPayload>(
  def: MessageDef<T>,
  toEvent: (payload: T) => ParticipantEvent,
): ParticipantEventDef {
  // Each entry pairs a contract with a mapping of that same contract's payload.
  return {
    def: def as unknown as MessageDef<ParticipantPayload>,
    toEvent: toEvent as (payload: ParticipantPayload) => ParticipantEvent,
  };
}

/**
 * Every participant event the order service listens to (as choreography events, or as replies
 * to the orchestrator's commands: the same messages), and how each becomes the domain's
 * {@link ParticipantEvent}.
 */
export const PARTICIPANT_EVENTS: readonly ParticipantEventDef[] = [
  entry(EVENTS.StockReserved, () => ({ type: 'StockReserved' })),
  entry(EVENTS.StockRejected, (p) => ({
    type: 'StockRejected',
    reason: p.reason,
    detail: p.detail,
  })),
  entry(EVENTS.StockReleased, (p) => ({ type: 'StockReleased', released: p.released })),
  entry(EVENTS.StockCommitted, () => ({ type: 'StockCommitted' })),
  entry(EVENTS.PaymentAuthorized, () => ({ type: 'PaymentAuthorized' })),
  entry(EVENTS.PaymentDeclined, (p) => ({
    type: 'PaymentDeclined',
    reason: p.reason,
    detail: p.detail,
  })),
  entry(EVENTS.PaymentVoided, (p) => ({ type: 'PaymentVoided', voided: p.voided })),
  entry(EVENTS.PaymentCaptured, () => ({ type: 'PaymentCaptured' })),
  entry(EVENTS.PaymentRefunded, () => ({ type: 'PaymentRefunded' })),
  entry(EVENTS.ShipmentScheduled, (p) => ({
    type: 'ShipmentScheduled',
    deliveryDate: p.deliveryDate,
  })),
  entry(EVENTS.ShipmentRejected, (p) => ({
    type: 'ShipmentRejected',
    reason: p.reason,
    detail: p.detail,
  })),
  entry(EVENTS.ShipmentCancelled, (p) => ({ type: 'ShipmentCancelled', cancelled: p.cancelled })),
];

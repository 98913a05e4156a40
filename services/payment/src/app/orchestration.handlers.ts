import { EVENTS, type MessageDef, messageOf } from '@saga/contracts';
import type { AuthorizePayment, CapturePayment, VoidPayment } from '@saga/contracts/payment';
import type { Tx } from '@saga/db';
import { enqueue } from '@saga/outbox';
import type { TxHandler } from '@saga/service-host';
import { PaymentNotCapturableError } from '../domain/payment.errors.ts';
import type { PaymentUseCases } from './payment.use-cases.ts';

/** The command being handled: every command names its order and the topic to reply on. */
type Command = Parameters<TxHandler<{ readonly orderId: string; readonly replyTo: string }>>[1];

/**
 * The reason recorded on a payment the orchestrator compensated (VoidPayment carries none), and
 * the PaymentDeclined reason when AuthorizePayment finds its order already compensated: nothing
 * is held and nothing will be.
 */
export const COMPENSATED_REASON = 'CANCELLED';

/**
 * Payment's part in the orchestrated checkout saga: the order service's orchestrator sends
 * commands on `payment.commands.v1`, and each one is handled by the same use cases as the
 * choreography's events (app/choreography.handlers.ts), then answered.
 *
 * Every delivery of a command gets exactly one reply: a payment event, enqueued in the command's
 * inbox transaction with the change it announces, keyed by order id, caused by the command, and
 * sent only to the command's `replyTo` topic (never to `payment.events.v1`, whose choreography
 * consumers must not see orchestrated traffic). A redelivered message (same id) is skipped by the
 * inbox: no second effect, no second reply. A command re-sent after its deadline (new id, same
 * order) changes nothing already decided and gets the current truth again:
 *
 * | command          | payment of the order            | does                                    | replies                                                                    |
 * | ---------------- | ------------------------------- | --------------------------------------- | -------------------------------------------------------------------------- |
 * | AuthorizePayment | none                            | authorise (hold) the amount             | PaymentAuthorized \| PaymentDeclined with the decision's reason and detail |
 * | AuthorizePayment | AUTHORIZED, CAPTURED, REFUNDED  | nothing                                 | PaymentAuthorized again (stored customer and amount)                       |
 * | AuthorizePayment | DECLINED                        | nothing                                 | PaymentDeclined with the stored reason and detail                          |
 * | AuthorizePayment | REFUSED                         | nothing                                 | PaymentDeclined CANCELLED: compensated before it ran                       |
 * | AuthorizePayment | VOIDED                          | nothing                                 | PaymentDeclined CANCELLED: its authorisation was voided                    |
 * | VoidPayment      | none                            | record a refusal (REFUSED)              | PaymentVoided `voided: false`                                              |
 * | VoidPayment      | AUTHORIZED                      | lift the hold (VOIDED)                  | PaymentVoided `voided: true`                                               |
 * | VoidPayment      | DECLINED, VOIDED, REFUSED       | nothing                                 | PaymentVoided `voided: false`                                              |
 * | VoidPayment      | CAPTURED, REFUNDED              | nothing (the money was taken)           | PaymentVoided `voided: false`                                              |
 * | CapturePayment   | AUTHORIZED                      | capture it (CAPTURED)                   | PaymentCaptured with the amount                                            |
 * | CapturePayment   | CAPTURED, REFUNDED              | nothing                                 | PaymentCaptured again, with the amount                                     |
 * | CapturePayment   | none, DECLINED, VOIDED, REFUSED | throw {@link PaymentNotCapturableError} | none: rolled back, retried, then dead-lettered                             |
 *
 * PaymentAuthorized carries the address and lines of the command (payment does not keep them),
 * so the orchestrator asks the next step from it alone. AuthorizePayment waits for `cust_slow` as
 * StockReserved does (the wait is in the use case). VoidPayment is the choreography's
 * OrderCancelled: the orchestrator may compensate a step whose command never arrived, so with no
 * payment yet the order is refused, and an AuthorizePayment that turns up later holds nothing.
 * VoidPayment carries no reason, so what it voids or refuses records {@link COMPENSATED_REASON}.
 * Captured money goes back only by RefundPayment (an operator's call), never by a void. A captured
 * payment stays captured for AuthorizePayment and CapturePayment even once refunded: the capture
 * did happen, and the refund is announced on its own. CapturePayment is sent only after
 * PaymentAuthorized, so a payment that was never authorised is a bug to look at, not an answer to
 * send. An AuthorizePayment with a negative or fractional amount (InvalidRequestError) also
 * throws, as its StockReserved would.
 */
export function createOrchestrationHandlers(deps: { readonly payments: PaymentUseCases }) {
  const { payments } = deps;

  const reply = async <T>(tx: Tx, command: Command, def: MessageDef<T>, payload: T) => {
    const { orderId, replyTo } = command.payload;
    await enqueue(tx, messageOf(def, payload, { key: orderId, causedBy: command, topic: replyTo }));
  };

  const onAuthorizePayment: TxHandler<AuthorizePayment> = async (tx, envelope) => {
    const command = envelope.payload;
    const { orderId } = command;
    const outcome = await payments.authorise(tx, {
      orderId,
      customerId: command.customerId,
      amountCents: command.amountCents,
    });
    // Decided now or before, the payment the use case returns is the order's current truth.
    const { payment } = outcome;
    const declined = (reason: string, detail: string) =>
      reply(tx, envelope, EVENTS.PaymentDeclined, { orderId, reason, detail });
    switch (payment.status) {
      case 'AUTHORIZED':
      case 'CAPTURED':
      case 'REFUNDED':
        return reply(tx, envelope, EVENTS.PaymentAuthorized, {
          orderId,
          customerId: payment.customerId ?? command.customerId,
          amountCents: payment.amountCents,
          shippingAddress: command.shippingAddress,
          items: command.items,
        });
      case 'DECLINED':
        if (!payment.reason) throw new Error(`order ${orderId} was declined without a reason`);
        return declined(payment.reason, payment.detail ?? '');
      case 'REFUSED':
        return declined(
          COMPENSATED_REASON,
          `order ${orderId} was compensated before this AuthorizePayment ran: nothing is held`,
        );
      case 'VOIDED':
        return declined(
          COMPENSATED_REASON,
          `order ${orderId} was compensated: its authorisation was voided`,
        );
    }
  };

  const onVoidPayment: TxHandler<VoidPayment> = async (tx, envelope) => {
    const { orderId } = envelope.payload;
    // `cancel`, not `voidAuthorisation`: with no payment yet, its AuthorizePayment must never hold.
    const outcome = await payments.cancel(tx, orderId, COMPENSATED_REASON);
    await reply(tx, envelope, EVENTS.PaymentVoided, {
      orderId,
      voided: outcome.kind === 'voided',
    });
  };

  const onCapturePayment: TxHandler<CapturePayment> = async (tx, envelope) => {
    const { orderId } = envelope.payload;
    const outcome = await payments.capture(tx, orderId);
    if (outcome.kind === 'no-payment') throw new PaymentNotCapturableError(orderId, undefined);
    const { payment } = outcome;
    switch (payment.status) {
      case 'CAPTURED': // captured now, or before
      case 'REFUNDED':
        return reply(tx, envelope, EVENTS.PaymentCaptured, {
          orderId,
          amountCents: payment.amountCents,
        });
      case 'AUTHORIZED':
        throw new Error(`capturing the payment of order ${orderId} left it AUTHORIZED`);
      case 'DECLINED':
      case 'VOIDED':
      case 'REFUSED':
        throw new PaymentNotCapturableError(orderId, payment.status);
    }
  };

  return { onAuthorizePayment, onVoidPayment, onCapturePayment };
}

/** Payment's command handlers. */
export type OrchestrationHandlers = ReturnType<typeof createOrchestrationHandlers>;

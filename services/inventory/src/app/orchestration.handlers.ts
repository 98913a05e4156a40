import { EVENTS, type MessageDef, messageOf } from '@saga/contracts';
import type { CommitStock, ReleaseStock, ReserveStock } from '@saga/contracts/inventory';
import type { Tx } from '@saga/db';
import { enqueue } from '@saga/outbox';
import type { TxHandler } from '@saga/service-host';
import { ReservationNotCommittableError } from '../domain/inventory.errors.ts';
import { toStockReserved } from './reservation.messages.ts';
import type { ReservationUseCases } from './reservation.use-cases.ts';

/** The command being handled: every command names its order and the topic to reply on. */
type Command = Parameters<TxHandler<{ readonly orderId: string; readonly replyTo: string }>>[1];

/**
 * The StockRejected reason when ReserveStock finds its order already compensated (released, or
 * refused before the command ran): nothing is held and nothing will be.
 */
export const COMPENSATED_REASON = 'CANCELLED';

/**
 * The inventory's part in the orchestrated checkout saga: the order service's orchestrator sends
 * commands on `inventory.commands.v1`, and each one is handled by the same use cases as the
 * choreography's events (app/choreography.handlers.ts), then answered.
 *
 * Every delivery of a command gets exactly one reply: an inventory event, enqueued in the
 * command's inbox transaction with the change it announces, keyed by order id, caused by the
 * command, and sent only to the command's `replyTo` topic (never to `inventory.events.v1`, whose
 * choreography consumers must not see orchestrated traffic). A redelivered message (same id) is
 * skipped by the inbox: no second effect, no second reply. A command re-sent after its deadline
 * (new id, same order) changes nothing already decided and gets the current truth again:
 *
 * | command      | reservation now     | does                 | replies                          |
 * | ------------ | ------------------- | -------------------- | -------------------------------- |
 * | ReserveStock | none (or NEW)       | reserve all or none  | StockReserved¹ \| StockRejected² |
 * | ReserveStock | RESERVED, COMMITTED | nothing              | StockReserved¹ again             |
 * | ReserveStock | REJECTED            | nothing              | StockRejected² as stored         |
 * | ReserveStock | REFUSED             | nothing              | StockRejected CANCELLED³         |
 * | ReserveStock | RELEASED            | nothing              | StockRejected CANCELLED³         |
 * | ReleaseStock | none (or NEW)       | refuse it: REFUSED   | StockReleased `released: false`  |
 * | ReleaseStock | RESERVED            | release it: RELEASED | StockReleased `released: true`   |
 * | ReleaseStock | any other⁴          | nothing              | StockReleased `released: false`  |
 * | CommitStock  | RESERVED            | commit it: COMMITTED | StockCommitted                   |
 * | CommitStock  | COMMITTED           | nothing              | StockCommitted again             |
 * | CommitStock  | any other⁵          | throws               | none                             |
 *
 * 1. Built from the command: customer, amount, address and lines (what payment needs).
 * 2. `OUT_OF_STOCK` or `UNKNOWN_PRODUCT` with a detail, stored: a re-sent command gets the same.
 * 3. {@link COMPENSATED_REASON}, the detail saying whether the order was compensated before
 *    the command ran (REFUSED) or after (RELEASED): either way nothing is held, nor will be.
 * 4. RELEASED, REJECTED, REFUSED, or COMMITTED: a sale is never undone.
 * 5. {@link ReservationNotCommittableError}: nothing is written, and the consumer retries the
 *    command, then dead-letters it.
 *
 * ReleaseStock does what the choreography's OrderCancelled does: the orchestrator may compensate
 * a step whose command never arrived, so with nothing decided the order is refused, and a
 * ReserveStock that turns up later reserves nothing. CommitStock is sent only after
 * StockReserved, so a reservation that cannot be committed is a bug to look at, not an answer
 * to send. A ReserveStock with invalid lines (InvalidItemsError) throws too, as an OrderPlaced
 * would.
 */
export function createOrchestrationHandlers(deps: { readonly reservations: ReservationUseCases }) {
  const { reservations } = deps;

  const reply = async <T>(tx: Tx, command: Command, def: MessageDef<T>, payload: T) => {
    const { orderId, replyTo } = command.payload;
    await enqueue(tx, messageOf(def, payload, { key: orderId, causedBy: command, topic: replyTo }));
  };

  const onReserveStock: TxHandler<ReserveStock> = async (tx, envelope) => {
    const command = envelope.payload;
    const { orderId } = command;
    // Whatever the use case did, the reservation it returns is the order's current truth.
    const { reservation } = await reservations.reserve(tx, { orderId, lines: command.items });
    const rejected = (reason: string, detail: string) =>
      reply(tx, envelope, EVENTS.StockRejected, { orderId, reason, detail });
    switch (reservation.status) {
      case 'RESERVED':
      case 'COMMITTED':
        return reply(tx, envelope, EVENTS.StockReserved, toStockReserved(command));
      case 'REJECTED':
        if (!reservation.reason) throw new Error(`order ${orderId} was rejected without a reason`);
        return rejected(reservation.reason, reservation.detail ?? '');
      case 'REFUSED':
        return rejected(
          COMPENSATED_REASON,
          `order ${orderId} was compensated before this ReserveStock ran: nothing is reserved`,
        );
      case 'RELEASED':
        return rejected(
          COMPENSATED_REASON,
          `order ${orderId} was compensated: its reservation was released`,
        );
      case 'NEW':
        throw new Error(`reserving stock for order ${orderId} left it undecided`);
    }
  };

  const onReleaseStock: TxHandler<ReleaseStock> = async (tx, envelope) => {
    const { orderId } = envelope.payload;
    // `cancel`, not `release`: with no reservation yet, its ReserveStock must never reserve.
    const outcome = await reservations.cancel(tx, orderId);
    await reply(tx, envelope, EVENTS.StockReleased, {
      orderId,
      released: outcome.kind === 'released',
    });
  };

  const onCommitStock: TxHandler<CommitStock> = async (tx, envelope) => {
    const { orderId } = envelope.payload;
    const outcome = await reservations.commit(tx, orderId);
    switch (outcome.kind) {
      case 'committed':
      case 'already-committed':
        return reply(tx, envelope, EVENTS.StockCommitted, { orderId });
      case 'not-committable':
        throw new ReservationNotCommittableError(orderId, outcome.reservation.status);
    }
  };

  return { onReserveStock, onReleaseStock, onCommitStock };
}

/** The inventory's command handlers. */
export type OrchestrationHandlers = ReturnType<typeof createOrchestrationHandlers>;

/**
 * The per-order rules, as pure functions over what the four databases say about each order
 * (loaded by snapshot.reader.ts). docs/invariants.md explains each rule.
 */
import type { RuleId, Violation } from './invariants.types.ts';

/** An order as the order service stores it. */
export type OrderRow = {
  readonly id: string;
  readonly status: 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
  readonly sagaMode: 'choreography' | 'orchestration';
  readonly totalCents: number;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
};

/** Everything the four services hold about the orders in scope, by order id. */
export type OrderSnapshot = {
  readonly orders: readonly OrderRow[];
  /** Orchestrated sagas: state name (`RESERVING` … `COMPLETED`, `FAILED_COMPENSATION`). */
  readonly sagas: ReadonlyMap<string, string>;
  readonly reservations: ReadonlyMap<
    string,
    { readonly status: string; readonly lines: ReadonlyMap<string, number> }
  >;
  readonly payments: ReadonlyMap<string, { readonly status: string; readonly amountCents: number }>;
  readonly shipments: ReadonlyMap<string, { readonly status: string }>;
};

/** Adds up what each rule checked and what it found. */
export type Tally = {
  checked(rule: RuleId, n?: number): void;
  violation(v: Violation & { readonly rule: RuleId }): void;
  notice(v: Violation & { readonly rule: RuleId }): void;
};

const FINISHED_SAGA = new Set(['COMPLETED', 'COMPENSATED']);
const PARKED = 'FAILED_COMPENSATION';

/** A payment that took the customer's money (a refund gives it back later, by hand). */
const CAPTURED_ONCE = new Set(['CAPTURED', 'REFUNDED']);

function lineDiff(
  items: OrderRow['items'],
  lines: ReadonlyMap<string, number>,
): string | undefined {
  const wanted = new Map<string, number>();
  for (const item of items) wanted.set(item.sku, (wanted.get(item.sku) ?? 0) + item.quantity);
  const problems: string[] = [];
  for (const [sku, quantity] of wanted) {
    const got = lines.get(sku);
    if (got === undefined) problems.push(`no line for ${sku}`);
    else if (got !== quantity) problems.push(`${sku}: ${got} committed, ${quantity} ordered`);
  }
  for (const sku of lines.keys()) {
    if (!wanted.has(sku)) problems.push(`line for ${sku}, which the order does not have`);
  }
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * Applies every per-order rule to every order of the snapshot.
 *
 * @param options.allowParked - report parked sagas as notices rather than violations.
 */
export function checkOrders(
  snapshot: OrderSnapshot,
  tally: Tally,
  options: { readonly allowParked: boolean },
): void {
  for (const order of snapshot.orders) {
    const orderId = order.id;
    const saga = snapshot.sagas.get(orderId);
    const reservation = snapshot.reservations.get(orderId);
    const payment = snapshot.payments.get(orderId);
    const shipment = snapshot.shipments.get(orderId);
    const parked = saga === PARKED;

    tally.checked('order-terminal');
    if (order.status === 'PENDING') {
      tally.violation({
        rule: 'order-terminal',
        orderId,
        detail: `order is still PENDING (${order.sagaMode})`,
      });
    }
    if (order.sagaMode === 'orchestration') {
      tally.checked('saga-parked');
      if (saga === undefined) {
        tally.violation({
          rule: 'order-terminal',
          orderId,
          detail: 'orchestrated order has no saga',
        });
      } else if (parked) {
        const finding = {
          rule: 'saga-parked',
          orderId,
          detail: `saga parked in FAILED_COMPENSATION (order ${order.status}); resume with \`./saga pnpm saga retry ${orderId}\``,
        } as const;
        if (options.allowParked) tally.notice(finding);
        else tally.violation(finding);
      } else if (!FINISHED_SAGA.has(saga) && order.status !== 'PENDING') {
        tally.violation({
          rule: 'order-terminal',
          orderId,
          detail: `order ${order.status} but its saga is still ${saga}`,
        });
      }
    }

    if (order.status === 'CONFIRMED') {
      tally.checked('confirmed-one-capture');
      if (!payment) {
        tally.violation({ rule: 'confirmed-one-capture', orderId, detail: 'no payment' });
      } else if (!CAPTURED_ONCE.has(payment.status)) {
        tally.violation({
          rule: 'confirmed-one-capture',
          orderId,
          detail: `payment is ${payment.status}, not CAPTURED`,
        });
      } else if (payment.amountCents !== order.totalCents) {
        tally.violation({
          rule: 'confirmed-one-capture',
          orderId,
          detail: `captured ${payment.amountCents} cents, order total is ${order.totalCents}`,
        });
      }

      tally.checked('confirmed-reservations-committed');
      if (!reservation) {
        tally.violation({
          rule: 'confirmed-reservations-committed',
          orderId,
          detail: 'no reservation',
        });
      } else if (reservation.status !== 'COMMITTED') {
        tally.violation({
          rule: 'confirmed-reservations-committed',
          orderId,
          detail: `reservation is ${reservation.status}, not COMMITTED`,
        });
      } else {
        const diff = lineDiff(order.items, reservation.lines);
        if (diff) {
          tally.violation({ rule: 'confirmed-reservations-committed', orderId, detail: diff });
        }
      }

      tally.checked('confirmed-one-shipment');
      if (!shipment) {
        tally.violation({ rule: 'confirmed-one-shipment', orderId, detail: 'no shipment' });
      } else if (shipment.status !== 'SCHEDULED') {
        tally.violation({
          rule: 'confirmed-one-shipment',
          orderId,
          detail: `shipment is ${shipment.status}, not SCHEDULED`,
        });
      }
    }

    if (order.status === 'REJECTED' || order.status === 'CANCELLED') {
      tally.checked('charged-and-rejected');
      if (payment && CAPTURED_ONCE.has(payment.status)) {
        tally.violation({
          rule: 'charged-and-rejected',
          orderId,
          detail: `order ${order.status} but its payment of ${payment.amountCents} cents is ${payment.status}`,
        });
      }
      // A parked saga's unwind is incomplete by definition: saga-parked reports it once.
      if (!parked) {
        tally.checked('released-when-not-confirmed');
        const held: string[] = [];
        if (
          reservation &&
          (reservation.status === 'RESERVED' || reservation.status === 'COMMITTED')
        ) {
          held.push(`reservation ${reservation.status}`);
        }
        if (payment?.status === 'AUTHORIZED') {
          held.push(`payment AUTHORIZED (${payment.amountCents} cents held)`);
        }
        if (shipment?.status === 'SCHEDULED') held.push('shipment SCHEDULED');
        if (held.length) {
          tally.violation({
            rule: 'released-when-not-confirmed',
            orderId,
            detail: `order ${order.status} but still: ${held.join(', ')}`,
          });
        }
      }
    }
  }
}

/**
 * The order aggregate: pure rules, no I/O. An order is PENDING until its checkout settles it;
 * CONFIRMED, REJECTED and CANCELLED are final (docs/checkout-saga.md).
 */

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type SagaMode = 'choreography' | 'orchestration';

export type LineItem = { readonly sku: string; readonly quantity: number };
export type PricedLineItem = LineItem & { readonly unitPriceCents: number };
export type Address = {
  readonly name: string;
  readonly line1: string;
  readonly city: string;
  readonly postalCode: string;
  readonly country: string;
};

export type Order = {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly reason: string | undefined;
  readonly reasonDetail: string | undefined;
  readonly items: readonly PricedLineItem[];
  readonly totalCents: number;
  readonly shippingAddress: Address;
  readonly sagaMode: SagaMode;
};

/** Raised for a request the order service refuses outright (gRPC INVALID_ARGUMENT). */
export class InvalidOrderError extends Error {
  readonly code = 'ORDER.INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOrderError';
  }
}

/** Most lines and units an order may have. */
export const LIMITS = { maxLines: 50, maxQuantity: 1_000 } as const;

/**
 * Checks a new order's request before anything is priced or stored.
 * @throws {InvalidOrderError} naming the first problem.
 */
export function validateNewOrder(input: {
  readonly customerId: string;
  readonly items: readonly LineItem[];
  readonly shippingAddress: Address | undefined;
}): void {
  if (!input.customerId.trim()) throw new InvalidOrderError('customerId is required');
  if (input.items.length === 0) throw new InvalidOrderError('an order needs at least one item');
  if (input.items.length > LIMITS.maxLines) {
    throw new InvalidOrderError(`an order has at most ${LIMITS.maxLines} items`);
  }
  input.items.forEach((item, i) => {
    if (!item.sku.trim()) throw new InvalidOrderError(`items[${i}].sku is required`);
    if (
      !Number.isInteger(item.quantity) ||
      item.quantity < 1 ||
      item.quantity > LIMITS.maxQuantity
    ) {
      throw new InvalidOrderError(
        `items[${i}].quantity must be an integer from 1 to ${LIMITS.maxQuantity}`,
      );
    }
  });
  if (!input.shippingAddress) throw new InvalidOrderError('shippingAddress is required');
}

/** Sum of the priced lines, in cents. */
export function totalOf(items: readonly PricedLineItem[]): number {
  return items.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0);
}

/** A new PENDING order. */
export function placeOrder(input: {
  readonly id: string;
  readonly customerId: string;
  readonly items: readonly PricedLineItem[];
  readonly shippingAddress: Address;
  readonly sagaMode: SagaMode;
}): Order {
  return {
    ...input,
    status: 'PENDING',
    reason: undefined,
    reasonDetail: undefined,
    totalCents: totalOf(input.items),
  };
}

/** What a participant reported about an order, as the order service sees it. */
export type ParticipantEvent =
  | { readonly type: 'StockReserved' }
  | { readonly type: 'StockRejected'; readonly reason: string; readonly detail: string }
  | { readonly type: 'StockReleased'; readonly released: boolean }
  | { readonly type: 'StockCommitted' }
  | { readonly type: 'PaymentAuthorized' }
  | { readonly type: 'PaymentDeclined'; readonly reason: string; readonly detail: string }
  | { readonly type: 'PaymentVoided'; readonly voided: boolean }
  | { readonly type: 'PaymentCaptured' }
  | { readonly type: 'PaymentRefunded' }
  | { readonly type: 'ShipmentScheduled'; readonly deliveryDate: string }
  | { readonly type: 'ShipmentRejected'; readonly reason: string; readonly detail: string }
  | { readonly type: 'ShipmentCancelled'; readonly cancelled: boolean };

export type Source = 'order' | 'inventory' | 'payment' | 'shipping';
export type Outcome = 'ok' | 'failed' | 'compensated';

/** One line of an order's timeline. */
export type TimelineEntry = {
  readonly step: string;
  readonly source: Source;
  readonly outcome: Outcome;
  readonly detail: string;
};

/** What reacting to a participant event does to an order. */
export type Reaction = {
  /** The order afterwards (the same object when unchanged). */
  readonly order: Order;
  /** The event the order service announces, if its status changed. */
  readonly announce:
    | { readonly type: 'OrderConfirmed' }
    | { readonly type: 'OrderRejected'; readonly reason: string; readonly detail: string }
    | undefined;
  readonly timeline: TimelineEntry;
};

const SOURCE: Record<ParticipantEvent['type'], Source> = {
  StockReserved: 'inventory',
  StockRejected: 'inventory',
  StockReleased: 'inventory',
  StockCommitted: 'inventory',
  PaymentAuthorized: 'payment',
  PaymentDeclined: 'payment',
  PaymentVoided: 'payment',
  PaymentCaptured: 'payment',
  PaymentRefunded: 'payment',
  ShipmentScheduled: 'shipping',
  ShipmentRejected: 'shipping',
  ShipmentCancelled: 'shipping',
};

function entry(event: ParticipantEvent, outcome: Outcome, detail = ''): TimelineEntry {
  return { step: event.type, source: SOURCE[event.type], outcome, detail };
}

function reject(
  order: Order,
  event: ParticipantEvent & { reason: string; detail: string },
): Reaction {
  const timeline = entry(event, 'failed', `${event.reason}: ${event.detail}`);
  if (order.status !== 'PENDING') {
    return {
      order,
      announce: undefined,
      timeline: { ...timeline, detail: `${timeline.detail} (order already ${order.status})` },
    };
  }
  return {
    order: { ...order, status: 'REJECTED', reason: event.reason, reasonDetail: event.detail },
    announce: { type: 'OrderRejected', reason: event.reason, detail: event.detail },
    timeline,
  };
}

/**
 * How the order reacts to a participant's event (choreography). Failures reject a PENDING order
 * with the participant's reason; ShipmentScheduled confirms it; everything else is recorded in
 * the timeline only. An event about a settled order never changes it: a late ShipmentScheduled
 * after a cancellation is undone by shipping itself, which saw the OrderCancelled.
 */
export function react(order: Order, event: ParticipantEvent): Reaction {
  switch (event.type) {
    case 'StockRejected':
    case 'PaymentDeclined':
    case 'ShipmentRejected':
      return reject(order, event);
    case 'ShipmentScheduled':
      if (order.status !== 'PENDING') {
        return {
          order,
          announce: undefined,
          timeline: entry(event, 'ok', `order already ${order.status}`),
        };
      }
      return {
        order: { ...order, status: 'CONFIRMED' },
        announce: { type: 'OrderConfirmed' },
        timeline: entry(event, 'ok', `delivery ${event.deliveryDate}`),
      };
    case 'StockReleased':
      return unchanged(
        order,
        event,
        event.released ? 'compensated' : 'ok',
        event.released ? 'reservation released' : 'nothing was reserved',
      );
    case 'PaymentVoided':
      return unchanged(
        order,
        event,
        event.voided ? 'compensated' : 'ok',
        event.voided ? 'authorisation voided' : 'nothing was authorised',
      );
    case 'ShipmentCancelled':
      return unchanged(
        order,
        event,
        event.cancelled ? 'compensated' : 'ok',
        event.cancelled ? 'shipment cancelled' : 'nothing was scheduled',
      );
    case 'PaymentRefunded':
      return unchanged(order, event, 'compensated', 'payment refunded');
    case 'StockReserved':
    case 'StockCommitted':
    case 'PaymentAuthorized':
    case 'PaymentCaptured':
      return unchanged(order, event, 'ok', '');
  }
}

function unchanged(
  order: Order,
  event: ParticipantEvent,
  outcome: Outcome,
  detail: string,
): Reaction {
  return { order, announce: undefined, timeline: entry(event, outcome, detail) };
}

/** The reason recorded on an order cancelled through the API. */
export const CANCELLED_BY_CUSTOMER = 'CUSTOMER_CANCELLED';

/** What a cancellation request does. */
export type CancelOutcome =
  | { readonly kind: 'cancelled'; readonly order: Order }
  | { readonly kind: 'already-cancelled'; readonly order: Order }
  | { readonly kind: 'not-cancellable'; readonly order: Order };

/**
 * Cancels a PENDING order (its completed steps are then compensated by the participants).
 * Cancelling a cancelled order again is a no-op success; a CONFIRMED or REJECTED order cannot
 * be cancelled.
 */
export function cancel(order: Order): CancelOutcome {
  switch (order.status) {
    case 'PENDING':
      return {
        kind: 'cancelled',
        order: {
          ...order,
          status: 'CANCELLED',
          reason: CANCELLED_BY_CUSTOMER,
          reasonDetail: 'cancelled before confirmation',
        },
      };
    case 'CANCELLED':
      return { kind: 'already-cancelled', order };
    case 'CONFIRMED':
    case 'REJECTED':
      return { kind: 'not-cancellable', order };
  }
}

/**
 * The shipment of an order: pure rules, no I/O (docs/checkout-saga.md, docs/fixtures.md).
 *
 * One shipment per order. Scheduling checks the address and plans a delivery date; cancelling
 * undoes a scheduled shipment, or, when the order is cancelled before its payment was authorised,
 * records a refusal (REFUSED, a tombstone) so that a late trigger schedules nothing.
 */

export const SHIPMENT_STATUSES = ['SCHEDULED', 'REJECTED', 'CANCELLED', 'REFUSED'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** Why a shipment is rejected (the saga's reason codes). */
export type RejectionReason = 'ADDRESS_REJECTED' | 'UNSUPPORTED_COUNTRY';

export type Address = {
  readonly name: string;
  readonly line1: string;
  readonly city: string;
  readonly postalCode: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
};

export type Shipment = {
  readonly orderId: string;
  readonly status: ShipmentStatus;
  /** Set on a REJECTED shipment. */
  readonly reason: RejectionReason | undefined;
  /** Human-readable detail of the rejection. */
  readonly detail: string | undefined;
  /** The address it was scheduled or rejected for; none on a refusal. */
  readonly address: Address | undefined;
  /** ISO 8601 date; set once the shipment has been scheduled. */
  readonly deliveryDate: string | undefined;
};

/** Countries the carrier serves. */
export const SUPPORTED_COUNTRIES: ReadonlySet<string> = new Set([
  'DE',
  'FR',
  'NL',
  'BE',
  'AT',
  'ES',
  'IT',
  'PT',
  'IE',
  'DK',
  'SE',
  'FI',
  'PL',
  'CZ',
  'LU',
  'CH',
  'GB',
  'US',
]);

/** The postal code no parcel is ever delivered to (fixture). */
export const UNDELIVERABLE_POSTAL_CODE = '00000';
/** The city whose shipments take `SHIPPING_SLOW_MS` to schedule (fixture). */
export const SLOW_CITY = 'slowtown';
/** Working days between scheduling and delivery. */
export const DELIVERY_BUSINESS_DAYS = 3;

const REQUIRED_FIELDS = ['name', 'line1', 'city', 'postalCode', 'country'] as const;

/** Whether the carrier delivers to an address. */
export type AddressCheck =
  | { readonly kind: 'deliverable' }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason; readonly detail: string };

/**
 * Checks an address against the carrier's rules, in order: every field present (else
 * ADDRESS_REJECTED naming the field), the country served (else UNSUPPORTED_COUNTRY), the postal
 * code deliverable (else ADDRESS_REJECTED). Country codes are compared case-insensitively.
 */
export function checkAddress(address: Address | undefined): AddressCheck {
  if (!address) return rejected('ADDRESS_REJECTED', 'a shipping address is required');
  for (const field of REQUIRED_FIELDS) {
    if (!address[field].trim()) return rejected('ADDRESS_REJECTED', `${field} is required`);
  }
  const country = address.country.trim().toUpperCase();
  if (!SUPPORTED_COUNTRIES.has(country)) {
    return rejected('UNSUPPORTED_COUNTRY', `country ${country} is not served`);
  }
  if (address.postalCode.trim() === UNDELIVERABLE_POSTAL_CODE) {
    return rejected(
      'ADDRESS_REJECTED',
      `postal code ${UNDELIVERABLE_POSTAL_CODE} is undeliverable`,
    );
  }
  return { kind: 'deliverable' };
}

function rejected(reason: RejectionReason, detail: string): AddressCheck {
  return { kind: 'rejected', reason, detail };
}

/** Whether scheduling for this address is slow on purpose (the `Slowtown` fixture). */
export function isSlowAddress(address: Address | undefined): boolean {
  return address?.city.trim().toLowerCase() === SLOW_CITY;
}

/**
 * The planned delivery date of a shipment scheduled at `now`: `businessDays` working days later
 * (Saturdays and Sundays do not count), as an ISO 8601 date in UTC. The clock is an argument so
 * the rule stays pure.
 */
export function planDeliveryDate(now: Date, businessDays: number = DELIVERY_BUSINESS_DAYS): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  let left = businessDays;
  while (left > 0) {
    day.setUTCDate(day.getUTCDate() + 1);
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  return day.toISOString().slice(0, 10);
}

/** What a scheduling request does to an order's shipment. */
export type ScheduleDecision =
  | { readonly kind: 'scheduled'; readonly shipment: Shipment; readonly deliveryDate: string }
  | {
      readonly kind: 'rejected';
      readonly shipment: Shipment;
      readonly reason: RejectionReason;
      readonly detail: string;
    }
  /**
   * The order already has a shipment: a refusal (the order was cancelled first) or an earlier
   * decision. Nothing changes and nothing is announced.
   */
  | { readonly kind: 'ignored'; readonly shipment: Shipment };

/**
 * Decides a scheduling request for an order whose current shipment (locked by the caller) is
 * `current`: with none, schedules it for a deliverable address or rejects it.
 */
export function decideSchedule(
  current: Shipment | undefined,
  request: { readonly orderId: string; readonly address: Address | undefined },
  now: Date,
): ScheduleDecision {
  if (current) return { kind: 'ignored', shipment: current };
  const check = checkAddress(request.address);
  const base = { orderId: request.orderId, address: request.address };
  if (check.kind === 'rejected') {
    return {
      kind: 'rejected',
      reason: check.reason,
      detail: check.detail,
      shipment: {
        ...base,
        status: 'REJECTED',
        reason: check.reason,
        detail: check.detail,
        deliveryDate: undefined,
      },
    };
  }
  const deliveryDate = planDeliveryDate(now);
  return {
    kind: 'scheduled',
    deliveryDate,
    shipment: {
      ...base,
      status: 'SCHEDULED',
      reason: undefined,
      detail: undefined,
      deliveryDate,
    },
  };
}

/** What cancelling an order does to its shipment. */
export type CancelDecision =
  /** A scheduled shipment is cancelled (compensation). */
  | { readonly kind: 'cancelled'; readonly shipment: Shipment }
  /** No shipment yet: a refusal is recorded so a late scheduling request does nothing. */
  | { readonly kind: 'refused'; readonly shipment: Shipment }
  /** Rejected, already cancelled or already refused: nothing changes. */
  | { readonly kind: 'unchanged'; readonly shipment: Shipment };

/** Decides the cancellation of an order whose current shipment (locked) is `current`. */
export function decideCancel(current: Shipment | undefined, orderId: string): CancelDecision {
  if (!current) {
    return {
      kind: 'refused',
      shipment: {
        orderId,
        status: 'REFUSED',
        reason: undefined,
        detail: undefined,
        address: undefined,
        deliveryDate: undefined,
      },
    };
  }
  if (current.status === 'SCHEDULED') {
    return { kind: 'cancelled', shipment: { ...current, status: 'CANCELLED' } };
  }
  return { kind: 'unchanged', shipment: current };
}

/**
 * Whether the order's shipment ended cancelled, i.e. a scheduled shipment was undone (now or by
 * an earlier cancellation): the `cancelled` flag of ShipmentCancelled. False when there was none
 * to cancel (refused or rejected).
 */
export function isCancelled(decision: CancelDecision): boolean {
  return decision.shipment.status === 'CANCELLED';
}

/**
 * Why an order's scheduling step did not end in a scheduled shipment: the carrier's rejection,
 * or CANCELLED when the shipment was compensated (cancelled after it was scheduled, or refused
 * before it was).
 */
export type ScheduleFailureReason = RejectionReason | 'CANCELLED';

/** Where an order's scheduling step stands. */
export type ScheduleOutcome =
  | { readonly kind: 'scheduled'; readonly deliveryDate: string }
  | {
      readonly kind: 'not-scheduled';
      readonly reason: ScheduleFailureReason;
      readonly detail: string;
    };

/**
 * The outcome of the scheduling step of an order whose shipment is `shipment`, as it stands now:
 * what a scheduling request is answered, whether it made the decision or an earlier one did.
 * A refused or cancelled shipment was compensated, so it is not scheduled (CANCELLED).
 * @throws {InvalidShipmentStateError} when a SCHEDULED shipment has no delivery date or a
 *   REJECTED one no reason (the `shipments` table's constraints forbid both).
 */
export function scheduleOutcome(shipment: Shipment): ScheduleOutcome {
  switch (shipment.status) {
    case 'SCHEDULED':
      if (!shipment.deliveryDate) throw new InvalidShipmentStateError(shipment, 'no delivery date');
      return { kind: 'scheduled', deliveryDate: shipment.deliveryDate };
    case 'REJECTED':
      if (!shipment.reason) throw new InvalidShipmentStateError(shipment, 'no reason');
      return { kind: 'not-scheduled', reason: shipment.reason, detail: shipment.detail ?? '' };
    case 'REFUSED':
      return {
        kind: 'not-scheduled',
        reason: 'CANCELLED',
        detail: 'compensated before it ran: the shipment was cancelled before it was scheduled',
      };
    case 'CANCELLED':
      return {
        kind: 'not-scheduled',
        reason: 'CANCELLED',
        detail: 'the shipment was scheduled, then cancelled (compensated)',
      };
  }
}

/** A shipment whose fields contradict its status: a bug or a corrupt row, never retried away. */
export class InvalidShipmentStateError extends Error {
  readonly code = 'SHIPPING.INVALID_SHIPMENT_STATE';
  constructor(shipment: Shipment, problem: string) {
    super(`shipment of order ${shipment.orderId} is ${shipment.status} with ${problem}`);
    this.name = 'InvalidShipmentStateError';
  }
}

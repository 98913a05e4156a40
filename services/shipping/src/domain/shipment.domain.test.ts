import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Address,
  checkAddress,
  decideCancel,
  decideSchedule,
  InvalidShipmentStateError,
  isCancelled,
  isSlowAddress,
  planDeliveryDate,
  type Shipment,
  SUPPORTED_COUNTRIES,
  scheduleOutcome,
} from './shipment.domain.ts';

const address = (over: Partial<Address> = {}): Address => ({
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
  ...over,
});

// 2025-06-04 is a Wednesday.
const WEDNESDAY = new Date('2025-06-04T10:00:00Z');

const shipment = (status: Shipment['status']): Shipment => ({
  orderId: 'o-1',
  status,
  reason: status === 'REJECTED' ? 'ADDRESS_REJECTED' : undefined,
  detail: status === 'REJECTED' ? 'postal code 00000 is undeliverable' : undefined,
  address: status === 'REFUSED' ? undefined : address(),
  deliveryDate: status === 'SCHEDULED' || status === 'CANCELLED' ? '2025-06-09' : undefined,
});

describe('address rules', () => {
  test('every supported country is deliverable', () => {
    const countries = ['DE', 'FR', 'NL', 'BE', 'AT', 'ES', 'IT', 'PT', 'IE', 'DK', 'SE', 'FI'];
    countries.push('PL', 'CZ', 'LU', 'CH', 'GB', 'US');
    assert.equal(SUPPORTED_COUNTRIES.size, countries.length);
    for (const country of countries) {
      assert.deepEqual(checkAddress(address({ country })), { kind: 'deliverable' }, country);
    }
  });

  test('a country is recognised whatever its case and surrounding spaces', () => {
    assert.deepEqual(checkAddress(address({ country: ' fr ' })), { kind: 'deliverable' });
  });

  test('any other country is rejected UNSUPPORTED_COUNTRY, naming it', () => {
    assert.deepEqual(checkAddress(address({ country: 'AQ' })), {
      kind: 'rejected',
      reason: 'UNSUPPORTED_COUNTRY',
      detail: 'country AQ is not served',
    });
  });

  test('postal code 00000 is rejected ADDRESS_REJECTED as undeliverable', () => {
    const check = checkAddress(address({ postalCode: '00000' }));
    assert.equal(check.kind, 'rejected');
    assert.equal(check.kind === 'rejected' && check.reason, 'ADDRESS_REJECTED');
    assert.match(check.kind === 'rejected' ? check.detail : '', /undeliverable/);
  });

  test('a missing or blank field is rejected ADDRESS_REJECTED, naming the field', () => {
    for (const field of ['name', 'line1', 'city', 'postalCode', 'country'] as const) {
      for (const blank of ['', '   ']) {
        assert.deepEqual(
          checkAddress(address({ [field]: blank })),
          { kind: 'rejected', reason: 'ADDRESS_REJECTED', detail: `${field} is required` },
          `${field}=${JSON.stringify(blank)}`,
        );
      }
    }
  });

  test('no address at all is rejected ADDRESS_REJECTED', () => {
    const check = checkAddress(undefined);
    assert.equal(check.kind === 'rejected' && check.reason, 'ADDRESS_REJECTED');
  });

  test('an incomplete address is reported as such before its country is judged', () => {
    const check = checkAddress(address({ country: 'AQ', city: '' }));
    assert.deepEqual(check, {
      kind: 'rejected',
      reason: 'ADDRESS_REJECTED',
      detail: 'city is required',
    });
  });

  test('an unserved country is reported before an undeliverable postal code', () => {
    const check = checkAddress(address({ country: 'AQ', postalCode: '00000' }));
    assert.equal(check.kind === 'rejected' && check.reason, 'UNSUPPORTED_COUNTRY');
  });

  test('Slowtown, in any case, is the slow address; other cities are not', () => {
    assert.equal(isSlowAddress(address({ city: 'Slowtown' })), true);
    assert.equal(isSlowAddress(address({ city: ' SLOWTOWN ' })), true);
    assert.equal(isSlowAddress(address({ city: 'Slowtown-on-Sea' })), false);
    assert.equal(isSlowAddress(undefined), false);
  });
});

describe('delivery date', () => {
  test('is three business days after a weekday', () => {
    assert.equal(planDeliveryDate(new Date('2025-06-02T08:00:00Z')), '2025-06-05'); // Mon → Thu
    assert.equal(planDeliveryDate(WEDNESDAY), '2025-06-09'); // Wed → Mon
    assert.equal(planDeliveryDate(new Date('2025-06-06T23:59:59Z')), '2025-06-11'); // Fri → Wed
  });

  test('skips the weekend when scheduled on a Saturday or a Sunday', () => {
    assert.equal(planDeliveryDate(new Date('2025-06-07T12:00:00Z')), '2025-06-11'); // Sat → Wed
    assert.equal(planDeliveryDate(new Date('2025-06-08T12:00:00Z')), '2025-06-11'); // Sun → Wed
  });

  test('is counted on the UTC calendar, across month and year ends', () => {
    assert.equal(planDeliveryDate(new Date('2025-12-30T00:00:00Z')), '2026-01-02'); // Tue → Fri
    assert.equal(planDeliveryDate(new Date('2025-02-27T00:00:00Z')), '2025-03-04'); // Thu → Tue
  });

  test('takes the number of business days as a parameter', () => {
    assert.equal(planDeliveryDate(WEDNESDAY, 1), '2025-06-05');
    assert.equal(planDeliveryDate(WEDNESDAY, 5), '2025-06-11');
  });

  test('never falls on a weekend and is always after the scheduling day', () => {
    const start = Date.UTC(2025, 0, 1);
    for (let d = 0; d < 60; d++) {
      const now = new Date(start + d * 86_400_000 + 13 * 3_600_000);
      const date = planDeliveryDate(now);
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      assert.ok(weekday !== 0 && weekday !== 6, `${now.toISOString()} → ${date}`);
      assert.ok(date > now.toISOString().slice(0, 10));
    }
  });
});

describe('scheduling an order', () => {
  test('with no shipment yet and a deliverable address, schedules it with a planned date', () => {
    const decision = decideSchedule(undefined, { orderId: 'o-1', address: address() }, WEDNESDAY);
    assert.equal(decision.kind, 'scheduled');
    assert.equal(decision.kind === 'scheduled' && decision.deliveryDate, '2025-06-09');
    assert.deepEqual(decision.shipment, {
      orderId: 'o-1',
      status: 'SCHEDULED',
      reason: undefined,
      detail: undefined,
      address: address(),
      deliveryDate: '2025-06-09',
    });
  });

  test('with an undeliverable address, rejects it with the reason and detail', () => {
    const decision = decideSchedule(
      undefined,
      { orderId: 'o-1', address: address({ country: 'AQ' }) },
      WEDNESDAY,
    );
    assert.equal(decision.kind, 'rejected');
    if (decision.kind !== 'rejected') return;
    assert.equal(decision.reason, 'UNSUPPORTED_COUNTRY');
    assert.equal(decision.shipment.status, 'REJECTED');
    assert.equal(decision.shipment.reason, 'UNSUPPORTED_COUNTRY');
    assert.equal(decision.shipment.detail, decision.detail);
    assert.equal(decision.shipment.deliveryDate, undefined);
  });

  test('after a refusal (the order was cancelled first), schedules nothing', () => {
    const refused = shipment('REFUSED');
    assert.deepEqual(decideSchedule(refused, { orderId: 'o-1', address: address() }, WEDNESDAY), {
      kind: 'ignored',
      shipment: refused,
    });
  });

  test('an order that already has a shipment keeps it as it is', () => {
    for (const status of ['SCHEDULED', 'REJECTED', 'CANCELLED'] as const) {
      const current = shipment(status);
      const decision = decideSchedule(
        current,
        { orderId: 'o-1', address: address({ country: 'AQ' }) },
        WEDNESDAY,
      );
      assert.deepEqual(decision, { kind: 'ignored', shipment: current }, status);
    }
  });
});

describe('cancelling an order', () => {
  test('cancels a scheduled shipment: cancelled', () => {
    const decision = decideCancel(shipment('SCHEDULED'), 'o-1');
    assert.equal(decision.kind, 'cancelled');
    assert.equal(decision.shipment.status, 'CANCELLED');
    assert.equal(decision.shipment.deliveryDate, '2025-06-09');
    assert.equal(isCancelled(decision), true);
  });

  test('with no shipment yet, records a refusal: not cancelled', () => {
    const decision = decideCancel(undefined, 'o-1');
    assert.equal(decision.kind, 'refused');
    assert.equal(decision.shipment.status, 'REFUSED');
    assert.equal(decision.shipment.orderId, 'o-1');
    assert.equal(isCancelled(decision), false);
  });

  test('leaves a rejected shipment as it is: not cancelled, there was none', () => {
    const decision = decideCancel(shipment('REJECTED'), 'o-1');
    assert.equal(decision.kind, 'unchanged');
    assert.equal(decision.shipment.status, 'REJECTED');
    assert.equal(isCancelled(decision), false);
  });

  test('a second cancellation changes nothing and gives the first answer again', () => {
    const again = decideCancel(shipment('CANCELLED'), 'o-1');
    assert.equal(again.kind, 'unchanged');
    assert.equal(isCancelled(again), true);
    const refusedAgain = decideCancel(shipment('REFUSED'), 'o-1');
    assert.equal(refusedAgain.kind, 'unchanged');
    assert.equal(isCancelled(refusedAgain), false);
  });

  test('a refusal then a scheduling request leaves the order with no shipment scheduled', () => {
    const refusal = decideCancel(undefined, 'o-1');
    const late = decideSchedule(
      refusal.shipment,
      { orderId: 'o-1', address: address() },
      WEDNESDAY,
    );
    assert.equal(late.kind, 'ignored');
    assert.equal(late.shipment.status, 'REFUSED');
  });
});

describe("where an order's scheduling step stands", () => {
  test('a scheduled shipment: scheduled, with its planned date', () => {
    assert.deepEqual(scheduleOutcome(shipment('SCHEDULED')), {
      kind: 'scheduled',
      deliveryDate: '2025-06-09',
    });
  });

  test('a rejected shipment: not scheduled, with the stored reason and detail', () => {
    assert.deepEqual(scheduleOutcome(shipment('REJECTED')), {
      kind: 'not-scheduled',
      reason: 'ADDRESS_REJECTED',
      detail: 'postal code 00000 is undeliverable',
    });
  });

  test('a refusal: not scheduled, CANCELLED, compensated before it ran', () => {
    const outcome = scheduleOutcome(shipment('REFUSED'));
    assert.equal(outcome.kind === 'not-scheduled' && outcome.reason, 'CANCELLED');
    assert.match(
      outcome.kind === 'not-scheduled' ? outcome.detail : '',
      /compensated before it ran/,
    );
  });

  test('a cancelled shipment: not scheduled, CANCELLED, its date forgotten', () => {
    const outcome = scheduleOutcome(shipment('CANCELLED'));
    assert.equal(outcome.kind === 'not-scheduled' && outcome.reason, 'CANCELLED');
    assert.match(
      outcome.kind === 'not-scheduled' ? outcome.detail : '',
      /scheduled, then cancelled/,
    );
  });

  test('is what a fresh decision decided', () => {
    const scheduled = decideSchedule(undefined, { orderId: 'o-1', address: address() }, WEDNESDAY);
    assert.deepEqual(scheduleOutcome(scheduled.shipment), {
      kind: 'scheduled',
      deliveryDate: '2025-06-09',
    });
    const rejected = decideSchedule(
      undefined,
      { orderId: 'o-1', address: address({ country: 'AQ' }) },
      WEDNESDAY,
    );
    assert.deepEqual(scheduleOutcome(rejected.shipment), {
      kind: 'not-scheduled',
      reason: 'UNSUPPORTED_COUNTRY',
      detail: 'country AQ is not served',
    });
  });

  test('a shipment contradicting its status is an error, not an answer', () => {
    assert.throws(
      () => scheduleOutcome({ ...shipment('SCHEDULED'), deliveryDate: undefined }),
      (err: unknown) =>
        err instanceof InvalidShipmentStateError &&
        err.code === 'SHIPPING.INVALID_SHIPMENT_STATE' &&
        /o-1 is SCHEDULED with no delivery date/.test(err.message),
    );
    assert.throws(
      () => scheduleOutcome({ ...shipment('REJECTED'), reason: undefined }),
      InvalidShipmentStateError,
    );
  });
});

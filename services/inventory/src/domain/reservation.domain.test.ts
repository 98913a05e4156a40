import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidItemsError, StockInvariantError } from './inventory.errors.ts';
import { type LineItem, type Stock, totalUnits } from './product.domain.ts';
import {
  cancel,
  commit,
  moveUnits,
  newReservation,
  type Reservation,
  release,
  reserve,
  type StockBySku,
} from './reservation.domain.ts';

const stockOf = (available: number, reserved = 0, committed = 0): Stock => ({
  available,
  reserved,
  committed,
});
const shelf = (): StockBySku =>
  new Map([
    ['SKU-BOOK', stockOf(10)],
    ['SKU-MUG', stockOf(5)],
    ['SKU-SOLDOUT', stockOf(0)],
  ]);
const lines: LineItem[] = [
  { sku: 'SKU-BOOK', quantity: 2 },
  { sku: 'SKU-MUG', quantity: 1 },
];

function reserved(): { reservation: Reservation; stock: StockBySku } {
  const outcome = reserve(newReservation('o-1'), lines, shelf());
  assert.equal(outcome.kind, 'reserved');
  return { reservation: outcome.reservation, stock: outcome.stock };
}

test('a new order reserves every line: units move from available to reserved', () => {
  const outcome = reserve(newReservation('o-1'), lines, shelf());
  assert.equal(outcome.kind, 'reserved');
  assert.deepEqual(outcome.reservation, {
    orderId: 'o-1',
    status: 'RESERVED',
    lines,
    reason: undefined,
    detail: undefined,
  });
  assert.deepEqual(outcome.stock.get('SKU-BOOK'), stockOf(8, 2));
  assert.deepEqual(outcome.stock.get('SKU-MUG'), stockOf(4, 1));
});

test('lines of one SKU are reserved together, as one line', () => {
  const outcome = reserve(
    newReservation('o-1'),
    [
      { sku: 'SKU-MUG', quantity: 3 },
      { sku: 'SKU-MUG', quantity: 2 },
    ],
    shelf(),
  );
  assert.equal(outcome.kind, 'reserved');
  assert.deepEqual(outcome.reservation.lines, [{ sku: 'SKU-MUG', quantity: 5 }]);
  assert.deepEqual(outcome.stock.get('SKU-MUG'), stockOf(0, 5));
});

test('lines of one SKU that together ask for more than is available are rejected', () => {
  const outcome = reserve(
    newReservation('o-1'),
    [
      { sku: 'SKU-MUG', quantity: 3 },
      { sku: 'SKU-MUG', quantity: 3 },
    ],
    shelf(),
  );
  assert.equal(outcome.kind, 'rejected');
  assert.equal(outcome.detail, 'SKU-MUG: requested 6, available 5');
});

test('a line asking for more than is available rejects the whole order OUT_OF_STOCK, naming sku, requested and available', () => {
  const outcome = reserve(
    newReservation('o-1'),
    [
      { sku: 'SKU-BOOK', quantity: 1 },
      { sku: 'SKU-MUG', quantity: 6 },
    ],
    shelf(),
  );
  assert.equal(outcome.kind, 'rejected');
  assert.equal(outcome.reason, 'OUT_OF_STOCK');
  assert.equal(outcome.detail, 'SKU-MUG: requested 6, available 5');
  assert.equal(outcome.reservation.status, 'REJECTED');
  assert.equal(outcome.reservation.reason, 'OUT_OF_STOCK');
  assert.deepEqual(outcome.reservation.lines, [], 'a rejected reservation holds nothing');
  assert.equal('stock' in outcome, false, 'no stock changes, not even for the line that fit');
});

test('a SKU that does not exist rejects the order UNKNOWN_PRODUCT', () => {
  const outcome = reserve(
    newReservation('o-1'),
    [
      { sku: 'SKU-BOOK', quantity: 1 },
      { sku: 'SKU-NOPE', quantity: 1 },
    ],
    shelf(),
  );
  assert.equal(outcome.kind, 'rejected');
  assert.equal(outcome.reason, 'UNKNOWN_PRODUCT');
  assert.equal(outcome.detail, 'unknown SKU SKU-NOPE');
});

test('the first line that cannot be held names the rejection', () => {
  const outcome = reserve(
    newReservation('o-1'),
    [
      { sku: 'SKU-SOLDOUT', quantity: 1 },
      { sku: 'SKU-NOPE', quantity: 1 },
    ],
    shelf(),
  );
  assert.equal(outcome.kind, 'rejected');
  assert.equal(outcome.reason, 'OUT_OF_STOCK');
  assert.equal(outcome.detail, 'SKU-SOLDOUT: requested 1, available 0');
});

test('an order with invalid lines is refused as invalid, not rejected', () => {
  assert.throws(() => reserve(newReservation('o-1'), [], shelf()), InvalidItemsError);
  assert.throws(
    () => reserve(newReservation('o-1'), [{ sku: 'SKU-BOOK', quantity: 0 }], shelf()),
    InvalidItemsError,
  );
});

test('an order cancelled before it was placed is refused: nothing is reserved', () => {
  const cancelled = cancel(newReservation('o-1'), new Map());
  assert.equal(cancelled.kind, 'refused');
  assert.equal(cancelled.reservation.status, 'REFUSED');
  const outcome = reserve(cancelled.reservation, lines, shelf());
  assert.equal(outcome.kind, 'refused');
});

test('an order decided before is not reserved a second time', () => {
  const { reservation, stock } = reserved();
  assert.equal(reserve(reservation, lines, stock).kind, 'already-decided');
  const rejected = reserve(newReservation('o-2'), [{ sku: 'SKU-NOPE', quantity: 1 }], shelf());
  assert.equal(reserve(rejected.reservation, lines, shelf()).kind, 'already-decided');
});

test('releasing a reservation makes its units available again', () => {
  const { reservation, stock } = reserved();
  const outcome = release(reservation, stock);
  assert.equal(outcome.kind, 'released');
  assert.equal(outcome.reservation.status, 'RELEASED');
  assert.deepEqual(outcome.stock.get('SKU-BOOK'), stockOf(10));
  assert.deepEqual(outcome.stock.get('SKU-MUG'), stockOf(5));
});

test('releasing what holds nothing changes nothing, and a second release gives nothing back', () => {
  const { reservation, stock } = reserved();
  const once = release(reservation, stock);
  assert.equal(once.kind, 'released');
  assert.equal(release(once.reservation, once.stock).kind, 'nothing-held');
  assert.equal(release(newReservation('o-2'), new Map()).kind, 'nothing-held');
  const rejected = reserve(newReservation('o-3'), [{ sku: 'SKU-NOPE', quantity: 1 }], shelf());
  assert.equal(release(rejected.reservation, new Map()).kind, 'nothing-held');
});

test('cancelling a reserved order releases it; cancelling a rejected one holds nothing', () => {
  const { reservation, stock } = reserved();
  const outcome = cancel(reservation, stock);
  assert.equal(outcome.kind, 'released');
  const rejected = reserve(newReservation('o-2'), [{ sku: 'SKU-NOPE', quantity: 1 }], shelf());
  assert.equal(cancel(rejected.reservation, new Map()).kind, 'nothing-held');
});

test('committing a reservation sells its units: reserved moves to committed', () => {
  const { reservation, stock } = reserved();
  const outcome = commit(reservation, stock);
  assert.equal(outcome.kind, 'committed');
  assert.equal(outcome.reservation.status, 'COMMITTED');
  assert.deepEqual(outcome.stock.get('SKU-BOOK'), stockOf(8, 0, 2));
  assert.equal(commit(outcome.reservation, outcome.stock).kind, 'already-committed');
});

test('sold stock is not released; what was never reserved cannot be committed', () => {
  const { reservation, stock } = reserved();
  const sold = commit(reservation, stock);
  assert.equal(sold.kind, 'committed');
  assert.equal(release(sold.reservation, sold.stock).kind, 'nothing-held');
  assert.equal(cancel(sold.reservation, sold.stock).kind, 'nothing-held');
  const released = release(reservation, stock);
  assert.equal(commit(released.reservation, stock).kind, 'not-committable');
  assert.equal(commit(newReservation('o-2'), new Map()).kind, 'not-committable');
  assert.equal(
    commit(cancel(newReservation('o-3'), new Map()).reservation, new Map()).kind,
    'not-committable',
  );
});

test('units never move out of a bucket that holds fewer', () => {
  assert.throws(() => moveUnits(stockOf(1), 'available', 'reserved', 2), StockInvariantError);
  assert.throws(
    () => release({ ...reserved().reservation }, new Map([['SKU-BOOK', stockOf(10)]])),
    StockInvariantError,
    'stock that contradicts the reservation is not silently repaired',
  );
});

test('whatever orders do, stock is never negative and each SKU keeps its total', () => {
  // A deterministic pseudo-random walk over many orders: reserve, release, cancel, commit.
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  let stock: Map<string, Stock> = new Map(shelf());
  const totals = new Map([...stock].map(([sku, s]) => [sku, totalUnits(s)]));
  const reservations = new Map<string, Reservation>();
  const skus = [...stock.keys(), 'SKU-NOPE'];
  for (let step = 0; step < 2_000; step++) {
    const orderId = `o-${random(60)}`;
    const current = reservations.get(orderId) ?? newReservation(orderId);
    const apply = (s: StockBySku) => {
      stock = new Map([...stock, ...s]);
    };
    switch (random(4)) {
      case 0: {
        const requested = Array.from({ length: 1 + random(3) }, () => ({
          sku: skus[random(skus.length)] ?? 'SKU-BOOK',
          quantity: 1 + random(4),
        }));
        const outcome = reserve(current, requested, stock);
        if (outcome.kind === 'reserved') apply(outcome.stock);
        reservations.set(orderId, outcome.reservation);
        break;
      }
      case 1: {
        const outcome = release(current, stock);
        if (outcome.kind === 'released') apply(outcome.stock);
        reservations.set(orderId, outcome.reservation);
        break;
      }
      case 2: {
        const outcome = cancel(current, stock);
        if (outcome.kind === 'released') apply(outcome.stock);
        reservations.set(orderId, outcome.reservation);
        break;
      }
      default: {
        const outcome = commit(current, stock);
        if (outcome.kind === 'committed') apply(outcome.stock);
        reservations.set(orderId, outcome.reservation);
      }
    }
    for (const [sku, s] of stock) {
      assert.ok(s.available >= 0 && s.reserved >= 0 && s.committed >= 0, `${sku} negative`);
      assert.equal(totalUnits(s), totals.get(sku), `${sku} total changed at step ${step}`);
    }
  }
  // Every unit reserved is held by exactly one RESERVED reservation.
  for (const [sku, s] of stock) {
    const held = [...reservations.values()]
      .filter((r) => r.status === 'RESERVED')
      .flatMap((r) => r.lines)
      .filter((l) => l.sku === sku)
      .reduce((sum, l) => sum + l.quantity, 0);
    assert.equal(s.reserved, held, `${sku} reserved units match the reservations holding them`);
  }
});

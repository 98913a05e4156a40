import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidItemsError, InvalidProductError } from './inventory.errors.ts';
import {
  createProduct,
  isSameProduct,
  LIMITS,
  mergeLines,
  type NewProduct,
  priceLines,
  totalUnits,
} from './product.domain.ts';

const book: NewProduct = { sku: 'SKU-BOOK', name: 'Book', priceCents: 2_500, stock: 10 };

test('a new product has all its initial stock available, none reserved or sold', () => {
  const product = createProduct(book);
  assert.deepEqual(product, {
    sku: 'SKU-BOOK',
    name: 'Book',
    priceCents: 2_500,
    available: 10,
    reserved: 0,
    committed: 0,
    received: 10,
  });
  assert.equal(totalUnits(product), product.received);
});

test('a product may start with no stock', () => {
  assert.equal(createProduct({ ...book, stock: 0 }).available, 0);
});

test('a product is refused for a bad sku, name, price or stock, naming the field', () => {
  const bad: [Partial<NewProduct>, RegExp][] = [
    [{ sku: '' }, /sku/],
    [{ sku: '-LEADING-DASH' }, /sku/],
    [{ sku: 'HAS SPACE' }, /sku/],
    [{ sku: 'X'.repeat(65) }, /sku/],
    [{ name: '  ' }, /name/],
    [{ name: 'n'.repeat(LIMITS.maxNameLength + 1) }, /name/],
    [{ priceCents: 0 }, /priceCents/],
    [{ priceCents: -100 }, /priceCents/],
    [{ priceCents: 12.5 }, /priceCents/],
    [{ priceCents: LIMITS.maxPriceCents + 1 }, /priceCents/],
    [{ stock: -1 }, /stock/],
    [{ stock: 1.5 }, /stock/],
    [{ stock: LIMITS.maxStock + 1 }, /stock/],
  ];
  for (const [change, message] of bad) {
    assert.throws(
      () => createProduct({ ...book, ...change }),
      (err) => err instanceof InvalidProductError && message.test(err.message),
      JSON.stringify(change),
    );
  }
});

test('creating the same product again is recognised whatever was reserved since; other values are not', () => {
  const existing = { ...createProduct(book), available: 7, reserved: 2, committed: 1 };
  assert.equal(isSameProduct(existing, book), true);
  assert.equal(isSameProduct(existing, { ...book, name: 'Other' }), false);
  assert.equal(isSameProduct(existing, { ...book, priceCents: 2_600 }), false);
  assert.equal(isSameProduct(existing, { ...book, stock: 7 }), false);
});

test('lines of one SKU are merged into one, quantities summed, in order of first appearance', () => {
  assert.deepEqual(
    mergeLines([
      { sku: 'B', quantity: 1 },
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 3 },
    ]),
    [
      { sku: 'B', quantity: 4 },
      { sku: 'A', quantity: 2 },
    ],
  );
});

test('lines are refused when there are none, a SKU is missing or a quantity is below 1', () => {
  const cases: [{ sku: string; quantity: number }[], RegExp][] = [
    [[], /at least one item/],
    [[{ sku: ' ', quantity: 1 }], /items\[0\]\.sku/],
    [
      [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 0 },
      ],
      /items\[1\]\.quantity/,
    ],
    [[{ sku: 'A', quantity: -2 }], /items\[0\]\.quantity/],
    [[{ sku: 'A', quantity: 1.5 }], /items\[0\]\.quantity/],
    [
      [
        { sku: 'A', quantity: LIMITS.maxStock },
        { sku: 'A', quantity: 1 },
      ],
      /A: quantity/,
    ],
  ];
  for (const [items, message] of cases) {
    assert.throws(
      () => mergeLines(items),
      (err) => err instanceof InvalidItemsError && message.test(err.message),
      JSON.stringify(items),
    );
  }
});

test('pricing gives each merged line its unit price and sums the total', () => {
  const prices = new Map([
    ['SKU-BOOK', 2_500],
    ['SKU-MUG', 1_200],
  ]);
  const priced = priceLines(
    [
      { sku: 'SKU-BOOK', quantity: 2 },
      { sku: 'SKU-MUG', quantity: 1 },
      { sku: 'SKU-BOOK', quantity: 1 },
    ],
    prices,
  );
  assert.deepEqual(priced, {
    items: [
      { sku: 'SKU-BOOK', quantity: 3, unitPriceCents: 2_500 },
      { sku: 'SKU-MUG', quantity: 1, unitPriceCents: 1_200 },
    ],
    totalCents: 8_700,
  });
});

test('pricing names the first unknown SKU', () => {
  assert.throws(
    () =>
      priceLines(
        [
          { sku: 'SKU-BOOK', quantity: 1 },
          { sku: 'SKU-NOPE', quantity: 1 },
          { sku: 'SKU-GONE', quantity: 1 },
        ],
        new Map([['SKU-BOOK', 2_500]]),
      ),
    (err) => err instanceof InvalidItemsError && err.message === 'unknown SKU SKU-NOPE',
  );
});

test('pricing refuses a total beyond what a number holds exactly', () => {
  assert.throws(
    () =>
      priceLines(
        [{ sku: 'GOLD', quantity: LIMITS.maxStock }],
        new Map([['GOLD', LIMITS.maxPriceCents]]),
      ),
    InvalidItemsError,
  );
});

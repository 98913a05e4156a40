import { InvalidItemsError, InvalidProductError } from './inventory.errors.ts';

/**
 * A product's units, by what they are for. A unit moves from `available` to `reserved` when an
 * order reserves it, back when the reservation is released, and on to `committed` when the
 * order is confirmed.
 */
export type Stock = {
  /** Free to reserve. */
  readonly available: number;
  /** Held for orders in flight. */
  readonly reserved: number;
  /** Sold: reservations of confirmed orders. */
  readonly committed: number;
};

/** A product of the catalogue and its stock. */
export type Product = Stock & {
  readonly sku: string;
  readonly name: string;
  /** Price of one unit, in cents. */
  readonly priceCents: number;
  /**
   * Units the product ever received: `available + reserved + committed` always equals it.
   * Today only creating the product receives stock.
   */
  readonly received: number;
};

/** What creating a product asks for. */
export type NewProduct = {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  /** Initial stock, all of it available. */
  readonly stock: number;
};

/** One line of an order: a product and how many of it. */
export type LineItem = { readonly sku: string; readonly quantity: number };

/** A line with the unit price it was sold at. */
export type PricedLineItem = LineItem & { readonly unitPriceCents: number };

/** Bounds of the catalogue's values. */
export const LIMITS = {
  /** Letters, digits, `-`, `_` and `.`, starting with a letter or digit. */
  sku: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  maxNameLength: 200,
  /** 100 000 000.00: an amount of any order stays far below 2^53 cents. */
  maxPriceCents: 10_000_000_000,
  /** Fits the int32 stock fields of the contract with room for the sum of the three. */
  maxStock: 1_000_000_000,
} as const;

/** The sum the conservation rule keeps constant. */
export function totalUnits(stock: Stock): number {
  return stock.available + stock.reserved + stock.committed;
}

/**
 * A new product: every unit of its initial stock is available.
 * @throws {InvalidProductError} naming the first value out of bounds.
 */
export function createProduct(input: NewProduct): Product {
  if (!LIMITS.sku.test(input.sku)) {
    throw new InvalidProductError(
      'sku must be 1 to 64 letters, digits, "-", "_" or ".", starting with a letter or digit',
    );
  }
  if (!input.name.trim() || input.name.length > LIMITS.maxNameLength) {
    throw new InvalidProductError(`name must be 1 to ${LIMITS.maxNameLength} characters`);
  }
  if (
    !Number.isInteger(input.priceCents) ||
    input.priceCents < 1 ||
    input.priceCents > LIMITS.maxPriceCents
  ) {
    throw new InvalidProductError(
      `priceCents must be an integer from 1 to ${LIMITS.maxPriceCents}`,
    );
  }
  if (!Number.isInteger(input.stock) || input.stock < 0 || input.stock > LIMITS.maxStock) {
    throw new InvalidProductError(`stock must be an integer from 0 to ${LIMITS.maxStock}`);
  }
  return {
    sku: input.sku,
    name: input.name,
    priceCents: input.priceCents,
    available: input.stock,
    reserved: 0,
    committed: 0,
    received: input.stock,
  };
}

/**
 * Whether creating `input` again would create `existing`: the same name, price and initial
 * stock. Such a retry succeeds (creation is idempotent), whatever was reserved since.
 */
export function isSameProduct(existing: Product, input: NewProduct): boolean {
  return (
    existing.name === input.name &&
    existing.priceCents === input.priceCents &&
    existing.received === input.stock
  );
}

/**
 * Validates order lines and merges those naming the same SKU into one, summing quantities and
 * keeping the order in which SKUs first appear: two lines of one SKU are one demand on its
 * stock, and checking them apart would let together more through than is available.
 *
 * @throws {InvalidItemsError} when there is no line, a line has no SKU, or a quantity is not an
 *   integer of at least 1 (naming the first such line), or a merged quantity is beyond any stock.
 */
export function mergeLines(items: readonly LineItem[]): LineItem[] {
  if (items.length === 0) throw new InvalidItemsError('at least one item is required');
  const merged = new Map<string, number>();
  items.forEach((item, i) => {
    if (!item.sku.trim()) throw new InvalidItemsError(`items[${i}].sku is required`);
    if (!Number.isInteger(item.quantity) || item.quantity < 1) {
      throw new InvalidItemsError(
        `items[${i}].quantity must be an integer of at least 1 (got ${item.quantity})`,
      );
    }
    merged.set(item.sku, (merged.get(item.sku) ?? 0) + item.quantity);
  });
  return [...merged].map(([sku, quantity]) => {
    if (quantity > LIMITS.maxStock) {
      throw new InvalidItemsError(`${sku}: quantity ${quantity} exceeds ${LIMITS.maxStock}`);
    }
    return { sku, quantity };
  });
}

/** Priced lines and their sum. */
export type PricedItems = {
  readonly items: readonly PricedLineItem[];
  readonly totalCents: number;
};

/**
 * Prices order lines at the catalogue's current prices, lines of one SKU merged
 * ({@link mergeLines}).
 *
 * @param prices - unit price in cents by SKU, for the SKUs that exist.
 * @throws {InvalidItemsError} for invalid lines, or naming the first SKU without a price.
 */
export function priceLines(
  items: readonly LineItem[],
  prices: ReadonlyMap<string, number>,
): PricedItems {
  const priced = mergeLines(items).map((line) => {
    const unitPriceCents = prices.get(line.sku);
    if (unitPriceCents === undefined) throw new InvalidItemsError(`unknown SKU ${line.sku}`);
    return { ...line, unitPriceCents };
  });
  const totalCents = priced.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
  if (!Number.isSafeInteger(totalCents)) {
    throw new InvalidItemsError('the total of the items is too large');
  }
  return { items: priced, totalCents };
}

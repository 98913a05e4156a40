import { autocommit } from '@saga/db';
import type pg from 'pg';
import { findProduct, findProducts, insertProduct } from '../adapters/product.repository.ts';
import { ProductConflictError, ProductNotFoundError } from '../domain/inventory.errors.ts';
import {
  createProduct,
  isSameProduct,
  type LineItem,
  mergeLines,
  type NewProduct,
  type PricedItems,
  type Product,
  priceLines,
} from '../domain/product.domain.ts';

/** The catalogue's use cases, called by the gRPC adapter. */
export function createProductUseCases(deps: { readonly pool: pg.Pool }) {
  const db = autocommit(deps.pool);

  return {
    /** Every product, or those of `skus` that exist (unknown SKUs are left out), by SKU. */
    list(skus: readonly string[]): Promise<Product[]> {
      return findProducts(db, skus.length > 0 ? skus : undefined);
    },

    /** @throws {ProductNotFoundError} */
    async get(sku: string): Promise<Product> {
      const product = await findProduct(db, sku);
      if (!product) throw new ProductNotFoundError(sku);
      return product;
    },

    /**
     * Creates a product with its initial stock. Creating it again with the same values returns
     * it as it is now (a retried call succeeds).
     * @throws {InvalidProductError} for a bad SKU, name, price or stock.
     * @throws {ProductConflictError} when the SKU exists with other values.
     */
    async create(input: NewProduct): Promise<Product> {
      const product = createProduct(input);
      if (await insertProduct(db, product)) return product;
      // The SKU exists, possibly created a moment ago by a concurrent retry of this call.
      const existing = await findProduct(db, input.sku);
      if (!existing) throw new Error(`product ${input.sku} vanished`);
      if (!isSameProduct(existing, input)) throw new ProductConflictError(input.sku);
      return existing;
    },

    /**
     * Prices order lines at current prices, lines of one SKU merged into one.
     * @throws {InvalidItemsError} for no line, a bad line, or naming the first unknown SKU.
     */
    async price(items: readonly LineItem[]): Promise<PricedItems> {
      const skus = mergeLines(items).map((l) => l.sku);
      const products = await findProducts(db, skus);
      return priceLines(items, new Map(products.map((p) => [p.sku, p.priceCents])));
    },
  };
}

/** The catalogue's use cases. */
export type ProductUseCases = ReturnType<typeof createProductUseCases>;

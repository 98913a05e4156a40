import { autocommit } from '@saga/db';
import type pg from 'pg';
import { createProduct, type NewProduct } from '../domain/product.domain.ts';
import { insertProduct } from './product.repository.ts';

/** The products of docs/fixtures.md, each forcing an outcome of the checkout saga. */
export const FIXTURE_PRODUCTS: readonly NewProduct[] = [
  { sku: 'SKU-BOOK', name: 'Book', priceCents: 2_500, stock: 1_000_000 },
  { sku: 'SKU-MUG', name: 'Mug', priceCents: 1_200, stock: 1_000_000 },
  { sku: 'SKU-TSHIRT', name: 'T-shirt', priceCents: 1_900, stock: 1_000_000 },
  // Rejected OUT_OF_STOCK whatever the quantity.
  { sku: 'SKU-SOLDOUT', name: 'Sold-out item', priceCents: 999, stock: 0 },
];

/**
 * Loads the fixture products (SEED_FIXTURES=true). Idempotent: a product that exists is left as
 * it is, with whatever stock it has now.
 */
export async function seedFixtures(pool: pg.Pool): Promise<void> {
  const db = autocommit(pool);
  for (const fixture of FIXTURE_PRODUCTS) await insertProduct(db, createProduct(fixture));
}

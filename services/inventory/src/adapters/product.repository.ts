import type { Tx } from '@saga/db';
import type { Product, Stock } from '../domain/product.domain.ts';

type ProductRow = {
  sku: string;
  name: string;
  price_cents: string;
  available: number;
  reserved: number;
  committed: number;
  received: number;
};

const COLUMNS = 'sku, name, price_cents, available, reserved, committed, received';

function fromRow(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    // bigint comes back as a string; prices are bounded far below 2^53 (LIMITS.maxPriceCents).
    priceCents: Number(row.price_cents),
    available: row.available,
    reserved: row.reserved,
    committed: row.committed,
    received: row.received,
  };
}

/** Products by SKU order: all of them, or those of `skus` that exist. */
export async function findProducts(db: Tx, skus?: readonly string[]): Promise<Product[]> {
  const { rows } = skus
    ? await db.query<ProductRow>(
        `select ${COLUMNS} from products where sku = any($1::text[]) order by sku`,
        [skus],
      )
    : await db.query<ProductRow>(`select ${COLUMNS} from products order by sku`);
  return rows.map(fromRow);
}

/** A product by SKU. */
export async function findProduct(db: Tx, sku: string): Promise<Product | undefined> {
  const { rows } = await db.query<ProductRow>(`select ${COLUMNS} from products where sku = $1`, [
    sku,
  ]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/**
 * Inserts a product unless its SKU is taken.
 * @returns true when inserted, false when the SKU exists.
 */
export async function insertProduct(db: Tx, product: Product): Promise<boolean> {
  const result = await db.query(
    `insert into products (sku, name, price_cents, available, reserved, committed, received)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (sku) do nothing`,
    [
      product.sku,
      product.name,
      product.priceCents,
      product.available,
      product.reserved,
      product.committed,
      product.received,
    ],
  );
  return result.rowCount === 1;
}

/**
 * Locks the rows of the products of `skus` that exist, until the transaction ends, and returns
 * their stock. Rows are locked in SKU order, the same order in every transaction: two orders
 * sharing products then queue on the first product they share instead of each holding a row
 * the other waits for (a deadlock).
 */
export async function lockStock(tx: Tx, skus: readonly string[]): Promise<Map<string, Stock>> {
  const { rows } = await tx.query<Pick<ProductRow, 'sku' | 'available' | 'reserved' | 'committed'>>(
    `select sku, available, reserved, committed from products
     where sku = any($1::text[]) order by sku for update`,
    [[...new Set(skus)]],
  );
  return new Map(
    rows.map((r) => [
      r.sku,
      { available: r.available, reserved: r.reserved, committed: r.committed },
    ]),
  );
}

/** Writes the stock of products whose rows this transaction locked ({@link lockStock}). */
export async function saveStock(tx: Tx, stock: ReadonlyMap<string, Stock>): Promise<void> {
  if (stock.size === 0) return;
  const entries = [...stock];
  await tx.query(
    `update products p
     set available = s.available, reserved = s.reserved, committed = s.committed,
         updated_at = clock_timestamp()
     from unnest($1::text[], $2::int[], $3::int[], $4::int[]) as s(sku, available, reserved, committed)
     where p.sku = s.sku`,
    [
      entries.map(([sku]) => sku),
      entries.map(([, s]) => s.available),
      entries.map(([, s]) => s.reserved),
      entries.map(([, s]) => s.committed),
    ],
  );
}

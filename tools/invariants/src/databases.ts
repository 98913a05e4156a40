/**
 * Connections to the four service databases. Each is read in one REPEATABLE READ, READ ONLY
 * transaction, so every query against one database sees the same snapshot. The four snapshots are
 * not taken at the same instant (they are four databases): check after quiescence.
 */
import pg from 'pg';
import type { ServiceDb } from './invariants.types.ts';

/** A database being read: one client inside its read-only transaction. */
export type ReadDb = {
  readonly service: ServiceDb;
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
};

/** The four databases, open. */
export type Databases = { readonly [S in ServiceDb]: ReadDb } & { close(): Promise<void> };

/** The databases the checker reads, in report order. */
export const SERVICE_DBS: readonly ServiceDb[] = ['order', 'inventory', 'payment', 'shipping'];

/** Raised when a database cannot be read: names it (the URL without its password). */
export class DatabaseUnreachableError extends Error {
  readonly code = 'INVARIANTS.DATABASE_UNREACHABLE';
  constructor(service: ServiceDb, url: string, cause: unknown) {
    const u = new URL(url);
    u.password = '';
    super(`cannot read the ${service} database (${u.toString()}): ${(cause as Error).message}`, {
      cause,
    });
    this.name = 'DatabaseUnreachableError';
  }
}

async function open(service: ServiceDb, url: string): Promise<{ db: ReadDb; client: pg.Client }> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    application_name: 'saga-invariants',
  });
  try {
    await client.connect();
    await client.query('begin isolation level repeatable read read only');
    // A REPEATABLE READ snapshot is taken by the first statement, not by BEGIN: take it now, so
    // the four databases (opened in parallel) are read as of nearly the same instant.
    await client.query('select 1');
  } catch (err) {
    await client.end().catch(() => {});
    throw new DatabaseUnreachableError(service, url, err);
  }
  client.on('error', () => {}); // a dropped connection fails the next query, which is reported
  return {
    client,
    db: {
      service,
      async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
        return (await client.query<R>(sql, params)).rows;
      },
    },
  };
}

/**
 * Opens the four databases.
 * @throws {DatabaseUnreachableError} naming the first one that cannot be read.
 */
export async function openDatabases(
  urls: { readonly [S in ServiceDb]: string },
): Promise<Databases> {
  const opened = await Promise.allSettled(SERVICE_DBS.map((s) => open(s, urls[s])));
  const clients = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value.client] : []));
  const failed = opened.find((o) => o.status === 'rejected');
  if (failed) {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    throw failed.reason;
  }
  const dbs = opened.map((o) => (o as PromiseFulfilledResult<{ db: ReadDb }>).value.db);
  const [order, inventory, payment, shipping] = dbs as [ReadDb, ReadDb, ReadDb, ReadDb];
  return {
    order,
    inventory,
    payment,
    shipping,
    async close() {
      await Promise.all(
        clients.map(async (c) => {
          await c.query('rollback').catch(() => {});
          await c.end().catch(() => {});
        }),
      );
    },
  };
}

import { runner } from 'node-pg-migrate';

/** Options of {@link migrate}. */
export type MigrateOptions = {
  readonly connectionString: string;
  /** Folder of migration files: `<timestamp>_<name>.sql` with `-- Up Migration` / `-- Down Migration` sections. */
  readonly dir: string;
  /** Table recording applied migrations. Default `pgmigrations`. */
  readonly table?: string;
  /** Schema the migrations run in. Default `public`. */
  readonly schema?: string;
  /** Progress lines; default silent. */
  readonly log?: (line: string) => void;
};

/**
 * Applies the pending migrations of a service, in order, each in its own transaction, holding
 * node-pg-migrate's advisory lock so two instances starting together do not both migrate.
 *
 * @returns the names of the migrations applied by this call (empty when up to date).
 * @throws when a migration fails (it is rolled back) or an applied migration is missing from
 *   `dir` or out of order.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const log = options.log ?? (() => {});
  const applied = await runner({
    databaseUrl: options.connectionString,
    dir: options.dir,
    direction: 'up',
    migrationsTable: options.table ?? 'pgmigrations',
    ...(options.schema ? { schema: options.schema, createSchema: true } : {}),
    checkOrder: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}

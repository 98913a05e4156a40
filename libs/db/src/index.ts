/**
 * @saga/db: a service's PostgreSQL plumbing. One pool per service, migrations per service
 * (node-pg-migrate, SQL files under the service's `migrations/`), and {@link withTransaction},
 * the unit every outbox and inbox write happens in. See docs/patterns/database.md.
 */
export { isConnectionError } from './connection-errors.ts';
export { type MigrateOptions, migrate } from './migrate.ts';
export { createPool, type DbConfig } from './pool.ts';
export {
  autocommit,
  type IsolationLevel,
  type TransactionOptions,
  type Tx,
  withTransaction,
} from './transaction.ts';

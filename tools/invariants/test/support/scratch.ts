/**
 * Scratch copies of the four service databases on the stack's real Postgres, for the checker's
 * tests: created by the superuser, owned by each service's role, migrated with that service's
 * real migrations by the same runner (@saga/db) after the same platform tables (outbox, inbox)
 * its host creates, and readable by that service's read-only role, as the real ones are.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { migrate } from '@saga/db';
import { inboxSchemaSql } from '@saga/inbox';
import { outboxSchemaSql } from '@saga/outbox';
import { testStack } from '@saga/testkit';
import { readOnlyGrantsSql, type ServiceName } from '@saga/topology';
import pg from 'pg';

const SERVICES = ['order', 'inventory', 'payment', 'shipping'] as const;
const REPO = resolve(import.meta.dirname, '../../../..');

/** A set of scratch databases. */
export type Scratch = {
  /** Read-only URLs for `checkInvariants({ databases })`. */
  readonly readOnlyUrls: Readonly<Record<ServiceName, string>>;
  /** The owning roles' pools, to load data and plant violations. */
  readonly owner: Readonly<Record<ServiceName, pg.Pool>>;
  /** Empties every table the migrations created (not the migrations' own record). */
  truncate(): Promise<void>;
  /** Closes the pools and drops the databases. */
  drop(): Promise<void>;
};

function withDb(url: string, user: string, password: string, database: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates, migrates and opens four scratch databases named `inv_test_<random>_<service>`. */
export async function createScratch(env: NodeJS.ProcessEnv = process.env): Promise<Scratch> {
  const { settings, endpoints } = testStack(env);
  const tag = `inv_test_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const admin = new pg.Client({ connectionString: endpoints.postgresAdminUrl });
  await admin.connect();
  const created: string[] = [];
  const owner = {} as Record<ServiceName, pg.Pool>;
  const readOnlyUrls = {} as Record<ServiceName, string>;
  try {
    for (const service of SERVICES) {
      const db = settings.postgres.databases.find((d) => d.service === service);
      if (!db) throw new Error(`no database settings for ${service}`);
      const name = `${tag}_${service}`;
      await admin.query(`create database ${name} owner ${db.user}`);
      created.push(name);
      await admin.query(`revoke all on database ${name} from public`);
      const inDb = new pg.Client({
        connectionString: withDb(
          endpoints.postgresAdminUrl,
          settings.postgres.user,
          settings.postgres.password,
          name,
        ),
      });
      await inDb.connect();
      try {
        for (const sql of readOnlyGrantsSql({ ...db, database: name })) await inDb.query(sql);
      } finally {
        await inDb.end();
      }
      const ownerUrl = withDb(endpoints.postgresAdminUrl, db.user, db.password, name);
      const pool = new pg.Pool({ connectionString: ownerUrl, max: 2 });
      owner[service] = pool;
      await pool.query(outboxSchemaSql() + inboxSchemaSql());
      await migrate({
        connectionString: ownerUrl,
        dir: resolve(REPO, 'services', service, 'migrations'),
      });
      readOnlyUrls[service] = withDb(
        endpoints.postgresAdminUrl,
        db.readOnlyUser,
        db.readOnlyPassword,
        name,
      );
    }
  } catch (err) {
    await Promise.all(Object.values(owner).map((p) => p.end()));
    for (const name of created) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    throw err;
  }
  await admin.end();

  return {
    readOnlyUrls,
    owner,
    async truncate() {
      for (const service of SERVICES) {
        const { rows } = await owner[service].query<{ tablename: string }>(
          `select tablename from pg_tables where schemaname = 'public' and tablename <> 'pgmigrations'`,
        );
        await owner[service].query(
          `truncate ${rows.map((r) => r.tablename).join(', ')} restart identity cascade`,
        );
      }
    },
    async drop() {
      await Promise.all(Object.values(owner).map((p) => p.end()));
      const c = new pg.Client({ connectionString: endpoints.postgresAdminUrl });
      await c.connect();
      try {
        for (const name of created) await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

import { existsSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { readOnlyGrantsSql, VERSIONS } from '@saga/topology';
import pg from 'pg';
import { aptInstall } from '../apt.ts';
import type { Component, StackContext } from '../component.ts';
import { capture, runLogged } from '../process.ts';

const BIN_DIR = `/usr/lib/postgresql/${VERSIONS.postgres}/bin`;
const PACKAGE = `postgresql-${VERSIONS.postgres}`;
/** PostgreSQL refuses to run as root, so as root the server runs as Debian's `postgres` user. */
const RUN_AS = 'postgres';

function dirs(ctx: StackContext) {
  const base = ctx.paths.dataDir('postgres');
  return { base, data: `${base}/data`, socket: `${base}/socket` };
}

/** Prefixes a command so that it runs as the `postgres` user when we are root. */
function asServerUser(ctx: StackContext, command: string, args: readonly string[]) {
  return ctx.isRoot
    ? {
        command: 'setpriv',
        args: [`--reuid=${RUN_AS}`, `--regid=${RUN_AS}`, '--init-groups', '--', command, ...args],
      }
    : { command, args: [...args] };
}

async function adminClient(ctx: StackContext, database = 'postgres'): Promise<pg.Client> {
  const { host, postgres } = ctx.settings;
  const client = new pg.Client({
    host,
    port: postgres.port,
    user: postgres.user,
    password: postgres.password,
    database,
    connectionTimeoutMillis: 2000,
  });
  await client.connect();
  return client;
}

/** Creates a login role, or resets its password to the configured one. */
async function ensureRole(client: pg.Client, user: string, password: string): Promise<void> {
  const role = client.escapeIdentifier(user);
  const literal = client.escapeLiteral(password);
  const exists = await client.query('select 1 from pg_roles where rolname = $1', [user]);
  await client.query(
    exists.rowCount
      ? `alter role ${role} with login password ${literal}`
      : `create role ${role} with login password ${literal}`,
  );
}

/** PostgreSQL from Debian's package: one server, one database and one role per service. */
export const postgres: Component = {
  name: 'postgres',
  kind: 'infrastructure',
  readiness: 'a query as the superuser',
  // SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, checkpoint, exit. SIGTERM
  // ("smart") would wait for every client to disconnect.
  stopSignal: 'SIGINT',
  async install(ctx) {
    if (existsSync(`${BIN_DIR}/postgres`)) return undefined;
    ctx.report.step('postgres', `apt-get install ${PACKAGE}`);
    await aptInstall(ctx, 'postgres', [PACKAGE]);
    return `installed Debian package ${PACKAGE}`;
  },
  async prepare(ctx) {
    const d = dirs(ctx);
    if (existsSync(`${d.data}/PG_VERSION`)) return;
    await rm(d.base, { recursive: true, force: true });
    await mkdir(d.data, { recursive: true, mode: 0o700 });
    await mkdir(d.socket, { recursive: true });
    const pwfile = `${d.base}/initdb-password`;
    await writeFile(pwfile, `${ctx.settings.postgres.password}\n`, { mode: 0o600 });
    if (ctx.isRoot) {
      const uid = Number((await capture('id', ['-u', RUN_AS])).trim());
      const gid = Number((await capture('id', ['-g', RUN_AS])).trim());
      for (const p of [d.base, d.data, d.socket, pwfile]) await chown(p, uid, gid);
    }
    ctx.report.step('postgres', `initdb ${d.data}`);
    const initdb = asServerUser(ctx, `${BIN_DIR}/initdb`, [
      '-D',
      d.data,
      `--username=${ctx.settings.postgres.user}`,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ]);
    try {
      await runLogged({ ...initdb, logFile: ctx.paths.logFile('postgres') });
    } catch (err) {
      await rm(d.base, { recursive: true, force: true });
      throw new Error(
        `initdb failed${ctx.isRoot ? ` (as root, every folder above ${d.base} must be searchable by the '${RUN_AS}' user)` : ''}`,
        { cause: err },
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  },
  async launch(ctx) {
    const d = dirs(ctx);
    return asServerUser(ctx, `${BIN_DIR}/postgres`, [
      '-D',
      d.data,
      '-c',
      `listen_addresses=${ctx.settings.host}`,
      '-p',
      String(ctx.settings.postgres.port),
      '-c',
      `unix_socket_directories=${d.socket}`,
      '-c',
      'max_connections=300',
    ]);
  },
  ports: (ctx) => [{ port: ctx.settings.postgres.port, variable: 'SAGA_POSTGRES_PORT' }],
  async probe(ctx) {
    const client = await adminClient(ctx);
    try {
      const { rows } = await client.query<{ v: string }>('select current_setting($1) as v', [
        'server_version',
      ]);
      return `PostgreSQL ${rows[0]?.v ?? '?'}`;
    } finally {
      await client.end();
    }
  },
  async afterReady(ctx) {
    // Converge: create what is missing, reset passwords to the configured ones, and make each
    // database reachable by its own role only (a service never reads another's database).
    const client = await adminClient(ctx);
    try {
      for (const db of ctx.settings.postgres.databases) {
        const role = client.escapeIdentifier(db.user);
        await ensureRole(client, db.user, db.password);
        const hasDb = await client.query('select 1 from pg_database where datname = $1', [
          db.database,
        ]);
        const name = client.escapeIdentifier(db.database);
        if (!hasDb.rowCount) await client.query(`create database ${name} owner ${role}`);
        await client.query(`revoke all on database ${name} from public`);
        await client.query(`grant all on database ${name} to ${role}`);
        await ensureRole(client, db.readOnlyUser, db.readOnlyPassword);
      }
    } finally {
      await client.end();
    }
    // Each database's read-only role (the invariant checker's): grants inside the database,
    // including default privileges for the tables its owner's migrations create later.
    for (const db of ctx.settings.postgres.databases) {
      const inDb = await adminClient(ctx, db.database);
      try {
        for (const sql of readOnlyGrantsSql(db)) await inDb.query(sql);
      } finally {
        await inDb.end();
      }
    }
  },
  urls: (ctx) => {
    const { host, postgres: p } = ctx.settings;
    return [
      `postgres       ${host}:${p.proxyPort} via toxiproxy (server ${p.port}); databases ${p.databases
        .map((d) => d.database)
        .join(', ')} (role = database name; read-only role = name + _ro)`,
    ];
  },
};

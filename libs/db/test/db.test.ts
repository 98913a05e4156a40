import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { createToxiproxyClient, inSchema, testStack } from '@saga/testkit';
import pg from 'pg';
import { createPool, migrate, withTransaction } from '../src/index.ts';

const { endpoints } = testStack(process.env);
const toxiproxy = createToxiproxyClient(endpoints.toxiproxyUrl);
const schema = `test_db_${randomUUID().slice(0, 8)}`;
/** The order service's database, confined to a schema of this test run. */
const url = inSchema(endpoints.postgresUrl('order'), schema);
let pool: pg.Pool;

before(async () => {
  const admin = new pg.Client({ connectionString: endpoints.postgresUrl('order') });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  pool = createPool({ connectionString: url, applicationName: 'db-test', maxConnections: 4 });
  await pool.query('create table counter (id int primary key, v int not null)');
  await pool.query('insert into counter values (1, 0)');
});

after(async () => {
  await toxiproxy.reset();
  await pool.query(`drop schema ${schema} cascade`);
  await pool.end();
});

test('withTransaction commits what fn wrote when it resolves', async () => {
  const id = await withTransaction(pool, async (tx) => {
    await tx.query('create table if not exists notes (id serial primary key, body text)');
    const { rows } = await tx.query<{ id: number }>(
      "insert into notes (body) values ('kept') returning id",
    );
    return rows[0]?.id;
  });
  const { rows } = await pool.query('select body from notes where id = $1', [id]);
  assert.deepEqual(rows, [{ body: 'kept' }]);
});

test('withTransaction rolls back everything fn wrote when it throws, and rethrows', async () => {
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      await tx.query('update counter set v = 100 where id = 1');
      throw new Error('business rule said no');
    }),
    /business rule said no/,
  );
  const { rows } = await pool.query('select v from counter where id = 1');
  assert.deepEqual(rows, [{ v: 0 }]);
  assert.equal(pool.totalCount - pool.idleCount, 0, 'a connection was not returned to the pool');
});

/**
 * Two read-modify-write increments of one counter, interleaved so that both read the same
 * snapshot before either writes: the textbook lost update, under repeatable read.
 */
async function concurrentIncrements(attempts: number) {
  await pool.query('update counter set v = 0 where id = 1');
  let readers = 0;
  let release: () => void = () => {};
  const bothRead = new Promise<void>((r) => {
    release = r;
  });
  const increment = () =>
    withTransaction(
      pool,
      async (tx) => {
        const { rows } = await tx.query<{ v: number }>('select v from counter where id = 1');
        readers += 1;
        if (readers === 2) release();
        await bothRead; // both transactions have read the same snapshot before either writes
        await tx.query('update counter set v = $1 where id = 1', [(rows[0]?.v ?? 0) + 1]);
      },
      { isolation: 'repeatable read', attempts },
    );
  const results = await Promise.allSettled([increment(), increment()]);
  const { rows } = await pool.query<{ v: number }>('select v from counter where id = 1');
  return { results, value: rows[0]?.v };
}

test('a serialization failure is retried when attempts allow, so concurrent increments both land', async () => {
  const { results, value } = await concurrentIncrements(3);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled'],
  );
  assert.equal(value, 2, 'a lost update: one increment overwrote the other');
});

test('without retries the same conflict surfaces as a serialization failure (40001)', async () => {
  const { results, value } = await concurrentIncrements(1);
  const failed = results.filter((r) => r.status === 'rejected');
  assert.equal(failed.length, 1);
  assert.equal((failed[0] as PromiseRejectedResult).reason.code, '40001');
  assert.equal(value, 1);
});

test('a connection killed mid-transaction fails that transaction only; the process and the pool carry on', async () => {
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
      // Another session kills this one, as a database restart or failover would.
      await pool.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
      await tx.query('select 1');
    }),
    // The server says "terminating connection", or the client noticed first: either way it fails.
    /terminating connection|connection error/i,
  );
  const { rows } = await pool.query('select 1 as ok');
  assert.deepEqual(rows, [{ ok: 1 }]);
});

test('the server cancels a statement that runs past statementTimeoutMs', async () => {
  const strict = createPool({
    connectionString: url,
    applicationName: 'db-test-strict',
    statementTimeoutMs: 200,
  });
  try {
    const start = Date.now();
    await assert.rejects(strict.query('select pg_sleep(5)'), { code: '57014' });
    assert.ok(Date.now() - start < 2000);
  } finally {
    await strict.end();
  }
});

test('when the database stops answering, a query fails at queryTimeoutMs and a new connection at connectTimeoutMs', async () => {
  const fragile = createPool({
    connectionString: url,
    applicationName: 'db-test-fragile',
    queryTimeoutMs: 300,
    connectTimeoutMs: 300,
    maxConnections: 2,
  });
  const held = await fragile.connect();
  // This connection is about to break on purpose; a checked-out client reports that as an
  // 'error' event, which must not crash the test process.
  const connectionErrors: Error[] = [];
  held.on('error', (err) => connectionErrors.push(err));
  try {
    await held.query('select 1');
    // `timeout` with 0: the proxy swallows every byte and never closes: a silent network.
    const toxic = await toxiproxy.addToxic('postgres', {
      type: 'timeout',
      attributes: { timeout: 0 },
    });
    try {
      let start = Date.now();
      await assert.rejects(held.query('select 1'), /Query read timeout/);
      const queryMs = Date.now() - start;
      start = Date.now();
      await assert.rejects(fragile.connect(), /timeout/i);
      const connectMs = Date.now() - start;
      assert.ok(queryMs >= 300 && queryMs < 2000, `query gave up after ${queryMs} ms`);
      assert.ok(connectMs >= 300 && connectMs < 2000, `connect gave up after ${connectMs} ms`);
    } finally {
      await toxiproxy.removeToxic('postgres', toxic);
    }
  } finally {
    held.release(true);
    await fragile.end();
  }
});

test('migrate applies pending migrations in order, once, and later ones on a later run', async () => {
  const dir = await mkdtemp(`${tmpdir()}/saga-migrations-`);
  const migrationSchema = `${schema}_m`;
  const connectionString = endpoints.postgresUrl('order');
  try {
    await writeFile(
      `${dir}/1700000000000_create-orders.sql`,
      '-- Up Migration\ncreate table orders (id uuid primary key);\n-- Down Migration\ndrop table orders;\n',
    );
    await writeFile(
      `${dir}/1700000000001_add-status.sql`,
      "-- Up Migration\nalter table orders add column status text not null default 'PENDING';\n",
    );
    const first = await migrate({ connectionString, dir, schema: migrationSchema });
    assert.deepEqual(first, ['1700000000000_create-orders', '1700000000001_add-status']);
    assert.deepEqual(await migrate({ connectionString, dir, schema: migrationSchema }), []);

    await writeFile(
      `${dir}/1700000000002_add-total.sql`,
      '-- Up Migration\nalter table orders add column total_cents bigint;\n',
    );
    assert.deepEqual(await migrate({ connectionString, dir, schema: migrationSchema }), [
      '1700000000002_add-total',
    ]);
    const { rows } = await pool.query(
      'select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
      [migrationSchema, 'orders'],
    );
    assert.deepEqual(
      rows.map((r) => r.column_name),
      ['id', 'status', 'total_cents'],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
    await pool.query(`drop schema if exists ${migrationSchema} cascade`);
  }
});

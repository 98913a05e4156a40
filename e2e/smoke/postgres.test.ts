import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testStack } from '@saga/testkit';
import { SERVICES } from '@saga/topology';
import pg from 'pg';

const { endpoints } = testStack(process.env);

for (const service of SERVICES) {
  test(`the ${service} service's role can write and query its own database through the proxy`, async () => {
    const client = new pg.Client({ connectionString: endpoints.postgresUrl(service) });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; who: string }>(
        'select current_database() as db, current_user as who',
      );
      assert.deepEqual(rows[0], { db: `saga_${service}`, who: `saga_${service}` });
      await client.query('create temp table smoke (id int primary key, note text)');
      await client.query('insert into smoke values ($1, $2)', [1, service]);
      const back = await client.query<{ note: string }>('select note from smoke where id = 1');
      assert.equal(back.rows[0]?.note, service);
    } finally {
      await client.end();
    }
  });
}

test("a service's role cannot connect to another service's database", async () => {
  const orderUrl = new URL(endpoints.postgresUrl('order'));
  orderUrl.pathname = '/saga_payment';
  const client = new pg.Client({ connectionString: orderUrl.toString() });
  await assert.rejects(client.connect(), /permission denied for database "saga_payment"/);
  await client.end().catch(() => undefined);
});

/**
 * Each rule of the invariant checker against real databases: four scratch databases on the
 * stack's Postgres, migrated with the services' own migrations, loaded with a healthy dataset
 * (support/dataset.ts) that must check clean; then each test plants one kind of violation and
 * expects it reported under its rule, naming the order, SKU or account.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  type CheckOptions,
  checkInvariants,
  InvalidScopeError,
  type InvariantReport,
} from '../src/index.ts';
import { insertOutbox, loadHealthy, O } from './support/dataset.ts';
import { createScratch, type Scratch } from './support/scratch.ts';

let scratch: Scratch;

before(async () => {
  scratch = await createScratch();
});
after(async () => {
  await scratch?.drop();
});
beforeEach(async () => {
  await scratch.truncate();
  await loadHealthy(scratch);
});

function check(options: CheckOptions = {}): Promise<InvariantReport> {
  // Dead-letter topics have a test of their own (dlq.test.ts).
  return checkInvariants({ databases: scratch.readOnlyUrls, dlq: { topics: [] }, ...options });
}

/** The rules that reported something, sorted. */
function brokenRules(report: InvariantReport): string[] {
  return [...new Set(report.violations.map((v) => v.rule))].sort();
}

function findings(report: InvariantReport, rule: string) {
  return report.violations.filter((v) => v.rule === rule);
}

const sql = (service: keyof Scratch['owner'], text: string, params: unknown[] = []) =>
  scratch.owner[service].query(text, params);

describe('the healthy dataset', () => {
  test('checks clean, and every rule had something to check', async () => {
    const report = await check();
    assert.deepEqual(report.violations, []);
    assert.equal(report.ok, true);
    assert.equal(report.orders, 5);
    const checked = Object.fromEntries(report.rules.map((r) => [r.rule, r.checked]));
    assert.deepEqual(checked, {
      'order-terminal': 5,
      'saga-parked': 2,
      'charged-and-rejected': 3,
      'confirmed-one-capture': 2,
      'confirmed-reservations-committed': 2,
      'confirmed-one-shipment': 2,
      'released-when-not-confirmed': 3,
      'stock-conservation': 2,
      'money-conservation': 4, // three accounts and the overall sums
      'outbox-unsent': 7,
      'inbox-duplicate-effect': 2 + 5 + 2, // outbox rows with a cause, timeline rows, saga log rows
      'dlq-empty': 0,
    });
  });
});

describe('order-terminal', () => {
  test('an order left PENDING is reported, naming it', async () => {
    const pending = crypto.randomUUID();
    await sql(
      'order',
      `insert into orders (id, request_id, customer_id, status, items, total_cents, shipping_address, saga_mode)
       values ($1, $2, 'cust_a', 'PENDING', '[]', 0, '{}', 'choreography')`,
      [pending, `req-${pending}`],
    );
    const report = await check();
    assert.deepEqual(brokenRules(report), ['order-terminal']);
    assert.deepEqual(
      findings(report, 'order-terminal').map((v) => v.orderId),
      [pending],
    );
    assert.equal(report.ok, false);
  });

  test('a confirmed order whose orchestrated saga is still finalising is reported', async () => {
    await sql('order', `update sagas set state_name = 'FINALIZING' where order_id = $1`, [O.o3]);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['order-terminal']);
    const [v] = findings(report, 'order-terminal');
    assert.equal(v?.orderId, O.o3);
    assert.match(v?.detail ?? '', /FINALIZING/);
  });

  test('an order id of the scope that no order has is reported; one that is not a UUID is refused', async () => {
    const unknown = crypto.randomUUID();
    const report = await check({ scope: { orderIds: [O.o1, unknown] } });
    assert.equal(report.orders, 1);
    assert.deepEqual(
      findings(report, 'order-terminal').map((v) => [v.orderId, v.detail]),
      [[unknown, 'no such order in the order database']],
    );
    await assert.rejects(check({ scope: { orderIds: ['not-a-uuid'] } }), InvalidScopeError);
  });
});

describe('saga-parked', () => {
  test('a saga parked in FAILED_COMPENSATION is a violation, or a notice when allowed', async () => {
    await sql('order', `update sagas set state_name = 'FAILED_COMPENSATION' where order_id = $1`, [
      O.o4,
    ]);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['saga-parked']);
    assert.equal(findings(report, 'saga-parked')[0]?.orderId, O.o4);

    const allowed = await check({ allowParked: true });
    assert.equal(allowed.ok, true);
    assert.deepEqual(
      allowed.notices.map((n) => [n.rule, n.orderId]),
      [['saga-parked', O.o4]],
    );
  });
});

describe('charged-and-rejected', () => {
  test('a rejected order whose payment was captured is reported (and the money no longer adds up)', async () => {
    // Captured as a capture would: the customer pays the merchant.
    await sql('payment', `update payments set status = 'CAPTURED' where order_id = $1`, [O.o2]);
    await sql(
      'payment',
      `update accounts set balance_cents = balance_cents - 500 where id = 'cust_b'`,
    );
    await sql(
      'payment',
      `update accounts set balance_cents = balance_cents + 500 where id = 'merchant'`,
    );
    const report = await check();
    assert.deepEqual(brokenRules(report), ['charged-and-rejected', 'money-conservation']);
    assert.equal(findings(report, 'charged-and-rejected')[0]?.orderId, O.o2);
    assert.match(
      findings(report, 'money-conservation')[0]?.detail ?? '',
      /captured 4000 for settled orders, CONFIRMED orders total 3500/,
    );
  });
});

describe('confirmed-one-capture', () => {
  test('a confirmed order whose payment is only authorised is reported', async () => {
    await sql('payment', `update payments set status = 'AUTHORIZED' where order_id = $1`, [O.o1]);
    await sql(
      'payment',
      `update accounts set balance_cents = 8500, held_cents = 2000 where id = 'cust_a'`,
    );
    await sql('payment', `update accounts set balance_cents = 1500 where id = 'merchant'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['confirmed-one-capture', 'money-conservation']);
    const [v] = findings(report, 'confirmed-one-capture');
    assert.equal(v?.orderId, O.o1);
    assert.match(v?.detail ?? '', /AUTHORIZED/);
  });

  test('a capture of another amount than the order total is reported', async () => {
    await sql('payment', `update payments set amount_cents = 1400 where order_id = $1`, [O.o3]);
    await sql('payment', `update accounts set balance_cents = 6600 where id = 'cust_a'`);
    await sql('payment', `update accounts set balance_cents = 3400 where id = 'merchant'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['confirmed-one-capture', 'money-conservation']);
    assert.equal(findings(report, 'confirmed-one-capture')[0]?.orderId, O.o3);
  });
});

describe('confirmed-reservations-committed', () => {
  test('a confirmed order whose stock is still only reserved is reported', async () => {
    await sql('inventory', `update reservations set status = 'RESERVED' where order_id = $1`, [
      O.o1,
    ]);
    await sql('inventory', `update products set reserved = 2, committed = 1 where sku = 'SKU-A'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), [
      'confirmed-reservations-committed',
      'stock-conservation',
    ]);
    assert.equal(findings(report, 'confirmed-reservations-committed')[0]?.orderId, O.o1);
    assert.equal(findings(report, 'stock-conservation')[0]?.sku, 'SKU-A');
  });

  test('a committed reservation missing one of the order lines is reported', async () => {
    await sql('inventory', `delete from reservation_lines where order_id = $1 and sku = 'SKU-B'`, [
      O.o3,
    ]);
    await sql('inventory', `update products set committed = 0, available = 5 where sku = 'SKU-B'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), [
      'confirmed-reservations-committed',
      'stock-conservation',
    ]);
    const [v] = findings(report, 'confirmed-reservations-committed');
    assert.equal(v?.orderId, O.o3);
    assert.match(v?.detail ?? '', /no line for SKU-B/);
  });
});

describe('confirmed-one-shipment', () => {
  test('a confirmed order without a scheduled shipment is reported', async () => {
    await sql(
      'shipping',
      `update shipments set status = 'CANCELLED', delivery_date = null where order_id = $1`,
      [O.o3],
    );
    const report = await check();
    assert.deepEqual(brokenRules(report), ['confirmed-one-shipment']);
    assert.equal(findings(report, 'confirmed-one-shipment')[0]?.orderId, O.o3);
  });
});

describe('released-when-not-confirmed', () => {
  test('a cancelled order whose payment still holds money is reported', async () => {
    await sql(
      'payment',
      `update payments set status = 'AUTHORIZED', reason = null where order_id = $1`,
      [O.o4],
    );
    await sql('payment', `update accounts set held_cents = 1000 where id = 'cust_b'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['released-when-not-confirmed']);
    const [v] = findings(report, 'released-when-not-confirmed');
    assert.equal(v?.orderId, O.o4);
    assert.match(v?.detail ?? '', /payment AUTHORIZED \(1000 cents held\)/);
  });

  test('a rejected order whose stock is still reserved is reported', async () => {
    await sql('inventory', `update reservations set status = 'RESERVED' where order_id = $1`, [
      O.o2,
    ]);
    await sql('inventory', `update products set reserved = 1, available = 3 where sku = 'SKU-B'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['released-when-not-confirmed']);
    assert.equal(findings(report, 'released-when-not-confirmed')[0]?.orderId, O.o2);
  });
});

describe('stock-conservation', () => {
  test('units reserved by no reservation are reported for their SKU', async () => {
    await sql('inventory', `update products set available = 6, reserved = 1 where sku = 'SKU-A'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['stock-conservation']);
    const [v] = findings(report, 'stock-conservation');
    assert.equal(v?.sku, 'SKU-A');
    assert.match(v?.detail ?? '', /reserved 1, RESERVED reservations hold 0/);
  });
});

describe('money-conservation', () => {
  test('money that vanished from an account is reported for the account and overall', async () => {
    await sql('payment', `update accounts set balance_cents = 6400 where id = 'cust_a'`);
    const report = await check();
    assert.deepEqual(brokenRules(report), ['money-conservation']);
    const found = findings(report, 'money-conservation');
    assert.deepEqual(
      found.map((v) => v.account),
      ['cust_a', undefined],
    );
    assert.match(found[0]?.detail ?? '', /balance 6400, expected 6500/);
    assert.match(
      found[1]?.detail ?? '',
      /overall: balances add up to 14900, opening balances to 15000/,
    );
  });
});

describe('outbox-unsent', () => {
  test('a row unsent for longer than the maximum age is reported, naming its order', async () => {
    await insertOutbox(scratch, 'inventory', {
      key: O.o1,
      type: 'StockCommitted',
      topic: 'inventory.events.v1',
      createdSecondsAgo: 60,
      published: false,
    });
    // A fresh unsent row is the relay's normal work, not a violation.
    await insertOutbox(scratch, 'payment', {
      key: O.o3,
      type: 'PaymentCaptured',
      topic: 'payment.events.v1',
      createdSecondsAgo: 0,
      published: false,
    });
    const report = await check();
    assert.deepEqual(brokenRules(report), ['outbox-unsent']);
    const [v] = findings(report, 'outbox-unsent');
    assert.equal(v?.orderId, O.o1);
    assert.match(
      v?.detail ?? '',
      /^inventory outbox: StockCommitted to inventory.events.v1 unsent for 6\d s/,
    );

    assert.equal((await check({ outboxMaxAgeSeconds: 120 })).ok, true);
  });
});

describe('inbox-duplicate-effect', () => {
  test('one consumed message that produced its event twice is reported', async () => {
    const cause = crypto.randomUUID();
    for (let i = 0; i < 2; i++) {
      await insertOutbox(scratch, 'inventory', {
        key: O.o3,
        type: 'StockCommitted',
        topic: 'inventory.events.v1',
        causationId: cause,
      });
    }
    const report = await check();
    assert.deepEqual(brokenRules(report), ['inbox-duplicate-effect']);
    const [v] = findings(report, 'inbox-duplicate-effect');
    assert.equal(v?.orderId, O.o3);
    assert.match(
      v?.detail ?? '',
      new RegExp(`inventory outbox: message ${cause} caused 2 × StockCommitted`),
    );
  });

  test("one message recorded twice in an order's timeline is reported", async () => {
    const messageId = crypto.randomUUID();
    await sql(
      'order',
      `insert into order_timeline (order_id, step, source, outcome, message_id)
       values ($1, 'PaymentCaptured', 'payment', 'ok', $2), ($1, 'PaymentCaptured', 'payment', 'ok', $2)`,
      [O.o1, messageId],
    );
    const report = await check();
    assert.deepEqual(brokenRules(report), ['inbox-duplicate-effect']);
    assert.equal(findings(report, 'inbox-duplicate-effect')[0]?.orderId, O.o1);
  });
});

describe('scope', () => {
  test('per-order rules look only at the orders in scope; stock and money at everything', async () => {
    const pending = crypto.randomUUID();
    await sql(
      'order',
      `insert into orders (id, request_id, customer_id, status, items, total_cents, shipping_address, saga_mode)
       values ($1, $2, 'cust_a', 'PENDING', '[]', 0, '{}', 'choreography')`,
      [pending, `req-${pending}`],
    );
    await sql('inventory', `update products set available = 6, reserved = 1 where sku = 'SKU-A'`);
    const report = await check({ scope: { orderIds: [O.o1, O.o2] } });
    assert.equal(report.orders, 2);
    assert.deepEqual(brokenRules(report), ['stock-conservation']);

    const later = await check({ scope: { since: new Date(Date.now() + 60_000) } });
    assert.equal(later.orders, 0);
    assert.deepEqual(brokenRules(later), ['stock-conservation']);
  });
});

describe('orders in flight outside the scope', () => {
  test('do not break the sums that compare databases; in scope, they are not terminal', async () => {
    // An orchestrated order confirmed a moment ago: stock committed, capture still under way.
    const finalizing = crypto.randomUUID();
    await sql(
      'order',
      `insert into orders (id, request_id, customer_id, status, items, total_cents, shipping_address, saga_mode)
       values ($1, $2, 'cust_a', 'CONFIRMED', $3, 1000, '{}', 'orchestration')`,
      [
        finalizing,
        `req-${finalizing}`,
        JSON.stringify([{ sku: 'SKU-A', quantity: 1, unitPriceCents: 1000 }]),
      ],
    );
    await sql(
      'order',
      `insert into sagas (order_id, state, state_name) values ($1, '{}', 'FINALIZING')`,
      [finalizing],
    );
    await sql('inventory', `insert into reservations (order_id, status) values ($1, 'COMMITTED')`, [
      finalizing,
    ]);
    await sql(
      'inventory',
      `insert into reservation_lines (order_id, sku, quantity) values ($1, 'SKU-A', 1)`,
      [finalizing],
    );
    await sql('inventory', `update products set available = 6, committed = 4 where sku = 'SKU-A'`);
    await sql(
      'payment',
      `insert into payments (order_id, customer_id, amount_cents, status) values ($1, 'cust_a', 1000, 'AUTHORIZED')`,
      [finalizing],
    );
    await sql(
      'shipping',
      `insert into shipments (order_id, status, delivery_date) values ($1, 'SCHEDULED', current_date + 3)`,
      [finalizing],
    );
    await sql('payment', `update accounts set held_cents = 1000 where id = 'cust_a'`);

    assert.deepEqual((await check({ scope: { orderIds: [O.o1, O.o2] } })).violations, []);
    const all = await check();
    // In scope, it is reported: not terminal, and (not yet) captured.
    assert.deepEqual(
      all.violations.map((v) => [v.rule, v.orderId]),
      [
        ['order-terminal', finalizing],
        ['confirmed-one-capture', finalizing],
      ],
    );
  });
});

describe('read-only access', () => {
  test("the checker's role reads tables created after its grants, and cannot write", async () => {
    // A table a later migration would create, as the owning role.
    await sql('payment', 'create table later_migration (id int)');
    await sql('payment', 'insert into later_migration values (1)');
    const pg = (await import('pg')).default;
    const ro = new pg.Client({ connectionString: scratch.readOnlyUrls.payment });
    await ro.connect();
    try {
      const { rows } = await ro.query('select id from later_migration');
      assert.deepEqual(rows, [{ id: 1 }]);
      await assert.rejects(ro.query(`update accounts set balance_cents = 0`), {
        code: '42501',
        message: /permission denied/,
      });
    } finally {
      await ro.end();
    }
  });
});

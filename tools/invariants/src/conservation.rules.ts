/**
 * The global rules: stock per SKU and money per account and overall. They read whole databases
 * whatever the scope, because stock and money are shared by every order (docs/invariants.md).
 */
import type { Databases } from './databases.ts';
import type { Tally } from './order.rules.ts';

/**
 * Orders still in flight anywhere on the stack (in scope or not): PENDING, or orchestrated with a
 * saga not yet finished (a CONFIRMED one may still be finalising: commit and capture under way).
 * The sums that compare two databases leave them out on both sides, so that someone else's
 * order settling during the check is not a violation; in-scope ones are `order-terminal`'s.
 */
export async function inFlightOrders(dbs: Databases): Promise<string[]> {
  const rows = await dbs.order.query<{ id: string }>(
    `select o.id::text from orders o left join sagas s on s.order_id = o.id
      where o.status = 'PENDING'
         or (o.saga_mode = 'orchestration'
             and coalesce(s.state_name, '') not in ('COMPLETED', 'COMPENSATED', 'FAILED_COMPENSATION'))`,
  );
  return rows.map((r) => r.id);
}

/** The house account captures are paid into (services/payment/migrations). */
export const MERCHANT_ACCOUNT = 'merchant';

type SkuRow = {
  sku: string;
  available: number;
  reserved: number;
  committed: number;
  received: number;
  held_by_reservations: string;
  committed_by_reservations: string;
  committed_settled: string;
};

/**
 * stock-conservation, per SKU:
 * - `available + reserved + committed = received` (what the product ever received);
 * - `reserved` = the lines of RESERVED reservations, `committed` = those of COMMITTED ones;
 * - `committed` = the quantities of that SKU in CONFIRMED orders (order database).
 */
export async function checkStock(
  dbs: Databases,
  tally: Tally,
  inFlight: readonly string[],
): Promise<void> {
  const [skus, confirmed] = await Promise.all([
    dbs.inventory.query<SkuRow>(
      `select p.sku, p.available, p.reserved, p.committed, p.received,
              coalesce(sum(l.quantity) filter (where r.status = 'RESERVED'), 0) as held_by_reservations,
              coalesce(sum(l.quantity) filter (where r.status = 'COMMITTED'), 0) as committed_by_reservations,
              coalesce(sum(l.quantity) filter (where r.status = 'COMMITTED' and r.order_id <> all($1::text[])), 0)
                as committed_settled
         from products p
         left join reservation_lines l on l.sku = p.sku
         left join reservations r on r.order_id = l.order_id
        group by p.sku
        order by p.sku`,
      [inFlight],
    ),
    dbs.order.query<{ sku: string; quantity: string }>(
      `select item->>'sku' as sku, sum((item->>'quantity')::bigint) as quantity
         from orders, jsonb_array_elements(items) as item
        where status = 'CONFIRMED' and id::text <> all($1::text[])
        group by 1`,
      [inFlight],
    ),
  ]);
  const sold = new Map(confirmed.map((c) => [c.sku, Number(c.quantity)]));
  const known = new Set(skus.map((s) => s.sku));
  for (const s of skus) {
    tally.checked('stock-conservation');
    const problems: string[] = [];
    const total = s.available + s.reserved + s.committed;
    if (total !== s.received) {
      problems.push(
        `available ${s.available} + reserved ${s.reserved} + committed ${s.committed} = ${total}, received ${s.received}`,
      );
    }
    const held = Number(s.held_by_reservations);
    if (s.reserved !== held) {
      problems.push(`reserved ${s.reserved}, RESERVED reservations hold ${held}`);
    }
    const committed = Number(s.committed_by_reservations);
    if (s.committed !== committed) {
      problems.push(`committed ${s.committed}, COMMITTED reservations hold ${committed}`);
    }
    const ordered = sold.get(s.sku) ?? 0;
    const settled = Number(s.committed_settled);
    if (settled !== ordered) {
      problems.push(
        `COMMITTED reservations of settled orders hold ${settled}, CONFIRMED orders bought ${ordered}`,
      );
    }
    if (problems.length) {
      tally.violation({ rule: 'stock-conservation', sku: s.sku, detail: problems.join('; ') });
    }
  }
  for (const [sku, quantity] of sold) {
    if (known.has(sku)) continue;
    tally.checked('stock-conservation');
    tally.violation({
      rule: 'stock-conservation',
      sku,
      detail: `CONFIRMED orders bought ${quantity}, but the inventory has no such product`,
    });
  }
}

type AccountRow = {
  id: string;
  balance_cents: string;
  held_cents: string;
  opening_balance_cents: string;
  captured_cents: string;
  authorized_cents: string;
};

/**
 * money-conservation, per account: `held` = its AUTHORIZED payments; `balance` = opening balance
 * − its CAPTURED payments (+ every CAPTURED payment for the merchant). Overall: the balances add
 * up to the opening balances, and the payments ever captured (CAPTURED or REFUNDED) add up to
 * the totals of the CONFIRMED orders.
 */
export async function checkMoney(
  dbs: Databases,
  tally: Tally,
  inFlight: readonly string[],
): Promise<void> {
  const [accounts, totals, confirmed] = await Promise.all([
    dbs.payment.query<AccountRow>(
      `select a.id, a.balance_cents, a.held_cents, a.opening_balance_cents,
              coalesce(sum(p.amount_cents) filter (where p.status = 'CAPTURED'), 0) as captured_cents,
              coalesce(sum(p.amount_cents) filter (where p.status = 'AUTHORIZED'), 0) as authorized_cents
         from accounts a
         left join payments p on p.customer_id = a.id
        group by a.id
        order by a.id`,
    ),
    dbs.payment.query<{ captured: string; ever_captured: string }>(
      `select coalesce(sum(amount_cents) filter (where status = 'CAPTURED'), 0) as captured,
              coalesce(sum(amount_cents) filter (
                where status in ('CAPTURED', 'REFUNDED') and order_id <> all($1::text[])), 0) as ever_captured
         from payments`,
      [inFlight],
    ),
    dbs.order.query<{ total: string }>(
      `select coalesce(sum(total_cents), 0) as total from orders
        where status = 'CONFIRMED' and id::text <> all($1::text[])`,
      [inFlight],
    ),
  ]);
  const capturedAll = Number(totals[0]?.captured ?? 0);
  let balances = 0;
  let openings = 0;
  for (const a of accounts) {
    tally.checked('money-conservation');
    const balance = Number(a.balance_cents);
    const held = Number(a.held_cents);
    const opening = Number(a.opening_balance_cents);
    balances += balance;
    openings += opening;
    const expected =
      opening - Number(a.captured_cents) + (a.id === MERCHANT_ACCOUNT ? capturedAll : 0);
    const problems: string[] = [];
    if (balance !== expected) {
      problems.push(
        `balance ${balance}, expected ${expected} (opening ${opening} − captured ${a.captured_cents}${a.id === MERCHANT_ACCOUNT ? ` + all captures ${capturedAll}` : ''})`,
      );
    }
    if (held !== Number(a.authorized_cents)) {
      problems.push(`held ${held}, AUTHORIZED payments hold ${a.authorized_cents}`);
    }
    if (problems.length) {
      tally.violation({ rule: 'money-conservation', account: a.id, detail: problems.join('; ') });
    }
  }
  tally.checked('money-conservation');
  const problems: string[] = [];
  if (balances !== openings) {
    problems.push(`balances add up to ${balances}, opening balances to ${openings}`);
  }
  const everCaptured = Number(totals[0]?.ever_captured ?? 0);
  const confirmedTotal = Number(confirmed[0]?.total ?? 0);
  if (everCaptured !== confirmedTotal) {
    problems.push(
      `captured ${everCaptured} for settled orders, CONFIRMED orders total ${confirmedTotal}`,
    );
  }
  if (problems.length) {
    tally.violation({ rule: 'money-conservation', detail: `overall: ${problems.join('; ')}` });
  }
}

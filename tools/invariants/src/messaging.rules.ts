/**
 * The message-plumbing rules, per service database: the outbox drains (outbox-unsent) and no
 * consumed message took effect twice (inbox-duplicate-effect). See docs/invariants.md.
 */
import { type Databases, SERVICE_DBS } from './databases.ts';
import type { InvariantScope } from './invariants.types.ts';
import type { Tally } from './order.rules.ts';

/** Scope of outbox rows: key (the order id) and creation time. Parameters $1 (since), $2 (ids). */
const OUTBOX_SCOPE = `($1::timestamptz is null or created_at >= $1)
  and ($2::text[] is null or key = any($2::text[]))`;

function scopeParams(scope: InvariantScope): unknown[] {
  return [
    scope.since ?? null,
    scope.orderIds ? scope.orderIds.map((id) => id.toLowerCase()) : null,
  ];
}

/** outbox-unsent: rows in scope still unpublished after `maxAgeSeconds` (database clock). */
export async function checkOutbox(
  dbs: Databases,
  tally: Tally,
  scope: InvariantScope,
  maxAgeSeconds: number,
): Promise<void> {
  for (const service of SERVICE_DBS) {
    const db = dbs[service];
    const [count] = await db.query<{ n: string }>(
      `select count(*) as n from outbox where ${OUTBOX_SCOPE}`,
      scopeParams(scope),
    );
    tally.checked('outbox-unsent', Number(count?.n ?? 0));
    const stale = await db.query<{ key: string; type: string; topic: string; age: number }>(
      `select key, type, topic, extract(epoch from clock_timestamp() - created_at)::float8 as age
         from outbox
        where published_at is null
          and created_at < clock_timestamp() - make_interval(secs => $3::float8)
          and ${OUTBOX_SCOPE}
        order by position`,
      [...scopeParams(scope), maxAgeSeconds],
    );
    for (const row of stale) {
      tally.violation({
        rule: 'outbox-unsent',
        orderId: row.key,
        detail: `${service} outbox: ${row.type} to ${row.topic} unsent for ${Math.round(row.age)} s (max ${maxAgeSeconds} s)`,
      });
    }
  }
}

/**
 * inbox-duplicate-effect: one consumed message (its id is the `causation-id` header of what its
 * handler sent) produced the same message type twice in a service's outbox; or the order's
 * timeline or saga log recorded one message twice.
 */
export async function checkDuplicateEffects(
  dbs: Databases,
  tally: Tally,
  scope: InvariantScope,
): Promise<void> {
  for (const service of SERVICE_DBS) {
    const db = dbs[service];
    const [count] = await db.query<{ n: string }>(
      `select count(*) as n from outbox where headers ? 'causation-id' and ${OUTBOX_SCOPE}`,
      scopeParams(scope),
    );
    tally.checked('inbox-duplicate-effect', Number(count?.n ?? 0));
    const dups = await db.query<{ key: string; cause: string; type: string; n: string }>(
      `select key, headers->>'causation-id' as cause, type, count(*) as n
         from outbox
        where headers ? 'causation-id' and ${OUTBOX_SCOPE}
        group by key, headers->>'causation-id', type, topic
       having count(*) > 1
        order by key`,
      scopeParams(scope),
    );
    for (const d of dups) {
      tally.violation({
        rule: 'inbox-duplicate-effect',
        orderId: d.key,
        detail: `${service} outbox: message ${d.cause} caused ${d.n} × ${d.type}`,
      });
    }
  }
  // The order service records each consumed message in the order's timeline (and, for an
  // orchestrated order, in the saga log) with its message id.
  const params = scopeParams(scope);
  const orderScope = `o.id = t.order_id
    and ($1::timestamptz is null or o.created_at >= $1)
    and ($2::text[] is null or o.id::text = any($2::text[]))`;
  for (const table of ['order_timeline', 'saga_log'] as const) {
    const [count] = await dbs.order.query<{ n: string }>(
      `select count(*) as n from ${table} t, orders o where t.message_id is not null and ${orderScope}`,
      params,
    );
    tally.checked('inbox-duplicate-effect', Number(count?.n ?? 0));
    const dups = await dbs.order.query<{ order_id: string; message_id: string; n: string }>(
      `select t.order_id::text, t.message_id, count(*) as n
         from ${table} t, orders o
        where t.message_id is not null and ${orderScope}
        group by t.order_id, t.message_id
       having count(*) > 1
        order by t.order_id`,
      params,
    );
    for (const d of dups) {
      tally.violation({
        rule: 'inbox-duplicate-effect',
        orderId: d.order_id,
        detail: `order ${table}: message ${d.message_id} recorded ${d.n} times`,
      });
    }
  }
}

/** Number of key slots rows are spread over; relays lock slots, not keys (see relay.ts). */
export const KEY_SLOTS = 64;

const IDENT = /^[a-z_][a-z0-9_]{0,50}$/;

/**
 * Checks a table name before it is put into SQL text.
 * @throws Error when it is not a plain lower-case identifier.
 */
export function assertTableName(table: string): string {
  if (!IDENT.test(table)) throw new Error(`invalid outbox table name "${table}"`);
  return table;
}

/** LISTEN/NOTIFY channel a table's insert trigger notifies. */
export function notifyChannel(table: string): string {
  return `${assertTableName(table)}_inserted`;
}

/**
 * DDL of an outbox table, for a service's migration (idempotent).
 *
 * - `position` is the insertion order; relays publish in it, per key.
 * - `slot` spreads keys over {@link KEY_SLOTS} slots; a relay publishes a slot's rows only while
 *   it holds that slot's advisory lock, which is what keeps per-key order with several relays.
 * - A statement-level trigger NOTIFYs on insert; the notification is delivered at commit, so a
 *   relay wakes exactly when there is something committed to publish.
 */
export function outboxSchemaSql(table = 'outbox'): string {
  const t = assertTableName(table);
  return `
create table if not exists ${t} (
  position bigint generated always as identity primary key,
  id uuid not null unique,
  topic text not null,
  key text not null,
  slot smallint not null generated always as ((hashtext(key) & ${KEY_SLOTS - 1})::smallint) stored,
  type text not null,
  headers jsonb not null default '{}'::jsonb,
  payload bytea not null,
  created_at timestamptz not null default clock_timestamp(),
  published_at timestamptz
);
create index if not exists ${t}_pending on ${t} (position) where published_at is null;
create index if not exists ${t}_pending_slot on ${t} (slot, position) where published_at is null;
create index if not exists ${t}_published on ${t} (published_at) where published_at is not null;
create or replace function ${t}_notify() returns trigger language plpgsql as $fn$
begin
  perform pg_notify('${notifyChannel(t)}', '');
  return null;
end
$fn$;
drop trigger if exists ${t}_notify on ${t};
create trigger ${t}_notify after insert on ${t} for each statement execute function ${t}_notify();
`;
}

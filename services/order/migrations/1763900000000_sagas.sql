-- Up Migration
-- The orchestrated saga of an order: its state machine's state, persisted with every
-- transition (docs/saga-styles.md). Deadlines live here, not in timers, so they survive a crash.
create table sagas (
  order_id uuid primary key references orders (id),
  state jsonb not null,
  state_name text not null,
  attempt integer not null default 0,
  deadline_at timestamptz,
  updated_at timestamptz not null default clock_timestamp()
);
create index sagas_deadline on sagas (deadline_at) where deadline_at is not null;
create index sagas_parked on sagas (state_name) where state_name = 'FAILED_COMPENSATION';

-- Every transition: what drove it, from where to where, which commands it sent.
create table saga_log (
  position bigserial primary key,
  order_id uuid not null references sagas (order_id),
  input text not null,
  from_state text not null,
  to_state text not null,
  commands text[] not null default '{}',
  note text not null default '',
  message_id text,
  at timestamptz not null default clock_timestamp()
);
create index saga_log_order on saga_log (order_id, position);

-- Down Migration
drop table saga_log;
drop table sagas;

-- Up Migration
create table orders (
  id uuid primary key,
  -- Deduplicates retried CreateOrder calls (derived by the gateway from the Idempotency-Key).
  request_id text not null unique,
  customer_id text not null,
  status text not null check (status in ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  reason text,
  reason_detail text,
  items jsonb not null,
  total_cents bigint not null check (total_cents >= 0),
  shipping_address jsonb not null,
  saga_mode text not null check (saga_mode in ('choreography', 'orchestration')),
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp()
);
create index orders_created_at on orders (created_at desc);

-- The saga's steps as the order service saw them: one row per message (or action).
create table order_timeline (
  position bigserial primary key,
  order_id uuid not null references orders (id),
  step text not null,
  source text not null,
  outcome text not null check (outcome in ('ok', 'failed', 'compensated')),
  detail text not null default '',
  message_id text,
  at timestamptz not null default clock_timestamp()
);
create index order_timeline_order on order_timeline (order_id, position);

-- Down Migration
drop table order_timeline;
drop table orders;

-- Up Migration
-- One row per order (docs/checkout-saga.md): handlers lock it (SELECT … FOR UPDATE) while they
-- decide, so a scheduling request and a cancellation of one order are handled one after the
-- other. A REFUSED row is a tombstone: the order was cancelled before anything was scheduled.
create table shipments (
  -- Not a foreign key and not checked for format: the order service owns order ids.
  order_id text primary key,
  status text not null check (status in ('SCHEDULED', 'REJECTED', 'CANCELLED', 'REFUSED')),
  reason text check (reason in ('ADDRESS_REJECTED', 'UNSUPPORTED_COUNTRY')),
  detail text,
  address jsonb,
  delivery_date date,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  constraint shipments_rejected_has_reason check ((status = 'REJECTED') = (reason is not null)),
  constraint shipments_scheduled_has_date check (status <> 'SCHEDULED' or delivery_date is not null)
);

-- Down Migration
drop table shipments;

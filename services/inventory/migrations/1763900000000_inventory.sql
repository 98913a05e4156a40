-- Up Migration

-- One row per SKU. Stock is split by what it is for: free to reserve, held for orders in
-- flight, sold. The database refuses negative stock and checks the conservation rule of
-- docs/checkout-saga.md: moving units between the three never changes their sum, which is
-- what the product ever received.
create table products (
  sku text primary key,
  name text not null,
  price_cents bigint not null check (price_cents > 0),
  available integer not null check (available >= 0),
  reserved integer not null check (reserved >= 0),
  committed integer not null check (committed >= 0),
  received integer not null check (received >= 0),
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  constraint products_stock_conserved check (available + reserved + committed = received)
);

-- One row per order the inventory has heard of: the row every message about that order locks
-- (FOR UPDATE) while it decides, so they are handled one after the other.
create table reservations (
  order_id text primary key,
  status text not null
    check (status in ('NEW', 'RESERVED', 'REJECTED', 'RELEASED', 'COMMITTED', 'REFUSED')),
  reason text,
  detail text,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp()
);

-- What a reservation holds (or held), one line per SKU.
create table reservation_lines (
  order_id text not null references reservations (order_id),
  sku text not null references products (sku),
  quantity integer not null check (quantity > 0),
  primary key (order_id, sku)
);

-- Down Migration
drop table reservation_lines;
drop table reservations;
drop table products;

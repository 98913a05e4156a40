-- Up Migration

-- Customer accounts and the house account. Money is in integer cents.
create table accounts (
  id text primary key check (id <> ''),
  name text not null check (name <> ''),
  balance_cents bigint not null,
  -- Held by authorisations not yet captured or voided.
  held_cents bigint not null default 0 check (held_cents >= 0),
  credit_limit_cents bigint not null default 0 check (credit_limit_cents >= 0),
  -- What the account was opened with: CreateCustomer with the same values again is a retry.
  opening_balance_cents bigint not null check (opening_balance_cents >= 0),
  -- Fixture behaviours (docs/fixtures.md): decline every authorisation; decide slowly.
  declines_all boolean not null default false,
  slow boolean not null default false,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  -- The invariant of docs/checkout-saga.md, enforced by the database as a last line of defence.
  constraint accounts_within_limit check (balance_cents - held_cents + credit_limit_cents >= 0)
);

-- The house account captures are paid into. Captures need it whether or not the test fixtures
-- are loaded, so it is part of the schema rather than of the seed.
insert into accounts (id, name, balance_cents, opening_balance_cents)
values ('merchant', 'Merchant (house account)', 0, 0);

-- One row per order: its authorisation and what became of it, or a refusal (REFUSED) recorded
-- when the order was cancelled before the authorisation was asked for.
create table payments (
  order_id text primary key check (order_id <> ''),
  -- Null for a refusal: the cancellation does not say who the customer is.
  customer_id text,
  amount_cents bigint not null default 0 check (amount_cents >= 0),
  status text not null
    check (status in ('AUTHORIZED', 'DECLINED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'REFUSED')),
  -- Why it was declined, voided or refused (a reason code of docs/checkout-saga.md).
  reason text,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp()
);

-- Down Migration
drop table payments;
drop table accounts;

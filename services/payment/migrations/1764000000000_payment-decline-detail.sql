-- Up Migration

-- What a decline said (e.g. "5001 cents asked, 5000 cents available"), kept so that an
-- AuthorizePayment re-sent by the orchestrator is answered with the same PaymentDeclined as the
-- first time, not with a detail recomputed from balances that have moved since.
alter table payments add column detail text;

-- Down Migration
alter table payments drop column detail;

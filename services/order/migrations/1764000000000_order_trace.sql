-- Up Migration
-- "One order, one trace" (docs/patterns/telemetry.md): the trace of the request that placed the
-- order. trace_id (W3C, 32 hex digits) is what the API shows; trace_parent (the W3C
-- `traceparent` of the order service's CreateOrder span) is the parent of spans of the order's
-- saga that no message carries a context to: deadline sweeps, retries, cancellations. Both are
-- null for orders placed with telemetry off.
alter table orders add column trace_id text, add column trace_parent text;

-- Down Migration
alter table orders drop column trace_parent, drop column trace_id;

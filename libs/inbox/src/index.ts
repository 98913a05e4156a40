/**
 * @saga/inbox: exactly-once processing over at-least-once delivery. Wrap a handler with
 * {@link idempotent}: the consumed message's id, the handler's writes and the messages it
 * enqueues in the outbox commit in one transaction, and a message seen before is acknowledged
 * without effect. See docs/patterns/inbox.md.
 */
export { type IdempotentHandler, idempotent, inboxSchemaSql } from './inbox.ts';

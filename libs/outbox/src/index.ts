/**
 * @saga/outbox: the transactional outbox. {@link enqueue} writes messages in the caller's
 * transaction; {@link createOutboxRelay} publishes them to Kafka after commit, in per-key order,
 * at least once. Why and how: docs/patterns/outbox.md.
 */
export { type EnqueueOptions, enqueue, type OutboxMessage } from './enqueue.ts';
export {
  createKafkaPublisher,
  type OutboxPublisher,
  type PublishableMessage,
  publishable,
} from './publisher.ts';
export {
  createOutboxRelay,
  type OutboxLag,
  type OutboxRelay,
  type OutboxRelayOptions,
} from './relay.ts';
export { KEY_SLOTS, notifyChannel, outboxSchemaSql } from './schema.ts';
export { ensureTopics } from './topics.ts';
export { extractTraceContext, injectTraceContext } from './trace-context.ts';

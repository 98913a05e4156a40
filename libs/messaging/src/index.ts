/**
 * @saga/messaging: the message envelope and a Kafka consumer that validates, retries with
 * backoff, dead-letters poison and keeps going. Publishing goes through the outbox
 * (`enqueue(tx, outboxMessage(topic, …))`); consuming idempotently through the inbox.
 * See docs/patterns/messaging.md.
 */

export { ensureTopics } from '@saga/outbox';
export {
  createMessageConsumer,
  type FailureInfo,
  type MessageConsumer,
  type MessageConsumerOptions,
  type MessageHandler,
  type Route,
} from './consumer.ts';
export {
  decodeEnvelope,
  type Envelope,
  HEADERS,
  InvalidMessageError,
  type NewMessage,
  outboxMessage,
  type PayloadParser,
} from './envelope.ts';

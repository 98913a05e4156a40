import type { OutboxMessage } from '@saga/outbox';
import { v7 as uuidv7 } from 'uuid';

/**
 * A message and its metadata. On the wire the metadata travels in Kafka headers (so brokers,
 * tools and the dead-letter topic can read it without decoding the payload) and the payload is
 * the value.
 */
export type Envelope<P = unknown> = {
  /** UUIDv7: unique, and roughly time-ordered. Consumers deduplicate on it. */
  readonly id: string;
  /** What happened or what is asked, e.g. `OrderPlaced`, `ReserveStock`. */
  readonly type: string;
  /** Schema version of the payload for this type; consumers may accept several. */
  readonly version: number;
  /** Aggregate id; also the Kafka key, so one aggregate's messages stay in order. */
  readonly key: string;
  /** The business transaction this message belongs to (the order id for a checkout). */
  readonly correlationId: string;
  /** Id of the message that caused this one, if any. */
  readonly causationId?: string;
  /** When the fact happened, ISO 8601. */
  readonly occurredAt: string;
  /** W3C trace context, when the message was published with one. */
  readonly traceparent?: string;
  readonly payload: P;
};

/** Header names of the envelope's fields. */
export const HEADERS = {
  id: 'message-id',
  type: 'message-type',
  version: 'message-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  occurredAt: 'occurred-at',
  traceparent: 'traceparent',
} as const;

/** What a producer decides; the rest of the envelope is filled in. */
export type NewMessage<P> = {
  readonly type: string;
  readonly version: number;
  readonly key: string;
  readonly payload: P;
  readonly correlationId?: string;
  /** The message being handled, whose id becomes the causation id and whose correlation id is inherited. */
  readonly causedBy?: Pick<Envelope, 'id' | 'correlationId'>;
  readonly id?: string;
  readonly occurredAt?: Date;
};

/**
 * Builds an outbox message carrying an envelope, JSON-encoded. Enqueue it with `enqueue(tx, …)`
 * in the transaction that makes the change it announces.
 */
export function outboxMessage<P>(
  topic: string,
  message: NewMessage<P>,
): OutboxMessage & { readonly id: string } {
  const correlationId = message.correlationId ?? message.causedBy?.correlationId ?? message.key;
  const id = message.id ?? uuidv7();
  return {
    id,
    topic,
    key: message.key,
    type: message.type,
    headers: {
      [HEADERS.version]: String(message.version),
      [HEADERS.correlationId]: correlationId,
      ...(message.causedBy ? { [HEADERS.causationId]: message.causedBy.id } : {}),
      [HEADERS.occurredAt]: (message.occurredAt ?? new Date()).toISOString(),
    },
    payload: JSON.stringify(message.payload),
  };
}

/** Raised when a message cannot be turned into a valid envelope: it is poison, never retried. */
export class InvalidMessageError extends Error {
  readonly code = 'MESSAGING.INVALID_MESSAGE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidMessageError';
  }
}

/**
 * Validates and returns a payload of a given type and version, or throws
 * {@link InvalidMessageError}. One per accepted (type, version).
 */
export type PayloadParser<P = unknown> = (payload: unknown) => P;

/**
 * Reads an envelope from Kafka headers and value.
 * @throws {InvalidMessageError} when a required header is missing, the version is not a
 *   positive integer, or the value is not JSON.
 */
export function decodeEnvelope(
  key: string | undefined,
  headers: Readonly<Record<string, string | undefined>>,
  value: Buffer | null,
): Envelope<unknown> {
  const need = (name: string) => {
    const v = headers[name];
    if (!v) throw new InvalidMessageError(`missing header ${name}`);
    return v;
  };
  const version = Number(need(HEADERS.version));
  if (!Number.isInteger(version) || version < 1) {
    throw new InvalidMessageError(`bad ${HEADERS.version}: ${headers[HEADERS.version]}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(value?.toString('utf8') ?? '');
  } catch (err) {
    throw new InvalidMessageError('payload is not JSON', { cause: err });
  }
  const causationId = headers[HEADERS.causationId];
  const traceparent = headers[HEADERS.traceparent];
  return {
    id: need(HEADERS.id),
    type: need(HEADERS.type),
    version,
    key: key ?? need(HEADERS.correlationId),
    correlationId: need(HEADERS.correlationId),
    occurredAt: need(HEADERS.occurredAt),
    ...(causationId ? { causationId } : {}),
    ...(traceparent ? { traceparent } : {}),
    payload,
  };
}

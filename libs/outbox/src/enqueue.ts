import type { Context } from '@opentelemetry/api';
import type { Tx } from '@saga/db';
import { v7 as uuidv7 } from 'uuid';
import { assertTableName } from './schema.ts';
import { injectTraceContext } from './trace-context.ts';

/** A message to publish once the caller's transaction commits. */
export type OutboxMessage = {
  /** Message id; a UUIDv7 is generated when absent. Consumers deduplicate on it. */
  readonly id?: string;
  readonly topic: string;
  /** Kafka key: messages with one key are published in the order they were enqueued. */
  readonly key: string;
  readonly type: string;
  /** Extra Kafka headers (the messaging envelope puts its fields here). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Encoded payload. */
  readonly payload: Uint8Array | string;
};

/** Options of {@link enqueue}. */
export type EnqueueOptions = {
  /** Outbox table; default `outbox`. */
  readonly table?: string;
  /** Trace context to store with the rows; default the active one. */
  readonly context?: Context;
};

/**
 * Writes messages to the outbox table inside the caller's transaction, with the current W3C
 * trace context. They are published by the relay only if, and after, that transaction commits:
 * the state change and the messages announcing it are one atomic unit.
 *
 * @returns the ids of the messages, in order.
 * @throws when the insert fails (e.g. a duplicate id); the caller's transaction is then aborted.
 */
export async function enqueue(
  tx: Tx,
  messages: OutboxMessage | readonly OutboxMessage[],
  options: EnqueueOptions = {},
): Promise<string[]> {
  const list = Array.isArray(messages) ? messages : [messages as OutboxMessage];
  if (list.length === 0) return [];
  const table = assertTableName(options.table ?? 'outbox');
  const trace = injectTraceContext(options.context);
  const ids = list.map((m) => m.id ?? uuidv7());
  await tx.query(
    `insert into ${table} (id, topic, key, type, headers, payload)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bytea[])`,
    [
      ids,
      list.map((m) => m.topic),
      list.map((m) => m.key),
      list.map((m) => m.type),
      list.map((m) => JSON.stringify({ ...m.headers, ...trace })),
      list.map((m) =>
        typeof m.payload === 'string' ? Buffer.from(m.payload) : Buffer.from(m.payload),
      ),
    ],
  );
  return ids;
}

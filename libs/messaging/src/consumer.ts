import { setTimeout as delay } from 'node:timers/promises';
import {
  type Attributes,
  context,
  metrics,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { isConnectionError } from '@saga/db';
import { extractTraceContext } from '@saga/outbox';
import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import {
  decodeEnvelope,
  type Envelope,
  InvalidMessageError,
  type PayloadParser,
} from './envelope.ts';

/** Handles one message; throwing means "failed, retry or dead-letter". */
export type MessageHandler = (envelope: Envelope<unknown>) => Promise<void>;

/** A route: how to validate a (type, version) and what handles it. */
export type Route = {
  /** Accepted payload versions and their parsers. */
  readonly versions: Readonly<Record<number, PayloadParser>>;
  readonly handle: MessageHandler;
};

/** Options of {@link createMessageConsumer}. */
export type MessageConsumerOptions = {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Routes by message type. A type with no route is acknowledged and skipped. */
  readonly routes: Readonly<Record<string, Route>>;
  /** Handler attempts before dead-lettering (1 = no retry); transient failures do not count. Default 5. */
  readonly maxAttempts?: number;
  /**
   * Whether a handler's failure is the infrastructure's, not the message's: such attempts are
   * retried until they succeed and never dead-letter it. Default: `isConnectionError` (@saga/db).
   */
  readonly isTransient?: (err: unknown) => boolean;
  /** Backoff between attempts: exponential from `initialMs` to `maxMs`, full jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Dead-letter topic of a topic. Default `<topic>.dlq`. */
  readonly deadLetterTopic?: (topic: string) => string;
  /** Start from the earliest offset when the group has none. Default true. */
  readonly fromBeginning?: boolean;
  /**
   * Whether the consumer span is a child of the producer's span (default) or a new trace linked
   * to it: a link suits messages that start new work rather than continue the sender's.
   */
  readonly spanRelation?: 'child' | 'link';
  /**
   * Extra attributes of a message's span, from its decoded envelope, e.g. `order.id` from the
   * key. Never personal or payment data. Default none.
   */
  readonly spanAttributes?: (envelope: Envelope<unknown>) => Attributes;
  /**
   * Kafka group session timeout: a member that stops heartbeating (a crash, a SIGKILL) loses
   * its partitions after this long. Default 10 000 ms (kafkajs: 30 000).
   */
  readonly sessionTimeoutMs?: number;
  /** Partitions processed concurrently. Default 1. */
  readonly partitionsConcurrently?: number;
  /** Called for every failed attempt and every dead-lettered message, in the message's span. */
  readonly onError?: (err: unknown, info: FailureInfo) => void;
  readonly random?: () => number;
};

/** Where and how a message failed. */
export type FailureInfo = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly attempt: number;
  readonly deadLettered: boolean;
};

/** A running consumer. */
export type MessageConsumer = {
  readonly start: () => Promise<void>;
  /**
   * Stops taking messages, lets the one in flight finish, commits the offsets of what was
   * processed, and disconnects.
   */
  readonly stop: () => Promise<void>;
};

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return out;
}

/**
 * A Kafka consumer that turns at-least-once delivery into a stream of validated envelopes:
 *
 * - a message that cannot be decoded, has an unknown version or fails validation is poison: it
 *   goes straight to the dead-letter topic with the error (retrying cannot fix it);
 * - a handler that throws is retried up to `maxAttempts` times with exponential backoff and
 *   full jitter, then the message is dead-lettered with the last error;
 * - except when it failed because a store was unreachable (`isTransient`, by default a dropped or
 *   refused connection: `isConnectionError` of @saga/db): the message is not at fault, so it is
 *   retried with the same backoff for as long as that lasts, never dead-lettered. The partition
 *   waits (backpressure) and the consumer keeps heartbeating; the rest of the saga resumes
 *   where it stopped once the store is back;
 * - either way the consumer moves on to the next message, and a message's offset is committed
 *   only once it was handled or safely dead-lettered.
 *
 * Handlers must be idempotent (use the inbox): a crash between handling and the offset commit
 * delivers the message again.
 */
export function createMessageConsumer(options: MessageConsumerOptions): MessageConsumer {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const initialMs = options.backoff?.initialMs ?? 100;
  const maxMs = options.backoff?.maxMs ?? 5_000;
  const random = options.random ?? Math.random;
  const dlqTopic = options.deadLetterTopic ?? ((t: string) => `${t}.dlq`);
  const isTransient = options.isTransient ?? isConnectionError;
  const tracer = trace.getTracer('@saga/messaging');
  const deadLettered = metrics.getMeter('@saga/messaging').createCounter('messaging.dlq.messages', {
    description: 'Messages sent to a dead-letter topic, by original topic, group and error type',
    unit: '{message}',
  });
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let stopping = false;

  async function deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    err: unknown,
    attempts: number,
  ): Promise<void> {
    const error = err instanceof Error ? err : new Error(String(err));
    await producer?.send({
      topic: dlqTopic(topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...headersOf(message.headers),
            'dlq-error': error.message.slice(0, 2000),
            'dlq-error-type': error.name,
            'dlq-original-topic': topic,
            'dlq-original-partition': String(partition),
            'dlq-original-offset': message.offset,
            'dlq-attempts': String(attempts),
            'dlq-failed-at': new Date().toISOString(),
          },
        },
      ],
    });
    deadLettered.add(1, {
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': options.groupId,
      'error.type': error.name,
    });
  }

  async function processMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat?: () => Promise<void>,
  ): Promise<void> {
    const headers = headersOf(message.headers);
    const parent = extractTraceContext(headers, ROOT_CONTEXT);
    const link = trace.getSpanContext(parent);
    const span = tracer.startSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.consumer.group.name': options.groupId,
          ...(headers['message-id'] ? { 'messaging.message.id': headers['message-id'] } : {}),
        },
        ...(options.spanRelation === 'link' && link ? { links: [{ context: link }] } : {}),
      },
      options.spanRelation === 'link' ? ROOT_CONTEXT : parent,
    );
    // In the message's span, so what onError logs carries its trace like the handler's lines.
    const fail = (err: unknown, attempt: number, deadLettered: boolean) => {
      context.with(trace.setSpan(context.active(), span), () =>
        options.onError?.(err, { topic, partition, offset: message.offset, attempt, deadLettered }),
      );
    };
    try {
      let envelope: Envelope<unknown>;
      let route: Route | undefined;
      try {
        envelope = decodeEnvelope(message.key?.toString(), headers, message.value);
        route = options.routes[envelope.type];
        if (route) {
          const parse = route.versions[envelope.version];
          if (!parse) {
            throw new InvalidMessageError(
              `unsupported version ${envelope.version} of ${envelope.type}`,
            );
          }
          envelope = { ...envelope, payload: parse(envelope.payload) };
        }
      } catch (err) {
        const poison =
          err instanceof InvalidMessageError
            ? err
            : new InvalidMessageError(String(err), { cause: err });
        fail(poison, 1, true);
        span.setAttribute('error.type', poison.name);
        await deadLetter(topic, partition, message, poison, 1);
        return;
      }
      if (options.spanAttributes) span.setAttributes(options.spanAttributes(envelope));
      if (!route) return; // not ours: acknowledged
      span.setAttribute('messaging.message.type', envelope.type);
      const handle = route.handle;
      // Attempts that failed for the message's sake count toward dead-lettering; failures of an
      // unreachable store do not (they back off at most `maxMs` apart, forever).
      let counted = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          await context.with(trace.setSpan(context.active(), span), () => handle(envelope));
          return;
        } catch (err) {
          const transient = isTransient(err);
          if (!transient) counted++;
          const last = !transient && counted >= maxAttempts;
          fail(err, attempt, last);
          if (last) {
            span.recordException(err as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
            span.setAttribute('error.type', (err as Error).name ?? 'Error');
            await deadLetter(topic, partition, message, err, attempt);
            return;
          }
          if (stopping) throw err; // leave it uncommitted; it is redelivered after restart
          const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
          await delay(random() * cap);
          // A long wait for a store must not cost the group membership.
          await heartbeat?.().catch(() => {});
        }
      }
    } finally {
      span.end();
    }
  }

  return {
    async start() {
      stopping = false;
      producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      consumer = options.kafka.consumer({
        groupId: options.groupId,
        // How soon a crashed member's partitions move to the others (or to its restart).
        sessionTimeout: options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 10_000) / 5)),
      });
      await consumer.connect();
      for (const topic of options.topics) {
        await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
      }
      await consumer.run({
        partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
        eachMessage: ({ topic, partition, message, heartbeat }) =>
          processMessage(topic, partition, message, heartbeat),
      });
    },
    async stop() {
      stopping = true;
      // kafkajs waits for the eachMessage in flight, commits resolved offsets, then leaves.
      await consumer?.disconnect();
      await producer?.disconnect();
      consumer = undefined;
      producer = undefined;
    },
  };
}

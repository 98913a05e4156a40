import type { Kafka, Producer } from 'kafkajs';

/** One message as the relay hands it to a publisher. */
export type PublishableMessage = {
  readonly topic: string;
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Buffer;
};

/**
 * What the relay puts on the wire for an outbox message: its headers plus `message-id` and
 * `message-type`, the payload as the value. (The relay adds the publish span's trace context.)
 */
export function publishable(message: {
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly payload: Uint8Array | string;
}): PublishableMessage {
  return {
    topic: message.topic,
    key: message.key,
    value: Buffer.from(message.payload),
    headers: { ...message.headers, 'message-id': message.id, 'message-type': message.type },
  };
}

/**
 * Where the relay publishes. Resolves only when the broker has acknowledged every message of
 * the batch; rejects otherwise (the relay then retries the whole batch).
 */
export type OutboxPublisher = {
  readonly publish: (messages: readonly PublishableMessage[]) => Promise<void>;
  readonly close: () => Promise<void>;
};

/**
 * A publisher on a kafkajs idempotent producer: acks from all in-sync replicas, one request in
 * flight, so retries inside the client can neither duplicate nor reorder a partition's messages.
 * It connects on first use and again after a failed connect, so a relay can start while the
 * broker is down and recover when it returns.
 */
export function createKafkaPublisher(
  kafka: Kafka,
  options: { readonly timeoutMs?: number } = {},
): OutboxPublisher {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  let connecting: Promise<void> | undefined;
  const connect = () => {
    connecting ??= producer.connect().catch((err: unknown) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };
  return {
    async publish(messages) {
      await connect();
      const byTopic = new Map<
        string,
        { key: string; value: Buffer; headers: Record<string, string> }[]
      >();
      for (const m of messages) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ key: m.key, value: m.value, headers: { ...m.headers } });
        byTopic.set(m.topic, list);
      }
      await producer.sendBatch({
        acks: -1,
        timeout: options.timeoutMs ?? 10_000,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    },
    close: async () => {
      if (connecting) await producer.disconnect();
    },
  };
}

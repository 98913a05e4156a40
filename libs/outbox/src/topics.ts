import { setTimeout as delay } from 'node:timers/promises';
import type { Admin, ITopicConfig } from 'kafkajs';

function retriable(err: unknown): boolean {
  const e = err as { retriable?: boolean; name?: string };
  return (
    e?.retriable === true ||
    e?.name === 'KafkaJSNumberOfRetriesExceeded' ||
    e?.name === 'KafkaJSTopicMetadataNotLoaded'
  );
}

/**
 * Creates topics that do not exist yet and returns once every partition of every topic has a
 * leader. Idempotent. kafkajs' own `waitForLeaders` only retries LEADER_NOT_AVAILABLE, but a
 * KRaft broker also answers UNKNOWN_TOPIC_OR_PARTITION for a moment after creating a topic
 * (its metadata cache catches up asynchronously): both are retried here until `timeoutMs`.
 *
 * @throws the last error when the topics are not usable in time, or at once for a
 *   non-retriable error (e.g. an invalid replication factor).
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly ITopicConfig[],
  options: { readonly timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const names = topics.map((t) => t.topic);
  for (;;) {
    try {
      // Create only what is missing: asking to create existing topics makes kafkajs log an
      // error for each, on every service start.
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.topic));
      if (missing.length) await admin.createTopics({ topics: [...missing], waitForLeaders: true });
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
      if (
        meta.length === names.length &&
        meta.every((t) => t.partitions.every((p) => p.leader >= 0))
      ) {
        return;
      }
    } catch (err) {
      if (!retriable(err) || Date.now() >= deadline) throw err;
    }
    if (Date.now() >= deadline) throw new Error(`topics ${names.join(', ')} have no leaders yet`);
    await delay(100);
  }
}

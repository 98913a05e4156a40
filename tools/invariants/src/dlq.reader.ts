/**
 * dlq-empty: how many messages the dead-letter topics (`<topic>.dlq`, libs/messaging) hold past
 * a baseline, read through the `kafka` toxiproxy proxy with the admin API (offsets only; no
 * consumer group joins, nothing is consumed).
 */
import { ALL_TOPICS } from '@saga/contracts';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import type { DlqOffsets } from './invariants.types.ts';

/** The platform's dead-letter topics: one per topic of @saga/contracts. */
export const DEFAULT_DLQ_TOPICS: readonly string[] = ALL_TOPICS.map((t) => `${t}.dlq`);

/** Dead-lettered messages found on one partition. */
export type DlqCount = {
  readonly topic: string;
  readonly partition: number;
  /** Where counting started (the baseline, `since`'s offset, or the log start). */
  readonly from: string;
  readonly high: string;
  readonly messages: number;
};

/** Raised when Kafka cannot be asked for offsets. */
export class KafkaUnreachableError extends Error {
  readonly code = 'INVARIANTS.KAFKA_UNREACHABLE';
  constructor(brokers: readonly string[], cause: unknown) {
    super(
      `cannot read dead-letter offsets from Kafka at ${brokers.join(', ')}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
    this.name = 'KafkaUnreachableError';
  }
}

async function withAdmin<T>(
  brokers: readonly string[],
  use: (admin: Admin) => Promise<T>,
): Promise<T> {
  const kafka = new Kafka({
    clientId: 'saga-invariants',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await use(admin);
  } catch (err) {
    throw new KafkaUnreachableError(brokers, err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** The topics of `wanted` that exist (a service creates its DLQs when it starts). */
async function existing(admin: Admin, wanted: readonly string[]): Promise<string[]> {
  const all = new Set(await admin.listTopics());
  return wanted.filter((t) => all.has(t));
}

/** High watermarks of the dead-letter topics, `${topic}:${partition}` → offset. */
export async function readDlqOffsets(
  brokers: readonly string[],
  topics: readonly string[] = DEFAULT_DLQ_TOPICS,
): Promise<DlqOffsets> {
  return withAdmin(brokers, async (admin) => {
    const out: Record<string, string> = {};
    for (const topic of await existing(admin, topics)) {
      for (const p of await admin.fetchTopicOffsets(topic)) out[`${topic}:${p.partition}`] = p.high;
    }
    return out;
  });
}

/** Where to start counting on a partition (see {@link countDlq}). */
function startOffset(
  p: { readonly low: string; readonly high: string },
  baseline: string | undefined,
  sinceOffset: string | undefined,
): string {
  if (baseline !== undefined) {
    // A baseline past the end means the topic was recreated since: count what it holds.
    return BigInt(baseline) > BigInt(p.high) ? p.low : baseline;
  }
  if (sinceOffset !== undefined) {
    // Kafka answers -1 when no message is that recent.
    return BigInt(sinceOffset) < 0n ? p.high : sinceOffset;
  }
  return p.low;
}

/**
 * Counts dead-lettered messages per partition: past `baseline` when given (a partition it does
 * not know counts from its start), else from the first message at or after `since`, else all
 * the log still holds.
 */
export async function countDlq(
  brokers: readonly string[],
  topics: readonly string[],
  options: { readonly baseline?: DlqOffsets; readonly since?: Date },
): Promise<DlqCount[]> {
  return withAdmin(brokers, async (admin) => {
    const counts: DlqCount[] = [];
    for (const topic of await existing(admin, topics)) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const sinceOffsets =
        !options.baseline && options.since
          ? new Map(
              (await admin.fetchTopicOffsetsByTimestamp(topic, options.since.getTime())).map(
                (p) => [p.partition, p.offset],
              ),
            )
          : undefined;
      for (const p of offsets) {
        const from = startOffset(
          p,
          options.baseline?.[`${topic}:${p.partition}`],
          sinceOffsets?.get(p.partition),
        );
        const messages = Number(BigInt(p.high) - BigInt(from));
        counts.push({
          topic,
          partition: p.partition,
          from,
          high: p.high,
          messages: Math.max(0, messages),
        });
      }
    }
    return counts;
  });
}

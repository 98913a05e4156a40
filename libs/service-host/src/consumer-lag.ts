import { type Meter, metrics, type ObservableResult } from '@opentelemetry/api';
import type { Admin, Kafka } from 'kafkajs';

/** A consumer group and the topic it reads. */
export type GroupTopic = { readonly groupId: string; readonly topic: string };

/** The lag of one partition: messages written but not yet committed by the group. */
export type PartitionLag = GroupTopic & { readonly partition: number; readonly lag: number };

/** Options of {@link createConsumerLagGauge}. */
export type ConsumerLagOptions = {
  readonly kafka: Kafka;
  /** The groups to watch; read at each refresh, so groups added after creation count. */
  readonly groups: () => readonly GroupTopic[];
  /** Values younger than this are answered from the cache. Default 5 000 ms. */
  readonly maxAgeMs?: number;
  /** Longest a refresh may take before the gauge reports nothing this time. Default 2 000 ms. */
  readonly timeoutMs?: number;
  /** Told about a failed refresh (the gauge reports nothing until one succeeds). */
  readonly onError?: (err: unknown) => void;
  /** Default the global meter `@saga/service-host`. */
  readonly meter?: Meter;
  readonly now?: () => number;
};

/** The `messaging.kafka.consumer.lag` gauge of a service's consumer groups. */
export type ConsumerLagGauge = {
  /** Reads the lag now (from the cache when fresh enough). */
  readonly read: () => Promise<readonly PartitionLag[]>;
  /** Stops observing and disconnects the admin client. */
  readonly stop: () => Promise<void>;
};

/**
 * Consumer lag per group, topic and partition: the partition's high watermark minus the group's
 * committed offset (minus the low watermark when the group has committed nothing yet). Computed
 * only when metrics are collected, at most once per `maxAgeMs` (a Prometheus scrape and an OTLP
 * push share one refresh), with one admin client that connects on first use: two requests per
 * topic, not per scrape.
 */
export function createConsumerLagGauge(options: ConsumerLagOptions): ConsumerLagGauge {
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  const meter = options.meter ?? metrics.getMeter('@saga/service-host');
  let admin: Admin | undefined;
  let connecting: Promise<Admin> | undefined;
  let cached: { at: number; lags: readonly PartitionLag[] } | undefined;
  let inFlight: Promise<readonly PartitionLag[]> | undefined;
  let stopped = false;

  const connected = (): Promise<Admin> => {
    if (admin) return Promise.resolve(admin);
    connecting ??= (async () => {
      const a = options.kafka.admin();
      try {
        await a.connect();
      } catch (err) {
        connecting = undefined;
        throw err;
      }
      admin = a;
      return a;
    })();
    return connecting;
  };

  async function fetchLags(): Promise<readonly PartitionLag[]> {
    const a = await connected();
    const groups = options.groups();
    const topics = [...new Set(groups.map((g) => g.topic))];
    const ends = new Map(
      await Promise.all(
        topics.map(async (topic) => [topic, await a.fetchTopicOffsets(topic)] as const),
      ),
    );
    const lags: PartitionLag[] = [];
    for (const { groupId, topic } of groups) {
      const [committed] = await a.fetchOffsets({ groupId, topics: [topic] });
      const byPartition = new Map(
        (committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      for (const p of ends.get(topic) ?? []) {
        const high = Number(p.high);
        const offset = byPartition.get(p.partition) ?? -1;
        const from = offset >= 0 ? offset : Number(p.low);
        lags.push({ groupId, topic, partition: p.partition, lag: Math.max(0, high - from) });
      }
    }
    return lags;
  }

  async function read(): Promise<readonly PartitionLag[]> {
    if (cached && now() - cached.at < maxAgeMs) return cached.lags;
    inFlight ??= fetchLags()
      .then((lags) => {
        cached = { at: now(), lags };
        return lags;
      })
      .finally(() => {
        inFlight = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no offsets within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([inFlight, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  const gauge = meter.createObservableGauge('messaging.kafka.consumer.lag', {
    description: 'Messages in a partition not yet committed by the consumer group',
    unit: '{message}',
  });
  const observe = async (result: ObservableResult) => {
    if (stopped) return;
    let lags: readonly PartitionLag[];
    try {
      lags = await read();
    } catch (err) {
      options.onError?.(err);
      return;
    }
    for (const l of lags) {
      result.observe(l.lag, {
        'messaging.system': 'kafka',
        'messaging.consumer.group.name': l.groupId,
        'messaging.destination.name': l.topic,
        'messaging.destination.partition.id': String(l.partition),
      });
    }
  };
  gauge.addCallback(observe);

  return {
    read,
    async stop() {
      stopped = true;
      gauge.removeCallback(observe);
      await inFlight?.catch(() => {});
      const a = admin ?? (await connecting?.catch(() => undefined));
      admin = undefined;
      connecting = undefined;
      await a?.disconnect();
    },
  };
}

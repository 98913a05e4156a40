import type { Attributes } from '@opentelemetry/api';
import { ALL_TOPICS, type MessageDef, routeOf } from '@saga/contracts';
import { createPool, migrate, type Tx, withTransaction } from '@saga/db';
import { idempotent, inboxSchemaSql } from '@saga/inbox';
import {
  createMessageConsumer,
  type Envelope,
  ensureTopics,
  type MessageConsumer,
  type Route,
} from '@saga/messaging';
import { createKafkaPublisher, createOutboxRelay, outboxSchemaSql } from '@saga/outbox';
import { createRpcFaults, createRpcServer, type RpcServer } from '@saga/rpc';
import { createHealthServer, type Logger, type Shutdown } from '@saga/service-kit';
import { scrapeMetrics } from '@saga/telemetry';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import type { HostConfig } from './config.ts';
import { type ConsumerLagGauge, createConsumerLagGauge, type GroupTopic } from './consumer-lag.ts';

/** A message handler that runs inside the inbox transaction (exactly-once processing). */
export type TxHandler<T> = (tx: Tx, envelope: Envelope<T>) => Promise<void>;

/** A message type and its handler, for {@link ConsumerSpec.handlers}. */
export type Subscription = {
  readonly type: string;
  /** The consumer route: contract validation, then the handler in the inbox transaction. */
  readonly route: (pool: pg.Pool, consumerName: string) => Route;
};

/** Subscribes `handle` to a message type (validated against the contract before it runs). */
export function on<T>(def: MessageDef<T>, handle: TxHandler<T>): Subscription {
  return {
    type: def.type,
    route: (pool, consumerName) => routeOf(def, idempotent(pool, consumerName, handle))[1],
  };
}

/**
 * A consumer of a service: its handlers, fed from its topics. Each topic gets its own Kafka
 * consumer group, `<service>.<name>.<topic>`, so topics never wait for each other.
 */
export type ConsumerSpec = {
  /** Inbox consumer name `<service>.<name>`, and the prefix of its group ids. */
  readonly name: string;
  readonly topics: readonly string[];
  readonly handlers: readonly Subscription[];
  /** Partitions handled concurrently. Default 3 (one per partition of a topic). */
  readonly partitionsConcurrently?: number;
};

/** Options of {@link createServiceHost}. */
export type ServiceHostOptions = {
  /** `order`, `inventory`, …: names the pool, Kafka client, groups and logs. */
  readonly service: string;
  readonly config: HostConfig;
  /** The service's `migrations/` folder. */
  readonly migrationsDir: string;
  readonly logger: Logger;
  /** Loads the documented test fixtures; run at start when `SEED_FIXTURES` is true. */
  readonly seed?: (pool: pg.Pool) => Promise<void>;
  /** Partitions of each topic the service creates if missing. Default 3. */
  readonly partitions?: number;
  /**
   * `false` runs the service without Kafka: no topics, relay or consumers (outbox rows stay
   * pending). Component tests use it with {@link ServiceHost.deliver}, so they never touch the
   * topics of the platform that may be running beside them. Default true.
   */
  readonly messaging?: boolean;
};

/** A service's runtime: build it, add gRPC services and consumers, start it. */
export type ServiceHost = {
  /** The service's pool (created at once, connects lazily). */
  readonly pool: pg.Pool;
  /** The gRPC server; add services before {@link ServiceHost.start}. */
  readonly rpc: RpcServer;
  /** Adds a consumer group; call before {@link ServiceHost.start}. */
  readonly consume: (spec: ConsumerSpec) => void;
  /**
   * Adds a periodic task (e.g. a deadline sweeper), run every `intervalMs` from start until
   * intake stops; runs never overlap, and a failed run is logged and retried next time.
   */
  readonly every: (name: string, intervalMs: number, task: () => Promise<void>) => void;
  /**
   * Migrates, seeds (if configured), makes sure the topics exist, then starts the relay, the
   * consumers, the gRPC server and the health server. Resolves with the bound ports.
   */
  readonly start: () => Promise<{ readonly grpcPort: number; readonly healthPort: number }>;
  /**
   * Hands one message to a consumer's route, exactly as Kafka delivery would: contract
   * validation, then the handler inside the inbox transaction.
   * @throws when the consumer has no route for the message's type, or what the route throws.
   */
  readonly deliver: (consumer: string, envelope: Envelope<unknown>) => Promise<void>;
  /** Registers the ordered stop steps with a service's shutdown (main.ts). */
  readonly register: (shutdown: Shutdown) => void;
  /** Runs the same steps directly (tests). */
  readonly stop: () => Promise<void>;
};

const TOPIC_CONFIG = (topic: string, partitions: number) => ({
  topic,
  numPartitions: partitions,
  replicationFactor: 1,
});

/**
 * The schema a database URL confines the service to (`?options=-c search_path=x`), if any:
 * migrations must run and be recorded there too, not in `public`.
 */
export function searchPathOf(url: string): string | undefined {
  const options = new URL(url).searchParams.get('options') ?? '';
  return /(?:^|\s)-c\s*search_path=([A-Za-z_][A-Za-z0-9_]*)/.exec(options)?.[1];
}

/**
 * What the line logged for a handled message says about it: its type and id, and the order it
 * is about (`order_id`, from the payload's `orderId`, which every checkout message has), so
 * `pnpm stack logs --order <id>` finds it (docs/observability.md, "Logs").
 */
function messageLogFields(envelope: Envelope<unknown>): Record<string, string> {
  const orderId = (envelope.payload as { orderId?: unknown } | null)?.orderId;
  return {
    message_type: envelope.type,
    message_id: envelope.id,
    ...(typeof orderId === 'string' && orderId ? { order_id: orderId } : {}),
  };
}

/**
 * `order.id` of a message's spans (relay publish, consumer): every topic of the platform is
 * keyed by order id (libs/contracts, registry.ts), so one search by `order.id` finds an order's
 * messages in every service.
 */
function orderOfKey(message: { readonly key?: string | undefined }): Attributes {
  return message.key ? { 'order.id': message.key } : {};
}

/**
 * Hosts a bounded-context service the way every one of them runs (docs/patterns/service-host.md):
 * its own database and migrations, a transactional outbox relayed to Kafka, consumers whose
 * handlers run in the inbox transaction, a gRPC server with grpc.health.v1, and `/livez` and
 * `/readyz`. Stopping follows STYLE.md's order: not ready, stop intake (gRPC and consumers),
 * drain (the relay's cycle in flight), close resources in reverse order.
 */
export function createServiceHost(options: ServiceHostOptions): ServiceHost {
  const { service, config, logger } = options;
  const pool = createPool(
    { connectionString: config.DATABASE_URL, applicationName: service, maxConnections: 10 },
    (err) => logger.warn({ err }, 'idle database connection failed'),
  );
  const kafka = new Kafka({
    clientId: service,
    brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...rest } = log;
        if (level <= logLevel.ERROR) logger.error({ kafka: rest }, message);
        else logger.warn({ kafka: rest }, message);
      },
  });
  const publisher = createKafkaPublisher(kafka);
  const relay = createOutboxRelay({
    pool,
    connectionString: config.DATABASE_URL,
    publisher,
    listenerName: `${service}-outbox-listener`,
    spanAttributes: orderOfKey,
    onError: (err, where) => logger.warn({ err, where }, 'outbox relay error; retrying'),
  });
  // Local chaos (docs/chaos.md, "retry-storm"): faults injected at runtime, off unless asked for.
  const faults = config.CHAOS_ENDPOINTS === 'on' ? createRpcFaults() : undefined;
  const rpc = createRpcServer(faults ? { faults } : {});
  const specs: ConsumerSpec[] = [];
  const tasks: { name: string; intervalMs: number; task: () => Promise<void> }[] = [];
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<void>>();
  const consumers: MessageConsumer[] = [];
  let consumersRunning = false;
  const groups: GroupTopic[] = [];
  let consumerLag: ConsumerLagGauge | undefined;
  const health = createHealthServer({
    metrics: scrapeMetrics,
    ...(faults ? { rpcFaults: faults } : {}),
    checks: {
      database: () => pool.query('select 1'),
      consumers: async () => {
        if (!consumersRunning) throw new Error('consumers not running');
      },
    },
  });

  const steps: {
    phase: Parameters<Shutdown['register']>[0];
    step: string;
    fn: () => Promise<void>;
  }[] = [
    {
      phase: 'not-ready',
      step: 'readiness',
      fn: async () => {
        health.markNotReady();
        rpc.setServing(false);
      },
    },
    { phase: 'stop-intake', step: 'grpc', fn: () => rpc.shutdown(5_000) },
    {
      phase: 'stop-intake',
      step: 'periodic tasks',
      fn: async () => {
        for (const t of timers) clearInterval(t);
        await Promise.all(running);
      },
    },
    {
      phase: 'stop-intake',
      step: 'consumers',
      fn: async () => {
        consumersRunning = false;
        await Promise.all(consumers.map((c) => c.stop()));
      },
    },
    { phase: 'drain', step: 'outbox relay', fn: () => relay.stop() },
    // close-resources runs in reverse order of registration: health, publisher, pool last.
    { phase: 'close-resources', step: 'database pool', fn: () => pool.end() },
    { phase: 'close-resources', step: 'kafka producer', fn: () => publisher.close() },
    { phase: 'close-resources', step: 'health server', fn: () => health.close() },
    { phase: 'close-resources', step: 'consumer lag', fn: async () => consumerLag?.stop() },
  ];

  // One line per message handled, after its inbox transaction committed, in its span (the
  // consumer runs the handler there), so it carries the trace. Failures are onError's lines.
  const logged = (route: Route): Route => ({
    versions: route.versions,
    handle: async (envelope) => {
      const started = performance.now();
      await route.handle(envelope);
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      logger.info({ ...messageLogFields(envelope), duration_ms: durationMs }, 'message handled');
    },
  });

  const startTasks = () => {
    for (const { name, intervalMs, task } of tasks) {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        const run = task()
          .catch((err: unknown) => logger.warn({ err, task: name }, 'periodic task failed'))
          .finally(() => {
            busy = false;
            running.delete(run);
          });
        running.add(run);
      }, intervalMs);
      timers.push(timer);
    }
  };

  const listen = async () => {
    startTasks();
    const grpcPort = await rpc.listen(`${config.HOST}:${config.GRPC_PORT}`);
    rpc.setServing(true);
    const healthPort = await health.listen(config.HOST, config.HEALTH_PORT);
    logger.info({ grpcPort, healthPort }, `${service} started`);
    return { grpcPort, healthPort };
  };

  return {
    pool,
    rpc,
    consume: (spec) => {
      specs.push(spec);
    },
    every: (name, intervalMs, task) => {
      tasks.push({ name, intervalMs, task });
    },
    async deliver(consumer, envelope) {
      const spec = specs.find((s) => s.name === consumer);
      const sub = spec?.handlers.find((h) => h.type === envelope.type);
      if (!spec || !sub) throw new Error(`no route for ${envelope.type} in consumer ${consumer}`);
      const route = logged(sub.route(pool, `${service}.${consumer}`));
      const parse = route.versions[envelope.version];
      if (!parse) throw new Error(`${envelope.type} v${envelope.version} is not accepted`);
      await route.handle({ ...envelope, payload: parse(envelope.payload) });
    },
    async start() {
      // Platform tables (outbox, inbox) belong to the libraries that use them; the service's
      // migrations own its domain tables. The DDL is idempotent; the lock serialises instances.
      await withTransaction(pool, async (tx) => {
        await tx.query('select pg_advisory_xact_lock(1516896257)');
        await tx.query(outboxSchemaSql() + inboxSchemaSql());
      });
      const schema = searchPathOf(config.DATABASE_URL);
      const applied = await migrate({
        connectionString: config.DATABASE_URL,
        dir: options.migrationsDir,
        ...(schema ? { schema } : {}),
        log: (line) => logger.debug(line),
      });
      if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
      if (config.SEED_FIXTURES && options.seed) {
        await options.seed(pool);
        logger.info('test fixtures loaded');
      }
      if (options.messaging === false) {
        consumersRunning = true;
        return listen();
      }
      const admin = kafka.admin();
      await admin.connect();
      try {
        const partitions = options.partitions ?? 3;
        await ensureTopics(
          admin,
          ALL_TOPICS.flatMap((t) => [TOPIC_CONFIG(t, partitions), TOPIC_CONFIG(`${t}.dlq`, 1)]),
        );
      } finally {
        await admin.disconnect();
      }
      await relay.start();
      for (const spec of specs) {
        const consumerName = `${service}.${spec.name}`;
        const routes = Object.fromEntries(
          spec.handlers.map((h) => [h.type, logged(h.route(pool, consumerName))]),
        );
        // One Kafka consumer per topic: kafkajs fetches again only when every batch of a fetch
        // is handled, so with one consumer for several topics a slow handler on one topic
        // would hold back the others (e.g. an OrderCancelled behind a slow PaymentAuthorized).
        for (const topic of spec.topics) {
          const consumer = createMessageConsumer({
            kafka,
            groupId: `${consumerName}.${topic}`,
            topics: [topic],
            routes,
            partitionsConcurrently: spec.partitionsConcurrently ?? 3,
            spanRelation: config.SAGA_MESSAGE_SPAN_RELATION ?? 'child',
            spanAttributes: orderOfKey,
            onError: (err, info) =>
              info.deadLettered
                ? logger.error({ err, ...info }, 'message dead-lettered')
                : logger.warn({ err, ...info }, 'message handling failed; retrying'),
          });
          await consumer.start();
          consumers.push(consumer);
          groups.push({ groupId: `${consumerName}.${topic}`, topic });
        }
      }
      consumerLag = createConsumerLagGauge({
        kafka,
        groups: () => groups,
        onError: (err) => logger.debug({ err }, 'consumer lag not available'),
      });
      consumersRunning = true;
      return listen();
    },
    register(shutdown) {
      for (const s of steps) shutdown.register(s.phase, s.step, s.fn);
    },
    async stop() {
      const order = ['not-ready', 'stop-intake', 'drain', 'close-resources'] as const;
      for (const phase of order) {
        const list = steps.filter((s) => s.phase === phase);
        for (const s of phase === 'close-resources' ? [...list].reverse() : list) {
          try {
            await s.fn();
          } catch (err) {
            logger.warn({ err, step: s.step }, 'stop step failed');
          }
        }
      }
    },
  };
}

// The gateway's composition root, and the only file that touches `process` (STYLE.md). Run as
// `node --import @saga/telemetry/register src/main.ts` (services/README.md).
import { createIdempotencyStore } from '@saga/idempotency';
import { createLogger, createShutdown, loadConfigOrExit } from '@saga/service-kit';
import { Redis } from 'ioredis';
import {
  createHealthProbe,
  createServiceClients,
  SERVICE_NAMES,
} from './adapters/service.clients.ts';
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';

const config = loadConfigOrExit(configSchema, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });

// Every Redis command is bounded: a slow or unreachable Redis fails a request (503), never
// hangs it.
const redis = new Redis(config.REDIS_URL, {
  connectionName: 'gateway',
  connectTimeout: 2_000,
  commandTimeout: 1_000,
  maxRetriesPerRequest: 1,
});
redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
const clients = createServiceClients(config);
const probes = {
  order: createHealthProbe(config.ORDER_GRPC_ADDR, SERVICE_NAMES.order),
  inventory: createHealthProbe(config.INVENTORY_GRPC_ADDR, SERVICE_NAMES.inventory),
  payment: createHealthProbe(config.PAYMENT_GRPC_ADDR, SERVICE_NAMES.payment),
  shipping: createHealthProbe(config.SHIPPING_GRPC_ADDR, SERVICE_NAMES.shipping),
};

let shuttingDown = false;
const app = buildApp(
  {
    ...clients,
    idempotency: createIdempotencyStore({ redis }),
    logger,
    readiness: {
      checks: {
        redis: () => redis.ping(),
        order: probes.order.check,
        inventory: probes.inventory.check,
        payment: probes.payment.check,
        shipping: probes.shipping.check,
      },
      isShuttingDown: () => shuttingDown,
    },
  },
  config,
);

const telemetry = (globalThis as { __sagaTelemetry?: { shutdown: () => Promise<void> } })
  .__sagaTelemetry;
const shutdown = createShutdown({
  exit: (code) => process.exit(code),
  log: ({ reason, phase, step, outcome, error }) =>
    outcome === 'failed'
      ? logger.error({ err: error, reason, phase, step }, 'shutdown step failed')
      : logger.info({ reason, phase, step }, 'shutdown step done'),
});
shutdown.register('not-ready', 'readiness', () => {
  shuttingDown = true;
});
// fastify's close stops accepting connections, answers 503 to new requests on kept-alive ones,
// and resolves once the requests in flight are answered (their gRPC calls have deadlines).
shutdown.register('stop-intake', 'http', () => app.close());
// close-resources runs in reverse order of registration: gRPC channels first, Redis last.
shutdown.register('close-resources', 'redis', async () => {
  await redis.quit();
});
shutdown.register('close-resources', 'grpc clients', () => {
  for (const client of Object.values(clients)) client.close();
  for (const probe of Object.values(probes)) probe.close();
});
shutdown.register('telemetry', 'telemetry', () => telemetry?.shutdown());

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void shutdown.run(signal));
}

try {
  await app.listen({ host: config.HOST, port: config.HTTP_PORT });
} catch (err) {
  logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
}

/**
 * Composition root of the order service: the only file that reads the environment, creates
 * clients, handles signals and exits. Run with `node --import @saga/telemetry/register`.
 */
import { createLogger, createShutdown, loadConfigOrExit } from '@saga/service-kit';
import { createInventoryClient } from './adapters/inventory.client.ts';
import { buildApp } from './app.ts';
import { orderConfigSchema } from './config.ts';

const config = loadConfigOrExit(orderConfigSchema, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'order', level: config.LOG_LEVEL });
const inventory = createInventoryClient(config.INVENTORY_GRPC_ADDR, config.INVENTORY_DEADLINE_MS);
const app = buildApp({ logger, inventory }, config);

let startFailed = false;
const shutdown = createShutdown({
  exit: (code) => process.exit(startFailed ? 1 : code),
  log: ({ phase, step, outcome, error }) =>
    outcome === 'failed'
      ? logger.error({ err: error, phase, step }, 'shutdown step failed')
      : logger.info({ phase, step }, 'shutdown step done'),
});
app.register(shutdown);
shutdown.register('close-resources', 'inventory client', () => inventory.close());
shutdown.register('telemetry', 'flush telemetry', async () => {
  await (
    globalThis as { __sagaTelemetry?: { shutdown: () => Promise<void> } }
  ).__sagaTelemetry?.shutdown();
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void shutdown.run(signal));
}

try {
  await app.start();
} catch (err) {
  logger.fatal({ err }, 'order service failed to start');
  startFailed = true;
  await shutdown.run('start failed');
}

/**
 * Composition root of the inventory service: the only file that reads the environment, handles
 * signals and exits. Run with `node --import @saga/telemetry/register`.
 */
import { createLogger, createShutdown, loadConfigOrExit } from '@saga/service-kit';
import { buildApp } from './app.ts';
import { inventoryConfigSchema } from './config.ts';

const config = loadConfigOrExit(inventoryConfigSchema, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'inventory', level: config.LOG_LEVEL });
const app = buildApp({ logger }, config);

// A shutdown after a failed start still runs every step, but must not exit 0.
let startFailed = false;
const shutdown = createShutdown({
  exit: (code) => process.exit(startFailed ? 1 : code),
  log: ({ phase, step, outcome, error }) =>
    outcome === 'failed'
      ? logger.error({ err: error, phase, step }, 'shutdown step failed')
      : logger.info({ phase, step }, 'shutdown step done'),
});
app.register(shutdown);
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
  logger.fatal({ err }, 'inventory service failed to start');
  startFailed = true;
  await shutdown.run('start failed');
}

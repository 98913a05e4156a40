import { createLogger, createShutdown, loadConfigOrExit } from '@saga/service-kit';
import { buildApp } from './app.ts';
import { PAYMENT_CONFIG } from './config.ts';

const config = loadConfigOrExit(PAYMENT_CONFIG, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'payment', level: config.LOG_LEVEL });
const app = buildApp({ logger }, config);

// A failed start runs the same shutdown (telemetry flushed last), then exits 1 rather than 0.
let startFailed = false;
const shutdown = createShutdown({
  exit: (code) => process.exit(startFailed ? 1 : code),
  log: ({ reason, phase, step, outcome, error }) =>
    outcome === 'failed'
      ? logger.error({ err: error, reason, phase, step }, 'shutdown step failed')
      : logger.info({ reason, phase, step }, 'shutdown step done'),
});
app.register(shutdown);
shutdown.register('telemetry', 'telemetry', async () => {
  // Set by the @saga/telemetry/register preload, when it ran.
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
  logger.fatal({ err }, 'payment service failed to start');
  startFailed = true;
  await shutdown.run('start failed');
}

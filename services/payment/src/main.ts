/**
 * Composition root of the payment service: the only file that reads the environment, handles
 * signals and exits. Run with `node --import @saga/telemetry/register`.
 */
import { runService } from '@saga/service-host';
import { createLogger, loadConfigOrExit } from '@saga/service-kit';
import { buildApp } from './app.ts';
import { PAYMENT_CONFIG } from './config.ts';

const config = loadConfigOrExit(PAYMENT_CONFIG, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'payment', level: config.LOG_LEVEL });
await runService({ service: 'payment', logger, app: buildApp({ logger }, config), process });

/**
 * Composition root of the shipping service: the only file that reads the environment, handles
 * signals and exits. Run with `node --import @saga/telemetry/register`.
 */
import { runService } from '@saga/service-host';
import { createLogger, loadConfigOrExit } from '@saga/service-kit';
import { buildApp } from './app.ts';
import { shippingConfigSchema } from './config.ts';

const config = loadConfigOrExit(shippingConfigSchema, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'shipping', level: config.LOG_LEVEL });
await runService({ service: 'shipping', logger, app: buildApp({ logger }, config), process });

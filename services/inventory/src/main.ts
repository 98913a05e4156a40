/**
 * Composition root of the inventory service: the only file that reads the environment, handles
 * signals and exits. Run with `node --import @saga/telemetry/register`.
 */
import { runService } from '@saga/service-host';
import { createLogger, loadConfigOrExit } from '@saga/service-kit';
import { buildApp } from './app.ts';
import { inventoryConfigSchema } from './config.ts';

const config = loadConfigOrExit(inventoryConfigSchema, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'inventory', level: config.LOG_LEVEL });
await runService({ service: 'inventory', logger, app: buildApp({ logger }, config), process });

/**
 * Composition root of the order service: the only file that reads the environment, creates
 * clients, handles signals and exits. Run with `node --import @saga/telemetry/register`.
 */
import { runService } from '@saga/service-host';
import { createLogger, loadConfigOrExit } from '@saga/service-kit';
import { createInventoryClient } from './adapters/inventory.client.ts';
import { buildApp } from './app.ts';
import { orderConfigSchema } from './config.ts';

const config = loadConfigOrExit(orderConfigSchema, process.env, {
  exit: (code) => process.exit(code),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
const logger = createLogger({ service: 'order', level: config.LOG_LEVEL });
const inventory = createInventoryClient(config.INVENTORY_GRPC_ADDR, config.INVENTORY_DEADLINE_MS, {
  retryBudget: config.RPC_RETRY_BUDGET !== 'off',
});
await runService({
  service: 'order',
  logger,
  app: buildApp({ logger, inventory }, config),
  process,
  closers: [{ step: 'inventory client', close: () => inventory.close() }],
});

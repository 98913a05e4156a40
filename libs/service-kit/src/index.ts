/**
 * @saga/service-kit: the parts of a service that are the same in every service. See
 * docs/patterns/service-kit.md.
 */
export { ConfigError, loadConfig, loadConfigOrExit } from './config.ts';
export {
  type ChaosFaults,
  createHealthServer,
  type HealthServer,
  type HealthServerOptions,
  type ReadinessCheck,
} from './health.ts';
export { bindSpanContext, createLogger, type Logger } from './logger.ts';
export {
  createShutdown,
  PHASES,
  type Phase,
  type Shutdown,
  type ShutdownOptions,
} from './shutdown.ts';

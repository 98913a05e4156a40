/**
 * @saga/service-host: the runtime every bounded-context service shares, so a service's own code
 * is its domain, its use cases and its adapters. See docs/patterns/service-host.md.
 */
export { HOST_CONFIG, type HostConfig } from './config.ts';
export {
  type ConsumerSpec,
  createServiceHost,
  on,
  type ServiceHost,
  type ServiceHostOptions,
  type Subscription,
  type TxHandler,
} from './host.ts';
export { type ProcessLike, type RunServiceOptions, runService } from './run.ts';

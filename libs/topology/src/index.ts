/**
 * @saga/topology: the single definition of the infrastructure (components, versions, ports,
 * credentials, proxies). The native stack, docker-compose.yml, docs/configuration.md and the test
 * harness are all derived from it.
 */
export { ENV_VARS, type EnvVarName, type EnvVarSpec } from './env-vars.ts';
export {
  type ClientEndpoints,
  ConfigError,
  clientEndpoints,
  loadStackSettings,
  type ProxySpec,
  proxySpecs,
  SERVICES,
  type ServiceDatabase,
  type ServiceName,
  type StackSettings,
} from './settings.ts';
export { VERSIONS } from './versions.ts';

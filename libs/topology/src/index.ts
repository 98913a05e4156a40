/**
 * @saga/topology: the single definition of the infrastructure (components, versions, ports,
 * credentials, proxies) and of the service processes' ports. The native stack,
 * docker-compose.yml, docs/configuration.md and the test harness are all derived from it.
 */
export { ENV_VARS, type EnvVarName, type EnvVarSpec } from './env-vars.ts';
export {
  type ClientEndpoints,
  ConfigError,
  clientEndpoints,
  type EdgeKind,
  type EdgeSpec,
  type EdgeTarget,
  edgePortOffset,
  edgeSpec,
  edgeSpecs,
  GRPC_CALLS,
  INFRA_USES,
  type InfrastructureTarget,
  type KafkaListener,
  kafkaListeners,
  loadStackSettings,
  type ProxySpec,
  proxySpecs,
  readOnlyGrantsSql,
  SERVICE_PROCESSES,
  SERVICES,
  type ServiceDatabase,
  type ServiceEdgeEndpoints,
  type ServiceName,
  type ServicePorts,
  type ServiceProcessName,
  type StackSettings,
} from './settings.ts';
export { VERSIONS } from './versions.ts';

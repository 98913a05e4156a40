/**
 * @saga/rpc: gRPC (grpc-js) with the resilience patterns applied in one place: a deadline on
 * every call, retries (idempotent calls only) with exponential backoff, full jitter and a retry
 * budget, a circuit breaker, a bulkhead, hedged reads, grpc.health.v1, trace propagation
 * through metadata, and errors mapped to status codes. See docs/patterns/rpc.md.
 */
export { createRetryBudget, type RetryBudget, unlimitedRetryBudget } from './budget.ts';
export {
  type BreakerState,
  type CallOptions,
  type ClientConstructor,
  createRpcClient,
  type RpcClient,
  type RpcClientOptions,
} from './client.ts';
export {
  Code,
  FAILURE_CODES,
  isConnectionError,
  type LocalReason,
  RETRYABLE_CODES,
  RpcError,
  toServiceError,
} from './errors.ts';
export {
  createRpcFaults,
  FAULT_CODES,
  type RpcFault,
  RpcFaultError,
  type RpcFaults,
} from './faults.ts';
export { type CallInfo, createRpcServer, type RpcServer, type UnaryHandler } from './server.ts';

import type { ServiceDefinition } from '@grpc/grpc-js';
import { type Attributes, type Meter, metrics } from '@opentelemetry/api';
import type { BreakerState } from './client.ts';
import { RpcError, toServiceError } from './errors.ts';

/**
 * Bucket boundaries of the RPC duration histograms, in seconds: from 1 ms (a local read) to the
 * longest deadline in use (10 s). The OpenTelemetry defaults are meant for milliseconds.
 */
export const RPC_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10,
];

/** Breaker states as gauge values: 0 closed, 1 half-open, 2 open (isolated counts as open). */
export const BREAKER_STATE_VALUES: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  'half-open': 1,
  open: 2,
  isolated: 2,
};

type Instruments = {
  readonly server: ReturnType<Meter['createHistogram']>;
  readonly client: ReturnType<Meter['createHistogram']>;
  readonly transitions: ReturnType<Meter['createCounter']>;
  readonly breakers: Map<string, () => BreakerState>;
};

let instruments: Instruments | undefined;

/**
 * Created on first use, not at import, so they bind to the meter provider registered by then
 * (the preloaded SDK in a service; a test's own provider in a test).
 */
function meterInstruments(): Instruments {
  if (instruments) return instruments;
  const meter = metrics.getMeter('@saga/rpc');
  const advice = { explicitBucketBoundaries: [...RPC_DURATION_BUCKETS] };
  const breakers = new Map<string, () => BreakerState>();
  meter
    .createObservableGauge('rpc.client.circuit_breaker.state', {
      description: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open.',
    })
    .addCallback((result) => {
      for (const [dependency, state] of breakers)
        result.observe(BREAKER_STATE_VALUES[state()], { 'peer.service': dependency });
    });
  instruments = {
    server: meter.createHistogram('rpc.server.duration', {
      description: 'Duration of gRPC calls handled, by service, method and status code.',
      unit: 's',
      advice,
    }),
    client: meter.createHistogram('rpc.client.duration', {
      description:
        'Duration of gRPC calls made, retries and hedges included, by service, method and status code.',
      unit: 's',
      advice,
    }),
    transitions: meter.createCounter('rpc.client.circuit_breaker.transitions', {
      description: 'Circuit breaker state changes per dependency, by the state entered.',
    }),
    breakers,
  };
  return instruments;
}

/**
 * Semantic-convention names of a call: `rpc.service` is the full protobuf service name and
 * `rpc.method` the protobuf method name (`GetOrder`), read from the method's path
 * (`/saga.order.v1.OrderService/GetOrder`); the camelCase key and `fallbackService` otherwise.
 */
export function rpcNames(
  definition: ServiceDefinition | undefined,
  key: string,
  fallbackService: string,
): { readonly service: string; readonly method: string } {
  const path = (definition as Record<string, { path?: string } | undefined> | undefined)?.[key]
    ?.path;
  const match = path ? /^\/([^/]+)\/([^/]+)$/.exec(path) : null;
  return match?.[1] && match[2]
    ? { service: match[1], method: match[2] }
    : { service: fallbackService, method: key };
}

const seconds = (startedAt: number) => (performance.now() - startedAt) / 1_000;

const attributes = (service: string, method: string, code: number): Attributes => ({
  'rpc.system': 'grpc',
  'rpc.service': service,
  'rpc.method': method,
  'rpc.grpc.status_code': code,
});

/**
 * Wraps a server handler so that each call records `rpc.server.duration` with the status code
 * it is answered with (0 OK; errors mapped as {@link toServiceError} maps them).
 */
export function timedServerHandler<A extends unknown[], R>(
  { service, method }: { readonly service: string; readonly method: string },
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const startedAt = performance.now();
    try {
      const response = await handler(...args);
      meterInstruments().server.record(seconds(startedAt), attributes(service, method, 0));
      return response;
    } catch (err) {
      meterInstruments().server.record(
        seconds(startedAt),
        attributes(service, method, toServiceError(err).code),
      );
      throw err;
    }
  };
}

/** The metrics of one client: timed calls and its breaker's state. */
export type RpcClientMetrics = {
  /** Wraps `call` so that each call records `rpc.client.duration` with its final status code. */
  readonly timed: <F extends (method: string, ...rest: never[]) => Promise<unknown>>(call: F) => F;
  /** Counts a breaker transition (subscribe it to the breaker's state changes). */
  readonly transition: (state: BreakerState) => void;
  /** Stops observing the breaker (the client is closed). */
  readonly close: () => void;
};

/**
 * Metrics of a client of `dependency`: `rpc.client.duration`, and the breaker's state as the
 * gauge `rpc.client.circuit_breaker.state{peer.service}` plus a transitions counter.
 */
export function createRpcClientMetrics(
  definition: ServiceDefinition | undefined,
  dependency: string,
  breakerState: () => BreakerState,
): RpcClientMetrics {
  const m = meterInstruments();
  m.breakers.set(dependency, breakerState);
  return {
    timed: <F extends (method: string, ...rest: never[]) => Promise<unknown>>(call: F): F =>
      (async (method: string, ...rest: never[]) => {
        const { service, method: name } = rpcNames(definition, method, dependency);
        const startedAt = performance.now();
        let code = 0;
        try {
          return await call(method, ...rest);
        } catch (err) {
          code = err instanceof RpcError ? err.code : toServiceError(err).code;
          throw err;
        } finally {
          m.client.record(seconds(startedAt), attributes(service, name, code));
        }
      }) as F,
    transition: (state) =>
      m.transitions.add(1, { 'peer.service': dependency, 'circuit_breaker.state': state }),
    close: () => {
      if (m.breakers.get(dependency) === breakerState) m.breakers.delete(dependency);
    },
  };
}

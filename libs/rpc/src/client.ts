import {
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  credentials,
  Metadata,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { injectTraceContext } from '@saga/outbox';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  retry,
} from 'cockatiel';
import { createRetryBudget, type RetryBudget, unlimitedRetryBudget } from './budget.ts';
import { Code, FAILURE_CODES, RETRYABLE_CODES, RpcError } from './errors.ts';
import { createRpcClientMetrics, rpcNames } from './metrics.ts';
import { orderIdAttributes } from './span-attributes.ts';

/** The shape grpc-js gives a generated client's unary method. */
type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: ServiceError | null, response: unknown) => void,
) => { cancel: () => void };

/** Breaker states, observable by callers and metrics. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * A generated gRPC client class: ts-proto's `outputServices=grpc-js` constructors and
 * proto-loader's `ServiceClientConstructor` both fit.
 */
export type ClientConstructor = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => Client;

/** Options of {@link createRpcClient}. Every call has a deadline; the rest have defaults. */
export type RpcClientOptions = {
  /** Name of the dependency, for errors and spans (e.g. `inventory`). */
  readonly dependency: string;
  /** Deadline of a call when the caller gives none. Required: there is no call without one. */
  readonly defaultDeadlineMs: number;
  /** Methods safe to retry without an idempotency key (reads). */
  readonly idempotentMethods?: readonly string[];
  readonly retry?: {
    /** Attempts in all, first included. Default 3. */
    readonly maxAttempts?: number;
    readonly initialDelayMs?: number;
    readonly maxDelayMs?: number;
    /** The retry budget (default {@link createRetryBudget}'s); `false` for none. */
    readonly budget?: RetryBudget | false;
  };
  /** Consecutive failures that open the breaker (default 5), and how long it stays open (5 s). */
  readonly breaker?: { readonly threshold?: number; readonly halfOpenAfterMs?: number };
  /** Concurrent calls to this dependency (default 32) and how many may queue (default 0). */
  readonly bulkhead?: { readonly maxConcurrent?: number; readonly queue?: number };
  /** Reads to hedge: after `delayMs` without an answer, a second copy is sent; first answer wins. */
  readonly hedge?: { readonly methods: readonly string[]; readonly delayMs: number };
};

/** Options of one call. */
export type CallOptions = {
  readonly deadlineMs?: number;
  /** Makes a non-idempotent call retryable: the server deduplicates on it. */
  readonly idempotencyKey?: string;
};

/** A resilient client of one service. */
export type RpcClient = {
  readonly call: <Res>(method: string, request: unknown, options?: CallOptions) => Promise<Res>;
  readonly breakerState: () => BreakerState;
  /** Subscribes to breaker transitions; returns an unsubscribe function. */
  readonly onBreakerStateChange: (listener: (state: BreakerState) => void) => () => void;
  readonly budget: RetryBudget;
  readonly close: () => void;
};

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

function asRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e.code === 'number')
    return new RpcError(e.code, e.details ?? e.message ?? 'rpc failed', { cause: err });
  return new RpcError(Code.UNKNOWN, (err as Error)?.message ?? String(err), { cause: err });
}

/**
 * A client for one dependency with the resilience policies applied in this order, outermost
 * first (cockatiel for retry, breaker and bulkhead):
 *
 *   deadline (whole call) → hedging (reads) → retry (idempotent only, backoff with full jitter,
 *   retry budget) → circuit breaker → bulkhead → one attempt
 *
 * - Every call has a deadline; retries and hedges share it, they never extend it.
 * - Only idempotent methods, or calls carrying an idempotency key, are retried, and only on
 *   UNAVAILABLE/ABORTED: a DEADLINE_EXCEEDED write may have been applied.
 * - An open breaker or a full bulkhead fails the call at once with UNAVAILABLE and a `reason`,
 *   without touching the network: that is the point.
 */
export function createRpcClient(
  Ctor: ClientConstructor,
  address: string,
  options: RpcClientOptions,
): RpcClient {
  const client: Client = new Ctor(address, credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
  });
  const idempotent = new Set(options.idempotentMethods ?? []);
  const hedged = new Set(options.hedge?.methods ?? []);
  const budget =
    options.retry?.budget === false
      ? unlimitedRetryBudget()
      : (options.retry?.budget ?? createRetryBudget());
  const tracer = trace.getTracer('@saga/rpc');
  const definition = (Ctor as { service?: ServiceDefinition }).service;
  const [, host, port] = /^(.*):(\d+)$/.exec(address) ?? [];
  const serverAttributes = host
    ? { 'server.address': host, 'server.port': Number(port) }
    : { 'server.address': address };

  const breaker = circuitBreaker(
    handleWhen((err) => FAILURE_CODES.has(asRpcError(err).code)),
    {
      halfOpenAfter: options.breaker?.halfOpenAfterMs ?? 5_000,
      breaker: new ConsecutiveBreaker(options.breaker?.threshold ?? 5),
    },
  );
  const rpcMetrics = createRpcClientMetrics(
    definition,
    options.dependency,
    () => STATE_NAMES[breaker.state],
  );
  breaker.onStateChange((s) => rpcMetrics.transition(STATE_NAMES[s]));
  const limiter = bulkhead(options.bulkhead?.maxConcurrent ?? 32, options.bulkhead?.queue ?? 0);
  const retryPolicy = retry(
    handleWhen((err) => {
      const e = asRpcError(err);
      if (!RETRYABLE_CODES.has(e.code) || e.reason) return false;
      return budget.canRetry();
    }),
    {
      maxAttempts: Math.max(0, (options.retry?.maxAttempts ?? 3) - 1),
      backoff: new ExponentialBackoff({
        generator: fullJitterGenerator,
        initialDelay: options.retry?.initialDelayMs ?? 50,
        maxDelay: options.retry?.maxDelayMs ?? 1_000,
      }),
    },
  );

  /** One attempt on the wire, cancelled by `signal`. */
  function unary(
    method: string,
    request: unknown,
    metadata: Metadata,
    deadline: Date,
    signal: AbortSignal,
  ) {
    return new Promise<unknown>((resolve, reject) => {
      const fn = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
      if (typeof fn !== 'function')
        return reject(new RpcError(Code.INVALID_ARGUMENT, `no method ${method}`));
      const call = fn.call(
        client,
        request,
        metadata,
        { deadline },
        (err: ServiceError | null, res: unknown) => {
          signal.removeEventListener('abort', cancel);
          if (err) reject(asRpcError(err));
          else resolve(res);
        },
      );
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
    });
  }

  async function attempt(
    method: string,
    request: unknown,
    metadata: Metadata,
    deadline: Date,
    signal: AbortSignal,
  ) {
    try {
      const res = await limiter.execute(() =>
        breaker.execute(() => unary(method, request, metadata, deadline, signal)),
      );
      budget.onSuccess();
      return res;
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        throw new RpcError(Code.UNAVAILABLE, `${options.dependency}: circuit open`, {
          cause: err,
          reason: 'circuit-open',
        });
      }
      if (err instanceof BulkheadRejectedError) {
        throw new RpcError(Code.UNAVAILABLE, `${options.dependency}: too many concurrent calls`, {
          cause: err,
          reason: 'bulkhead-full',
        });
      }
      const e = asRpcError(err);
      if (RETRYABLE_CODES.has(e.code)) budget.onFailure();
      throw e;
    }
  }

  async function withRetries(
    method: string,
    request: unknown,
    metadata: Metadata,
    deadline: Date,
    signal: AbortSignal,
    retryable: boolean,
  ) {
    if (!retryable) return attempt(method, request, metadata, deadline, signal);
    return retryPolicy.execute(
      ({ signal: s }) => attempt(method, request, metadata, deadline, AbortSignal.any([signal, s])),
      signal,
    );
  }

  /** Hedging: a second copy after `delayMs` without an answer; the first answer wins. */
  function hedge(
    method: string,
    request: unknown,
    metadata: Metadata,
    deadline: Date,
    retryable: boolean,
  ) {
    const primary = new AbortController();
    if (!hedged.has(method) || !options.hedge) {
      return withRetries(method, request, metadata, deadline, primary.signal, retryable);
    }
    const delayMs = options.hedge.delayMs;
    return new Promise<unknown>((resolve, reject) => {
      const secondary = new AbortController();
      let hedgeSent = false;
      let failures = 0;
      let done = false;
      const finish =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          primary.abort();
          secondary.abort();
          fn(v);
        };
      const ok = finish(resolve);
      const ko = finish(reject);
      const timer = setTimeout(() => {
        hedgeSent = true;
        withRetries(method, request, metadata, deadline, secondary.signal, retryable).then(
          ok,
          (err) => {
            if (++failures === 2) ko(err);
          },
        );
      }, delayMs);
      withRetries(method, request, metadata, deadline, primary.signal, retryable).then(
        ok,
        (err) => {
          // Before the hedge is sent, a failure is the answer; after, wait for the other copy.
          if (!hedgeSent || ++failures === 2) ko(err);
        },
      );
    });
  }

  const rpc: RpcClient = {
    async call<Res>(method: string, request: unknown, callOptions: CallOptions = {}) {
      const deadline = new Date(Date.now() + (callOptions.deadlineMs ?? options.defaultDeadlineMs));
      const retryable = idempotent.has(method) || callOptions.idempotencyKey !== undefined;
      // One span per logical call, retries and hedges included (docs/adr/0008): RPC semantic
      // conventions, `saga.inventory.v1.InventoryService/PriceItems`.
      const names = rpcNames(definition, method, options.dependency);
      const span = tracer.startSpan(`${names.service}/${names.method}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': names.service,
          'rpc.method': names.method,
          'peer.service': options.dependency,
          ...serverAttributes,
          ...orderIdAttributes(request),
        },
      });
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(
        injectTraceContext(trace.setSpan(context.active(), span)),
      ))
        metadata.set(k, v);
      if (callOptions.idempotencyKey) metadata.set('idempotency-key', callOptions.idempotencyKey);
      try {
        const res = (await hedge(method, request, metadata, deadline, retryable)) as Res;
        span.setAttributes({ 'rpc.grpc.status_code': 0, ...orderIdAttributes(res) });
        return res;
      } catch (err) {
        const e = asRpcError(err);
        span.setAttribute('rpc.grpc.status_code', e.code);
        span.setAttribute('error.type', e.reason ?? String(e.code));
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        throw e;
      } finally {
        span.end();
      }
    },
    breakerState: () => STATE_NAMES[breaker.state],
    onBreakerStateChange(listener) {
      const sub = breaker.onStateChange((s) => listener(STATE_NAMES[s]));
      return () => sub.dispose();
    },
    budget,
    close: () => {
      rpcMetrics.close();
      client.close();
    },
  };
  return { ...rpc, call: rpcMetrics.timed(rpc.call) };
}

import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@saga/outbox';
import { HealthImplementation } from 'grpc-health-check';
import { RpcError, toServiceError } from './errors.ts';
import type { RpcFaults } from './faults.ts';
import { rpcNames, timedServerHandler } from './metrics.ts';
import { orderIdAttributes } from './span-attributes.ts';

/** What a unary handler gets besides the request. */
export type CallInfo = {
  readonly metadata: Metadata;
  /** When the caller stops waiting; pass it on (minus a margin) to calls this handler makes. */
  readonly deadline: Date | undefined;
  /** The `idempotency-key` metadata, when the caller sent one. */
  readonly idempotencyKey: string | undefined;
};

/** A unary handler: resolve with the response, throw an RpcError to answer with a status. */
export type UnaryHandler = (request: unknown, call: CallInfo) => Promise<unknown>;

/** A running gRPC server with grpc.health.v1. */
export type RpcServer = {
  /** Registers a service; `name` is its full name for health (`saga.order.v1.OrderService`). */
  readonly addService: (
    name: string,
    definition: ServiceDefinition,
    handlers: Readonly<Record<string, UnaryHandler>>,
  ) => void;
  /** Binds and starts; resolves with the bound port. */
  readonly listen: (address: string) => Promise<number>;
  /** Health: SERVING or NOT_SERVING for every registered service and the server (""). */
  readonly setServing: (serving: boolean) => void;
  /**
   * Stops taking calls (health NOT_SERVING first), lets calls in flight finish for up to
   * `graceMs`, then cancels what is left.
   */
  readonly shutdown: (graceMs: number) => Promise<void>;
};

/**
 * A gRPC server whose handlers are plain async functions: each call runs in a SERVER span that
 * continues the caller's trace (W3C `traceparent` metadata), and errors become statuses in one
 * place ({@link toServiceError}), so a handler's internals never reach the caller. With
 * `faults` (local chaos only, docs/chaos.md), a share of a method's calls is answered with an
 * injected error status instead of running the handler; they are timed like any other call.
 */
export function createRpcServer(options: { readonly faults?: RpcFaults } = {}): RpcServer {
  const server = new Server();
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  const names: string[] = [''];
  const tracer = trace.getTracer('@saga/rpc');

  const wrap =
    (
      { service, method }: { readonly service: string; readonly method: string },
      handler: UnaryHandler,
    ) =>
    (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
      const parent = extractTraceContext(headers, context.active());
      // RPC semantic conventions: `saga.order.v1.OrderService/CreateOrder`.
      const span = tracer.startSpan(
        `${service}/${method}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'rpc.system': 'grpc',
            'rpc.service': service,
            'rpc.method': method,
            ...orderIdAttributes(call.request),
          },
        },
        parent,
      );
      const deadline = call.getDeadline();
      const info: CallInfo = {
        metadata: call.metadata,
        deadline:
          deadline instanceof Date
            ? deadline
            : Number.isFinite(deadline)
              ? new Date(deadline)
              : undefined,
        idempotencyKey: headers['idempotency-key'],
      };
      context
        .with(trace.setSpan(parent, span), () => handler(call.request, info))
        .then(
          (response) => {
            span.setAttributes({ 'rpc.grpc.status_code': 0, ...orderIdAttributes(response) });
            span.end();
            callback(null, response);
          },
          (err: unknown) => {
            const { code, details } = toServiceError(err);
            span.setAttribute('rpc.grpc.status_code', code);
            if (code === 13 || code === 2) {
              span.recordException(err as Error);
              span.setStatus({ code: SpanStatusCode.ERROR });
              span.setAttribute('error.type', (err as Error).name ?? 'Error');
            }
            span.end();
            callback({ code, details, name: 'RpcError', message: details });
          },
        );
    };

  return {
    addService(name, definition, handlers) {
      const impl: UntypedServiceImplementation = {};
      for (const [method, handler] of Object.entries(handlers)) {
        const names = rpcNames(definition, method, name);
        const { faults } = options;
        const run: UnaryHandler = faults
          ? (request, call) => {
              const code = faults.pick(names.method);
              if (code === undefined) return handler(request, call);
              return Promise.reject(new RpcError(code, 'injected fault (chaos)'));
            }
          : handler;
        impl[method] = wrap(names, timedServerHandler(names, run));
      }
      server.addService(definition, impl);
      names.push(name);
      health.setStatus(name, 'NOT_SERVING');
    },
    listen(address) {
      return new Promise((resolve, reject) => {
        server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => {
          if (err) return reject(err);
          for (const n of names) health.setStatus(n, 'SERVING');
          resolve(port);
        });
      });
    },
    setServing(serving) {
      for (const n of names) health.setStatus(n, serving ? 'SERVING' : 'NOT_SERVING');
    },
    async shutdown(graceMs) {
      for (const n of names) health.setStatus(n, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

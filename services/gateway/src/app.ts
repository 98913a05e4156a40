import type { IdempotencyStore } from '@saga/idempotency';
import type { RpcClient } from '@saga/rpc';
import type { Logger } from '@saga/service-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { customerRoutes } from './app/customers.routes.ts';
import { registerDocs } from './app/docs.routes.ts';
import { healthRoutes } from './app/health.routes.ts';
import { guardStore } from './app/idempotent.reply.ts';
import { orderRoutes } from './app/orders.routes.ts';
import { installProblemHandler } from './app/problem.handler.ts';
import { productRoutes } from './app/products.routes.ts';
import { installRequestLogging, requestLogController } from './app/request-logging.ts';
import { installRequestSpans } from './app/request-span.hooks.ts';
import { timelineRoutes } from './app/timeline.routes.ts';
import { installValidation } from './app/validation.ts';
import type { Config } from './config.ts';

/** What `/readyz` asks, and whether shutdown has begun. */
export type Readiness = {
  /** Dependencies that must answer for the gateway to take traffic, by name. */
  readonly checks: Readonly<Record<string, () => Promise<unknown>>>;
  /** True from the first step of shutdown on: `/readyz` answers 503. */
  readonly isShuttingDown: () => boolean;
  /** Each check's time limit. Default 1 000 ms. */
  readonly checkTimeoutMs?: number;
};

/** Everything the gateway talks to, built by main.ts (or by a test). */
export type AppDeps = {
  readonly order: RpcClient;
  readonly inventory: RpcClient;
  readonly payment: RpcClient;
  readonly shipping: RpcClient;
  readonly idempotency: IdempotencyStore;
  readonly logger: Logger;
  readonly readiness: Readiness;
};

/** The parts of the configuration the HTTP application uses. */
export type AppConfig = Pick<
  Config,
  | 'PUBLIC_URL'
  | 'GRPC_WRITE_DEADLINE_MS'
  | 'GRPC_BREAKER_HALF_OPEN_MS'
  | 'HTTP_BODY_LIMIT_BYTES'
  | 'JAEGER_UI_URL'
  | 'ORDER_EVENTS_POLL_MS'
  | 'ORDER_EVENTS_MAX_STREAMS'
  | 'ORDER_EVENTS_HEARTBEAT_MS'
>;

/**
 * The gateway's HTTP application, not yet listening: tests boot it in-process, main.ts listens.
 * Only `application/json` bodies are accepted (415 otherwise); every failure is answered as
 * problem+json by one handler; OpenAPI is generated from the route schemas.
 */
export function buildApp(deps: AppDeps, config: AppConfig): FastifyInstance {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; typed as such so the instance keeps fastify's defaults.
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: requestLogController(),
    bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
    // A slow client must not hold a connection for ever (slowloris); deadlines bound the rest.
    requestTimeout: 30_000,
    exposeHeadRoutes: false,
  });
  // fastify also parses text/plain by default; this API speaks JSON only.
  app.removeContentTypeParser('text/plain');
  installValidation(app);
  installRequestSpans(app);
  installRequestLogging(app);
  installProblemHandler(app, {
    breakerRetryAfterSeconds: config.GRPC_BREAKER_HALF_OPEN_MS / 1_000,
  });
  registerDocs(app, config);
  const routeDeps: AppDeps = { ...deps, idempotency: guardStore(deps.idempotency) };
  app.register(healthRoutes(routeDeps));
  app.register(orderRoutes(routeDeps, config));
  app.register(productRoutes(routeDeps, config));
  app.register(customerRoutes(routeDeps, config));
  app.register(timelineRoutes(routeDeps, config));
  return app;
}

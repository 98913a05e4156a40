import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PROMETHEUS_CONTENT_TYPE, scrapeMetrics } from '@saga/telemetry';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../app.ts';
import { success } from './common.schemas.ts';

const HealthSchema = Type.Object({
  status: Type.String(),
  failed: Type.Optional(Type.Array(Type.String(), { description: 'Dependencies not ready.' })),
});

function withTimeout(check: () => Promise<unknown>, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    check().then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * `/livez` checks nothing external (a Redis outage must not get the gateway restarted);
 * `/readyz` checks Redis and each service's grpc.health.v1, and answers 503 from the moment
 * shutdown begins, so load balancers stop sending work before the gateway stops taking it. The
 * public answer names what failed; why goes to the log. `/metrics` answers Prometheus scrapes
 * (docs/observability-metrics.md); it is operational, not API, so it stays out of OpenAPI.
 */
export function healthRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const checkTimeoutMs = deps.readiness.checkTimeoutMs ?? 1_000;
  return async (app) => {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const scrape = scrapeMetrics();
      if (!scrape) return reply.callNotFound();
      const text = await scrape;
      return reply.type(PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(text);
    });

    app.get(
      '/livez',
      {
        schema: {
          tags: ['health'],
          summary: 'Liveness: the process answers',
          response: { 200: success(HealthSchema, 'Alive.') },
        },
      },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['health'],
          summary: 'Readiness: Redis and the four services answer, and no shutdown is under way',
          response: {
            200: success(HealthSchema, 'Ready to take traffic.'),
            503: success(HealthSchema, 'Not ready: shutting down, or dependencies failing.'),
          },
        },
      },
      async (request, reply) => {
        if (deps.readiness.isShuttingDown())
          return reply.code(503).send({ status: 'shutting down' });
        const names = Object.keys(deps.readiness.checks);
        const results = await Promise.allSettled(
          names.map((n) =>
            withTimeout(deps.readiness.checks[n] ?? (async () => {}), checkTimeoutMs),
          ),
        );
        const failed = names.filter((_, i) => results[i]?.status === 'rejected');
        if (failed.length === 0) return { status: 'ready' };
        request.log.warn(
          {
            failed: Object.fromEntries(
              results.flatMap((r, i) =>
                r.status === 'rejected'
                  ? [[names[i], String((r.reason as Error)?.message ?? r.reason)]]
                  : [],
              ),
            ),
          },
          'not ready',
        );
        return reply.code(503).send({ status: 'not ready', failed });
      },
    );
  };
}

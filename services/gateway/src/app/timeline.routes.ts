import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import type { GetOrderResponse, GetSagaResponse, Saga } from '@saga/contracts/order';
import { Code, RpcError } from '@saga/rpc';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { toOrderDto } from '../adapters/mappers/order.mapper.ts';
import { required } from '../adapters/mappers/reply.errors.ts';
import type { AppDeps } from '../app.ts';
import type { Config } from '../config.ts';
import { problemResponses } from './common.schemas.ts';
import { OrderIdParams } from './order.schemas.ts';
import {
  createOrderEventStreams,
  type OrderSnapshot,
  type SagaDto,
} from './order-events.stream.ts';

/** The page's files (services/gateway/ui): plain HTML, CSS and JavaScript, no build step. */
const UI_DIR = join(import.meta.dirname, '..', '..', 'ui');
const ASSETS: Readonly<Record<string, string>> = {
  'timeline.js': 'text/javascript; charset=utf-8',
  'timeline.css': 'text/css; charset=utf-8',
};
// The page runs only its own script and talks only to this gateway; Jaeger is a link away.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const EVENTS_DESCRIPTION = `A Server-Sent Events stream (\`text/event-stream\`) of one order while its
checkout saga runs, for the timeline page (\`/ui/orders/{orderId}\`). Events, each with one line
of JSON as \`data\`:

- \`order\`: the order (schema \`Order\`), first at once, then each time it changes;
- \`saga\`: an orchestrated order's saga (schema \`Saga\`), likewise;
- \`end\`: \`{"settled": true, "status": "CONFIRMED"}\` once nothing more will happen to the
  order (an orchestrated saga in a final state; a choreographed one quiet for 2 s after its
  final status), or \`"settled": false\` when the stream's time (10 minutes) is up. The server
  then closes the stream; a client should not reconnect.

A comment line (\`: heartbeat\`) is sent on an idle stream. The gateway reads the order every
\`ORDER_EVENTS_POLL_MS\` and sends only changes; at most \`ORDER_EVENTS_MAX_STREAMS\` streams are
open at once (503 beyond). The stream's reads are not traced, so they do not bury the orders'
own traces in Jaeger.`;

function escapeAttribute(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

function toSagaDto(saga: Saga): SagaDto {
  return {
    orderId: saga.orderId,
    state: saga.state,
    ...(saga.deadlineAt ? { deadlineAt: saga.deadlineAt } : {}),
    attempt: saga.attempt,
    log: saga.log.map((l) => ({ ...l, commands: [...l.commands] })),
  };
}

/**
 * A context whose spans are neither recorded nor exported, downstream included: its parent is
 * marked not sampled (W3C `traceparent` flags 00), which every service's parent-based sampler
 * follows. A stream reads the order several times a second for as long as a page is open.
 */
function unsampledContext() {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
}

/**
 * The saga timeline page and its live feed: `GET /ui` lists the recent orders, `GET
 * /ui/orders/{id}` shows one order's timeline across the services (updated live), with a link
 * to its trace in Jaeger; `GET /v1/orders/{id}/events` is the Server-Sent Events stream behind
 * it. No login: the page is for the local stack, like Jaeger's own UI.
 */
export function timelineRoutes(
  deps: Pick<AppDeps, 'order'>,
  config: Pick<
    Config,
    | 'JAEGER_UI_URL'
    | 'ORDER_EVENTS_POLL_MS'
    | 'ORDER_EVENTS_MAX_STREAMS'
    | 'ORDER_EVENTS_HEARTBEAT_MS'
  >,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    const template = await readFile(join(UI_DIR, 'index.html'), 'utf8');
    const page = template.replace('{{JAEGER_UI_URL}}', escapeAttribute(config.JAEGER_UI_URL ?? ''));
    const assets = new Map(
      await Promise.all(
        Object.keys(ASSETS).map(
          async (name) => [name, await readFile(join(UI_DIR, name), 'utf8')] as const,
        ),
      ),
    );

    async function readSnapshot(orderId: string): Promise<OrderSnapshot> {
      const res = await deps.order.call<GetOrderResponse>('getOrder', { orderId });
      const order = toOrderDto(required(res.order, 'order'));
      if (order.sagaMode !== 'orchestration') return { order };
      try {
        const saga = await deps.order.call<GetSagaResponse>('getSaga', { orderId });
        return { order, saga: saga.saga ? toSagaDto(saga.saga) : undefined };
      } catch (err) {
        if (err instanceof RpcError && err.code === Code.NOT_FOUND) return { order };
        throw err;
      }
    }

    const streams = createOrderEventStreams({
      read: (orderId) => context.with(unsampledContext(), () => readSnapshot(orderId)),
      pollMs: config.ORDER_EVENTS_POLL_MS,
      heartbeatMs: config.ORDER_EVENTS_HEARTBEAT_MS,
      maxStreams: config.ORDER_EVENTS_MAX_STREAMS,
      onReadError: (err, orderId) =>
        app.log.debug(
          { err, order_id: orderId },
          'order event stream: read failed; next poll retries',
        ),
    });
    // Open streams would hold fastify's close until they end by themselves.
    app.addHook('preClose', () => streams.closeAll());

    const sendPage = async (_request: unknown, reply: FastifyReply) =>
      reply.headers(PAGE_HEADERS).send(page);
    app.get('/ui', { schema: { hide: true } }, sendPage);
    app.get('/ui/orders/:orderId', { schema: { hide: true, params: OrderIdParams } }, sendPage);
    app.get(
      '/ui/assets/:name',
      { schema: { hide: true, params: Type.Object({ name: Type.String() }) } },
      async (request, reply) => {
        const body = assets.get(request.params.name);
        const type = ASSETS[request.params.name];
        if (body === undefined || type === undefined) return reply.callNotFound();
        return reply
          .headers({
            'content-type': type,
            'cache-control': 'no-cache',
            'x-content-type-options': 'nosniff',
          })
          .send(body);
      },
    );

    app.get(
      '/v1/orders/:orderId/events',
      {
        config: { resource: 'ORDER' },
        schema: {
          tags: ['orders'],
          summary: "Follow an order's saga live (Server-Sent Events)",
          description: EVENTS_DESCRIPTION,
          params: OrderIdParams,
          response: {
            200: {
              description: 'The event stream.',
              content: {
                'text/event-stream': {
                  schema: Type.String({
                    description:
                      'event: order|saga|end, data: one line of JSON (Order, Saga, or {settled, status}).',
                  }),
                },
              },
            },
            ...problemResponses(400, 404, 503),
          },
        },
      },
      async (request, reply) => {
        // Refused (503) or not found (404) before the stream starts, as problem+json.
        const slot = streams.reserve();
        let first: OrderSnapshot;
        try {
          first = await context.with(unsampledContext(), () =>
            readSnapshot(request.params.orderId),
          );
        } catch (err) {
          slot.release();
          throw err;
        }
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
          // Not kept alive once the stream ends: shutdown would otherwise wait for it to idle out.
          connection: 'close',
        });
        const stream = slot.start(request.params.orderId, first, {
          write: (chunk) => {
            if (!res.destroyed && !res.writableEnded) res.write(chunk);
          },
          end: () => {
            if (!res.destroyed && !res.writableEnded) res.end();
          },
        });
        // The client went away (tab closed, EventSource.close()): stop polling for it.
        res.once('close', stream.stop);
      },
    );
  };
}

// The timeline page's routes over real HTTP, with a scripted order service (a fake RpcClient
// passed in, STYLE.md): the page and its assets, and the order event stream's protocol, limit,
// cleanup and shutdown. The page itself is driven in a browser by e2e/browser/timeline.test.ts.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Order, type Order as OrderMessage } from '@saga/contracts/order';
import { Code, type RpcClient, RpcError } from '@saga/rpc';
import { eventually } from '@saga/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { ProblemSchema } from './common.schemas.ts';
import { installProblemHandler } from './problem.handler.ts';
import { timelineRoutes } from './timeline.routes.ts';

const JAEGER = 'http://jaeger.test:16686';
const LONG_AGO = new Date(Date.now() - 60_000).toISOString();
const orders = new Map<string, OrderMessage>();
let reads = 0;

function scriptedOrder(orderId: string, status: OrderMessage['status']): OrderMessage {
  return Order.fromPartial({
    orderId,
    customerId: 'c-1',
    status,
    items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }],
    totalCents: 100,
    shippingAddress: { name: 'A', line1: '1 St', city: 'Berlin', postalCode: '1', country: 'DE' },
    sagaMode: 'SAGA_MODE_CHOREOGRAPHY',
    timeline: [{ step: 'OrderPlaced', source: 'order', outcome: 'ok', detail: '', at: LONG_AGO }],
    createdAt: LONG_AGO,
    updatedAt: LONG_AGO,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  });
}

const orderClient = {
  async call<Res>(method: string, request: unknown): Promise<Res> {
    const { orderId } = request as { orderId: string };
    if (method === 'getOrder') {
      reads++;
      const order = orders.get(orderId);
      if (!order) throw new RpcError(Code.NOT_FOUND, `order ${orderId} not found`);
      return { order } as Res;
    }
    throw new RpcError(Code.NOT_FOUND, `${method} not scripted`);
  },
} as unknown as RpcClient;

/** The timeline routes alone, with the problem handler, listening on a free port. */
async function startApp(): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify();
  app.addSchema(ProblemSchema);
  installProblemHandler(app, { breakerRetryAfterSeconds: 5 });
  app.register(
    timelineRoutes(
      { order: orderClient },
      {
        JAEGER_UI_URL: JAEGER,
        ORDER_EVENTS_POLL_MS: 20,
        ORDER_EVENTS_MAX_STREAMS: 1,
        ORDER_EVENTS_HEARTBEAT_MS: 100,
      },
    ),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

let app: FastifyInstance;
let base: string;

before(async () => {
  ({ app, base } = await startApp());
});

after(async () => {
  // Keep-alive connections the tests' fetches leave open would hold close for their timeout.
  app.server.closeAllConnections();
  await app.close();
});

/**
 * Reads a Server-Sent Events body until `done(text)` holds (the stream stays open) or it ends.
 */
async function readStream(
  res: Response,
  done: (text: string) => boolean = () => false,
): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) return text;
    text += decoder.decode(value, { stream: true });
    if (done(text)) {
      reader.releaseLock();
      return text;
    }
  }
}

/** The named events of a stream's text, with their parsed data. */
function events(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [event, data] = block.split('\n');
      return {
        event: (event ?? '').slice('event: '.length),
        data: JSON.parse((data ?? '').slice('data: '.length)) as Record<string, unknown>,
      };
    });
}

test('the page is served for the list and for an order, with the Jaeger URL and a strict content security policy', async () => {
  for (const path of ['/ui', '/ui/orders/o-42']) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await res.text(), new RegExp(`name="saga-jaeger-url" content="${JAEGER}"`));
  }
  const js = await fetch(`${base}/ui/assets/timeline.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  const unknown = await fetch(`${base}/ui/assets/..%2F..%2Fpackage.json`);
  assert.equal(unknown.status, 404);
  assert.match(unknown.headers.get('content-type') ?? '', /^application\/problem\+json/);
});

test('an order stream sends the order at once, then only its changes, and ends once the order is settled', async () => {
  orders.set('o-live', scriptedOrder('o-live', 'ORDER_STATUS_PENDING'));
  const res = await fetch(`${base}/v1/orders/o-live/events`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const readsBefore = reads;
  let changed = false;
  const text = await readStream(res, (t) => {
    // Once the first order event is in and a few polls found nothing new, the order changes.
    if (!changed && events(t).length === 1 && reads >= readsBefore + 3) {
      changed = true;
      orders.set('o-live', scriptedOrder('o-live', 'ORDER_STATUS_CONFIRMED'));
    }
    return false;
  });
  const sent = events(text);
  assert.deepEqual(
    sent.map((e) => [e.event, e.data.status]),
    [
      ['order', 'PENDING'],
      ['order', 'CONFIRMED'],
      ['end', 'CONFIRMED'],
    ],
  );
  assert.equal(sent[2]?.data.settled, true);
  assert.equal(sent[0]?.data.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
});

test('an unknown order is answered 404 problem+json before any stream starts', async () => {
  const res = await fetch(`${base}/v1/orders/o-missing/events`);
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(((await res.json()) as { code: string }).code, 'ORDER.NOT_FOUND');
});

test('a stream beyond the limit is refused with 503, and its place is freed when the client goes away', async () => {
  orders.set('o-slow', scriptedOrder('o-slow', 'ORDER_STATUS_PENDING'));
  const first = new AbortController();
  const open = await fetch(`${base}/v1/orders/o-slow/events`, { signal: first.signal });
  // An idle stream carries heartbeats.
  await readStream(open, (t) => t.includes(': heartbeat'));

  const refused = await fetch(`${base}/v1/orders/o-slow/events`);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '5');
  assert.equal(((await refused.json()) as { code: string }).code, 'EVENTS.TOO_MANY_STREAMS');

  first.abort();
  const again = await eventually(
    async () => {
      const res = await fetch(`${base}/v1/orders/o-slow/events`);
      assert.equal(res.status, 200, 'the closed stream still holds its place');
      return res;
    },
    { timeoutMs: 5_000, intervalMs: 50, description: 'stream place freed' },
  );
  await again.body?.cancel();
});

test('closing the app ends the open streams instead of waiting for them', async () => {
  // An app of its own, so no connection left by another test holds its close.
  const own = await startApp();
  orders.set('o-open', scriptedOrder('o-open', 'ORDER_STATUS_PENDING'));
  const res = await fetch(`${own.base}/v1/orders/o-open/events`);
  assert.equal(res.status, 200);
  const ended = readStream(res);
  const t0 = performance.now();
  await own.app.close();
  assert.ok(performance.now() - t0 < 2_000, 'close waited for the stream');
  assert.doesNotMatch(await ended, /event: end/);
});

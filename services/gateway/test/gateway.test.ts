// Component test: the real gateway (buildApp, listening on a free port) against the running
// stack's Redis and scripted gRPC servers that implement the services' generated definitions.
// The real services are exercised end to end in e2e/.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { InventoryServiceService, Product } from '@saga/contracts/inventory';
import { type CreateOrderRequest, Order, OrderServiceService } from '@saga/contracts/order';
import { type Customer, PaymentServiceService } from '@saga/contracts/payment';
import { Shipment, ShippingServiceService } from '@saga/contracts/shipping';
import { createIdempotencyStore } from '@saga/idempotency';
import { Code, createRpcServer, RpcError, type RpcServer } from '@saga/rpc';
import { createLogger, loadConfig } from '@saga/service-kit';
import { eventually, testStack } from '@saga/testkit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import {
  createHealthProbe,
  createServiceClients,
  type HealthProbe,
  SERVICE_NAMES,
  type ServiceClients,
} from '../src/adapters/service.clients.ts';
import { type AppDeps, buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

const { endpoints } = testStack(process.env);
const READ_DEADLINE_MS = 400;
const BREAKER_HALF_OPEN_MS = 1_000;
const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const NOW = '2026-01-01T00:00:00.000Z';

// --- scripted services -------------------------------------------------------------------------

const orders = new Map<string, Order>();
const byRequestId = new Map<string, string>();
const createCalls: { request: CreateOrderRequest; idempotencyKey: string | undefined }[] = [];
const products = new Map<string, Product>();
const customers = new Map<string, Customer>();
const shipments = new Map<string, Shipment>();
/** Calls held open on purpose (a slow or hanging service); released at the end. */
const held = new Set<() => void>();
let gate: Promise<void> = Promise.resolve();

const hold = () =>
  new Promise<void>((resolve) => {
    held.add(resolve);
  });

const orderHandlers = {
  async createOrder(request: unknown, call: { idempotencyKey: string | undefined }) {
    const req = request as CreateOrderRequest;
    createCalls.push({ request: req, idempotencyKey: call.idempotencyKey });
    if (req.customerId === 'slow') await gate;
    if (req.customerId === 'crash') throw new Error('connect postgres://admin:s3cret@db failed');
    const unknown = req.items.find((i) => i.sku.startsWith('UNKNOWN'));
    if (unknown) throw new RpcError(Code.INVALID_ARGUMENT, `unknown SKU ${unknown.sku}`);
    const existing = byRequestId.get(req.requestId);
    if (existing) return { order: orders.get(existing) };
    const order = Order.fromPartial({
      orderId: `ord-${randomUUID()}`,
      customerId: req.customerId,
      status: 'ORDER_STATUS_PENDING',
      items: req.items.map((i) => ({ ...i, unitPriceCents: 1_250 })),
      totalCents: req.items.reduce((sum, i) => sum + i.quantity * 1_250, 0),
      ...(req.shippingAddress ? { shippingAddress: req.shippingAddress } : {}),
      sagaMode: req.sagaMode === 'SAGA_MODE_UNSPECIFIED' ? 'SAGA_MODE_CHOREOGRAPHY' : req.sagaMode,
      timeline: [{ step: 'OrderPlaced', source: 'order', outcome: 'ok', detail: '', at: NOW }],
      createdAt: NOW,
      updatedAt: NOW,
    });
    orders.set(order.orderId, order);
    byRequestId.set(req.requestId, order.orderId);
    return { order };
  },
  async getOrder(request: unknown) {
    const { orderId } = request as { orderId: string };
    if (orderId.startsWith('hang')) await hold();
    const order = orders.get(orderId);
    if (!order) throw new RpcError(Code.NOT_FOUND, `order ${orderId} not found`);
    return { order };
  },
  async cancelOrder(request: unknown) {
    const { orderId } = request as { orderId: string };
    const order = orders.get(orderId);
    if (!order) throw new RpcError(Code.NOT_FOUND, `order ${orderId} not found`);
    if (order.status === 'ORDER_STATUS_CONFIRMED' || order.status === 'ORDER_STATUS_REJECTED')
      throw new RpcError(Code.FAILED_PRECONDITION, `order ${orderId} is ${order.status}`);
    const cancelled = {
      ...order,
      status: 'ORDER_STATUS_CANCELLED' as const,
      reason: 'CANCELLED_BY_CUSTOMER',
    };
    orders.set(orderId, cancelled);
    return { order: cancelled };
  },
  async listOrders(request: unknown) {
    const { limit } = request as { limit: number };
    return { orders: [...orders.values()].slice(0, limit) };
  },
};

const inventoryHandlers = {
  async listProducts() {
    return { products: [...products.values()] };
  },
  async getProduct(request: unknown) {
    const { sku } = request as { sku: string };
    const product = products.get(sku);
    if (!product) throw new RpcError(Code.NOT_FOUND, `product ${sku} not found`);
    return { product };
  },
  async createProduct(request: unknown) {
    const r = request as { sku: string; name: string; priceCents: number; stock: number };
    const existing = products.get(r.sku);
    if (existing && (existing.name !== r.name || existing.priceCents !== r.priceCents))
      throw new RpcError(Code.ALREADY_EXISTS, `product ${r.sku} exists with other values`);
    const product = Product.fromPartial({ ...r, available: r.stock, reserved: 0, committed: 0 });
    products.set(r.sku, product);
    return { product };
  },
  async priceItems() {
    return { items: [], totalCents: 0 };
  },
};

const paymentHandlers = {
  async getCustomer(request: unknown) {
    const { customerId } = request as { customerId: string };
    const customer = customers.get(customerId);
    if (!customer) throw new RpcError(Code.NOT_FOUND, `customer ${customerId} not found`);
    return { customer };
  },
  async createCustomer(request: unknown) {
    const r = request as Omit<Customer, 'heldCents' | 'availableCents'>;
    const customer = { ...r, heldCents: 0, availableCents: r.balanceCents + r.creditLimitCents };
    customers.set(r.customerId, customer);
    return { customer };
  },
  async getPayment(request: unknown) {
    const { orderId } = request as { orderId: string };
    throw new RpcError(Code.NOT_FOUND, `no payment for order ${orderId}`);
  },
  async refundPayment() {
    throw new RpcError(Code.FAILED_PRECONDITION, 'not captured');
  },
};

const shippingHandlers = {
  async getShipment(request: unknown) {
    const { orderId } = request as { orderId: string };
    const shipment = shipments.get(orderId);
    if (!shipment) throw new RpcError(Code.NOT_FOUND, `no shipment for order ${orderId}`);
    return { shipment };
  },
};

// --- the gateway under test --------------------------------------------------------------------

/** order, inventory and payment; shipping runs on its own server so a test can stop it. */
let core: RpcServer;
let shipping: RpcServer | undefined;
let shippingAddress: string;
let redis: Redis;
let clients: ServiceClients;
let probes: HealthProbe[];
let app: FastifyInstance;
let base: string;
let shuttingDown = false;
const prefix = `test-gateway-${randomUUID().slice(0, 8)}`;
const clientId = `test-${randomUUID().slice(0, 8)}`;

async function startShipping(address: string): Promise<string> {
  shipping = createRpcServer();
  shipping.addService(SERVICE_NAMES.shipping, ShippingServiceService, shippingHandlers);
  const port = await shipping.listen(address);
  return `127.0.0.1:${port}`;
}

function configFor(addresses: { core: string; shipping: string }) {
  return loadConfig(configSchema, {
    HTTP_PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1:18080',
    REDIS_URL: `redis://${endpoints.redis.host}:${endpoints.redis.port}`,
    ORDER_GRPC_ADDR: addresses.core,
    INVENTORY_GRPC_ADDR: addresses.core,
    PAYMENT_GRPC_ADDR: addresses.core,
    SHIPPING_GRPC_ADDR: addresses.shipping,
    GRPC_READ_DEADLINE_MS: String(READ_DEADLINE_MS),
    GRPC_BREAKER_HALF_OPEN_MS: String(BREAKER_HALF_OPEN_MS),
  });
}

const logger = createLogger({ service: 'gateway', level: process.env.LOG_LEVEL ?? 'silent' });

before(async () => {
  core = createRpcServer();
  core.addService(SERVICE_NAMES.order, OrderServiceService, orderHandlers);
  core.addService(SERVICE_NAMES.inventory, InventoryServiceService, inventoryHandlers);
  core.addService(SERVICE_NAMES.payment, PaymentServiceService, paymentHandlers);
  const coreAddress = `127.0.0.1:${await core.listen('127.0.0.1:0')}`;
  shippingAddress = await startShipping('127.0.0.1:0');
  const config = configFor({ core: coreAddress, shipping: shippingAddress });

  redis = new Redis({ ...endpoints.redis, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
  clients = createServiceClients(config);
  probes = [
    createHealthProbe(coreAddress, SERVICE_NAMES.order),
    createHealthProbe(shippingAddress, SERVICE_NAMES.shipping),
  ];
  const deps: AppDeps = {
    ...clients,
    idempotency: createIdempotencyStore({ redis, prefix }),
    logger,
    readiness: {
      checks: {
        redis: () => redis.ping(),
        order: () => probes[0]?.check() ?? Promise.resolve(),
        shipping: () => probes[1]?.check() ?? Promise.resolve(),
      },
      isShuttingDown: () => shuttingDown,
    },
  };
  app = buildApp(deps, config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const release of held) release();
  await app?.close();
  for (const c of Object.values(clients ?? {})) c.close();
  for (const p of probes ?? []) p.close();
  await core?.shutdown(1_000);
  await shipping?.shutdown(1_000);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

type Answer = {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON of many shapes; each test asserts what it reads
  body: any;
};

async function http(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const hasBody = options.body !== undefined;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    ...(hasBody
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, headers: res.headers, body: json && text ? JSON.parse(text) : text };
}

const placeOrder = (
  body: unknown,
  key: string | null = randomUUID(),
  headers: Record<string, string> = {},
) =>
  http('POST', '/v1/orders', {
    body,
    headers: { 'x-client-id': clientId, ...(key ? { 'idempotency-key': key } : {}), ...headers },
  });

const orderBody = (over: Record<string, unknown> = {}) => ({
  customerId: 'cust-1',
  items: [{ sku: 'SKU-1', quantity: 2 }],
  shippingAddress: ADDRESS,
  ...over,
});

function assertProblem(answer: Answer, status: number, code: string) {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body.status, status);
  assert.equal(answer.body.code, code);
  assert.equal(typeof answer.body.title, 'string');
  assert.equal(typeof answer.body.detail, 'string');
  assert.match(answer.body.type, /^https:\/\//);
}

// --- orders --------------------------------------------------------------------------------------

test('placing an order answers 202 with the order id and a Location to follow', async () => {
  const before = createCalls.length;
  const key = randomUUID();
  const res = await placeOrder(orderBody({ sagaMode: 'orchestration' }), key);
  assert.equal(res.status, 202);
  assert.deepEqual(Object.keys(res.body).sort(), ['orderId', 'sagaMode', 'status']);
  assert.equal(res.body.status, 'PENDING');
  assert.equal(res.body.sagaMode, 'orchestration');
  assert.equal(res.headers.get('location'), `/v1/orders/${res.body.orderId}`);
  assert.equal(createCalls.length, before + 1);
  const call = createCalls.at(-1);
  assert.equal(call?.request.sagaMode, 'SAGA_MODE_ORCHESTRATION');
  assert.deepEqual(call?.request.shippingAddress, ADDRESS);
  assert.match(call?.request.requestId ?? '', /^gw_[0-9a-f]{40}$/);
  assert.equal(
    call?.idempotencyKey,
    call?.request.requestId,
    'the call is retryable on the same id',
  );

  const read = await http('GET', res.headers.get('location') ?? '');
  assert.equal(read.status, 200);
  assert.equal(read.body.orderId, res.body.orderId);
  assert.equal(read.body.status, 'PENDING');
  assert.equal(read.body.currency, 'EUR');
  assert.equal(read.body.totalCents, 2_500);
  assert.equal(read.body.reason, undefined, 'an empty reason is left out');
  assert.deepEqual(read.body.timeline, [
    { step: 'OrderPlaced', source: 'order', outcome: 'ok', detail: '', at: NOW },
  ]);
});

test('without an Idempotency-Key an order is refused with 400 and nothing is placed', async () => {
  const before = createCalls.length;
  const res = await placeOrder(orderBody(), null);
  assertProblem(res, 400, 'IDEMPOTENCY.KEY_MISSING');
  assert.equal(createCalls.length, before);
});

test('20 concurrent requests with one key place one order; every answer agrees', async () => {
  const key = randomUUID();
  const body = orderBody({ customerId: 'slow' });
  let release: () => void = () => {};
  gate = new Promise((resolve) => {
    release = resolve;
  });
  const before = createCalls.length;
  const answers: Answer[] = [];
  const all = Array.from({ length: 20 }, () =>
    placeOrder(body, key).then((a) => {
      answers.push(a);
      return a;
    }),
  );
  // The first request is inside CreateOrder (held by the gate) while the others arrive.
  await eventually(() => assert.equal(answers.length, 19), { timeoutMs: 5_000, intervalMs: 20 });
  release();
  const results = await Promise.all(all);
  assert.equal(createCalls.length - before, 1, 'exactly one CreateOrder call');
  const accepted = results.filter((r) => r.status === 202);
  const inFlight = results.filter((r) => r.status === 409);
  assert.equal(accepted.length + inFlight.length, 20, `statuses ${results.map((r) => r.status)}`);
  assert.equal(accepted.length, 1);
  for (const r of inFlight) {
    assertProblem(r, 409, 'IDEMPOTENCY.IN_FLIGHT');
    assert.equal(r.headers.get('retry-after'), '1');
  }
  const orderId = accepted[0]?.body.orderId;
  const replay = await placeOrder(body, key);
  assert.equal(replay.status, 202);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(replay.body.orderId, orderId);
  assert.equal(replay.headers.get('location'), `/v1/orders/${orderId}`);
  assert.equal(createCalls.length - before, 1, 'the replay did not call CreateOrder');

  const reused = await placeOrder(orderBody({ customerId: 'someone-else' }), key);
  assertProblem(reused, 422, 'IDEMPOTENCY.KEY_REUSED');
});

test('the same body with its keys in another order is the same request, not a reused key', async () => {
  const key = randomUUID();
  const first = await placeOrder(orderBody(), key);
  const { shippingAddress, items, customerId } = orderBody();
  const again = await placeOrder({ shippingAddress, items, customerId }, key);
  assert.equal(again.status, 202);
  assert.equal(again.body.orderId, first.body.orderId);
});

test('an invalid order is refused with 400 naming each field at fault', async () => {
  const res = await placeOrder(
    orderBody({
      items: [{ sku: 'SKU-1', quantity: 0 }],
      shippingAddress: { ...ADDRESS, country: 'de' },
      coupon: 'FREE',
    }),
  );
  assertProblem(res, 400, 'REQUEST.INVALID');
  const fields = Object.fromEntries(
    res.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
  );
  assert.equal(fields['items/0/quantity'], 'must be >= 1');
  assert.match(fields['shippingAddress/country'], /must match pattern/);
  assert.equal(fields.coupon, 'is not allowed');
  assert.match(res.body.detail, /items\/0\/quantity must be >= 1/);

  const typed = await placeOrder(orderBody({ items: [{ sku: 'SKU-1', quantity: '2' }] }));
  assertProblem(typed, 400, 'REQUEST.INVALID');
  assert.deepEqual(typed.body.errors, [{ field: 'items/0/quantity', message: 'must be integer' }]);

  const empty = await placeOrder(orderBody({ items: [], sagaMode: 'chaos' }));
  assert.deepEqual(
    empty.body.errors.map((e: { field: string }) => e.field),
    ['items', 'sagaMode'],
  );
});

test("a service's refusal is 422 with its message; its crash is a 500 that leaks nothing", async () => {
  const refused = await placeOrder(orderBody({ items: [{ sku: 'UNKNOWN-1', quantity: 1 }] }));
  assertProblem(refused, 422, 'ORDER.INVALID');
  assert.equal(refused.body.detail, 'unknown SKU UNKNOWN-1');

  const crashed = await placeOrder(orderBody({ customerId: 'crash' }));
  assertProblem(crashed, 500, 'INTERNAL');
  assert.doesNotMatch(JSON.stringify(crashed.body), /postgres|s3cret|internal error/);
});

test('an unknown order is a 404 problem', async () => {
  const res = await http('GET', '/v1/orders/ord-does-not-exist');
  assertProblem(res, 404, 'ORDER.NOT_FOUND');
  assert.equal(res.body.detail, 'order ord-does-not-exist not found');
});

test('orders list newest first, at most `limit`, and a bad limit is a 400', async () => {
  const res = await http('GET', '/v1/orders?limit=2');
  assert.equal(res.status, 200);
  assert.equal(res.body.orders.length, 2);
  assert.equal(typeof res.body.orders[0].orderId, 'string');
  assertProblem(await http('GET', '/v1/orders?limit=0'), 400, 'REQUEST.INVALID');
});

test('a pending order can be cancelled; a terminal one is a 409', async () => {
  const placed = await placeOrder(orderBody());
  const cancelled = await http('DELETE', `/v1/orders/${placed.body.orderId}`);
  assert.equal(cancelled.status, 200);
  assert.equal(cancelled.body.status, 'CANCELLED');
  assert.equal(cancelled.body.reason, 'CANCELLED_BY_CUSTOMER');

  const other = await placeOrder(orderBody());
  const id = other.body.orderId as string;
  const stored = orders.get(id);
  assert.ok(stored);
  orders.set(id, { ...stored, status: 'ORDER_STATUS_CONFIRMED' });
  const refused = await http('DELETE', `/v1/orders/${id}`);
  assertProblem(refused, 409, 'ORDER.CONFLICT');
  assert.match(refused.body.detail, /ORDER_STATUS_CONFIRMED/);
});

test("an order's payment and shipment: 404 when there is none, the shipment when there is", async () => {
  assertProblem(await http('GET', '/v1/orders/ord-x/payment'), 404, 'PAYMENT.NOT_FOUND');
  shipments.set(
    'ord-shipped',
    Shipment.fromPartial({
      orderId: 'ord-shipped',
      status: 'SCHEDULED',
      address: ADDRESS,
      deliveryDate: '2026-01-05',
    }),
  );
  const res = await http('GET', '/v1/orders/ord-shipped/shipment');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    orderId: 'ord-shipped',
    status: 'SCHEDULED',
    address: ADDRESS,
    deliveryDate: '2026-01-05',
  });
});

// --- products and customers ----------------------------------------------------------------------

test('a product is created once (201, Location), read back, listed; other values for its SKU are a 409', async () => {
  const sku = `SKU-${randomUUID().slice(0, 8).toUpperCase()}`;
  const headers = { 'idempotency-key': randomUUID() };
  const body = { sku, name: 'Tee', priceCents: 1_999, stock: 10 };
  const created = await http('POST', '/v1/products', { body, headers });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('location'), `/v1/products/${sku}`);
  assert.deepEqual(created.body, {
    sku,
    name: 'Tee',
    priceCents: 1_999,
    currency: 'EUR',
    available: 10,
    reserved: 0,
    committed: 0,
  });
  assert.deepEqual((await http('GET', `/v1/products/${sku}`)).body, created.body);
  const list = await http('GET', '/v1/products');
  assert.ok(list.body.products.some((p: { sku: string }) => p.sku === sku));

  const clash = await http('POST', '/v1/products', {
    body: { ...body, priceCents: 5 },
    headers: { 'idempotency-key': randomUUID() },
  });
  assertProblem(clash, 409, 'PRODUCT.ALREADY_EXISTS');
  const badSku = await http('POST', '/v1/products', {
    body: { ...body, sku: 'lower-case' },
    headers: { 'idempotency-key': randomUUID() },
  });
  assertProblem(badSku, 400, 'REQUEST.INVALID');
  assert.equal(badSku.body.errors[0].field, 'sku');
  assertProblem(await http('GET', '/v1/products/NOPE-1'), 404, 'PRODUCT.NOT_FOUND');
});

test('a customer without an id gets one, and a retry with the same key gets the same customer', async () => {
  const headers = { 'idempotency-key': randomUUID() };
  const body = { name: 'Grace', balanceCents: 10_000 };
  const created = await http('POST', '/v1/customers', { body, headers });
  assert.equal(created.status, 201);
  assert.match(created.body.customerId, /^cust_[0-9a-f-]{36}$/);
  assert.equal(created.body.creditLimitCents, 0, 'the default credit limit');
  assert.equal(created.body.availableCents, 10_000);
  assert.equal(created.headers.get('location'), `/v1/customers/${created.body.customerId}`);
  const retry = await http('POST', '/v1/customers', { body, headers });
  assert.equal(retry.body.customerId, created.body.customerId);
  const read = await http('GET', `/v1/customers/${created.body.customerId}`);
  assert.deepEqual(read.body, created.body);
  assertProblem(await http('GET', '/v1/customers/nobody'), 404, 'CUSTOMER.NOT_FOUND');
});

// --- failures of the HTTP layer ------------------------------------------------------------------

test('an unknown route is a 404 problem, a non-JSON body a 415, malformed JSON a 400', async () => {
  const unknown = await http('GET', '/v2/whatever?x=1');
  assertProblem(unknown, 404, 'ROUTE.NOT_FOUND');
  assert.equal(unknown.body.detail, 'No route serves GET /v2/whatever.');

  const text = await http('POST', '/v1/orders', {
    body: 'hello',
    headers: { 'content-type': 'text/plain', 'idempotency-key': randomUUID() },
  });
  assertProblem(text, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');

  const malformed = await http('POST', '/v1/orders', {
    body: '{"customerId":',
    headers: { 'idempotency-key': randomUUID() },
  });
  assertProblem(malformed, 400, 'REQUEST.INVALID');
});

test('a body above the limit is refused with 413', async () => {
  const res = await placeOrder(orderBody({ customerId: 'x'.repeat(70_000) }));
  assertProblem(res, 413, 'REQUEST.PAYLOAD_TOO_LARGE');
});

// --- dependencies failing ----------------------------------------------------------------------

test('a service that never answers is a 503 with Retry-After at its deadline, not a hang', async () => {
  const start = Date.now();
  const res = await http('GET', '/v1/orders/hang-1');
  const elapsed = Date.now() - start;
  assertProblem(res, 503, 'DEPENDENCY.TIMEOUT');
  assert.equal(res.headers.get('retry-after'), '1');
  assert.ok(elapsed >= READ_DEADLINE_MS - 50, `answered after ${elapsed} ms`);
  assert.ok(elapsed < READ_DEADLINE_MS + 1_500, `answered after ${elapsed} ms`);
});

test('a store that fails is a 503 and nothing is placed', async () => {
  // A Redis nobody listens on: this gateway cannot record the key, so it must not execute.
  const dead = new Redis({
    host: '127.0.0.1',
    port: 1,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  });
  dead.on('error', () => {});
  const broken = buildApp(
    {
      ...clients,
      idempotency: createIdempotencyStore({ redis: dead, prefix }),
      logger,
      readiness: { checks: {}, isShuttingDown: () => false },
    },
    configFor({ core: 'unused:1', shipping: 'unused:1' }),
  );
  try {
    const before = createCalls.length;
    const res = await broken.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { 'idempotency-key': randomUUID() },
      payload: orderBody(),
    });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'DEPENDENCY.UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(createCalls.length, before);
  } finally {
    await broken.close();
    dead.disconnect();
  }
});

test('readiness follows the dependencies: a stopped service is a 503 everywhere until it is back', async () => {
  assert.deepEqual((await http('GET', '/readyz')).body, { status: 'ready' });
  assert.equal((await http('GET', '/livez')).status, 200);

  await shipping?.shutdown(500);
  const down = await http('GET', '/v1/orders/ord-shipped/shipment');
  assert.equal(down.status, 503);
  assert.match(down.body.code, /^DEPENDENCY\.(UNAVAILABLE|CIRCUIT_OPEN)$/);
  assert.ok(Number(down.headers.get('retry-after')) >= 1);
  const notReady = await http('GET', '/readyz');
  assert.equal(notReady.status, 503);
  assert.deepEqual(notReady.body, { status: 'not ready', failed: ['shipping'] });
  assert.equal((await http('GET', '/livez')).status, 200, 'liveness checks nothing external');

  // Failing calls open the breaker: then the gateway answers at once, without calling.
  const open = await eventually(
    async () => {
      const res = await http('GET', '/v1/orders/ord-shipped/shipment');
      assert.equal(res.body.code, 'DEPENDENCY.CIRCUIT_OPEN');
      return res;
    },
    { timeoutMs: 5_000, intervalMs: 10 },
  );
  assertProblem(open, 503, 'DEPENDENCY.CIRCUIT_OPEN');
  assert.equal(open.headers.get('retry-after'), String(BREAKER_HALF_OPEN_MS / 1_000));

  // Back on the same address: the breaker lets a probe through and closes.
  await startShipping(shippingAddress);
  await eventually(
    async () => assert.equal((await http('GET', '/v1/orders/ord-shipped/shipment')).status, 200),
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  await eventually(async () => assert.equal((await http('GET', '/readyz')).status, 200), {
    timeoutMs: 10_000,
  });
});

test('from the first step of shutdown, readiness is a 503', async () => {
  shuttingDown = true;
  try {
    const res = await http('GET', '/readyz');
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { status: 'shutting down' });
  } finally {
    shuttingDown = false;
  }
});

// --- documentation -------------------------------------------------------------------------------

test('/openapi.json is OpenAPI 3 generated from the routes: every operation summarised, with problem responses', async () => {
  const res = await http('GET', '/openapi.json');
  assert.equal(res.status, 200);
  const doc = res.body;
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  assert.equal(doc.info.title, 'Saga Platform API');
  assert.deepEqual(doc.servers, [{ url: 'http://127.0.0.1:18080' }]);
  for (const path of [
    '/v1/orders',
    '/v1/orders/{orderId}',
    '/v1/orders/{orderId}/payment',
    '/v1/orders/{orderId}/shipment',
    '/v1/products',
    '/v1/products/{sku}',
    '/v1/customers',
    '/v1/customers/{customerId}',
    '/livez',
    '/readyz',
  ])
    assert.ok(doc.paths[path], `${path} documented`);
  assert.equal(doc.paths['/docs'], undefined);
  assert.equal(doc.paths['/openapi.json'], undefined);
  for (const [path, operations] of Object.entries<Record<string, Record<string, unknown>>>(
    doc.paths,
  )) {
    for (const [method, op] of Object.entries(operations)) {
      assert.ok(op.summary, `${method} ${path} has a summary`);
      assert.ok(op.responses, `${method} ${path} has responses`);
    }
  }
  const post = doc.paths['/v1/orders'].post;
  assert.ok(post.responses['202']);
  assert.deepEqual(Object.keys(post.responses['400'].content), ['application/problem+json']);
  assert.equal(
    post.responses['503'].content['application/problem+json'].schema.$ref,
    '#/components/schemas/Problem',
  );
  assert.ok(post.responses['503'].headers['retry-after']);
  assert.ok(
    post.parameters.some(
      (p: { in: string; name: string; required: boolean }) =>
        p.in === 'header' && p.name === 'idempotency-key' && p.required,
    ),
  );
  for (const name of ['Problem', 'Order', 'Product', 'Customer', 'Payment', 'Shipment'])
    assert.ok(doc.components.schemas[name], `components.schemas.${name}`);
});

test('/docs serves the Swagger UI', async () => {
  const res = await fetch(`${base}/docs/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await res.text(), /swagger/i);
});

/**
 * A small client of the platform's public API for e2e tests: everything goes through the
 * gateway, as a user's requests would.
 */
import { randomUUID } from 'node:crypto';
import { eventually, testStack } from '@saga/testkit';

const { endpoints } = testStack(process.env);
/** The gateway's base URL. */
export const GATEWAY = endpoints.gatewayUrl;

/** A response: status, headers and parsed JSON body. */
export type ApiResponse<T = Record<string, unknown>> = {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
};

/** One HTTP call to the gateway with a JSON body; never throws on an HTTP error status. */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ApiResponse<T>> {
  const res = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
}

export type Address = {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
};
export const ADDRESS: Address = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

export type Order = {
  orderId: string;
  customerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
  reason?: string;
  reasonDetail?: string;
  items: { sku: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  sagaMode: string;
  timeline: { step: string; source: string; outcome: string; detail: string; at: string }[];
};
export type Product = {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  committed: number;
};
export type Customer = {
  customerId: string;
  balanceCents: number;
  heldCents: number;
  creditLimitCents: number;
  availableCents: number;
};

const unique = () => randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase();

/** Creates a product of its own for a test, so stock numbers are exact. */
export async function newProduct(stock: number, priceCents = 1_000): Promise<Product> {
  const sku = `SKU-E2E-${unique()}`;
  const res = await api<Product>('POST', '/v1/products', {
    body: { sku, name: `e2e ${sku}`, priceCents, stock },
    headers: { 'idempotency-key': randomUUID() },
  });
  if (res.status !== 201)
    throw new Error(`create product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates a customer of its own for a test, so balances are exact. */
export async function newCustomer(balanceCents: number, creditLimitCents = 0): Promise<Customer> {
  const res = await api<Customer>('POST', '/v1/customers', {
    body: {
      customerId: `cust_e2e_${unique().toLowerCase()}`,
      name: 'e2e customer',
      balanceCents,
      creditLimitCents,
    },
    headers: { 'idempotency-key': randomUUID() },
  });
  if (res.status !== 201)
    throw new Error(`create customer: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function product(sku: string): Promise<Product> {
  const res = await api<Product>('GET', `/v1/products/${encodeURIComponent(sku)}`);
  if (res.status !== 200) throw new Error(`product ${sku}: ${res.status}`);
  return res.body;
}

export async function customer(id: string): Promise<Customer> {
  const res = await api<Customer>('GET', `/v1/customers/${encodeURIComponent(id)}`);
  if (res.status !== 200) throw new Error(`customer ${id}: ${res.status}`);
  return res.body;
}

/** Places an order; returns the raw response (202 expected). */
export function placeOrder(
  body: {
    customerId: string;
    items: { sku: string; quantity: number }[];
    shippingAddress?: Address;
    sagaMode?: string;
  },
  key: string = randomUUID(),
): Promise<ApiResponse<{ orderId: string; status: string }>> {
  return api('POST', '/v1/orders', {
    body: { shippingAddress: ADDRESS, ...body },
    headers: { 'idempotency-key': key },
  });
}

/**
 * Places an order as a well-behaved client does: one Idempotency-Key, and while the answer is
 * "not now" (503 with `Retry-After` when the platform sheds load or a dependency is briefly
 * unavailable, 409 while the same key is still in flight) it waits that long and sends the same
 * request again, until a final answer or `deadlineMs`. The key guarantees one order at most.
 */
export async function placeOrderRetrying(
  body: Parameters<typeof placeOrder>[0],
  deadlineMs = 30_000,
): Promise<ApiResponse<{ orderId: string; status: string }> & { attempts: number }> {
  const key = randomUUID();
  const deadline = Date.now() + deadlineMs;
  for (let attempts = 1; ; attempts++) {
    const res = await placeOrder(body, key);
    if ((res.status !== 503 && res.status !== 409) || Date.now() > deadline) {
      return { ...res, attempts };
    }
    const retryAfterS = Number(res.headers.get('retry-after')) || 1;
    await new Promise((r) => setTimeout(r, Math.min(retryAfterS, 2) * 1000 * Math.random()));
  }
}

export async function order(orderId: string): Promise<Order> {
  const res = await api<Order>('GET', `/v1/orders/${orderId}`);
  if (res.status !== 200) throw new Error(`order ${orderId}: ${res.status}`);
  return res.body;
}

/** Polls until the order is no longer PENDING. */
export function settled(orderId: string, timeoutMs = 30_000): Promise<Order> {
  return eventually(
    async () => {
      const o = await order(orderId);
      if (o.status === 'PENDING') throw new Error(`order ${orderId} still PENDING`);
      return o;
    },
    { timeoutMs, intervalMs: 100, description: `order ${orderId} settled` },
  );
}

/** The payment of an order, or undefined when it has none (404). */
export async function payment(
  orderId: string,
): Promise<{ status: string; amountCents: number } | undefined> {
  const res = await api<{ status: string; amountCents: number }>(
    'GET',
    `/v1/orders/${orderId}/payment`,
  );
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`payment ${orderId}: ${res.status}`);
  return res.body;
}

/** The shipment of an order, or undefined when it has none (404). */
export async function shipment(
  orderId: string,
): Promise<{ status: string; reason?: string } | undefined> {
  const res = await api<{ status: string; reason?: string }>(
    'GET',
    `/v1/orders/${orderId}/shipment`,
  );
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`shipment ${orderId}: ${res.status}`);
  return res.body;
}

/** Polls until `check` passes (assertions inside it), e.g. for compensations still landing. */
export function settles<T>(
  check: () => Promise<T>,
  description: string,
  timeoutMs = 20_000,
): Promise<T> {
  return eventually(check, { timeoutMs, intervalMs: 100, description });
}

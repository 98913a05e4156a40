import { randomUUID } from 'node:crypto';

/** The saga style of an order, or both alternating. */
export type SagaMode = 'choreography' | 'orchestration';
export type ModeChoice = SagaMode | 'mixed';
export const MODE_CHOICES: readonly ModeChoice[] = ['choreography', 'orchestration', 'mixed'];

/** A final order status (GET /v1/orders/{id}). */
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
export const TERMINAL: ReadonlySet<OrderStatus> = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);

/** What an order of the mix is meant to do (docs/fixtures.md), so its outcome can be judged. */
export type OrderKind = 'happy' | 'declined' | 'undeliverable';

const ADDRESS = {
  name: 'Chaos Monkey',
  line1: '1 Failure Lane',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
/** Fixtures that force each outcome (docs/fixtures.md). */
const ORDER_BODIES: Record<OrderKind, (mode: SagaMode) => Record<string, unknown>> = {
  happy: (sagaMode) => ({
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    shippingAddress: ADDRESS,
    sagaMode,
  }),
  declined: (sagaMode) => ({
    customerId: 'cust_declined',
    items: [{ sku: 'SKU-MUG', quantity: 1 }],
    shippingAddress: ADDRESS,
    sagaMode,
  }),
  undeliverable: (sagaMode) => ({
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-TSHIRT', quantity: 1 }],
    shippingAddress: { ...ADDRESS, postalCode: '00000' },
    sagaMode,
  }),
};

/** One POST /v1/orders as the load generator saw it. */
export type RequestRecord = {
  /** `Date.now()` when it was sent. */
  readonly at: number;
  readonly latencyMs: number;
  /** HTTP status, or 0 when no answer came (timeout, connection refused). */
  readonly status: number;
  readonly mode: SagaMode;
  readonly kind: OrderKind;
  readonly idempotencyKey: string;
  readonly orderId?: string;
  /** The answer's content type (a failure should be `application/problem+json`). */
  readonly contentType?: string;
  readonly error?: string;
};

/** Options of {@link startLoad}. */
export type LoadOptions = {
  readonly gatewayUrl: string;
  /** Orders per second, sent open-loop: on schedule whether or not earlier ones answered. */
  readonly ratePerSecond: number;
  readonly mode: ModeChoice;
  /** Share of orders meant to be rejected (half declined payment, half undeliverable). Default 0.2. */
  readonly rejectShare?: number;
  /** Per-request timeout. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Header `x-client-id` (the Idempotency-Key's scope). */
  readonly clientId?: string;
};

/** A running load. */
export type Load = {
  /** Every request sent so far (answered or not). */
  readonly records: () => readonly RequestRecord[];
  /** Stops sending and waits for the requests in flight. */
  readonly stop: () => Promise<readonly RequestRecord[]>;
};

/**
 * Sends one order through the gateway's public API with a fresh Idempotency-Key (or `key`).
 * Never throws: a failure is a record with its status (0 for no answer).
 */
export async function placeOrder(
  gatewayUrl: string,
  mode: SagaMode,
  kind: OrderKind,
  options: { key?: string; timeoutMs?: number; clientId?: string } = {},
): Promise<RequestRecord> {
  const idempotencyKey = options.key ?? randomUUID();
  const at = Date.now();
  const t0 = performance.now();
  const base = { at, mode, kind, idempotencyKey };
  try {
    const res = await fetch(`${gatewayUrl}/v1/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        'x-client-id': options.clientId ?? 'chaos',
      },
      body: JSON.stringify(ORDER_BODIES[kind](mode)),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const latencyMs = performance.now() - t0;
    const contentType = res.headers.get('content-type') ?? '';
    if (res.status === 202 || res.status === 200 || res.status === 201) {
      const { orderId } = JSON.parse(text) as { orderId: string };
      return { ...base, latencyMs, status: res.status, contentType, orderId };
    }
    return { ...base, latencyMs, status: res.status, contentType, error: text.slice(0, 200) };
  } catch (err) {
    return {
      ...base,
      latencyMs: performance.now() - t0,
      status: 0,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    };
  }
}

/** The i-th order's kind: a deterministic spread, so short runs still see every kind. */
function kindOf(i: number, rejectShare: number): OrderKind {
  const every = rejectShare > 0 ? Math.max(1, Math.round(1 / rejectShare)) : 0;
  if (every === 0 || i % every !== every - 1) return 'happy';
  return Math.floor(i / every) % 2 === 0 ? 'declined' : 'undeliverable';
}

/**
 * Open-loop load: `ratePerSecond` orders a second through the gateway, each with its own
 * Idempotency-Key, whatever the gateway's latency (a closed loop would slow down with the system
 * and hide the very latency a fault causes). `mixed` alternates the two saga styles.
 *
 * @throws Error when the rate is not a positive number.
 */
export function startLoad(options: LoadOptions): Load {
  if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
    throw new Error(`load rate must be a positive number, not ${options.ratePerSecond}`);
  }
  const rejectShare = options.rejectShare ?? 0.2;
  const records: RequestRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  let sent = 0;
  const send = () => {
    const i = sent++;
    const mode: SagaMode =
      options.mode === 'mixed' ? (i % 2 === 0 ? 'choreography' : 'orchestration') : options.mode;
    const p = placeOrder(options.gatewayUrl, mode, kindOf(i, rejectShare), {
      ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
    }).then((r) => {
      records.push(r);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  // A coarse tick that sends however many orders are due: timers drift, the schedule does not.
  const tick = setInterval(
    () => {
      const due = Math.floor(((performance.now() - t0) / 1000) * options.ratePerSecond) + 1;
      while (sent < due) send();
    },
    Math.max(5, Math.min(100, 1000 / options.ratePerSecond)),
  );
  send();
  return {
    records: () => records,
    async stop() {
      clearInterval(tick);
      await Promise.all([...inFlight]);
      return records.toSorted((a, b) => a.at - b.at);
    },
  };
}

/** An order as GET /v1/orders/{id} shows it (the fields a chaos report needs). */
export type OrderView = {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly sagaMode: SagaMode;
  readonly reason?: string;
};

/**
 * Reads one order. `undefined` when the gateway did not answer 200 (a fault may still be on).
 */
export async function getOrder(
  gatewayUrl: string,
  orderId: string,
): Promise<OrderView | undefined> {
  try {
    const res = await fetch(`${gatewayUrl}/v1/orders/${orderId}`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return undefined;
    }
    return (await res.json()) as OrderView;
  } catch {
    return undefined;
  }
}

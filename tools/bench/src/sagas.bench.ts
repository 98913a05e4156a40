/**
 * `pnpm bench:sagas`: the checkout saga in its two styles, choreography and orchestration, over
 * the same participants (docs/saga-styles.md). Everything goes through the gateway's public API,
 * as a user's requests would; Kafka is only asked for its topics' end offsets (admin API). Prints
 * numbers; it asserts nothing.
 *
 * For each style, with a product and a customer of its own:
 * - latency: sequential orders, POST → CONFIRMED and POST → COMPLETED (the timeline holds
 *   StockCommitted and PaymentCaptured), seen by polling `GET /v1/orders/{id}` every 5 ms; the
 *   two styles' orders alternate, so both see the same background load;
 * - throughput: concurrent orders placed at once, settled (and completed) per second, how many
 *   were rejected and why (under load an orchestrated step can outlive SAGA_STEP_DEADLINE_MS),
 *   and the Kafka messages per order that batch took, compensations and retries included;
 * - messages per order: the sum of every topic's end offsets before and after a batch of
 *   sequential orders, once Kafka is quiet (no offset moved for 1 s), per topic;
 * - the same latency and messages for a rejected order (postal code `00000`: reserve, authorise,
 *   shipment rejected, then void and release), until REJECTED and until both compensations are
 *   in the timeline.
 *
 * Sizes: SAGA_BENCH_ORDERS (sequential orders per style, default 50), SAGA_BENCH_CONCURRENT
 * (default 200), SAGA_BENCH_QUIET (orders per message-count batch, default 20),
 * SAGA_BENCH_REJECTED (sequential rejected orders per style, default 20).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ALL_TOPICS } from '@saga/contracts';
import { testStack } from '@saga/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';

const MODES = ['choreography', 'orchestration'] as const;
type Mode = (typeof MODES)[number];

function size(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return n;
}

const { endpoints } = testStack(process.env);
const GATEWAY = endpoints.gatewayUrl;
const SEQUENTIAL = size('SAGA_BENCH_ORDERS', 50);
const CONCURRENT = size('SAGA_BENCH_CONCURRENT', 200);
const QUIET = size('SAGA_BENCH_QUIET', 20);
const REJECTED_ORDERS = size('SAGA_BENCH_REJECTED', 20);
const WARMUP = 3;
/** Polling interval of a latency sample (the resolution of the numbers, plus one GET). */
const POLL_MS = 5;
/** Longest wait for one order to reach a milestone. */
const ORDER_DEADLINE_MS = 60_000;
/** Longest wait for the concurrent batch to settle. */
const BATCH_DEADLINE_MS = 600_000;
const REQUEST_TIMEOUT_MS = 10_000;

const ADDRESS = {
  name: 'Bench Customer',
  line1: '1 Benchmark Way',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
/** The shipping fixture that rejects an address (docs/fixtures.md). */
const UNDELIVERABLE = { ...ADDRESS, postalCode: '00000' };

type Order = {
  orderId: string;
  status: 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
  reason?: string;
  timeline: { step: string }[];
};
type Fixture = { readonly sku: string; readonly customerId: string };

class HttpError extends Error {
  readonly status: number;
  constructor(what: string, status: number, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
    this.name = 'HttpError';
    this.status = status;
  }
}

async function call<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const res = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status >= 300) throw new HttpError(`${method} ${path}`, res.status, text);
  return JSON.parse(text) as T;
}

/** A 429, a 5xx or no answer at all: worth another try with the same Idempotency-Key. */
const retryable = (err: unknown) =>
  !(err instanceof HttpError) || err.status === 429 || err.status >= 500;

/**
 * A POST that creates something, retried with the same Idempotency-Key until `deadlineMs`
 * (the gateway then replays the first answer, so nothing is created twice).
 * @returns the body and how many attempts failed.
 */
async function create<T>(path: string, body: unknown, deadlineMs = 60_000) {
  const key = randomUUID();
  const deadline = Date.now() + deadlineMs;
  let failures = 0;
  for (;;) {
    try {
      return { body: await call<T>('POST', path, body, key), failures };
    } catch (err) {
      failures += 1;
      if (!retryable(err) || Date.now() >= deadline) {
        throw new Error(`POST ${path} failed after ${failures} attempts`, { cause: err });
      }
      await delay(Math.min(1_000, 50 * 2 ** failures));
    }
  }
}

async function fixture(mode: Mode): Promise<Fixture> {
  const unique = randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase();
  const sku = `SKU-BENCH-${unique}`;
  await create('/v1/products', { sku, name: `bench ${mode}`, priceCents: 100, stock: 1_000_000 });
  const customerId = `cust_bench_${mode.slice(0, 5)}_${unique.toLowerCase()}`;
  await create('/v1/customers', {
    customerId,
    name: `bench ${mode}`,
    balanceCents: 1_000_000_000,
    creditLimitCents: 0,
  });
  return { sku, customerId };
}

function placeOrder(mode: Mode, f: Fixture, address = ADDRESS) {
  return create<{ orderId: string }>('/v1/orders', {
    customerId: f.customerId,
    items: [{ sku: f.sku, quantity: 1 }],
    shippingAddress: address,
    sagaMode: mode,
  });
}

const getOrder = (orderId: string) => call<Order>('GET', `/v1/orders/${orderId}`);

const has = (o: Order, ...steps: string[]) =>
  steps.every((s) => o.timeline.some((t) => t.step === s));

/** A point an order is waited for; `expected` is the status it must reach, or it is an error. */
type Milestone = {
  readonly name: string;
  readonly expected: Order['status'];
  readonly reached: (o: Order) => boolean;
};
const CONFIRMED: Milestone = {
  name: 'CONFIRMED',
  expected: 'CONFIRMED',
  reached: (o) => o.status === 'CONFIRMED',
};
const COMPLETED: Milestone = {
  name: 'COMPLETED',
  expected: 'CONFIRMED',
  reached: (o) => o.status === 'CONFIRMED' && has(o, 'StockCommitted', 'PaymentCaptured'),
};
const REJECTED: Milestone = {
  name: 'REJECTED',
  expected: 'REJECTED',
  reached: (o) => o.status === 'REJECTED',
};
const COMPENSATED: Milestone = {
  name: 'REJECTED and compensated',
  expected: 'REJECTED',
  reached: (o) => o.status === 'REJECTED' && has(o, 'PaymentVoided', 'StockReleased'),
};
const HAPPY = { address: ADDRESS, milestones: [CONFIRMED, COMPLETED] } as const;
const UNHAPPY = { address: UNDELIVERABLE, milestones: [REJECTED, COMPENSATED] } as const;
type Path = typeof HAPPY | typeof UNHAPPY;

/**
 * Places one order and polls it every {@link POLL_MS} until every milestone is reached.
 * @returns milliseconds from just before the POST to the poll that saw each milestone.
 * @throws when the order settles with another status, or a milestone's deadline passes.
 */
async function timeOrder(mode: Mode, f: Fixture, path: Path): Promise<number[]> {
  const start = performance.now();
  const { orderId } = (await placeOrder(mode, f, path.address)).body;
  const times: (number | undefined)[] = path.milestones.map(() => undefined);
  const deadline = Date.now() + ORDER_DEADLINE_MS;
  let last: Order | undefined;
  for (;;) {
    try {
      last = await getOrder(orderId);
    } catch (err) {
      if (!retryable(err)) throw err;
    }
    const at = performance.now() - start;
    if (last) {
      const o = last;
      if (o.status !== 'PENDING' && !path.milestones.some((m) => m.expected === o.status)) {
        throw new Error(`${mode} order ${orderId} ended ${o.status} ${o.reason ?? ''}`);
      }
      for (const [i, m] of path.milestones.entries()) {
        if (times[i] === undefined && m.reached(o)) times[i] = at;
      }
      if (times.every((t) => t !== undefined)) return times as number[];
    }
    if (Date.now() >= deadline) {
      const missing = path.milestones.filter((_, i) => times[i] === undefined).map((m) => m.name);
      throw new Error(
        `${mode} order ${orderId} not ${missing.join(', ')} within ${ORDER_DEADLINE_MS} ms: ` +
          `${last?.status ?? 'never read'}, timeline ${last?.timeline.map((t) => t.step).join(' ') ?? '-'}`,
      );
    }
    await delay(POLL_MS);
  }
}

type Stats = { p50: number; p95: number; p99: number; max: number };

/** Nearest-rank percentiles. */
function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const pct = (p: number) => s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
  return { p50: pct(50), p95: pct(95), p99: pct(99), max: s.at(-1) ?? Number.NaN };
}

/**
 * `count` orders per style, one at a time, the styles alternating (so drift in the machine's
 * background load falls on both alike).
 * @returns per style, per milestone, the latency statistics.
 */
async function latencies(
  fixtures: Record<Mode, Fixture>,
  path: Path,
  count: number,
): Promise<Record<Mode, Stats[]>> {
  const samples = Object.fromEntries(
    MODES.map((m) => [m, path.milestones.map((): number[] => [])]),
  ) as Record<Mode, number[][]>;
  for (let i = 0; i < count; i++) {
    for (const mode of MODES) {
      const times = await timeOrder(mode, fixtures[mode], path);
      for (const [k, t] of times.entries()) samples[mode][k]?.push(t);
    }
  }
  return Object.fromEntries(MODES.map((m) => [m, samples[m].map(stats)])) as Record<Mode, Stats[]>;
}

type Throughput = {
  placedPerS: number;
  settledPerS: number;
  completedPerS: number;
  /** POST → settled of each order, as the sweeps saw it (coarse: a sweep takes a while). */
  settleMs: Stats;
  confirmed: number;
  /** Rejected orders by reason (a timeout: a step waited longer than its deadline). */
  rejected: Map<string, number>;
  postRetries: number;
  /** Kafka messages per order in this batch, compensations and retries included. */
  messages: number;
  messagesClean: boolean;
};

/**
 * `count` orders POSTed at once, between two quiet reads of the end offsets; then their orders
 * are read, four at a time, until every one is settled and completed (the reads cost the gateway
 * and the order service some CPU, alike for both styles).
 */
async function throughput(
  admin: Admin,
  mode: Mode,
  f: Fixture,
  count: number,
): Promise<Throughput> {
  const before = await quietOffsets(admin); // the previous batch has drained, too
  const start = performance.now();
  const placed = await Promise.all(Array.from({ length: count }, () => placeOrder(mode, f)));
  const placedAt = performance.now() - start;
  const pending = new Set(placed.map((p) => p.body.orderId));
  const unsettled = new Set(pending);
  const settleMs: number[] = [];
  const rejected = new Map<string, number>();
  let lastSettled = 0;
  let lastCompleted = 0;
  let confirmed = 0;
  const deadline = Date.now() + BATCH_DEADLINE_MS;
  while (pending.size > 0) {
    if (Date.now() >= deadline) {
      throw new Error(
        `${mode}: ${pending.size} of ${count} concurrent orders not completed within ${BATCH_DEADLINE_MS} ms`,
      );
    }
    const ids = [...pending];
    for (let i = 0; i < ids.length; i += 4) {
      const reads = await Promise.allSettled(ids.slice(i, i + 4).map(getOrder));
      const at = performance.now() - start;
      for (const r of reads) {
        if (r.status === 'rejected') {
          if (!retryable(r.reason)) throw r.reason;
          continue;
        }
        const o = r.value;
        if (o.status === 'PENDING') continue;
        if (unsettled.delete(o.orderId)) {
          lastSettled = at;
          settleMs.push(at);
          if (o.status === 'CONFIRMED') confirmed += 1;
          else {
            const reason = o.reason ?? o.status;
            rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
          }
        }
        // A rejected order is done once settled; its compensations show in the offsets.
        if (o.status !== 'CONFIRMED' || COMPLETED.reached(o)) {
          pending.delete(o.orderId);
          lastCompleted = at;
        }
      }
    }
    await delay(20);
  }
  // A timed-out saga may still be retrying its compensations, with pauses longer than the quiet
  // second: wait for every saga to finish before the offsets are read.
  if (mode === 'orchestration') await sagasFinished(placed.map((p) => p.body.orderId));
  const after = await quietOffsets(admin);
  const sent = ALL_TOPICS.reduce(
    (n, t) => n + (after.offsets.get(t) ?? 0) - (before.offsets.get(t) ?? 0),
    0,
  );
  return {
    placedPerS: count / (placedAt / 1000),
    settledPerS: count / (lastSettled / 1000),
    completedPerS: count / (lastCompleted / 1000),
    settleMs: stats(settleMs),
    confirmed,
    rejected,
    postRetries: placed.reduce((n, p) => n + p.failures, 0),
    messages: sent / count,
    messagesClean: before.quiet && after.quiet,
  };
}

/** Waits until the orchestrated saga of every order is COMPLETED or COMPENSATED. */
async function sagasFinished(orderIds: readonly string[]): Promise<void> {
  const deadline = Date.now() + BATCH_DEADLINE_MS;
  for (const orderId of orderIds) {
    for (;;) {
      const saga = await call<{ state: string }>('GET', `/v1/orders/${orderId}/saga`).catch(
        (err: unknown) => {
          if (retryable(err)) return undefined;
          throw err;
        },
      );
      if (saga?.state === 'COMPLETED' || saga?.state === 'COMPENSATED') break;
      if (Date.now() >= deadline) {
        throw new Error(`the saga of order ${orderId} is still ${saga?.state ?? '?'}`);
      }
      await delay(100);
    }
  }
}

/** Sum of the end offsets of every partition, per topic. */
async function endOffsets(admin: Admin): Promise<Map<string, number>> {
  const entries = await Promise.all(
    ALL_TOPICS.map(async (topic) => {
      const partitions = await admin.fetchTopicOffsets(topic);
      return [topic, partitions.reduce((n, p) => n + Number(p.high), 0)] as const;
    }),
  );
  return new Map(entries);
}

const same = (a: Map<string, number>, b: Map<string, number>) =>
  [...a].every(([t, n]) => b.get(t) === n);

/**
 * Waits until no end offset moves for one second.
 * @returns the offsets, and whether they did settle (false: other traffic kept them moving).
 */
async function quietOffsets(admin: Admin, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let offsets = await endOffsets(admin);
  let since = Date.now();
  while (Date.now() < deadline) {
    await delay(250);
    const now = await endOffsets(admin);
    if (!same(offsets, now)) {
      offsets = now;
      since = Date.now();
    } else if (Date.now() - since >= 1_000) {
      return { offsets, quiet: true };
    }
  }
  return { offsets, quiet: false };
}

type Messages = { perTopic: Map<string, number>; total: number; clean: boolean };

/**
 * Messages per order: `count` orders one at a time, each waited for until its last milestone,
 * between two quiet reads of the end offsets. Repeated (up to three times) when another client's
 * traffic shows, i.e. a topic's count is not a whole number per order.
 */
async function messagesPerOrder(
  admin: Admin,
  mode: Mode,
  f: Fixture,
  path: Path,
  count: number,
): Promise<Messages> {
  let result: Messages | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const before = await quietOffsets(admin);
    for (let i = 0; i < count; i++) await timeOrder(mode, f, path);
    const after = await quietOffsets(admin);
    const perTopic = new Map(
      ALL_TOPICS.map((t) => [
        t,
        ((after.offsets.get(t) ?? 0) - (before.offsets.get(t) ?? 0)) / count,
      ]),
    );
    const total = [...perTopic.values()].reduce((a, b) => a + b, 0);
    const clean =
      before.quiet && after.quiet && [...perTopic.values()].every((n) => Number.isInteger(n));
    result = { perTopic, total, clean };
    if (clean) return result;
    console.log(`  ${mode}: other traffic on Kafka during the batch (attempt ${attempt}), again`);
  }
  return result as Messages;
}

// ---- output ---------------------------------------------------------------------------------

const COL = 24;
const LABEL = 46;
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const latencyCell = (s: Stats | undefined) =>
  s ? `${ms(s.p50)}/${ms(s.p95)}/${ms(s.p99)}/${ms(s.max)}` : '-';

function row(label: string, cells: Record<Mode, string>) {
  console.log(`${label.padEnd(LABEL)}${MODES.map((m) => cells[m].padStart(COL)).join('')}`);
}
const each = (f: (m: Mode) => string) =>
  Object.fromEntries(MODES.map((m) => [m, f(m)])) as Record<Mode, string>;

function messageRows(title: string, m: Record<Mode, Messages>) {
  row(
    title,
    each((mode) => `${m[mode].total.toFixed(2)}${m[mode].clean ? '' : ' (noisy)'}`),
  );
  for (const topic of ALL_TOPICS) {
    const cells = each((mode) => {
      const n = m[mode].perTopic.get(topic) ?? 0;
      return n === 0 ? '-' : n.toFixed(2);
    });
    if (MODES.some((mode) => cells[mode] !== '-')) row(`    ${topic}`, cells);
  }
}

// ---- run ------------------------------------------------------------------------------------

const kafka = new Kafka({
  clientId: 'bench-sagas',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
try {
  console.log(
    `checkout saga benchmark: ${GATEWAY}, ${SEQUENTIAL} sequential orders, ${CONCURRENT} concurrent, ` +
      `${QUIET} per message count, ${REJECTED_ORDERS} rejected; 1 line of 1 unit per order\n`,
  );
  const fixtures = Object.fromEntries(
    await Promise.all(MODES.map(async (m) => [m, await fixture(m)] as const)),
  ) as Record<Mode, Fixture>;

  console.log('warming up, then latency (the two styles alternate) ...');
  await latencies(fixtures, HAPPY, WARMUP);
  const happy = await latencies(fixtures, HAPPY, SEQUENTIAL);
  console.log('rejected-path latency ...');
  const unhappy = await latencies(fixtures, UNHAPPY, REJECTED_ORDERS);

  console.log('messages per order (quiet batches) ...');
  const happyMessages = {} as Record<Mode, Messages>;
  const unhappyMessages = {} as Record<Mode, Messages>;
  for (const mode of MODES) {
    happyMessages[mode] = await messagesPerOrder(admin, mode, fixtures[mode], HAPPY, QUIET);
    unhappyMessages[mode] = await messagesPerOrder(admin, mode, fixtures[mode], UNHAPPY, QUIET);
  }

  console.log('throughput ...');
  const rates = {} as Record<Mode, Throughput>;
  for (const mode of MODES) {
    rates[mode] = await throughput(admin, mode, fixtures[mode], CONCURRENT);
  }

  console.log('');
  row(
    '',
    each((m) => m),
  );
  console.log('latency, ms: p50/p95/p99/max');
  row(
    `  POST -> CONFIRMED (${SEQUENTIAL} orders)`,
    each((m) => latencyCell(happy[m][0])),
  );
  row(
    `  POST -> COMPLETED (committed, captured)`,
    each((m) => latencyCell(happy[m][1])),
  );
  row(
    `  POST -> REJECTED (${REJECTED_ORDERS} orders, postal 00000)`,
    each((m) => latencyCell(unhappy[m][0])),
  );
  row(
    `  POST -> REJECTED + voided + released`,
    each((m) => latencyCell(unhappy[m][1])),
  );
  console.log(`throughput (${CONCURRENT} orders POSTed at once)`);
  row(
    '  orders accepted (202) per s',
    each((m) => rates[m].placedPerS.toFixed(0)),
  );
  row(
    '  orders settled per s',
    each((m) => rates[m].settledPerS.toFixed(1)),
  );
  row(
    '  orders completed per s',
    each((m) => rates[m].completedPerS.toFixed(1)),
  );
  row(
    '  POST -> settled, s: p50/max (coarse)',
    each(
      (m) =>
        `${(rates[m].settleMs.p50 / 1000).toFixed(1)}/${(rates[m].settleMs.max / 1000).toFixed(1)}`,
    ),
  );
  row(
    '  confirmed / rejected / POST retries',
    each(
      (m) => `${rates[m].confirmed} / ${CONCURRENT - rates[m].confirmed} / ${rates[m].postRetries}`,
    ),
  );
  row(
    '  Kafka messages per order in the batch',
    each((m) => `${rates[m].messages.toFixed(2)}${rates[m].messagesClean ? '' : ' (noisy)'}`),
  );
  for (const m of MODES) {
    if (rates[m].rejected.size === 0) continue;
    const reasons = [...rates[m].rejected].map(([r, n]) => `${r} ${n}`).join(', ');
    console.log(`  ${m} rejections: ${reasons}`);
  }
  console.log(`Kafka messages per order (${QUIET} orders, end offsets, all partitions)`);
  messageRows('  confirmed order, total', happyMessages);
  messageRows('  rejected order, total', unhappyMessages);
} finally {
  await admin.disconnect();
}

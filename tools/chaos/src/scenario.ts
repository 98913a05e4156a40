import { setTimeout as delay } from 'node:timers/promises';
import type { ToxiproxyClient } from '@saga/testkit';
import type { ClientEndpoints } from '@saga/topology';
import type { Edges } from './edges.ts';
import {
  type Load,
  type LoadOptions,
  type ModeChoice,
  type OrderView,
  type RequestRecord,
  startLoad,
} from './load.ts';
import type { ProcessControl } from './processes.ts';
import { type Backlog, type BacklogProbe, waitForQuiescence } from './quiescence.ts';
import { countBy, ms, quantile } from './stats.ts';

/** The invariant checker's verdict as a chaos report needs it (tools/invariants). */
export type InvariantVerdict = {
  readonly ok: boolean;
  readonly violations: number;
  /** formatInvariantReport's text. */
  readonly text: string;
};

/** The invariant checker (@saga/invariants), scoped to a scenario's orders and DLQ baseline. */
export type InvariantChecker = {
  /** Captures the dead-letter topics' offsets: messages beyond them are this run's. */
  readonly baseline: () => Promise<unknown>;
  readonly check: (scope: {
    readonly orderIds: readonly string[];
    readonly since: Date;
    readonly dlqBaseline: unknown;
  }) => Promise<InvariantVerdict>;
};

/** What a scenario works with: the stack's addresses and the tools to break it and mend it. */
export type ChaosContext = {
  readonly endpoints: ClientEndpoints;
  readonly toxiproxy: ToxiproxyClient;
  readonly edges: Edges;
  readonly processes: ProcessControl;
  readonly backlog: BacklogProbe;
  readonly invariants: InvariantChecker;
  /** Progress lines while a scenario runs. */
  readonly log: (line: string) => void;
};

/** Options every scenario takes. */
export type RunOptions = {
  /** The short form the e2e suite runs (well under 2 min). */
  readonly short: boolean;
  readonly mode: ModeChoice;
};

/** One claim a scenario makes about what the platform did, checked against what was measured. */
export type Claim = { readonly name: string; readonly ok: boolean; readonly detail: string };

/** A load's summary: orders placed, request outcomes, latency of the POSTs, final order states. */
export type LoadSummary = {
  readonly requests: number;
  readonly accepted: number;
  /** Failed requests by HTTP status (`0` = no answer). */
  readonly failedByStatus: Readonly<Record<string, number>>;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Final order status counts per saga mode. */
  readonly outcomes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Happy-path orders that did not end CONFIRMED (a deadline or a fault compensated them). */
  readonly happyNotConfirmed: number;
};

/** What a scenario run produced. */
export type ScenarioResult = {
  readonly scenario: string;
  readonly mode: ModeChoice;
  readonly short: boolean;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly load: LoadSummary;
  /** From heal to the first accepted order, and to every order terminal + backlog drained. */
  readonly recovery: { readonly firstSuccessMs?: number; readonly quiescentMs?: number };
  readonly backlog?: Backlog;
  readonly invariants: InvariantVerdict;
  readonly claims: readonly Claim[];
  /** Facts worth reading (measurements, shared-edge warnings). */
  readonly notes: readonly string[];
  /** Invariants ok and every claim holds. */
  readonly ok: boolean;
};

/** A named scenario (`pnpm chaos <name>`). */
export type Scenario = {
  readonly name: string;
  readonly description: string;
  /** Whether the two saga styles behave differently under it (the e2e suite then runs both). */
  readonly modesDiffer: boolean;
  readonly run: (ctx: ChaosContext, options: RunOptions) => Promise<ScenarioResult>;
};

/** Summarises a load's records and the orders' final states. */
export function summarise(
  records: readonly RequestRecord[],
  orders: ReadonlyMap<string, OrderView>,
): LoadSummary {
  const accepted = records.filter((r) => r.orderId !== undefined);
  const latencies = records.filter((r) => r.status !== 0).map((r) => r.latencyMs);
  const outcomes: Record<string, Record<string, number>> = {};
  for (const r of accepted) {
    const status = orders.get(r.orderId as string)?.status ?? 'UNKNOWN';
    const byMode = outcomes[r.mode] ?? {};
    byMode[status] = (byMode[status] ?? 0) + 1;
    outcomes[r.mode] = byMode;
  }
  return {
    requests: records.length,
    accepted: accepted.length,
    failedByStatus: countBy(
      records.filter((r) => r.orderId === undefined),
      (r) => String(r.status),
    ),
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.length ? Math.max(...latencies) : Number.NaN,
    },
    outcomes,
    happyNotConfirmed: accepted.filter(
      (r) => r.kind === 'happy' && orders.get(r.orderId as string)?.status !== 'CONFIRMED',
    ).length,
  };
}

/** The phases of a standard scenario: load, inject, hold, heal, more load, quiescence, check. */
export type Phases = {
  readonly name: string;
  readonly options: RunOptions;
  /** Orders per second. */
  readonly rate: number;
  /** Load before the fault. */
  readonly warmupMs: number;
  /** How long the fault stays on. */
  readonly holdMs: number;
  /** Load after healing, before it stops. */
  readonly afterMs: number;
  /** Turns the fault on. */
  readonly inject: () => Promise<void>;
  /** Turns it off; also run in `finally` when anything fails. Must be idempotent. */
  readonly heal: () => Promise<void>;
  /** Runs while the fault is on (instead of merely waiting `holdMs`); e.g. probes. */
  readonly during?: (load: Load, signal: AbortSignal) => Promise<void>;
  /** Extra load options (request timeout). */
  readonly load?: Partial<Omit<LoadOptions, 'gatewayUrl' | 'ratePerSecond' | 'mode'>>;
  /** Longest wait for quiescence. Default 90 s. */
  readonly quiescenceTimeoutMs?: number;
  /**
   * Runs after the load stopped, before quiescence: e.g. client retries of failed requests.
   * Returns the orders it placed (checked like the load's) and its claims.
   */
  readonly afterLoad?: (
    m: Pick<Measured, 'records' | 'injectedAt' | 'healedAt'>,
  ) => Promise<{ orderIds: readonly string[]; claims: readonly Claim[] }>;
  /** The scenario's own claims, given what was measured. */
  readonly claims?: (m: Measured) => Claim[] | Promise<Claim[]>;
  readonly notes?: readonly string[];
};

/** What a standard run measured, for a scenario's claims. */
export type Measured = {
  readonly records: readonly RequestRecord[];
  readonly orders: ReadonlyMap<string, OrderView>;
  readonly injectedAt: number;
  readonly healedAt: number;
  readonly summary: LoadSummary;
};

/**
 * Runs a standard scenario: captures the DLQ baseline, starts open-loop load, injects the fault,
 * holds it, heals (always, also on failure), keeps the load on a little, stops it, waits for
 * quiescence and checks the invariants on the orders it placed.
 */
export async function runPhases(ctx: ChaosContext, p: Phases): Promise<ScenarioResult> {
  const startedAt = new Date();
  const t0 = Date.now();
  const dlqBaseline = await ctx.invariants.baseline();
  const load = startLoad({
    gatewayUrl: ctx.endpoints.gatewayUrl,
    ratePerSecond: p.rate,
    mode: p.options.mode,
    ...p.load,
  });
  let injectedAt = 0;
  let healedAt = 0;
  let records: readonly RequestRecord[] = [];
  let extra: Claim[] = [];
  let failure: { error: unknown } | undefined;
  try {
    ctx.log(`load ${p.rate}/s (${p.options.mode}); warm-up ${p.warmupMs / 1000}s`);
    await delay(p.warmupMs);
    ctx.log('inject');
    injectedAt = Date.now();
    await p.inject();
    // `during` runs until the hold ends: the timer aborts its signal.
    const hold = new AbortController();
    const timer = delay(p.holdMs).then(() => hold.abort());
    await Promise.all([p.during?.(load, hold.signal), timer]);
  } catch (error) {
    failure = { error };
  } finally {
    ctx.log('heal');
    await p.heal();
    healedAt = Date.now();
  }
  if (failure) {
    await load.stop();
    throw failure.error;
  }
  await delay(p.afterMs);
  records = await load.stop();
  ctx.log(`load stopped: ${records.length} requests; waiting for quiescence`);
  const after = p.afterLoad ? await p.afterLoad({ records, injectedAt, healedAt }) : undefined;
  const orderIds = [
    ...new Set([
      ...records.flatMap((r) => (r.orderId ? [r.orderId] : [])),
      ...(after?.orderIds ?? []),
    ]),
  ];
  const q = await waitForQuiescence({
    gatewayUrl: ctx.endpoints.gatewayUrl,
    orderIds,
    probe: ctx.backlog,
    timeoutMs: p.quiescenceTimeoutMs ?? 90_000,
  });
  const summary = summarise(records, q.orders);
  const firstOk = records.find((r) => r.at >= healedAt && r.orderId !== undefined);
  ctx.log('checking invariants');
  const invariants = await ctx.invariants.check({ orderIds, since: startedAt, dlqBaseline });
  if (p.claims) {
    extra = await p.claims({ records, orders: q.orders, injectedAt, healedAt, summary });
  }
  const claims = [
    {
      name: 'every accepted order reached a final state',
      ok: q.orders.size === orderIds.length,
      detail: `${q.orders.size}/${orderIds.length} terminal`,
    },
    ...(after?.claims ?? []),
    ...extra,
  ];
  return {
    scenario: p.name,
    mode: p.options.mode,
    short: p.options.short,
    startedAt,
    durationMs: Date.now() - t0,
    load: summary,
    recovery: {
      ...(firstOk ? { firstSuccessMs: firstOk.at - healedAt } : {}),
      quiescentMs: q.quietAt - healedAt,
    },
    backlog: q.backlog,
    invariants,
    claims,
    notes: p.notes ?? [],
    ok: invariants.ok && claims.every((c) => c.ok),
  };
}

/** The report `pnpm chaos` prints. */
export function formatResult(r: ScenarioResult): string {
  const l = r.load;
  const lines = [
    `== chaos ${r.scenario}${r.short ? ' (short)' : ''}, mode ${r.mode}, ${r.startedAt.toISOString()}, ${(r.durationMs / 1000).toFixed(1)} s: ${r.ok ? 'OK' : 'FAILED'}`,
    `orders placed:  ${l.accepted} accepted of ${l.requests} requests; failed ${
      Object.entries(l.failedByStatus)
        .map(([s, n]) => `${s === '0' ? 'no answer' : `HTTP ${s}`}: ${n}`)
        .join(', ') || 'none'
    }`,
    `POST latency:   p50 ${ms(l.latencyMs.p50)}, p99 ${ms(l.latencyMs.p99)}, max ${ms(l.latencyMs.max)}`,
    `outcomes:       ${
      Object.entries(l.outcomes)
        .map(
          ([mode, byStatus]) =>
            `${mode} ${Object.entries(byStatus)
              .map(([s, n]) => `${s} ${n}`)
              .join(' ')}`,
        )
        .join('; ') || 'none'
    } (happy-path orders not confirmed: ${l.happyNotConfirmed})`,
    `recovery:       first accepted order ${ms(r.recovery.firstSuccessMs)} after heal; quiescent ${ms(r.recovery.quiescentMs)} after heal`,
    ...r.claims.map((c) => `claim ${c.ok ? 'ok  ' : 'FAIL'}    ${c.name}: ${c.detail}`),
    ...r.notes.map((n) => `note:           ${n}`),
    `invariants:     ${r.invariants.ok ? 'ok' : `${r.invariants.violations} violation(s)`}`,
    r.invariants.text
      .split('\n')
      .map((x) => `  ${x}`)
      .join('\n'),
  ];
  return lines.join('\n');
}

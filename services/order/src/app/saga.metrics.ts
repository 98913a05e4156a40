import { AsyncLocalStorage } from 'node:async_hooks';
import { diag, metrics } from '@opentelemetry/api';
import { type Tx, withTransaction } from '@saga/db';
import type { Subscription } from '@saga/service-host';
import type pg from 'pg';
import type { OrderStatus, SagaMode } from '../domain/order.domain.ts';

/**
 * Bucket boundaries of `saga.duration`, in seconds: a checkout takes tens of milliseconds when
 * all goes well, seconds with a slow participant, minutes when deadlines and retries run out.
 */
export const SAGA_DURATION_BUCKETS: readonly number[] = [
  0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** A terminal status as the `saga.outcome` attribute: `confirmed`, `rejected`, `cancelled`. */
export type SagaOutcome = Lowercase<Exclude<OrderStatus, 'PENDING'>>;

type Settled = {
  readonly mode: SagaMode;
  readonly outcome: SagaOutcome;
  readonly createdAt: string;
};

type Instruments = {
  readonly outcomes: ReturnType<ReturnType<typeof metrics.getMeter>['createCounter']>;
  readonly duration: ReturnType<ReturnType<typeof metrics.getMeter>['createHistogram']>;
};

let instruments: Instruments | undefined;

/** Created on first use, so they bind to the meter provider registered by then. */
function meterInstruments(): Instruments {
  instruments ??= (() => {
    const meter = metrics.getMeter('@saga/order');
    return {
      outcomes: meter.createCounter('saga.outcomes', {
        description: 'Orders that reached a final status, by saga mode and outcome',
        unit: '{order}',
      }),
      duration: meter.createHistogram('saga.duration', {
        description:
          'Time from an order being placed to its final status, by saga mode and outcome',
        unit: 's',
        advice: { explicitBucketBoundaries: [...SAGA_DURATION_BUCKETS] },
      }),
    };
  })();
  return instruments;
}

/** Outcomes staged by the unit of work running in this async context. */
const staged = new AsyncLocalStorage<Settled[]>();

/**
 * Runs `work`, one database transaction that has committed when it resolves (a
 * `withTransaction`, or an inbox-wrapped message handler), and records the outcomes staged
 * during it with {@link stageOutcome}, after the commit. If `work` throws, it rolled back and
 * nothing is recorded; its retry stages again. A redelivered message skipped by the inbox runs
 * no handler and stages nothing. So each order is counted exactly once.
 */
export async function recordOutcomesAfterCommit<T>(work: () => Promise<T>): Promise<T> {
  const settled: Settled[] = [];
  const result = await staged.run(settled, work);
  const now = Date.now();
  for (const s of settled) {
    const attributes = { 'saga.mode': s.mode, 'saga.outcome': s.outcome };
    const m = meterInstruments();
    m.outcomes.add(1, attributes);
    m.duration.record(Math.max(0, (now - Date.parse(s.createdAt)) / 1_000), attributes);
  }
  return result;
}

/** `withTransaction`, run by {@link recordOutcomesAfterCommit}. */
export function withTransactionRecordingOutcomes<T>(
  pool: pg.Pool,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return recordOutcomesAfterCommit(() => withTransaction(pool, fn));
}

/**
 * Stages the outcome of an order the current transaction moves from PENDING to `status`
 * (nothing for PENDING). Call it where the final status is saved, inside a unit of work run by
 * {@link recordOutcomesAfterCommit}; outside one the outcome is not counted (and a warning
 * says the wiring is missing), since counting it before its commit could count a rollback.
 */
export function stageOutcome(
  order: { readonly sagaMode: SagaMode; readonly createdAt: string },
  status: OrderStatus,
): void {
  if (status === 'PENDING') return;
  const settled = staged.getStore();
  if (!settled) {
    diag.warn(`saga outcome ${status} staged outside recordOutcomesAfterCommit: not counted`);
    return;
  }
  settled.push({
    mode: order.sagaMode,
    outcome: status.toLowerCase() as SagaOutcome,
    createdAt: order.createdAt,
  });
}

/**
 * The same subscriptions, each message's inbox transaction run by
 * {@link recordOutcomesAfterCommit}: outcomes its handler stages are recorded after it commits.
 */
export function recordingOutcomes(subscriptions: readonly Subscription[]): Subscription[] {
  return subscriptions.map((sub) => ({
    type: sub.type,
    route: (pool, consumerName) => {
      const route = sub.route(pool, consumerName);
      return {
        versions: route.versions,
        handle: (envelope) => recordOutcomesAfterCommit(() => route.handle(envelope)),
      };
    },
  }));
}

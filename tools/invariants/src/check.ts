/**
 * checkInvariants: reads the four service databases (as their read-only roles, through the
 * `postgres` proxy) and the dead-letter topics (through the `kafka` proxy), applies every rule of
 * docs/invariants.md and returns a report. It changes nothing anywhere.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ClientEndpoints, clientEndpoints, loadStackSettings } from '@saga/topology';
import { checkMoney, checkStock, inFlightOrders } from './conservation.rules.ts';
import { type Databases, openDatabases, SERVICE_DBS } from './databases.ts';
import { countDlq, DEFAULT_DLQ_TOPICS, readDlqOffsets } from './dlq.reader.ts';
import {
  type CheckOptions,
  type DlqOffsets,
  type InvariantReport,
  RULES,
  type RuleId,
  type ServiceDb,
  type Violation,
} from './invariants.types.ts';
import { checkDuplicateEffects, checkOutbox } from './messaging.rules.ts';
import { checkOrders, type Tally } from './order.rules.ts';
import { assertScope, InvalidScopeError, loadOrderSnapshot } from './snapshot.reader.ts';

/** Default of {@link CheckOptions.outboxMaxAgeSeconds}. */
export const DEFAULT_OUTBOX_MAX_AGE_SECONDS = 30;

function endpointsOf(env: NodeJS.ProcessEnv): ClientEndpoints {
  const repoRoot = resolve(import.meta.dirname, '../../..');
  return clientEndpoints(loadStackSettings(env, { repoRoot, home: homedir() }));
}

function createTally() {
  const checked = new Map<RuleId, number>(RULES.map((r) => [r.id, 0]));
  const violations: Violation[] = [];
  const notices: Violation[] = [];
  const tally: Tally = {
    checked: (rule, n = 1) => {
      checked.set(rule, (checked.get(rule) ?? 0) + n);
    },
    violation: (v) => {
      violations.push(v);
    },
    notice: (v) => {
      notices.push(v);
    },
  };
  return { tally, checked, violations, notices };
}

/**
 * Checks every invariant of the platform (docs/invariants.md). Per-order rules look at the
 * orders of `options.scope` (default: all); stock and money at whole databases. Run it after
 * quiescence: an order still in flight is reported as not terminal.
 *
 * @returns the report; `ok` is false when any rule is broken.
 * @throws {ConfigError} for an unusable stack variable in `options.env`.
 * @throws {InvalidScopeError} for a scope order id that is not a UUID, or bad numbers.
 * @throws {DatabaseUnreachableError} or {KafkaUnreachableError} when a source cannot be read.
 */
export async function checkInvariants(options: CheckOptions = {}): Promise<InvariantReport> {
  const started = performance.now();
  const scope = options.scope ?? {};
  assertScope(scope);
  const maxAge = options.outboxMaxAgeSeconds ?? DEFAULT_OUTBOX_MAX_AGE_SECONDS;
  if (!Number.isFinite(maxAge) || maxAge < 0) {
    throw new InvalidScopeError(`outboxMaxAgeSeconds must be a number >= 0, not ${maxAge}`);
  }
  const endpoints = endpointsOf(options.env ?? process.env);
  const urls = Object.fromEntries(
    SERVICE_DBS.map((s) => [s, options.databases?.[s] ?? endpoints.postgresReadOnlyUrl(s)]),
  ) as Record<ServiceDb, string>;

  const { tally, checked, violations, notices } = createTally();
  const dbs: Databases = await openDatabases(urls);
  let orders = 0;
  try {
    const { snapshot, missing } = await loadOrderSnapshot(dbs, scope);
    orders = snapshot.orders.length;
    for (const orderId of missing) {
      tally.checked('order-terminal');
      tally.violation({
        rule: 'order-terminal',
        orderId,
        detail: 'no such order in the order database',
      });
    }
    checkOrders(snapshot, tally, { allowParked: options.allowParked ?? false });
    const inFlight = await inFlightOrders(dbs);
    await checkStock(dbs, tally, inFlight);
    await checkMoney(dbs, tally, inFlight);
    await checkOutbox(dbs, tally, scope, maxAge);
    await checkDuplicateEffects(dbs, tally, scope);
  } finally {
    await dbs.close();
  }

  const topics = options.dlq?.topics ?? DEFAULT_DLQ_TOPICS;
  if (topics.length) {
    const counts = await countDlq(endpoints.kafkaBrokers, topics, {
      ...(options.dlq?.baseline ? { baseline: options.dlq.baseline } : {}),
      ...(scope.since ? { since: scope.since } : {}),
    });
    for (const c of counts) {
      tally.checked('dlq-empty');
      if (c.messages === 0) continue;
      const finding = {
        rule: 'dlq-empty',
        detail: `${c.topic} partition ${c.partition}: ${c.messages} message(s) dead-lettered (offsets ${c.from} → ${c.high})`,
      } as const;
      if (options.dlq?.allow) tally.notice(finding);
      else tally.violation(finding);
    }
  }

  const rules = RULES.map((r) => ({
    rule: r.id,
    checked: checked.get(r.id) ?? 0,
    violations: violations.filter((v) => v.rule === r.id).length,
  }));
  return {
    ok: violations.length === 0,
    orders,
    rules,
    violations,
    notices,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * The dead-letter topics' high watermarks now, to pass as `dlq.baseline` to a later
 * {@link checkInvariants}: only messages dead-lettered in between then count.
 *
 * @throws {KafkaUnreachableError}
 */
export function captureDlqBaseline(
  options: { env?: NodeJS.ProcessEnv; topics?: readonly string[] } = {},
): Promise<DlqOffsets> {
  return readDlqOffsets(endpointsOf(options.env ?? process.env).kafkaBrokers, options.topics);
}

/**
 * When an order's story is over, for the live timeline (`GET /v1/orders/{id}/events`): the
 * stream ends once nothing more will happen to the order. Pure, so the rule is tested alone.
 *
 * The order's status is final as soon as it is decided, but compensations and finalisation
 * (release, void, commit, capture) land after it (docs/checkout-saga.md). An orchestrated saga
 * says when it is done (its state machine, docs/saga-styles.md); a choreographed one has no
 * coordinator to ask, so it counts as done once it has been quiet for a while.
 */

/** States of the orchestrator after which no message is sent for the order. */
export const FINAL_SAGA_STATES: readonly string[] = [
  'COMPLETED',
  'COMPENSATED',
  'FAILED_COMPENSATION',
];

/** What the rule looks at: one reading of the order (and of its saga, when orchestrated). */
export type SagaProgress = {
  readonly status: string;
  readonly sagaMode: string;
  /** The orchestrator's state; undefined for a choreographed order. */
  readonly sagaState?: string | undefined;
  /** ISO 8601 times of the order's last update and of each timeline entry. */
  readonly updatedAt: string;
  readonly timelineAt: readonly string[];
};

/** Epoch ms of the last thing that happened to the order. */
export function lastActivityMs(p: SagaProgress): number {
  return Math.max(Date.parse(p.updatedAt) || 0, ...p.timelineAt.map((at) => Date.parse(at) || 0));
}

/**
 * Whether the order is settled: its status is final and, when orchestrated, the saga is in a
 * final state; when choreographed (or the saga cannot be read), nothing happened for `quietMs`.
 */
export function isSettled(p: SagaProgress, nowMs: number, quietMs: number): boolean {
  if (p.status === 'PENDING') return false;
  if (p.sagaMode === 'orchestration' && p.sagaState !== undefined) {
    return FINAL_SAGA_STATES.includes(p.sagaState);
  }
  return nowMs - lastActivityMs(p) >= quietMs;
}

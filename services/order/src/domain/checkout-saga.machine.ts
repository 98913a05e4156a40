/**
 * The orchestrated checkout saga as a state machine: states, transitions and compensations are
 * data and pure functions (no I/O, no clock: `now` is passed in). The orchestrator in
 * app/orchestrator.ts persists a {@link Saga} per order and applies {@link decide} to every
 * reply, deadline and operator command, in one transaction with the commands it returns.
 * See docs/saga-styles.md.
 */

/** A forward step, its command, its replies, and the compensation that undoes it. */
export type StepDef = {
  readonly name: 'reserve' | 'authorize' | 'schedule';
  readonly participant: 'inventory' | 'payment' | 'shipping';
  /** The state the saga is in while it waits for this step. */
  readonly state: 'RESERVING' | 'AUTHORIZING' | 'SCHEDULING';
  readonly command: 'ReserveStock' | 'AuthorizePayment' | 'ScheduleShipment';
  readonly ok: 'StockReserved' | 'PaymentAuthorized' | 'ShipmentScheduled';
  readonly failed: 'StockRejected' | 'PaymentDeclined' | 'ShipmentRejected';
  readonly compensation: 'ReleaseStock' | 'VoidPayment' | 'CancelShipment';
  readonly compensated: 'StockReleased' | 'PaymentVoided' | 'ShipmentCancelled';
};

/** The checkout, in order. Compensation runs the other way. */
export const STEPS: readonly StepDef[] = [
  {
    name: 'reserve',
    participant: 'inventory',
    state: 'RESERVING',
    command: 'ReserveStock',
    ok: 'StockReserved',
    failed: 'StockRejected',
    compensation: 'ReleaseStock',
    compensated: 'StockReleased',
  },
  {
    name: 'authorize',
    participant: 'payment',
    state: 'AUTHORIZING',
    command: 'AuthorizePayment',
    ok: 'PaymentAuthorized',
    failed: 'PaymentDeclined',
    compensation: 'VoidPayment',
    compensated: 'PaymentVoided',
  },
  {
    name: 'schedule',
    participant: 'shipping',
    state: 'SCHEDULING',
    command: 'ScheduleShipment',
    ok: 'ShipmentScheduled',
    failed: 'ShipmentRejected',
    compensation: 'CancelShipment',
    compensated: 'ShipmentCancelled',
  },
];

/** After the last step: make the sale final. Both are sent at once; both must be confirmed. */
export const FINALIZE = [
  { command: 'CommitStock', done: 'StockCommitted' },
  { command: 'CapturePayment', done: 'PaymentCaptured' },
] as const;

export type CommandType =
  | StepDef['command']
  | StepDef['compensation']
  | (typeof FINALIZE)[number]['command'];
export type ReplyType =
  | StepDef['ok']
  | StepDef['failed']
  | StepDef['compensated']
  | (typeof FINALIZE)[number]['done'];

/** Where a saga is. Step and compensation positions are indices into {@link STEPS}. */
export type SagaState =
  | { readonly kind: 'RUNNING'; readonly step: number }
  | { readonly kind: 'FINALIZING'; readonly pending: readonly CommandType[] }
  | { readonly kind: 'COMPENSATING'; readonly toCompensate: readonly number[] }
  | { readonly kind: 'FAILED_COMPENSATION'; readonly toCompensate: readonly number[] }
  | { readonly kind: 'COMPLETED' }
  | { readonly kind: 'COMPENSATED' };

/** A saga's persisted state. */
export type Saga = {
  readonly state: SagaState;
  /** Attempts of the command(s) in flight; resets when the saga moves on. */
  readonly attempt: number;
  /** When the command in flight is given up (ms since epoch); none in a final state. */
  readonly deadlineAt: number | undefined;
};

/** What drives a transition. */
export type SagaInput =
  | {
      readonly type: 'Reply';
      readonly reply: ReplyType;
      readonly reason?: string;
      readonly detail?: string;
    }
  | { readonly type: 'Timeout' }
  | { readonly type: 'Cancel' }
  | { readonly type: 'Retry' };

/** Deadlines and retry limits. */
export type SagaPolicy = {
  /** How long a forward step may take. */
  readonly stepDeadlineMs: number;
  /** How long a compensation or finalisation attempt may take, before backoff. */
  readonly retryDeadlineMs: number;
  /** Longest wait between retries. */
  readonly maxRetryDeadlineMs: number;
  /** Compensation attempts before the saga is parked in FAILED_COMPENSATION. */
  readonly maxCompensationAttempts: number;
};

/** What the order becomes, when a transition decides it. */
export type OrderDecision =
  | { readonly status: 'CONFIRMED' }
  | { readonly status: 'REJECTED'; readonly reason: string; readonly detail: string }
  | { readonly status: 'CANCELLED' };

/** The result of a transition. */
export type Transition = {
  readonly saga: Saga;
  /** Commands to send, in order, in the same transaction. */
  readonly commands: readonly CommandType[];
  readonly order: OrderDecision | undefined;
  /** Why nothing or something unusual happened (for the saga log). */
  readonly note: string;
  /** The saga was parked: raise an alert. */
  readonly alert: boolean;
  /** The input was not what the saga waited for (a duplicate, late or unexpected reply). */
  readonly stray?: boolean;
};

/** The state's name as the saga log and the API show it. */
export function stateName(state: SagaState): string {
  return state.kind === 'RUNNING' ? (STEPS[state.step]?.state ?? 'RUNNING') : state.kind;
}

/** Is the saga finished (nothing more will happen unless a late reply arrives)? */
export function isFinal(state: SagaState): boolean {
  return state.kind === 'COMPLETED' || state.kind === 'COMPENSATED';
}

const step = (i: number): StepDef => {
  const s = STEPS[i];
  if (!s) throw new Error(`no step ${i}`);
  return s;
};

/** The first transition: reserve the stock. */
export function start(now: number, policy: SagaPolicy): Transition {
  return {
    saga: {
      state: { kind: 'RUNNING', step: 0 },
      attempt: 0,
      deadlineAt: now + policy.stepDeadlineMs,
    },
    commands: [step(0).command],
    order: undefined,
    note: '',
    alert: false,
  };
}

function retryDeadline(now: number, attempt: number, policy: SagaPolicy): number {
  return now + Math.min(policy.maxRetryDeadlineMs, policy.retryDeadlineMs * 2 ** attempt);
}

/** Compensate the given steps, last first. */
function compensate(
  toCompensate: readonly number[],
  now: number,
  policy: SagaPolicy,
  order: OrderDecision | undefined,
  note: string,
): Transition {
  const [head] = toCompensate;
  if (head === undefined) {
    return {
      saga: { state: { kind: 'COMPENSATED' }, attempt: 0, deadlineAt: undefined },
      commands: [],
      order,
      note,
      alert: false,
    };
  }
  return {
    saga: {
      state: { kind: 'COMPENSATING', toCompensate },
      attempt: 0,
      deadlineAt: retryDeadline(now, 0, policy),
    },
    commands: [step(head).compensation],
    order,
    note,
    alert: false,
  };
}

/** Steps 0..i, last first. */
const upTo = (i: number): number[] => Array.from({ length: i + 1 }, (_, k) => i - k);

const stay = (saga: Saga, note: string, commands: readonly CommandType[] = []): Transition => ({
  saga,
  commands,
  order: undefined,
  note,
  alert: false,
});

/**
 * A reply to a forward step that arrives when the saga no longer waits for it: if that step is
 * compensated, or being compensated, or the saga gave up on it, its effect must be undone: send
 * its compensation again (participants answer compensations idempotently). Any other stray
 * reply (a duplicate, a late failure) changes nothing.
 */
function strayReply(saga: Saga, reply: ReplyType): Transition {
  const late = STEPS.findIndex((s) => s.ok === reply);
  const undoing =
    saga.state.kind === 'COMPENSATING' ||
    saga.state.kind === 'FAILED_COMPENSATION' ||
    saga.state.kind === 'COMPENSATED';
  if (late >= 0 && undoing) {
    return {
      ...stay(saga, `late ${reply}: compensating it again`, [step(late).compensation]),
      stray: true,
    };
  }
  return { ...stay(saga, `${reply} ignored in ${stateName(saga.state)}`), stray: true };
}

/**
 * The transition function. Rules:
 * - a step's success starts the next step; after the last, the order is CONFIRMED and the
 *   reservation committed and the payment captured (both retried until confirmed);
 * - a step's failure REJECTS the order with the participant's reason and compensates the
 *   completed steps, last first, one at a time;
 * - a step without a reply by its deadline is treated as failed, and compensated too (it may
 *   have happened);
 * - a cancellation while a step is in flight CANCELS the order and compensates like a timeout;
 * - compensations are retried with exponential backoff until confirmed; after
 *   `maxCompensationAttempts` the saga is parked in FAILED_COMPENSATION (alert) until an
 *   operator retries it; a confirmation arriving meanwhile still counts;
 * - a late success of a step that is being or was compensated is compensated again.
 */
export function decide(saga: Saga, input: SagaInput, now: number, policy: SagaPolicy): Transition {
  const s = saga.state;
  switch (s.kind) {
    case 'RUNNING': {
      const current = step(s.step);
      if (input.type === 'Reply' && input.reply === current.ok) {
        const next = STEPS[s.step + 1];
        if (next) {
          return {
            saga: {
              state: { kind: 'RUNNING', step: s.step + 1 },
              attempt: 0,
              deadlineAt: now + policy.stepDeadlineMs,
            },
            commands: [next.command],
            order: undefined,
            note: '',
            alert: false,
          };
        }
        const pending = FINALIZE.map((f) => f.command);
        return {
          saga: {
            state: { kind: 'FINALIZING', pending },
            attempt: 0,
            deadlineAt: retryDeadline(now, 0, policy),
          },
          commands: pending,
          order: { status: 'CONFIRMED' },
          note: '',
          alert: false,
        };
      }
      if (input.type === 'Reply' && input.reply === current.failed) {
        return compensate(
          upTo(s.step - 1),
          now,
          policy,
          {
            status: 'REJECTED',
            reason: input.reason ?? 'REJECTED',
            detail: input.detail ?? '',
          },
          '',
        );
      }
      if (input.type === 'Timeout') {
        const reason = `${current.participant.toUpperCase()}_TIMEOUT`;
        const detail = `no answer to ${current.command} within ${policy.stepDeadlineMs} ms`;
        return compensate(
          upTo(s.step),
          now,
          policy,
          { status: 'REJECTED', reason, detail },
          detail,
        );
      }
      if (input.type === 'Cancel') {
        return compensate(upTo(s.step), now, policy, { status: 'CANCELLED' }, 'cancelled');
      }
      if (input.type === 'Retry') return stay(saga, 'nothing to retry');
      return strayReply(saga, input.reply);
    }
    case 'FINALIZING': {
      if (input.type === 'Reply') {
        const done = FINALIZE.find((f) => f.done === input.reply);
        if (done && s.pending.includes(done.command)) {
          const pending = s.pending.filter((c) => c !== done.command);
          if (pending.length === 0) {
            return stay({ state: { kind: 'COMPLETED' }, attempt: 0, deadlineAt: undefined }, '');
          }
          return stay({ ...saga, state: { kind: 'FINALIZING', pending } }, '');
        }
        return strayReply(saga, input.reply);
      }
      if (input.type === 'Timeout') {
        // The sale is decided; finishing it can only be retried, never undone.
        const attempt = saga.attempt + 1;
        return stay(
          { ...saga, attempt, deadlineAt: retryDeadline(now, attempt, policy) },
          `retrying ${s.pending.join(', ')} (attempt ${attempt + 1})`,
          s.pending,
        );
      }
      return stay(saga, `${input.type} ignored: the order is confirmed`);
    }
    case 'COMPENSATING':
    case 'FAILED_COMPENSATION': {
      const [head, ...rest] = s.toCompensate;
      const current = head === undefined ? undefined : step(head);
      if (input.type === 'Reply' && current && input.reply === current.compensated) {
        return compensate(rest, now, policy, undefined, '');
      }
      if (input.type === 'Reply') return strayReply(saga, input.reply);
      if (input.type === 'Cancel') return stay(saga, 'already compensating');
      if (!current) return stay(saga, 'nothing to compensate');
      if (input.type === 'Retry') {
        if (s.kind !== 'FAILED_COMPENSATION') return stay(saga, 'not parked; already retrying');
        return {
          saga: {
            state: { kind: 'COMPENSATING', toCompensate: s.toCompensate },
            attempt: 0,
            deadlineAt: retryDeadline(now, 0, policy),
          },
          commands: [current.compensation],
          order: undefined,
          note: 'operator retry',
          alert: false,
        };
      }
      // Timeout
      if (s.kind === 'FAILED_COMPENSATION') return stay(saga, 'parked; waiting for an operator');
      const attempt = saga.attempt + 1;
      if (attempt >= policy.maxCompensationAttempts) {
        return {
          saga: {
            state: { kind: 'FAILED_COMPENSATION', toCompensate: s.toCompensate },
            attempt,
            deadlineAt: undefined,
          },
          commands: [],
          order: undefined,
          note: `${current.compensation} unanswered after ${attempt} attempts`,
          alert: true,
        };
      }
      return stay(
        { ...saga, attempt, deadlineAt: retryDeadline(now, attempt, policy) },
        `retrying ${current.compensation} (attempt ${attempt + 1})`,
        [current.compensation],
      );
    }
    case 'COMPLETED':
    case 'COMPENSATED':
      if (input.type === 'Reply') return strayReply(saga, input.reply);
      return stay(saga, `${input.type} ignored: the saga is over`);
  }
}

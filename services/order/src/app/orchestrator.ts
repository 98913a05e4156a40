import { metrics } from '@opentelemetry/api';
import { COMMANDS, EVENTS, messageOf, TOPICS } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import { autocommit, type Tx, withTransaction } from '@saga/db';
import type { Envelope } from '@saga/messaging';
import { enqueue, type OutboxMessage } from '@saga/outbox';
import type { Logger } from '@saga/service-kit';
import { inStoredTrace, withSpan } from '@saga/telemetry';
import type pg from 'pg';
import {
  appendTimeline,
  findOrder,
  type StoredOrder,
  saveStatus,
} from '../adapters/order.repository.ts';
import {
  appendSagaLog,
  claimExpired,
  findSaga,
  insertSaga,
  type SagaLogEntry,
  sagaLogOf,
  saveSaga,
} from '../adapters/saga.repository.ts';
import {
  type CommandType,
  decide,
  FINALIZE,
  type OrderDecision,
  type Saga,
  type SagaInput,
  type SagaPolicy,
  STEPS,
  start,
  stateName,
  type Transition,
} from '../domain/checkout-saga.machine.ts';
import { type ParticipantEvent, react, type TimelineEntry } from '../domain/order.domain.ts';
import { OrderNotFoundError } from './order.errors.ts';
import { stageOutcome, withTransactionRecordingOutcomes } from './saga.metrics.ts';

/** No orchestrated saga for this order (gRPC NOT_FOUND). */
export class SagaNotFoundError extends Error {
  readonly code = 'SAGA.NOT_FOUND';
  constructor(orderId: string) {
    super(`order ${orderId} has no orchestrated saga`);
    this.name = 'SagaNotFoundError';
  }
}

/** Retry asked for a saga that is not parked (gRPC FAILED_PRECONDITION). */
export class SagaNotParkedError extends Error {
  readonly code = 'SAGA.NOT_PARKED';
  constructor(orderId: string, state: string) {
    super(`the saga of order ${orderId} is ${state}, not FAILED_COMPENSATION`);
    this.name = 'SagaNotParkedError';
  }
}

/** A saga and its log, for reads. */
export type SagaView = Saga & { readonly orderId: string; readonly log: readonly SagaLogEntry[] };

const failedCompensations = metrics
  .getMeter('@saga/order')
  .createCounter('saga.compensation.failed', {
    description: 'Orchestrated sagas parked in FAILED_COMPENSATION (operator action needed).',
  });

/** What drove a transition, for its log line and timeline. */
type TransitionContext = {
  readonly inputName: string;
  readonly causedBy?: Envelope<unknown>;
  readonly timeline?: TimelineEntry;
};

const OK_REPLIES = new Set<string>([...STEPS.map((s) => s.ok), ...FINALIZE.map((f) => f.done)]);
const FAILED_REPLIES = new Set<string>(STEPS.map((s) => s.failed));

/**
 * `saga.outcome` of a transition: how the step it concerns ended (started, ok, failed,
 * compensated, timed_out, cancelled, retried), `stray` for an input the saga was not waiting
 * for (a duplicate or late reply), `parked` when it parked the saga in FAILED_COMPENSATION.
 */
function stepOutcome(input: SagaInput | undefined, t: Transition): string {
  if (t.alert) return 'parked';
  if (t.stray) return 'stray';
  switch (input?.type) {
    case undefined:
      return 'started';
    case 'Timeout':
      return 'timed_out';
    case 'Cancel':
      return 'cancelled';
    case 'Retry':
      return 'retried';
    case 'Reply':
      if (OK_REPLIES.has(input.reply)) return 'ok';
      return FAILED_REPLIES.has(input.reply) ? 'failed' : 'compensated';
  }
}

/**
 * Runs one transition of an order's saga in a `saga.step <STATE>` span (the state the input
 * concerns: START, RESERVING, AUTHORIZING, SCHEDULING, FINALIZING, COMPENSATING or
 * FAILED_COMPENSATION), always in the order's trace: a child of the consumer span of the reply
 * that drove it, or, for work no message carries a trace to (a deadline sweep, RetrySaga, a
 * cancellation), a child of the order's CreateOrder span linked to whatever is active
 * (docs/patterns/telemetry.md). Commands enqueued inside carry this span's context.
 */
function stepSpan(
  order: StoredOrder,
  step: string,
  input: SagaInput | undefined,
  inputName: string,
  run: () => Promise<Transition>,
): Promise<Transition> {
  return withSpan(
    `saga.step ${step}`,
    async (span) => {
      const t = await run();
      span.setAttributes({
        'saga.outcome': stepOutcome(input, t),
        'saga.next_state': stateName(t.saga.state),
        'saga.commands': [...t.commands],
        'saga.attempt': t.saga.attempt,
      });
      return t;
    },
    {
      ...inStoredTrace(order.traceParent),
      tracer: '@saga/order',
      attributes: {
        'order.id': order.id,
        'saga.mode': 'orchestration',
        'saga.step': step,
        'saga.input': inputName,
      },
    },
  );
}

/**
 * The saga orchestrator (docs/saga-styles.md): applies the pure state machine
 * (domain/checkout-saga.machine.ts) to an order's persisted saga. Every transition, the saga
 * log line, the order's new status, its timeline, the commands it sends (through the outbox)
 * and the reply it consumed (the inbox row, written by the caller's consumer) commit in one
 * transaction. Deadlines are stored with the saga and swept by {@link sweep}, so a restart
 * loses none.
 */
export function createOrchestrator(deps: {
  readonly pool: pg.Pool;
  readonly policy: SagaPolicy;
  readonly logger: Logger;
  readonly now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const replyTo = TOPICS.sagaReplies;

  function command(
    type: CommandType,
    order: StoredOrder,
    causedBy?: Envelope<unknown>,
  ): OutboxMessage {
    const options = { key: order.id, ...(causedBy ? { causedBy } : {}) };
    const ids = { orderId: order.id, replyTo };
    const items = order.items.map((i) => ({ ...i }));
    const address = { ...order.shippingAddress };
    switch (type) {
      case 'ReserveStock':
        return messageOf(
          COMMANDS.ReserveStock,
          {
            ...ids,
            customerId: order.customerId,
            totalCents: order.totalCents,
            shippingAddress: address,
            items,
          },
          options,
        );
      case 'AuthorizePayment':
        return messageOf(
          COMMANDS.AuthorizePayment,
          {
            ...ids,
            customerId: order.customerId,
            amountCents: order.totalCents,
            shippingAddress: address,
            items,
          },
          options,
        );
      case 'ScheduleShipment':
        return messageOf(COMMANDS.ScheduleShipment, { ...ids, address }, options);
      case 'ReleaseStock':
        return messageOf(COMMANDS.ReleaseStock, ids, options);
      case 'VoidPayment':
        return messageOf(COMMANDS.VoidPayment, ids, options);
      case 'CancelShipment':
        return messageOf(COMMANDS.CancelShipment, ids, options);
      case 'CommitStock':
        return messageOf(COMMANDS.CommitStock, ids, options);
      case 'CapturePayment':
        return messageOf(COMMANDS.CapturePayment, ids, options);
    }
  }

  /** Makes the machine's decision about the order: status, timeline, announcement. */
  async function decideOrder(
    tx: Tx,
    order: StoredOrder,
    decision: OrderDecision,
    causedBy: Envelope<unknown> | undefined,
  ): Promise<void> {
    // A cancellation is written by the cancel use case itself; a settled order never changes.
    if (decision.status === 'CANCELLED' || order.status !== 'PENDING') return;
    const options = { key: order.id, ...(causedBy ? { causedBy } : {}) };
    const sagaMode = SagaMode.SAGA_MODE_ORCHESTRATION;
    if (decision.status === 'CONFIRMED') {
      await saveStatus(tx, { ...order, status: 'CONFIRMED' });
      stageOutcome(order, 'CONFIRMED');
      const message = messageOf(EVENTS.OrderConfirmed, { orderId: order.id, sagaMode }, options);
      await appendTimeline(
        tx,
        order.id,
        { step: 'OrderConfirmed', source: 'order', outcome: 'ok', detail: '' },
        message.id,
      );
      await enqueue(tx, message);
      return;
    }
    await saveStatus(tx, {
      ...order,
      status: 'REJECTED',
      reason: decision.reason,
      reasonDetail: decision.detail,
    });
    stageOutcome(order, 'REJECTED');
    const message = messageOf(
      EVENTS.OrderRejected,
      { orderId: order.id, reason: decision.reason, detail: decision.detail, sagaMode },
      options,
    );
    await appendTimeline(
      tx,
      order.id,
      { step: 'OrderRejected', source: 'order', outcome: 'failed', detail: decision.reason },
      message.id,
    );
    await enqueue(tx, message);
  }

  /** The transition's commands, timeline and decision, in a `saga.step` span ({@link stepSpan}). */
  function apply(
    tx: Tx,
    order: StoredOrder,
    saga: Saga,
    input: SagaInput,
    context: TransitionContext,
  ): Promise<Transition> {
    return stepSpan(order, stateName(saga.state), input, context.inputName, () =>
      applyTransition(tx, order, saga, input, context),
    );
  }

  async function applyTransition(
    tx: Tx,
    order: StoredOrder,
    saga: Saga,
    input: SagaInput,
    context: TransitionContext,
  ): Promise<Transition> {
    const t = decide(saga, input, now(), deps.policy);
    if (t.saga !== saga) await saveSaga(tx, order.id, t.saga);
    await appendSagaLog(tx, order.id, {
      input: context.inputName,
      fromState: stateName(saga.state),
      toState: stateName(t.saga.state),
      commands: t.commands,
      note: t.note,
      messageId: context.causedBy?.id,
    });
    if (context.timeline)
      await appendTimeline(tx, order.id, context.timeline, context.causedBy?.id);
    if (t.order) await decideOrder(tx, order, t.order, context.causedBy);
    await enqueue(
      tx,
      t.commands.map((c) => command(c, order, context.causedBy)),
    );
    if (t.alert) {
      failedCompensations.add(1);
      deps.logger.error(
        {
          alert: 'saga.failed_compensation',
          orderId: order.id,
          state: stateName(t.saga.state),
          note: t.note,
        },
        'saga parked in FAILED_COMPENSATION: operator action needed (./saga pnpm saga retry <orderId>)',
      );
    }
    return t;
  }

  async function locked(tx: Tx, orderId: string): Promise<{ order: StoredOrder; saga: Saga }> {
    const order = await findOrder(tx, orderId, { forUpdate: true });
    if (!order) throw new OrderNotFoundError(orderId);
    const saga = await findSaga(tx, orderId, { forUpdate: true });
    if (!saga) throw new SagaNotFoundError(orderId);
    return { order, saga };
  }

  return {
    /** Starts the saga of a new orchestrated order, in the transaction that stores it. */
    async start(tx: Tx, order: StoredOrder): Promise<void> {
      await stepSpan(order, 'START', undefined, 'Start', async () => {
        const t = start(now(), deps.policy);
        await insertSaga(tx, order.id, t.saga);
        await appendSagaLog(tx, order.id, {
          input: 'Start',
          fromState: '',
          toState: stateName(t.saga.state),
          commands: t.commands,
          note: '',
        });
        await enqueue(
          tx,
          t.commands.map((c) => command(c, order)),
        );
        return t;
      });
    },

    /** A participant's reply (consumer handler, inside the inbox transaction). */
    async onReply(
      tx: Tx,
      envelope: Envelope<{ readonly orderId: string }>,
      event: ParticipantEvent,
    ) {
      const { order, saga } = await locked(tx, envelope.payload.orderId);
      const input: SagaInput =
        'reason' in event
          ? {
              type: 'Reply',
              reply: event.type as Extract<SagaInput, { type: 'Reply' }>['reply'],
              reason: event.reason,
              detail: event.detail,
            }
          : { type: 'Reply', reply: event.type as Extract<SagaInput, { type: 'Reply' }>['reply'] };
      // The same timeline entry as in choreography: both styles show the same steps.
      await apply(tx, order, saga, input, {
        inputName: event.type,
        causedBy: envelope,
        timeline: react(order, event).timeline,
      });
    },

    /** The order was just cancelled (cancel use case, same transaction): compensate. */
    async onCancel(tx: Tx, order: StoredOrder): Promise<void> {
      const saga = await findSaga(tx, order.id, { forUpdate: true });
      if (!saga) throw new SagaNotFoundError(order.id);
      await apply(tx, order, saga, { type: 'Cancel' }, { inputName: 'Cancel' });
    },

    /**
     * Applies Timeout to every saga whose deadline has passed (run periodically). Each saga
     * is its own transaction, so one failure does not hold back the others.
     * @returns how many sagas timed out.
     */
    async sweep(limit = 20): Promise<number> {
      let n = 0;
      const expired = await withTransaction(deps.pool, (tx) => claimExpired(tx, limit));
      for (const orderId of expired) {
        await withTransactionRecordingOutcomes(deps.pool, async (tx) => {
          const { order, saga } = await locked(tx, orderId);
          // Another instance may have moved it on since.
          if (saga.deadlineAt === undefined || saga.deadlineAt > now()) return;
          const current = saga.state.kind === 'RUNNING' ? STEPS[saga.state.step] : undefined;
          await apply(
            tx,
            order,
            saga,
            { type: 'Timeout' },
            {
              inputName: 'Timeout',
              ...(current
                ? {
                    timeline: {
                      step: `${current.command}TimedOut`,
                      source: 'order',
                      outcome: 'failed',
                      detail: `no answer from ${current.participant} within ${deps.policy.stepDeadlineMs} ms`,
                    },
                  }
                : {}),
            },
          );
          n += 1;
        });
      }
      return n;
    },

    /**
     * Operator command: retries the compensations of a saga parked in FAILED_COMPENSATION.
     * @throws {SagaNotFoundError} {@link SagaNotParkedError} {@link OrderNotFoundError}
     */
    async retry(orderId: string): Promise<SagaView> {
      await withTransactionRecordingOutcomes(deps.pool, async (tx) => {
        const { order, saga } = await locked(tx, orderId);
        if (saga.state.kind !== 'FAILED_COMPENSATION') {
          throw new SagaNotParkedError(orderId, stateName(saga.state));
        }
        await apply(tx, order, saga, { type: 'Retry' }, { inputName: 'Retry' });
      });
      return this.get(orderId);
    },

    /** @throws {SagaNotFoundError} */
    async get(orderId: string): Promise<SagaView> {
      const db = autocommit(deps.pool);
      const saga = await findSaga(db, orderId);
      if (!saga) throw new SagaNotFoundError(orderId);
      return { ...saga, orderId, log: await sagaLogOf(db, orderId) };
    },
  };
}

/** The orchestrator. */
export type Orchestrator = ReturnType<typeof createOrchestrator>;

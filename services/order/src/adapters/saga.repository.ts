import type { Tx } from '@saga/db';
import { type Saga, type SagaState, stateName } from '../domain/checkout-saga.machine.ts';

/** A saga log line as stored. */
export type SagaLogEntry = {
  readonly input: string;
  readonly fromState: string;
  readonly toState: string;
  readonly commands: readonly string[];
  readonly note: string;
  readonly at: string;
};

type SagaRow = { state: SagaState; attempt: number; deadline_at: Date | null };

const toSaga = (row: SagaRow): Saga => ({
  state: row.state,
  attempt: row.attempt,
  deadlineAt: row.deadline_at ? row.deadline_at.getTime() : undefined,
});

/** Stores a new saga. */
export async function insertSaga(tx: Tx, orderId: string, saga: Saga): Promise<void> {
  await tx.query(
    `insert into sagas (order_id, state, state_name, attempt, deadline_at)
     values ($1, $2, $3, $4, $5)`,
    [
      orderId,
      JSON.stringify(saga.state),
      stateName(saga.state),
      saga.attempt,
      toDate(saga.deadlineAt),
    ],
  );
}

/** An order's saga; `forUpdate` locks it until the transaction ends. */
export async function findSaga(
  db: Tx,
  orderId: string,
  options: { readonly forUpdate?: boolean } = {},
): Promise<Saga | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(orderId))
    return undefined;
  const { rows } = await db.query<SagaRow>(
    `select state, attempt, deadline_at from sagas where order_id = $1 ${options.forUpdate ? 'for update' : ''}`,
    [orderId],
  );
  return rows[0] ? toSaga(rows[0]) : undefined;
}

/** Writes a saga's new state. */
export async function saveSaga(tx: Tx, orderId: string, saga: Saga): Promise<void> {
  await tx.query(
    `update sagas set state = $2, state_name = $3, attempt = $4, deadline_at = $5,
       updated_at = clock_timestamp() where order_id = $1`,
    [
      orderId,
      JSON.stringify(saga.state),
      stateName(saga.state),
      saga.attempt,
      toDate(saga.deadlineAt),
    ],
  );
}

/** Appends a transition to the saga log. */
export async function appendSagaLog(
  tx: Tx,
  orderId: string,
  entry: Omit<SagaLogEntry, 'at'> & { readonly messageId?: string | undefined },
): Promise<void> {
  await tx.query(
    `insert into saga_log (order_id, input, from_state, to_state, commands, note, message_id)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      orderId,
      entry.input,
      entry.fromState,
      entry.toState,
      entry.commands,
      entry.note,
      entry.messageId ?? null,
    ],
  );
}

/** A saga's log, oldest first. */
export async function sagaLogOf(db: Tx, orderId: string): Promise<SagaLogEntry[]> {
  const { rows } = await db.query<{
    input: string;
    from_state: string;
    to_state: string;
    commands: string[];
    note: string;
    at: Date;
  }>(
    `select input, from_state, to_state, commands, note, at from saga_log
     where order_id = $1 order by position`,
    [orderId],
  );
  return rows.map((r) => ({
    input: r.input,
    fromState: r.from_state,
    toState: r.to_state,
    commands: r.commands,
    note: r.note,
    at: r.at.toISOString(),
  }));
}

/**
 * Claims sagas whose deadline has passed, locking them for this transaction; sagas another
 * orchestrator instance is handling are skipped, not waited for.
 */
export async function claimExpired(tx: Tx, limit: number): Promise<string[]> {
  const { rows } = await tx.query<{ order_id: string }>(
    `select order_id from sagas where deadline_at <= clock_timestamp()
     order by deadline_at limit $1 for update skip locked`,
    [limit],
  );
  return rows.map((r) => r.order_id);
}

/** How many sagas are parked in FAILED_COMPENSATION. */
export async function countParked(db: Tx): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `select count(*) as n from sagas where state_name = 'FAILED_COMPENSATION'`,
  );
  return Number(rows[0]?.n ?? 0);
}

function toDate(ms: number | undefined): Date | null {
  return ms === undefined ? null : new Date(ms);
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decide,
  type ReplyType,
  type Saga,
  type SagaInput,
  type SagaPolicy,
  STEPS,
  start,
  stateName,
  type Transition,
} from './checkout-saga.machine.ts';

const policy: SagaPolicy = {
  stepDeadlineMs: 10_000,
  retryDeadlineMs: 1_000,
  maxRetryDeadlineMs: 8_000,
  maxCompensationAttempts: 3,
};
const NOW = 1_000_000;
const reply = (r: ReplyType, reason?: string): SagaInput => ({
  type: 'Reply',
  reply: r,
  ...(reason ? { reason, detail: `${reason} detail` } : {}),
});
/** Runs inputs from the start, returning every transition. */
function run(...inputs: SagaInput[]): Transition[] {
  const out = [start(NOW, policy)];
  for (const input of inputs) {
    const last = out.at(-1) as Transition;
    out.push(decide(last.saga, input, NOW, policy));
  }
  return out;
}
const last = (ts: Transition[]) => ts.at(-1) as Transition;
const sagaOf = (ts: Transition[]): Saga => last(ts).saga;

test('a saga starts by reserving stock, with the step deadline', () => {
  const t = start(NOW, policy);
  assert.deepEqual(t.commands, ['ReserveStock']);
  assert.equal(stateName(t.saga.state), 'RESERVING');
  assert.equal(t.saga.deadlineAt, NOW + 10_000);
});

test('the happy path: reserve, authorise, schedule, then CONFIRMED with commit and capture, then COMPLETED', () => {
  const ts = run(reply('StockReserved'), reply('PaymentAuthorized'), reply('ShipmentScheduled'));
  assert.deepEqual(
    ts.map((t) => t.commands),
    [
      ['ReserveStock'],
      ['AuthorizePayment'],
      ['ScheduleShipment'],
      ['CommitStock', 'CapturePayment'],
    ],
  );
  assert.deepEqual(
    ts.map((t) => stateName(t.saga.state)),
    ['RESERVING', 'AUTHORIZING', 'SCHEDULING', 'FINALIZING'],
  );
  assert.deepEqual(last(ts).order, { status: 'CONFIRMED' });
  const a = decide(sagaOf(ts), reply('PaymentCaptured'), NOW, policy);
  assert.equal(stateName(a.saga.state), 'FINALIZING');
  const b = decide(a.saga, reply('StockCommitted'), NOW, policy);
  assert.equal(stateName(b.saga.state), 'COMPLETED');
  assert.equal(b.saga.deadlineAt, undefined);
});

test('out of stock: REJECTED with the reason, nothing to compensate', () => {
  const t = last(run(reply('StockRejected', 'OUT_OF_STOCK')));
  assert.deepEqual(t.order, {
    status: 'REJECTED',
    reason: 'OUT_OF_STOCK',
    detail: 'OUT_OF_STOCK detail',
  });
  assert.deepEqual(t.commands, []);
  assert.equal(stateName(t.saga.state), 'COMPENSATED');
});

test('payment declined: REJECTED, the reservation is released, then COMPENSATED', () => {
  const ts = run(reply('StockReserved'), reply('PaymentDeclined', 'INSUFFICIENT_FUNDS'));
  assert.deepEqual(last(ts).commands, ['ReleaseStock']);
  assert.equal(last(ts).order?.status, 'REJECTED');
  const done = decide(sagaOf(ts), reply('StockReleased'), NOW, policy);
  assert.equal(stateName(done.saga.state), 'COMPENSATED');
});

test('address rejected: the payment is voided, then the stock released, in that order', () => {
  const ts = run(
    reply('StockReserved'),
    reply('PaymentAuthorized'),
    reply('ShipmentRejected', 'ADDRESS_REJECTED'),
    reply('PaymentVoided'),
    reply('StockReleased'),
  );
  assert.deepEqual(
    ts.slice(3).map((t) => t.commands),
    [['VoidPayment'], ['ReleaseStock'], []],
  );
  assert.equal(ts[3]?.order?.status, 'REJECTED');
  assert.equal(stateName(sagaOf(ts).state), 'COMPENSATED');
});

for (const [i, s] of STEPS.entries()) {
  test(`a ${s.state} step without a reply by its deadline is failed and compensated, itself included`, () => {
    const replies = STEPS.slice(0, i).map((p) => reply(p.ok));
    const ts = run(...replies, { type: 'Timeout' });
    const t = last(ts);
    assert.deepEqual(t.order, {
      status: 'REJECTED',
      reason: `${s.participant.toUpperCase()}_TIMEOUT`,
      detail: `no answer to ${s.command} within 10000 ms`,
    });
    assert.deepEqual(t.commands, [s.compensation]);
    assert.deepEqual(t.saga.state, {
      kind: 'COMPENSATING',
      toCompensate: Array.from({ length: i + 1 }, (_, k) => i - k),
    });
  });

  test(`a cancellation while ${s.state} cancels the order and compensates the steps taken, in flight included`, () => {
    const ts = run(...STEPS.slice(0, i).map((p) => reply(p.ok)), { type: 'Cancel' });
    assert.deepEqual(last(ts).order, { status: 'CANCELLED' });
    assert.deepEqual(last(ts).commands, [s.compensation]);
    const unwound = [...STEPS.slice(0, i + 1)].reverse().map((p) => reply(p.compensated));
    const after = unwound.reduce((t, input) => decide(t.saga, input, NOW, policy), last(ts));
    assert.equal(stateName(after.saga.state), 'COMPENSATED');
  });
}

test('a late success after the saga gave up on that step is compensated again', () => {
  const ts = run(reply('StockReserved'), { type: 'Timeout' }); // AUTHORIZING timed out
  assert.deepEqual(last(ts).commands, ['VoidPayment']);
  const late = decide(sagaOf(ts), reply('PaymentAuthorized'), NOW, policy);
  assert.deepEqual(late.commands, ['VoidPayment']);
  assert.deepEqual(late.saga, sagaOf(ts), 'the state does not move');
  // ... also after the saga is fully compensated.
  const done = [reply('PaymentVoided'), reply('StockReleased')].reduce(
    (t, input) => decide(t.saga, input, NOW, policy),
    last(ts),
  );
  assert.equal(stateName(done.saga.state), 'COMPENSATED');
  assert.deepEqual(decide(done.saga, reply('StockReserved'), NOW, policy).commands, [
    'ReleaseStock',
  ]);
});

test('duplicate and stray replies change nothing', () => {
  const ts = run(reply('StockReserved'), reply('PaymentAuthorized'));
  const saga = sagaOf(ts);
  for (const r of [
    'StockReserved',
    'PaymentAuthorized',
    'StockRejected',
    'StockReleased',
    'StockCommitted',
  ] as const) {
    const t = decide(saga, reply(r), NOW, policy);
    assert.equal(t.saga, saga, r);
    assert.deepEqual(t.commands, [], r);
    assert.equal(t.order, undefined, r);
  }
  const done = last(
    run(reply('StockReserved'), reply('PaymentAuthorized'), reply('ShipmentScheduled')),
  );
  const dup = decide(done.saga, reply('ShipmentScheduled'), NOW, policy);
  assert.deepEqual(dup.commands, []);
  assert.equal(dup.order, undefined, 'a duplicate does not confirm twice');
});

test('finalisation is retried with backoff until both confirmations arrive; it is never undone', () => {
  const t0 = last(
    run(reply('StockReserved'), reply('PaymentAuthorized'), reply('ShipmentScheduled')),
  );
  const t1 = decide(t0.saga, reply('StockCommitted'), NOW, policy);
  const t2 = decide(t1.saga, { type: 'Timeout' }, NOW, policy);
  assert.deepEqual(t2.commands, ['CapturePayment']);
  assert.equal(t2.saga.deadlineAt, NOW + 2_000);
  assert.equal(decide(t2.saga, { type: 'Cancel' }, NOW, policy).order, undefined);
  assert.equal(
    stateName(decide(t2.saga, reply('PaymentCaptured'), NOW, policy).saga.state),
    'COMPLETED',
  );
});

test('an unanswered compensation is retried with exponential backoff, then parked with an alert', () => {
  let t = last(run(reply('StockReserved'), reply('PaymentDeclined', 'CARD_DECLINED')));
  const deadlines: (number | undefined)[] = [t.saga.deadlineAt];
  for (let i = 0; i < 2; i++) {
    t = decide(t.saga, { type: 'Timeout' }, NOW, policy);
    assert.deepEqual(t.commands, ['ReleaseStock']);
    assert.equal(t.alert, false);
    deadlines.push(t.saga.deadlineAt);
  }
  assert.deepEqual(deadlines, [NOW + 1_000, NOW + 2_000, NOW + 4_000]);
  t = decide(t.saga, { type: 'Timeout' }, NOW, policy);
  assert.equal(stateName(t.saga.state), 'FAILED_COMPENSATION');
  assert.equal(t.alert, true);
  assert.deepEqual(t.commands, []);
  assert.equal(t.saga.deadlineAt, undefined, 'parked: no more timeouts');
  assert.deepEqual(decide(t.saga, { type: 'Timeout' }, NOW, policy).commands, []);

  const retried = decide(t.saga, { type: 'Retry' }, NOW, policy);
  assert.equal(stateName(retried.saga.state), 'COMPENSATING');
  assert.deepEqual(retried.commands, ['ReleaseStock']);
  assert.equal(retried.saga.attempt, 0);
  assert.equal(
    stateName(decide(retried.saga, reply('StockReleased'), NOW, policy).saga.state),
    'COMPENSATED',
  );
});

test('a parked saga still completes its compensation if the confirmation arrives after all', () => {
  let t = last(run(reply('StockReserved'), reply('PaymentDeclined', 'CARD_DECLINED')));
  for (let i = 0; i < 3; i++) t = decide(t.saga, { type: 'Timeout' }, NOW, policy);
  assert.equal(stateName(t.saga.state), 'FAILED_COMPENSATION');
  assert.equal(
    stateName(decide(t.saga, reply('StockReleased'), NOW, policy).saga.state),
    'COMPENSATED',
  );
});

test('retry, cancel and timeout do nothing where they do not apply', () => {
  const running = start(NOW, policy).saga;
  assert.deepEqual(decide(running, { type: 'Retry' }, NOW, policy).commands, []);
  const completed: Saga = { state: { kind: 'COMPLETED' }, attempt: 0, deadlineAt: undefined };
  for (const input of [{ type: 'Retry' }, { type: 'Cancel' }, { type: 'Timeout' }] as const) {
    const t = decide(completed, input, NOW, policy);
    assert.equal(t.saga, completed);
    assert.deepEqual(t.commands, []);
  }
  const compensating = last(run({ type: 'Cancel' })).saga;
  const again = decide(compensating, { type: 'Cancel' }, NOW, policy);
  assert.equal(again.order, undefined);
  assert.deepEqual(decide(compensating, { type: 'Retry' }, NOW, policy).commands, []);
});

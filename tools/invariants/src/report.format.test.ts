import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULES } from './invariants.types.ts';
import { formatInvariantReport } from './report.format.ts';

const rules = RULES.map((r) => ({ rule: r.id, checked: 3, violations: 0 }));

test('a clean report is a table of every rule and an OK line', () => {
  const text = formatInvariantReport({
    ok: true,
    orders: 3,
    rules,
    violations: [],
    notices: [],
    durationMs: 12,
  });
  for (const r of RULES) assert.match(text, new RegExp(`^  ${r.id} +3 +0$`, 'm'));
  assert.match(text, /OK: every invariant holds\.\n$/);
});

test('each violation names its rule and its order, SKU or account', () => {
  const text = formatInvariantReport({
    ok: false,
    orders: 3,
    rules: rules.map((r) =>
      r.rule === 'money-conservation' || r.rule === 'order-terminal' ? { ...r, violations: 1 } : r,
    ),
    violations: [
      { rule: 'order-terminal', orderId: 'o-1', detail: 'order is still PENDING (choreography)' },
      { rule: 'money-conservation', account: 'cust_a', detail: 'balance 1, expected 2' },
    ],
    notices: [{ rule: 'dlq-empty', detail: 'x.dlq partition 0: 1 message(s)' }],
    durationMs: 12,
  });
  assert.match(text, /^ {2}order-terminal +3 +1 {2}✗$/m);
  assert.match(text, /^ {2}order-terminal {2}order o-1: order is still PENDING \(choreography\)$/m);
  assert.match(text, /^ {2}money-conservation {2}account cust_a: balance 1, expected 2$/m);
  assert.match(text, /Notices \(expected, not failing\):\n {2}dlq-empty {2}x\.dlq partition 0/);
  assert.match(text, /FAILED: 2 violation\(s\) of 2 rule\(s\)\.\n$/);
});

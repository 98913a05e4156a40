import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliArgs, parseSince, UsageError } from './cli.args.ts';

const NOW = new Date('2026-12-01T12:00:00Z');

test('--since takes a duration before now or an ISO 8601 instant', () => {
  assert.equal(parseSince('10m', NOW).toISOString(), '2026-12-01T11:50:00.000Z');
  assert.equal(parseSince('90s', NOW).toISOString(), '2026-12-01T11:58:30.000Z');
  assert.equal(parseSince('1d', NOW).toISOString(), '2026-11-30T12:00:00.000Z');
  assert.equal(parseSince('2026-11-30T08:00:00Z', NOW).toISOString(), '2026-11-30T08:00:00.000Z');
  assert.throws(() => parseSince('yesterday', NOW), UsageError);
  assert.throws(() => parseSince('2026-13-45', NOW), UsageError);
});

test('order ids may be repeated or comma-separated; flags map to check options', () => {
  const r = parseCliArgs(
    [
      '--order',
      'a,b',
      '--order',
      'c',
      '--allow-dlq',
      '--allow-parked',
      '--outbox-max-age',
      '5',
      '--json',
    ],
    NOW,
  );
  assert.deepEqual(r, {
    kind: 'check',
    json: true,
    options: {
      scope: { orderIds: ['a', 'b', 'c'] },
      dlq: { allow: true },
      allowParked: true,
      outboxMaxAgeSeconds: 5,
    },
  });
  assert.deepEqual(parseCliArgs([], NOW), { kind: 'check', json: false, options: { scope: {} } });
  assert.deepEqual(parseCliArgs(['-h'], NOW), { kind: 'help' });
});

test('unknown options and bad numbers are usage errors naming them', () => {
  assert.throws(() => parseCliArgs(['--frobnicate'], NOW), /frobnicate/);
  assert.throws(() => parseCliArgs(['--outbox-max-age', '-1'], NOW), UsageError);
  assert.throws(
    () => parseCliArgs(['--outbox-max-age', 'soon'], NOW),
    /--outbox-max-age expects seconds/,
  );
});

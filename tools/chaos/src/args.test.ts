import assert from 'node:assert/strict';
import test from 'node:test';
import { parseArgs, UsageError } from './args.ts';

const known = ['kafka-outage', 'redis-down'];

test('a scenario runs mixed and long unless told otherwise', () => {
  assert.deepEqual(parseArgs(['kafka-outage'], known), {
    kind: 'run',
    name: 'kafka-outage',
    short: false,
    mode: 'mixed',
  });
  assert.deepEqual(parseArgs(['redis-down', '--short', '--mode', 'orchestration'], known), {
    kind: 'run',
    name: 'redis-down',
    short: true,
    mode: 'orchestration',
  });
});

test('list and soak parse', () => {
  assert.deepEqual(parseArgs(['list'], known), { kind: 'list' });
  assert.deepEqual(parseArgs(['soak', '--minutes', '2.5'], known), {
    kind: 'soak',
    minutes: 2.5,
    mode: 'mixed',
  });
});

test('bad input is a usage error naming what is wrong', () => {
  const bad: [string[], RegExp][] = [
    [[], /missing scenario/],
    [['nope'], /unknown scenario "nope"/],
    [['redis-down', '--mode', 'both'], /--mode must be one of/],
    [['redis-down', '--mode'], /--mode needs a value/],
    [['soak'], /soak needs --minutes/],
    [['soak', '--minutes', '0'], /--minutes must be a positive number/],
    [['redis-down', '--minutes', '3'], /unknown option "--minutes"/],
  ];
  for (const [argv, message] of bad) {
    assert.throws(
      () => parseArgs(argv, known),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
    );
  }
});

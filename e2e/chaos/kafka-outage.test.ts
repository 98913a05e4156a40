import assert from 'node:assert/strict';
import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('kafka-outage: with Kafka cut, orders are still accepted and all complete after, in both saga styles', {
  timeout: 150_000,
}, async () => {
  const r = await runShort('kafka-outage');
  assert.equal(r.load.accepted, r.load.requests, 'every POST answered 202');
});

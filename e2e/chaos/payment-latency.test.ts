import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('payment-latency: with 2 s on gateway→payment the breaker opens, other routes stay fast and sagas complete', {
  timeout: 150_000,
}, async () => {
  await runShort('payment-latency');
});

import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('partition: payment cut from Kafka, then from its database, catches up with nothing lost or doubled', {
  timeout: 180_000,
}, async () => {
  await runShort('partition');
});

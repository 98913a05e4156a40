import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('kill-9: services killed with SIGKILL under load lose and double nothing, in both saga styles', {
  timeout: 180_000,
}, async () => {
  await runShort('kill-9');
});

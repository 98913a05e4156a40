import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('duplicate-delivery: consumers rewound to reprocess every message double no effect, in both saga styles', {
  timeout: 180_000,
}, async () => {
  await runShort('duplicate-delivery');
});

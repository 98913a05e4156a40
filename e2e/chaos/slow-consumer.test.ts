import test from 'node:test';
import { runShort } from '../support/chaos.ts';

test('slow-consumer: a slowed consumer lags, then drains, with bounded memory', {
  timeout: 180_000,
}, async () => {
  await runShort('slow-consumer');
});

/**
 * The README's "Try it" examples work as written: its curl commands are read from README.md
 * and run with bash against the running platform (only `<orderId>` is filled in, and the
 * default gateway address is swapped for the configured one when SAGA_GATEWAY_PORT moves it).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GATEWAY, settled } from '../support/api.ts';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const tryIt = readme.slice(readme.indexOf('## Try it'), readme.indexOf('## With Docker instead'));
const blocks = [...tryIt.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

/** Runs a block's commands (comment lines dropped) and returns their stdouts, one per command. */
function run(block: string, orderId = ''): string[] {
  const commands = block
    .replaceAll('<orderId>', orderId)
    .replaceAll('http://127.0.0.1:18080', GATEWAY)
    .split('\n')
    .filter((l) => !l.startsWith('#') && l.trim() !== '')
    .join('\n')
    .split(/\n(?=curl )/);
  return commands.map((c) =>
    execFileSync('bash', ['-c', c.replace(/\s+#.*$/gm, '')], { encoding: 'utf8', timeout: 15_000 }),
  );
}

test('the README places an order with curl, reads it back settled, and the related resources', async () => {
  assert.equal(blocks.length, 2, 'the Try it section has its two curl blocks');
  const [placed] = run(blocks[0] ?? '');
  const body = JSON.parse(placed ?? '{}') as { orderId: string; status: string };
  assert.match(body.orderId, /^[0-9a-f-]{36}$/);
  const order = await settled(body.orderId);
  assert.equal(order.status, 'CONFIRMED');
  const outputs = run(blocks[1] ?? '', body.orderId).map((o) => JSON.parse(o));
  assert.equal(outputs.length, 5);
  assert.equal(outputs[0].orderId, body.orderId);
  assert.equal(outputs[1].sku, 'SKU-BOOK');
  assert.equal(outputs[2].customerId, 'cust_alice');
  assert.equal(outputs[3].orderId, body.orderId);
  assert.equal(outputs[4].orderId, body.orderId);
});

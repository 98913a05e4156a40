/**
 * The contract checks, run for real with buf: lint passes on the contracts as they are, the
 * current contracts are compatible with the released ones, and a breaking change to a copy of
 * them is caught (so CI fails on it, not a reviewer).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = join(import.meta.dirname, '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const released = join(root, 'released', 'contracts.json');
const work = mkdtempSync(join(tmpdir(), 'contracts-'));
after(() => rmSync(work, { recursive: true, force: true }));

function bufIn(dir: string, args: string[]) {
  const r = spawnSync(buf, args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A copy of the module whose order.proto has been edited by `edit`. */
function variant(name: string, edit: (proto: string) => string): string {
  const dir = join(work, name);
  cpSync(join(root, 'proto'), join(dir, 'proto'), { recursive: true });
  cpSync(join(root, 'buf.yaml'), join(dir, 'buf.yaml'));
  const file = join(dir, 'proto', 'saga', 'order', 'v1', 'order.proto');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return dir;
}

test('the contracts pass buf lint', () => {
  const r = bufIn(root, ['lint']);
  assert.equal(r.status, 0, r.output);
});

test('the current contracts are compatible with the released ones', () => {
  const r = bufIn(root, ['breaking', '--against', released]);
  assert.equal(r.status, 0, r.output);
});

test('adding a field is compatible', () => {
  const dir = variant('additive', (p) =>
    p.replace(
      'message OrderConfirmed {\n  string order_id = 1;',
      'message OrderConfirmed {\n  string order_id = 1;\n  string note = 15;',
    ),
  );
  assert.match(
    readFileSync(join(dir, 'proto', 'saga', 'order', 'v1', 'order.proto'), 'utf8'),
    /note = 15/,
  );
  const r = bufIn(dir, ['breaking', '--against', released]);
  assert.equal(r.status, 0, r.output);
});

for (const [name, edit, expected] of [
  ['removing a field', (p: string) => p.replace('  int64 total_cents = 4;\n', ''), /deleted/i],
  [
    'changing a field type',
    (p: string) => p.replace('int64 total_cents = 4;', 'string total_cents = 4;'),
    /type/i,
  ],
  [
    'renaming a field (its JSON name)',
    (p: string) =>
      p.replace(
        'string customer_id = 2;\n  repeated saga.common.v1.PricedLineItem items = 3;',
        'string client_id = 2;\n  repeated saga.common.v1.PricedLineItem items = 3;',
      ),
    /name/i,
  ],
  [
    'removing an rpc',
    (p: string) =>
      p.replace(
        / {2}\/\/ Most recent orders first.\n {2}rpc ListOrders\(ListOrdersRequest\) returns \(ListOrdersResponse\);\n/,
        '',
      ),
    /ListOrders/,
  ],
] as const) {
  test(`${name} is a breaking change that fails the check`, () => {
    const dir = variant(name.replaceAll(/\W+/g, '-'), edit);
    const changed = readFileSync(join(dir, 'proto', 'saga', 'order', 'v1', 'order.proto'), 'utf8');
    assert.notEqual(
      changed,
      readFileSync(join(root, 'proto', 'saga', 'order', 'v1', 'order.proto'), 'utf8'),
      'the edit applied',
    );
    const r = bufIn(dir, ['breaking', '--against', released]);
    assert.notEqual(r.status, 0, `expected a failure:\n${r.output}`);
    assert.match(r.output, expected);
  });
}

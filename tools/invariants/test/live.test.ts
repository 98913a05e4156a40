/**
 * The CLI against the live stack's own databases (through the read-only roles): it fails while
 * a freshly placed order is still in flight, naming the order and the rule, and passes once a
 * confirmed and a rejected order have settled, scoped to them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { eventually, testStack } from '@saga/testkit';
import type { InvariantReport } from '../src/index.ts';

const { endpoints } = testStack(process.env);
const CLI = resolve(import.meta.dirname, '../src/cli.ts');

type Run = { code: number; stdout: string; stderr: string };

async function cli(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--disable-warning=TimeoutNegativeWarning', CLI, ...args],
      { env: process.env, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function placeOrder(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${endpoints.gatewayUrl}/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      customerId: 'cust_alice',
      items: [{ sku: 'SKU-BOOK', quantity: 1 }],
      ...body,
    }),
  });
  const json = (await res.json()) as { orderId: string };
  assert.equal(res.status, 202, JSON.stringify(json));
  return json.orderId;
}

const address = (overrides: Record<string, string> = {}) => ({
  name: 'Invariant Tester',
  line1: '1 Checker Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
  ...overrides,
});

test('the CLI names an order still in flight, then passes once it and a rejected one have settled', async () => {
  const since = new Date().toISOString();
  // Slowtown: shipping takes five seconds (docs/fixtures.md), so this order is still PENDING
  // when the CLI first looks.
  const confirmed = await placeOrder({ shippingAddress: address({ city: 'Slowtown' }) });
  const rejected = await placeOrder({
    shippingAddress: address({ postalCode: '00000' }),
    sagaMode: 'orchestration',
  });

  const early = await cli('--since', since, '--order', confirmed);
  assert.equal(early.code, 1, early.stdout + early.stderr);
  assert.match(
    early.stdout,
    new RegExp(`order-terminal  order ${confirmed}: order is still PENDING`),
  );
  assert.match(early.stdout, /FAILED: /);

  // Poll until both have settled and every effect has landed (capture, commit, compensation).
  const done = await eventually(
    async () => {
      const run = await cli('--since', since, '--order', `${confirmed},${rejected}`, '--json');
      if (run.code !== 0)
        throw new Error(`exit ${run.code}: ${run.stdout.slice(0, 2_000)}${run.stderr}`);
      return JSON.parse(run.stdout) as InvariantReport;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'both orders settled and every invariant holding',
    },
  );
  assert.equal(done.ok, true);
  assert.equal(done.orders, 2);
  assert.equal(done.rules.find((r) => r.rule === 'confirmed-one-capture')?.checked, 1);
  assert.equal(done.rules.find((r) => r.rule === 'released-when-not-confirmed')?.checked, 1);

  const text = await cli('--since', since, '--order', confirmed, '--order', rejected);
  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.match(text.stdout, /OK: every invariant holds\./);
});

test('the CLI refuses bad arguments with exit code 2 and says why', async () => {
  const run = await cli('--since', 'yesterday');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--since expects an ISO 8601 instant .* not "yesterday"/);
  const bad = await cli('--order', 'nope');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /order id "nope" is not a UUID/);
});

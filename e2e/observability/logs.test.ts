/**
 * Correlated logs, end to end (docs/observability.md, "Logs"): an order placed through the API
 * leaves JSON lines in every service's log, all in the order's one trace, and the stack CLI's
 * `logs --order` (and `--trace`, and `-f`) brings them together in time order.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { eventually, testStack } from '@saga/testkit';
import { api, newCustomer, newProduct, placeOrder, settled } from '../support/api.ts';

const { settings } = testStack(process.env);
const root = join(import.meta.dirname, '..', '..');
const SERVICES = ['gateway', 'order', 'inventory', 'payment', 'shipping'] as const;
const logFile = (service: string) => join(settings.stackDir, 'logs', `${service}.log`);
const CLI = [
  '--disable-warning=TimeoutNegativeWarning',
  join(root, 'infra', 'local', 'src', 'cli.ts'),
  'logs',
];

type Line = Record<string, unknown> & { service: string; msg: string; time: string };

/** Runs `pnpm stack logs <args>` (the CLI itself, as `./saga` does) and returns its stdout. */
async function logs(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...CLI, ...args], {
    cwd: root,
    env: process.env,
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

const parse = (out: string): Line[] =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

/** What each service's log has grown by since `offsets`, as JSON lines. */
async function appendedSince(offsets: Readonly<Record<string, number>>): Promise<Line[]> {
  const lines: Line[] = [];
  for (const service of SERVICES) {
    const handle = await open(logFile(service), 'r');
    try {
      const from = offsets[service] ?? 0;
      const { size } = await handle.stat();
      const buffer = Buffer.alloc(Math.max(0, size - from));
      await handle.read(buffer, 0, buffer.length, from);
      for (const text of buffer.toString('utf8').split('\n')) {
        if (text.startsWith('{')) lines.push(JSON.parse(text) as Line);
      }
    } finally {
      await handle.close();
    }
  }
  return lines;
}

function follow(orderId: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [...CLI, '--order', orderId, '-f', '--json'], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

for (const sagaMode of ['choreography', 'orchestration'] as const) {
  describe(`an order's logs, ${sagaMode}`, () => {
    test('`logs --order` prints every service’s lines of the order, all in its one trace, in time order; `--trace` and `-f` print the same', async () => {
      const offsets = Object.fromEntries(
        await Promise.all(SERVICES.map(async (s) => [s, (await stat(logFile(s))).size] as const)),
      );
      const [p, c] = await Promise.all([newProduct(5), newCustomer(100_000)]);
      const placed = await placeOrder({
        customerId: c.customerId,
        items: [{ sku: p.sku, quantity: 1 }],
        sagaMode,
      });
      assert.equal(placed.status, 202, JSON.stringify(placed.body));
      const { orderId } = placed.body;
      const follower = follow(orderId);
      let printed = 0;
      try {
        assert.equal((await settled(orderId)).status, 'CONFIRMED');
        const { traceId } = (await api<{ traceId?: string }>('GET', `/v1/orders/${orderId}`)).body;
        assert.match(traceId ?? '', /^[0-9a-f]{32}$/, 'the order reports its trace id');

        // The last messages of the saga may still be in flight when the order is CONFIRMED:
        // ask until the order service has handled the last replies, and both commands agree.
        const lines = await eventually(
          async () => {
            const byOrder = parse(await logs('--order', orderId, '--json'));
            const byTrace = parse(await logs('--trace', traceId as string, '--json'));
            const handledByOrder = byOrder
              .filter((l) => l.service === 'order' && l.msg === 'message handled')
              .map((l) => l.message_type);
            assert.ok(handledByOrder.includes('StockCommitted'), 'StockCommitted not handled yet');
            assert.ok(
              handledByOrder.includes('PaymentCaptured'),
              'PaymentCaptured not handled yet',
            );
            assert.deepEqual(byTrace, byOrder);
            return byOrder;
          },
          { timeoutMs: 20_000, intervalMs: 250, description: `the logs of order ${orderId}` },
        );

        assert.deepEqual(
          [...new Set(lines.map((l) => l.service))].sort(),
          [...SERVICES].sort(),
          'lines from every service',
        );
        for (const l of lines) {
          assert.equal(l.trace_id, traceId, JSON.stringify(l));
          assert.match(String(l.span_id), /^[0-9a-f]{16}$/, JSON.stringify(l));
        }
        const times = lines.map((l) => Date.parse(l.time));
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
          'in time order',
        );
        printed = lines.length;
        const gateway = lines.filter((l) => l.service === 'gateway');
        assert.deepEqual(
          gateway.map((l) => l.msg),
          ['incoming request', 'request completed'],
          'the gateway lines of the request that placed the order',
        );
        assert.deepEqual(gateway[0]?.req, {
          ...(gateway[0]?.req as object),
          method: 'POST',
          url: '/v1/orders',
        });
        for (const service of ['inventory', 'payment', 'shipping'] as const) {
          for (const l of lines.filter((x) => x.service === service)) {
            assert.equal(l.order_id, orderId, JSON.stringify(l));
          }
        }

        // The default rendering: one readable line per JSON line, time first.
        const rendered = (await logs('--order', orderId)).trimEnd().split('\n');
        assert.ok(rendered.length >= lines.length);
        assert.match(
          rendered[0] ?? '',
          /^\d\d:\d\d:\d\d\.\d{3} INFO {2}gateway {3}incoming request /,
        );

        // Following: what was printed first, then what came after, is the same set of lines.
        await eventually(
          async () => {
            const followed = new Set(follower.output().split('\n').filter(Boolean));
            for (const l of lines) assert.ok(followed.has(JSON.stringify(l)), 'not followed yet');
          },
          { timeoutMs: 10_000, intervalMs: 100, description: 'the follower caught up' },
        );
      } finally {
        follower.child.kill('SIGTERM');
      }

      // Every JSON line the services wrote about this order, or while handling any message, or
      // while answering a request about this order, carries a trace and a span.
      const written = await appendedSince(offsets);
      const requestsAboutOrder = new Set(
        written
          .filter(
            (l) =>
              l.service === 'gateway' &&
              String((l.req as { url?: string } | undefined)?.url).includes(orderId),
          )
          .map((l) => l.reqId),
      );
      const handling = written.filter(
        (l) =>
          JSON.stringify(l).includes(orderId) ||
          l.msg === 'message handled' ||
          (l.service === 'gateway' && requestsAboutOrder.has(l.reqId)),
      );
      assert.ok(handling.length > printed, 'the polls of the order are among them');
      for (const l of handling) {
        assert.match(String(l.trace_id), /^[0-9a-f]{32}$/, JSON.stringify(l));
        assert.match(String(l.span_id), /^[0-9a-f]{16}$/, JSON.stringify(l));
      }
    });
  });
}

/**
 * The services phase of the stack, on real processes: stand-in services (test/fixtures/) started
 * with the real services' command line, bound to 127.0.0.2 with a throw-away state folder, so
 * they never meet the stack the other tests use. The infrastructure is not needed: the fixtures
 * only answer /readyz.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { loadStackSettings, type ServiceProcessName } from '@saga/topology';
import { type Component, type StackContext, stackPaths } from '../src/component.ts';
import { serviceComponent } from '../src/components/service.ts';
import { isAlive, readPidFile } from '../src/process.ts';
import { ComponentError, down, status, up } from '../src/stack.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const fixtures = `${import.meta.dirname}/fixtures`;
let stackDir: string;
let ctx: StackContext;
/** Progress lines, as `<component> <event>: <message>`. */
const events: string[] = [];

function fixture(name: ServiceProcessName, kind: string, readyDeadlineMs?: number): Component {
  return serviceComponent(name, {
    packageDir: `${fixtures}/${kind}`,
    ...(readyDeadlineMs ? { readyDeadlineMs } : {}),
  });
}

/** The environment a fixture printed at start (see fixtures/ready-service). */
async function envOf(name: string): Promise<{ env: Record<string, string>; telemetry: boolean }> {
  const log = await readFile(ctx.paths.logFile(name), 'utf8');
  const line = log.split('\n').find((l) => l.startsWith('fixture-env '));
  assert.ok(line, `${name} printed no environment:\n${log}`);
  return JSON.parse(line.slice('fixture-env '.length));
}

async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.2:${port}/readyz`)).status;
}

before(async () => {
  stackDir = await mkdtemp(`${tmpdir()}/saga-services-test-`);
  await chmod(stackDir, 0o755);
  const settings = loadStackSettings(
    { SAGA_HOST: '127.0.0.2', SAGA_STACK_DIR: stackDir },
    { repoRoot, home: homedir() },
  );
  ctx = {
    settings,
    paths: stackPaths(repoRoot, settings),
    report: {
      step: (c, m) => events.push(`${c} step: ${m}`),
      done: (c, m) => events.push(`${c} done: ${m}`),
      warn: (c, m) => events.push(`${c} warn: ${m}`),
    },
    env: { PATH: process.env.PATH },
    isRoot: process.getuid?.() === 0,
  };
});

after(async () => {
  // Whatever a failed test left running, by pid file: every fixture name used below.
  await down(ctx, [
    fixture('inventory', 'ready-service'),
    fixture('order', 'ready-service'),
    fixture('gateway', 'ready-service'),
    fixture('payment', 'never-ready-service'),
  ]);
  await rm(stackDir, { recursive: true, force: true });
});

const platform = () => [
  fixture('inventory', 'ready-service'),
  fixture('order', 'ready-service'),
  fixture('gateway', 'ready-service'),
];

test('up starts the services one at a time, in order, each once GET /readyz answers 200', async () => {
  events.length = 0;
  const started = await up(ctx, platform());
  assert.deepEqual(started, ['inventory', 'order', 'gateway']);
  const s = ctx.settings;
  assert.equal(await readyz(s.services.inventory.healthPort), 200);
  assert.equal(await readyz(s.services.order.healthPort), 200);
  assert.equal(await readyz(s.gateway.port), 200);
  // Sequential: a service is spawned only after the one before it was ready.
  const at = (line: RegExp) => events.findIndex((e) => line.test(e));
  assert.ok(at(/^inventory done: ready/) < at(/^order step: started/), events.join('\n'));
  assert.ok(at(/^order done: ready/) < at(/^gateway step: started/), events.join('\n'));
  for (const name of started) {
    const record = await readPidFile(ctx.paths.pidFile(name));
    assert.ok(record && (await isAlive(record)), `${name} has no live pid file`);
  }
});

test('each service gets the process contract, every data-plane address through its own toxiproxy edge', async () => {
  const order = await envOf('order');
  assert.equal(order.telemetry, true, 'the @saga/telemetry/register preload did not run');
  assert.deepEqual(order.env, {
    HOST: '127.0.0.2',
    GRPC_PORT: '15101',
    HEALTH_PORT: '15111',
    // order->postgres, order->kafka, order->inventory (docs/native-stack.md, "Edges").
    DATABASE_URL: 'postgres://saga_order:saga_order@127.0.0.2:25201/saga_order',
    KAFKA_BROKERS: '127.0.0.2:25221',
    INVENTORY_GRPC_ADDR: '127.0.0.2:25242',
    SEED_FIXTURES: 'true',
    LOG_LEVEL: 'info',
    OTEL_SERVICE_NAME: 'order',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.2:4318',
  });
  const gateway = await envOf('gateway');
  assert.deepEqual(gateway.env, {
    HOST: '127.0.0.2',
    HTTP_PORT: '18080',
    PUBLIC_URL: 'http://127.0.0.2:18080',
    // gateway->redis, gateway->order, gateway->inventory, gateway->payment, gateway->shipping.
    REDIS_URL: 'redis://127.0.0.2:25215',
    ORDER_GRPC_ADDR: '127.0.0.2:25231',
    INVENTORY_GRPC_ADDR: '127.0.0.2:25232',
    PAYMENT_GRPC_ADDR: '127.0.0.2:25233',
    SHIPPING_GRPC_ADDR: '127.0.0.2:25234',
    LOG_LEVEL: 'info',
    OTEL_SERVICE_NAME: 'gateway',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.2:4318',
  });
});

test('a second up is a no-op that keeps the same service processes', async () => {
  const pids = async () =>
    Promise.all(['inventory', 'order', 'gateway'].map((n) => readPidFile(ctx.paths.pidFile(n))));
  const before = await pids();
  assert.deepEqual(await up(ctx, platform()), []);
  assert.deepEqual(await pids(), before);
  const states = await status(ctx, platform());
  assert.deepEqual(
    states.map((s) => [s.name, s.state]),
    [
      ['inventory', 'ready'],
      ['order', 'ready'],
      ['gateway', 'ready'],
    ],
  );
});

test('down stops the services in reverse start order, with SIGTERM, and removes their pid files', async () => {
  const records = await Promise.all(
    ['inventory', 'order', 'gateway'].map((n) => readPidFile(ctx.paths.pidFile(n))),
  );
  events.length = 0;
  await down(ctx, platform());
  assert.deepEqual(
    events.map((e) => e.split(':')[0]),
    ['gateway done', 'order done', 'inventory done'],
  );
  for (const r of records) assert.ok(r && !(await isAlive(r)), `pid ${r?.pid} still runs`);
  for (const n of ['inventory', 'order', 'gateway']) {
    assert.equal(await readPidFile(ctx.paths.pidFile(n)), undefined);
  }
  // The fixture logs its SIGTERM: it was asked to stop, not killed.
  assert.match(await readFile(ctx.paths.logFile('order'), 'utf8'), /SIGTERM, shutting down/);
  const states = await status(ctx, platform());
  assert.ok(states.every((s) => s.state === 'stopped'));
});

test('a service that never gets ready fails after its deadline, with the probe answer and its log tail', async () => {
  const never = fixture('payment', 'never-ready-service', 2000);
  await assert.rejects(up(ctx, [never]), (err: unknown) => {
    assert.ok(err instanceof ComponentError);
    assert.equal(err.component, 'payment');
    assert.match(
      err.message,
      /^payment: not ready after 2s: GET http:\/\/127\.0\.0\.2:15113\/readyz answered 503: .*ECONNREFUSED/,
    );
    assert.match(err.logTail, /cannot reach the database/);
    return true;
  });
  // Like an infrastructure component, it is left running for inspection; down stops it.
  const [state] = await status(ctx, [never]);
  assert.equal(state?.state, 'running-not-ready');
  await down(ctx, [never]);
});

test('a service that exits at start is reported at once with its log tail, not after the deadline', async () => {
  const crashing = fixture('shipping', 'crashing-service');
  const started = performance.now();
  await assert.rejects(up(ctx, [crashing]), (err: unknown) => {
    assert.ok(err instanceof ComponentError);
    assert.match(err.message, /^shipping: the process exited before it was ready/);
    assert.match(err.logTail, /FIXTURE_REQUIRED_SETTING is missing/);
    return true;
  });
  assert.ok(performance.now() - started < 30_000, 'waited for the 60 s deadline');
});

test('a service whose src/main.ts does not exist fails, naming the file', async () => {
  const missing = fixture('inventory', 'no-such-service');
  await assert.rejects(
    up(ctx, [missing]),
    /inventory: cannot start: infra\/local\/test\/fixtures\/no-such-service\/src\/main\.ts does not exist/,
  );
});

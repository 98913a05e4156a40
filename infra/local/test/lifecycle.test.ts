/**
 * The stack CLI's own behaviour, exercised on a second, throw-away stack: same ports, but bound
 * to 127.0.0.2 (still loopback) with its own state folder, so it never disturbs the stack the
 * other tests use. Toxiproxy and Redis start in well under a second, which keeps this cheap.
 * The infrastructure only (SAGA_SERVICES=none): services.test.ts covers the services phase.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '@saga/testkit';
import {
  isAlive,
  type PidRecord,
  readPidFile,
  spawnDetached,
  stopProcess,
} from '../src/process.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const cli = `${repoRoot}/infra/local/src/cli.ts`;
let stackDir: string;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SAGA_HOST: '127.0.0.2',
    SAGA_STACK_DIR: stackDir,
    SAGA_SERVICES: 'none',
    ...extra,
  };
}

function run(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string }>((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--disable-warning=TimeoutNegativeWarning', cli, ...args],
      {
        env: env(extraEnv),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    child.once('error', fail);
    child.once('exit', (code) => done({ code, out }));
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.2:port. */
async function listening(port: number): Promise<void> {
  await eventually(
    () =>
      new Promise<void>((ok, fail) => {
        const socket = connect({ host: '127.0.0.2', port }, () => {
          socket.destroy();
          ok();
        });
        socket.once('error', fail);
      }),
    { timeoutMs: 10_000, description: `a listener on 127.0.0.2:${port}` },
  );
}

async function pids(): Promise<Record<string, PidRecord>> {
  const dir = `${stackDir}/run`;
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.pid'));
  const entries = await Promise.all(
    files.map(async (f) => [f.replace('.pid', ''), await readPidFile(`${dir}/${f}`)] as const),
  );
  return Object.fromEntries(entries.filter((e): e is [string, PidRecord] => e[1] !== undefined));
}

before(async () => {
  stackDir = await mkdtemp(`${tmpdir()}/saga-stack-test-`);
  // mkdtemp makes the folder private; as root, PostgreSQL runs as `postgres` and must enter it.
  await chmod(stackDir, 0o755);
});

after(async () => {
  await run(['down']);
  await rm(stackDir, { recursive: true, force: true });
});

test('up starts the selected components and reports each one ready', async () => {
  const { code, out } = await run(['up', 'toxiproxy', 'redis']);
  assert.equal(code, 0, out);
  assert.match(out, /toxiproxy\s+✓ ready \(pid \d+\): version/);
  assert.match(out, /redis\s+✓ ready \(pid \d+\): Redis \d/);
  const running = await pids();
  assert.deepEqual(Object.keys(running).sort(), ['redis', 'toxiproxy']);
  for (const r of Object.values(running)) assert.ok(await isAlive(r));
});

test('a second up is a no-op that keeps the same processes', async () => {
  const before = await pids();
  const { code, out } = await run(['up', 'toxiproxy', 'redis']);
  assert.equal(code, 0, out);
  assert.match(out, /redis\s+✓ already running/);
  assert.deepEqual(await pids(), before);
});

test('with starts what is stopped for the command, passes its exit code, then stops only that', async () => {
  const before = await pids();
  assert.deepEqual(Object.keys(before).sort(), ['redis', 'toxiproxy']);
  // Inside: every component must be ready (status exits 0), then exit 7 to check propagation.
  const inner = `"${process.execPath}" --disable-warning=TimeoutNegativeWarning "${cli}" status && exit 7`;
  const { code, out } = await run(['with', '--', 'sh', '-c', inner]);
  assert.equal(code, 7, out);
  assert.match(out, /starting the stack for this run \(postgres, kafka, jaeger\)/);
  assert.match(out, /stopping what this run started: postgres, kafka, jaeger/);
  assert.deepEqual(await pids(), before, 'toxiproxy and redis were running before, so they stay');
});

test('restart stops a component and starts it again as a new process', async () => {
  const before = (await pids()).redis;
  const { code, out } = await run(['restart', 'redis']);
  assert.equal(code, 0, out);
  assert.match(out, /redis\s+✓ stopped \(pid \d+\)[\s\S]*redis\s+✓ ready \(pid \d+\)/);
  const after = (await pids()).redis;
  assert.ok(before && after && after.pid !== before.pid && (await isAlive(after)));
  assert.equal(await isAlive(before), false);
});

test('status lists the services after the infrastructure unless SAGA_SERVICES or --infra-only leaves them out', async () => {
  const all = await run(['status'], { SAGA_SERVICES: 'all' });
  assert.equal(all.code, 1, all.out);
  const names = all.out
    .split('\n')
    .map((l) => l.split(/\s+/)[0])
    .filter(Boolean);
  assert.deepEqual(names, [
    'toxiproxy',
    'postgres',
    'redis',
    'kafka',
    'jaeger',
    'inventory',
    'payment',
    'shipping',
    'order',
    'gateway',
  ]);
  assert.match(all.out, /^gateway\s+stopped/m);
  const infraOnly = await run(['status', '--infra-only'], { SAGA_SERVICES: 'all' });
  assert.doesNotMatch(infraOnly.out, /inventory|payment|shipping|order|gateway/);
  assert.match(infraOnly.out, /^jaeger\s+stopped/m);
  const some = await run(['status'], { SAGA_SERVICES: 'order' });
  assert.doesNotMatch(some.out, /inventory|gateway/);
  assert.match(some.out, /^order\s+stopped/m);
});

test('status exits 0 when the selected components are ready and 1 when one is stopped', async () => {
  const ready = await run(['status', 'toxiproxy', 'redis']);
  assert.equal(ready.code, 0, ready.out);
  const notStarted = await run(['status', 'kafka']);
  assert.equal(notStarted.code, 1, notStarted.out);
  assert.match(notStarted.out, /kafka\s+stopped/);
});

test('down stops what the stack started, by pid, and leaves a same-named stranger alone', async () => {
  const ours = await pids();
  // A redis-server the stack did not start: down must not touch it even though the name matches.
  const strangerLog = `${stackDir}/stranger.log`;
  const stranger = await spawnDetached({
    command: '/usr/bin/redis-server',
    args: ['--bind', '127.0.0.2', '--port', '16390', '--save', '', '--appendonly', 'no'],
    logFile: strangerLog,
    pidFile: `${stackDir}/stranger.pid`,
  });
  try {
    await listening(16390);
    const { code, out } = await run(['down']);
    assert.equal(code, 0, out);
    for (const [name, record] of Object.entries(ours)) {
      assert.equal(await isAlive(record), false, `${name} (pid ${record.pid}) still running`);
    }
    assert.deepEqual(await pids(), {});
    assert.ok(await isAlive(stranger), 'down killed a process it did not start');
  } finally {
    await stopProcess(stranger, 'SIGTERM', 5000);
  }
});

test('a component that fails to start is reported with the tail of its log and a non-zero exit', async () => {
  // A corrupt append-only manifest: redis-server refuses to start, as it would on a damaged disk.
  const aof = `${stackDir}/redis/appendonlydir`;
  await mkdir(aof, { recursive: true });
  await writeFile(`${aof}/appendonly.aof.manifest`, 'this is not a manifest\n');
  const { code, out } = await run(['up', 'toxiproxy', 'redis']);
  assert.equal(code, 1, out);
  assert.match(out, /✗ redis: the process exited before it was ready/);
  assert.match(out, /--- last lines of its log ---/);
  assert.match(out, /manifest/i, 'the log tail should show redis-server complaining about it');
  const log = await readFile(`${stackDir}/logs/redis.log`, 'utf8');
  assert.match(log, /manifest/i);
  await rm(aof, { recursive: true, force: true });
});

test('a port taken by a process the stack did not start is reported, naming the variable', async () => {
  const stranger = await spawnDetached({
    command: '/usr/bin/redis-server',
    args: ['--bind', '127.0.0.2', '--port', '16379', '--save', '', '--appendonly', 'no'],
    logFile: `${stackDir}/stranger2.log`,
    pidFile: `${stackDir}/stranger2.pid`,
  });
  try {
    await listening(16379);
    // The port the stranger holds, whatever SAGA_REDIS_PORT the suite itself runs with.
    const { code, out } = await run(['up', 'redis'], { SAGA_REDIS_PORT: '16379' });
    assert.equal(code, 1, out);
    assert.match(out, /127\.0\.0\.2:16379 is already in use .* set SAGA_REDIS_PORT/);
  } finally {
    await stopProcess(stranger, 'SIGTERM', 5000);
  }
});

test('a malformed variable stops the CLI with a message naming it', async () => {
  const { code, out } = await run(['status'], { SAGA_REDIS_PORT: 'not-a-port' });
  assert.equal(code, 2);
  assert.match(out, /configuration error: SAGA_REDIS_PORT: expected a TCP port/);
});

/**
 * Process-level control of the running platform for e2e tests: SIGKILL a service the way a
 * crash would, and start what is not running again with the stack's own `up` (a no-op for
 * what still runs).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, testStack } from '@saga/testkit';

const { settings } = testStack(process.env);
const root = join(import.meta.dirname, '..', '..');

async function pidOf(service: string): Promise<number> {
  const record = JSON.parse(
    await readFile(join(settings.stackDir, 'run', `${service}.pid`), 'utf8'),
  ) as {
    pid: number;
  };
  return record.pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs a service process (no shutdown, nothing flushed) and waits until it is gone. */
export async function kill(service: string): Promise<void> {
  const pid = await pidOf(service);
  process.kill(pid, 'SIGKILL');
  await eventually(
    async () => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (stat && state !== 'Z' && alive(pid))
        throw new Error(`${service} (pid ${pid}) still running`);
    },
    { timeoutMs: 10_000, description: `${service} killed` },
  );
}

/** Starts every service that is not running (`./saga up`), and waits until each is ready. */
export async function startStopped(): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [
      '--disable-warning=TimeoutNegativeWarning',
      join(root, 'infra', 'local', 'src', 'cli.ts'),
      'up',
    ],
    { cwd: root, env: process.env, timeout: 120_000 },
  );
}

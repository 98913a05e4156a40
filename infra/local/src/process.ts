import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * What the stack remembers about a process it started. `startTime` (from /proc) guards against
 * pid reuse: `down` only signals a pid whose start time still matches, so it can never kill an
 * unrelated process that happens to get the same pid later.
 */
export type PidRecord = {
  readonly pid: number;
  readonly startTime: string;
  readonly command: readonly string[];
};

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    if (state === 'Z' || state === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

/** Whether the process of a record is still the one we started. */
export async function isAlive(record: PidRecord): Promise<boolean> {
  return (await processStartTime(record.pid)) === record.startTime;
}

/** Reads a pid file; undefined when absent or unreadable. */
export async function readPidFile(file: string): Promise<PidRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as PidRecord;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Spawns a long-running process detached from this one (own session), with stdout and stderr
 * appended to `logFile`, and records it in `pidFile`.
 */
export async function spawnDetached(opts: {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly pidFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<PidRecord> {
  await mkdir(dirname(opts.logFile), { recursive: true });
  await mkdir(dirname(opts.pidFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid ?? -1));
    });
    child.unref();
    const startTime = await processStartTime(pid);
    if (startTime === undefined) {
      throw new Error(`${opts.command} exited immediately (see ${opts.logFile})`);
    }
    const record: PidRecord = { pid, startTime, command: [opts.command, ...opts.args] };
    await writeFile(opts.pidFile, `${JSON.stringify(record)}\n`);
    return record;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops a recorded process: `signal` first, SIGKILL after `timeoutMs`. Only signals the pid if it
 * is still the process that was recorded.
 */
export async function stopProcess(
  record: PidRecord,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!(await isAlive(record))) return 'not-running';
  process.kill(record.pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(record))) return 'stopped';
    await delay(100);
  }
  if (await isAlive(record)) process.kill(record.pid, 'SIGKILL');
  while (await isAlive(record)) await delay(50);
  return 'killed';
}

/** Removes a pid file, ignoring a missing one. */
export async function removePidFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** The last `lines` lines of a text file (empty string when missing). */
export async function tailFile(file: string, lines: number): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Resolves when nothing listens on host:port, rejects with a message naming the variable that
 * sets the port when something does (so `up` never mistakes a stranger for its own server).
 */
export async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `${host}:${port} is already in use by a process the stack did not start; stop it or set ${variable} to another port`
            : `cannot bind ${host}:${port} (${variable}): ${err.message}`,
        ),
      );
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Runs a command to completion, appending its output to `logFile`; rejects on non-zero exit. */
export async function runLogged(opts: {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<void> {
  await mkdir(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      stdio: ['ignore', fd, fd],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    if (code !== 0) {
      const tail = await tailFile(opts.logFile, 25);
      throw new Error(
        `\`${[opts.command, ...opts.args].join(' ')}\` exited with ${code}; last lines of ${opts.logFile}:\n${tail}`,
      );
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs a command and returns its stdout; rejects with stderr on failure. */
export async function capture(
  command: string,
  args: readonly string[],
  opts: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim()}`);
  return `${out}${err}`;
}

/**
 * Polls `probe` until it resolves, `deadlineMs` passes, or `abortIf` reports a reason to give up
 * early (e.g. the process died). Rejects with the last probe error.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  opts: {
    readonly deadlineMs: number;
    readonly intervalMs?: number;
    readonly abortIf?: () => Promise<string | undefined>;
  },
): Promise<T> {
  const end = Date.now() + opts.deadlineMs;
  let lastError: unknown = new Error('never probed');
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      lastError = err;
    }
    const abort = await opts.abortIf?.();
    if (abort) throw new Error(abort, { cause: lastError });
    if (Date.now() >= end) {
      const message = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`not ready after ${Math.round(opts.deadlineMs / 1000)}s: ${message}`, {
        cause: lastError,
      });
    }
    await delay(opts.intervalMs ?? 250);
  }
}

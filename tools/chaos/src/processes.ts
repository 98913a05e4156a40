import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { type Component, type StackContext, stackPaths } from '@saga/stack/component';
import { assertPortFree } from '@saga/stack/process';
import { down, runningPid, SERVICE_COMPONENTS, selectComponents, up } from '@saga/stack/stack';
import { loadStackSettings, type ServiceProcessName } from '@saga/topology';

/** SIGKILL and restart of the native stack's service processes (their outbox relays run inside). */
export type ProcessControl = {
  /** The running service's pid, from the stack's pid file; undefined when it is not running. */
  readonly pidOf: (service: ServiceProcessName) => Promise<number | undefined>;
  /**
   * Kills a service with SIGKILL (no drain, no shutdown hooks: a crash).
   * @returns the pid killed.
   * @throws Error when the service is not running.
   */
  readonly kill9: (service: ServiceProcessName) => Promise<number>;
  /**
   * Starts services that are not running, through the stack library (`pnpm stack up <service>`),
   * with `env` added to their environment, and waits until each is ready.
   */
  readonly start: (
    services: readonly ServiceProcessName[],
    env?: Readonly<Record<string, string>>,
  ) => Promise<void>;
  /** Stops a service cleanly (SIGTERM: it drains, its consumers leave their groups). */
  readonly stop: (service: ServiceProcessName) => Promise<void>;
  /** Stops a service cleanly (SIGTERM, drain) and starts it again with `env` added. */
  readonly restart: (
    service: ServiceProcessName,
    env?: Readonly<Record<string, string>>,
  ) => Promise<void>;
  /**
   * Base URL of a bounded-context service's health server (`/readyz`, `/metrics`,
   * `/chaos/rpc-faults`), e.g. `http://127.0.0.1:15111`.
   */
  readonly healthUrl: (service: Exclude<ServiceProcessName, 'gateway'>) => string;
  /** Resident memory of a running service, from /proc/<pid>/status (VmRSS), in bytes. */
  readonly rssBytes: (service: ServiceProcessName) => Promise<number | undefined>;
};

const silent = { step() {}, done() {}, warn() {} };

/**
 * Whether a pid is gone: no such process, or a zombie that only waits to be reaped. A zombie
 * leader alone is not enough: its other threads may still be exiting, and the process's sockets
 * close only when the last thread is gone, so the thread count must be down to the leader.
 */
async function isGone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (stat === '') return true;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state !== 'Z' && state !== 'X') return false;
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  return tasks.length <= 1;
}

/** Polls until nothing listens on the component's ports; throws after `timeoutMs`. */
async function portsFree(ctx: StackContext, c: Component, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const p of c.ports(ctx)) {
    for (;;) {
      try {
        await assertPortFree(ctx.settings.host, p.port, p.variable);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}

/** Polls until `pid` is gone; throws after `timeoutMs`. */
async function gone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isGone(pid))) {
    if (Date.now() > deadline)
      throw new Error(`pid ${pid} still alive ${timeoutMs} ms after SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Process control over the native stack (infra/local): the same pid files, start order and
 * readiness probes as `pnpm stack up|down`, so a service the chaos tool starts is one the stack
 * knows. Only processes recorded in the stack's pid files are signalled.
 */
export function createProcessControl(
  env: Readonly<Record<string, string | undefined>>,
): ProcessControl {
  const repoRoot = resolve(import.meta.dirname, '../../..');
  const settingsOf = (e: Readonly<Record<string, string | undefined>>) =>
    loadStackSettings(e, { repoRoot, home: homedir() });
  const settings = settingsOf(env);
  // `extra` may hold stack variables (SAGA_RPC_RETRY_BUDGET=off): the services' environment is
  // built from the settings, so they are read again with it.
  const context = (extra: Readonly<Record<string, string>> = {}): StackContext => ({
    settings: Object.keys(extra).length ? settingsOf({ ...env, ...extra }) : settings,
    paths: stackPaths(repoRoot, settings),
    report: silent,
    env: { ...env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...extra },
    isRoot: process.getuid?.() === 0,
  });
  const component = (service: ServiceProcessName) => {
    const c = SERVICE_COMPONENTS.find((x) => x.name === service);
    if (!c) throw new Error(`unknown service ${service}`);
    return c;
  };
  const pidOf = (service: ServiceProcessName) => runningPid(context(), component(service));
  return {
    pidOf,
    async kill9(service) {
      const pid = await pidOf(service);
      if (pid === undefined) throw new Error(`${service} is not running`);
      process.kill(pid, 'SIGKILL');
      // The signal is delivered at once, but the process (and its listening sockets) goes away a
      // moment later; a start before that finds its ports taken.
      await gone(pid, 10_000);
      await portsFree(context(), component(service), 10_000);
      return pid;
    },
    async start(services, extra) {
      await up(context(extra), selectComponents(services));
    },
    async stop(service) {
      await down(context(), selectComponents([service]));
    },
    async restart(service, extra) {
      const ctx = context(extra);
      await down(ctx, selectComponents([service]));
      await up(ctx, selectComponents([service]));
    },
    healthUrl: (service) => `http://${settings.host}:${settings.services[service].healthPort}`,
    async rssBytes(service) {
      const pid = await pidOf(service);
      if (pid === undefined) return undefined;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    },
  };
}

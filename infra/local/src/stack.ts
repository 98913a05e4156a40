import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { SERVICE_PROCESSES, type StackSettings } from '@saga/topology';
import type { Component, StackContext, Tool } from './component.ts';
import { chromium } from './components/chromium.ts';
import { jaeger } from './components/jaeger.ts';
import { kafka } from './components/kafka.ts';
import { postgres } from './components/postgres.ts';
import { redis } from './components/redis.ts';
import { serviceComponent } from './components/service.ts';
import { toxiproxy } from './components/toxiproxy.ts';
import {
  assertPortFree,
  isAlive,
  pollUntil,
  readPidFile,
  removePidFile,
  spawnDetached,
  stopProcess,
  tailFile,
} from './process.ts';

/**
 * The infrastructure in start order. Toxiproxy comes first: the others are reached through its
 * proxies (Kafka's readiness probe, for one, bootstraps through the `kafka` proxy).
 */
export const INFRASTRUCTURE: readonly Component[] = [toxiproxy, postgres, redis, kafka, jaeger];
/** The services, in start order (each after the services it calls). */
export const SERVICE_COMPONENTS: readonly Component[] = SERVICE_PROCESSES.map((name) =>
  serviceComponent(name),
);
/** Every component in start order: the infrastructure, then the services. */
export const COMPONENTS: readonly Component[] = [...INFRASTRUCTURE, ...SERVICE_COMPONENTS];
/** What the stack installs but does not run (see {@link Tool}). */
export const TOOLS: readonly Tool[] = [chromium];
/** A component's name. */
export type ComponentName = Component['name'];

/** Defaults; a component may set its own (services: 60 s to ready, 20 s to stop). */
const READY_DEADLINE_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * What `up`, `status` and `with` manage when no component is named: the infrastructure and the
 * services SAGA_SERVICES selects, or the infrastructure only.
 */
export function defaultComponents(
  settings: StackSettings,
  options: { readonly infraOnly?: boolean } = {},
): readonly Component[] {
  return COMPONENTS.filter(
    (c) =>
      c.kind === 'infrastructure' ||
      (!options.infraOnly && (settings.runServices as readonly string[]).includes(c.name)),
  );
}

/** Raised when a component fails; carries the tail of its log for the report. */
export class ComponentError extends Error {
  readonly code = 'STACK.COMPONENT_FAILED';
  readonly component: string;
  readonly logTail: string;
  constructor(component: string, message: string, logTail: string, cause?: unknown) {
    super(`${component}: ${message}`, { cause });
    this.name = 'ComponentError';
    this.component = component;
    this.logTail = logTail;
  }
}

/**
 * Selects components by name, in start order (`fallback` when `names` is empty); rejects unknown
 * names.
 */
export function selectComponents(
  names: readonly string[],
  fallback: readonly Component[] = COMPONENTS,
): readonly Component[] {
  if (names.length === 0) return fallback;
  const unknown = names.filter((n) => !COMPONENTS.some((c) => c.name === n));
  if (unknown.length) {
    throw new Error(
      `unknown component ${unknown.join(', ')}; expected one of ${COMPONENTS.map((c) => c.name).join(', ')}`,
    );
  }
  return COMPONENTS.filter((c) => names.includes(c.name));
}

/**
 * Holds an exclusive lock on the stack folder while `fn` runs, so two `up`/`down` calls cannot
 * interleave. A lock left by a dead process is taken over.
 */
export async function withLock<T>(ctx: StackContext, fn: () => Promise<T>): Promise<T> {
  await mkdir(ctx.paths.runDir, { recursive: true });
  const lock = `${ctx.paths.runDir}/stack.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      const holderAlive = holder > 0 && existsSync(`/proc/${holder}`);
      if (!holderAlive) {
        await rm(lock, { force: true });
        continue;
      }
      if (attempt === 0)
        ctx.report.warn('stack', `waiting for another stack command (pid ${holder})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** State of one component as `status` reports it. */
export type ComponentStatus = {
  readonly name: ComponentName;
  readonly state: 'ready' | 'running-not-ready' | 'stopped';
  readonly pid?: number;
  readonly detail: string;
};

/** Whether our recorded process for a component is alive. */
export async function runningPid(ctx: StackContext, c: Component): Promise<number | undefined> {
  const record = await readPidFile(ctx.paths.pidFile(c.name));
  return record && (await isAlive(record)) ? record.pid : undefined;
}

/** Probes each component once (short timeouts). */
export async function status(
  ctx: StackContext,
  components: readonly Component[] = defaultComponents(ctx.settings),
): Promise<ComponentStatus[]> {
  return Promise.all(
    components.map(async (c): Promise<ComponentStatus> => {
      const pid = await runningPid(ctx, c);
      if (pid === undefined) return { name: c.name, state: 'stopped', detail: 'not running' };
      try {
        return { name: c.name, state: 'ready', pid, detail: await c.probe(ctx) };
      } catch (err) {
        return {
          name: c.name,
          state: 'running-not-ready',
          pid,
          detail: err instanceof Error ? err.message : String(err),
        };
      }
    }),
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

async function installAll(ctx: StackContext, components: readonly Component[]): Promise<void> {
  // Sequential on purpose: apt-get holds a global lock, and parallel Go/Maven builds on two
  // cores only slow each other down.
  for (const c of components) {
    const install = c.install;
    if (!install) continue;
    ctx.report.step(c.name, 'checking installation');
    try {
      const [what, ms] = await timed(() => install(ctx));
      ctx.report.done(c.name, what ?? 'already installed', ms);
    } catch (err) {
      throw new ComponentError(c.name, `install failed: ${(err as Error).message}`, '', err);
    }
  }
}

async function installTools(ctx: StackContext, tools: readonly Tool[]): Promise<void> {
  for (const t of tools) {
    ctx.report.step(t.name, 'checking installation');
    try {
      const [what, ms] = await timed(() => t.install(ctx));
      ctx.report.done(t.name, what ?? 'already installed', ms);
    } catch (err) {
      ctx.report.warn(t.name, `not installed, needed by ${t.purpose}: ${(err as Error).message}`);
    }
  }
}

async function startOne(ctx: StackContext, c: Component): Promise<'started' | 'already-running'> {
  const pidFile = ctx.paths.pidFile(c.name);
  const logFile = ctx.paths.logFile(c.name);
  const started = performance.now();
  let pid = await runningPid(ctx, c);
  const already = pid !== undefined;
  if (!already) {
    await removePidFile(pidFile);
    for (const p of c.ports(ctx)) {
      try {
        await assertPortFree(ctx.settings.host, p.port, p.variable);
      } catch (err) {
        throw new ComponentError(c.name, (err as Error).message, '', err);
      }
    }
    try {
      await c.prepare(ctx);
    } catch (err) {
      throw new ComponentError(
        c.name,
        `prepare failed: ${(err as Error).message}`,
        await tailFile(logFile, 20),
        err,
      );
    }
    try {
      const spec = await c.launch(ctx);
      const record = await spawnDetached({
        ...spec,
        logFile,
        pidFile,
        env: { ...ctx.env, ...spec.env },
      });
      pid = record.pid;
    } catch (err) {
      throw new ComponentError(
        c.name,
        `cannot start: ${(err as Error).message}`,
        await tailFile(logFile, 20),
        err,
      );
    }
    ctx.report.step(c.name, `started (pid ${pid}); waiting for ${c.readiness}`);
  }
  const record = await readPidFile(pidFile);
  try {
    const detail = await pollUntil(() => c.probe(ctx), {
      deadlineMs: c.readyDeadlineMs ?? READY_DEADLINE_MS,
      abortIf: async () =>
        record && !(await isAlive(record)) ? 'the process exited before it was ready' : undefined,
    });
    await c.afterReady?.(ctx);
    ctx.report.done(
      c.name,
      `${already ? 'already running' : 'ready'} (pid ${pid}): ${detail}`,
      performance.now() - started,
    );
    return already ? 'already-running' : 'started';
  } catch (err) {
    throw new ComponentError(c.name, (err as Error).message, await tailFile(logFile, 20), err);
  }
}

/**
 * Installs what is missing, then starts the given components (by default the infrastructure and
 * the services SAGA_SERVICES selects) and waits until each really serves: toxiproxy first, the
 * rest of the infrastructure in parallel, then the services one at a time, in order. Components
 * already running are only probed. Idempotent.
 *
 * @returns the components this call started (not those that were already running).
 * @throws {ComponentError} for the first component that fails to install, start or get ready;
 *   no service starts when the infrastructure fails.
 */
export async function up(
  ctx: StackContext,
  components: readonly Component[] = defaultComponents(ctx.settings),
): Promise<ComponentName[]> {
  return withLock(ctx, async () => {
    await mkdir(ctx.paths.logsDir, { recursive: true });
    await installAll(ctx, components);
    // A service restart installs nothing more; a stack start also brings the tools.
    if (components.some((c) => c.kind === 'infrastructure')) await installTools(ctx, TOOLS);
    const startedNow: ComponentName[] = [];
    const infrastructure = components.filter((c) => c.kind === 'infrastructure');
    const first = infrastructure.filter((c) => c.name === 'toxiproxy');
    const rest = infrastructure.filter((c) => c.name !== 'toxiproxy');
    for (const c of first) {
      if ((await startOne(ctx, c)) === 'started') startedNow.push(c.name);
    }
    const results = await Promise.allSettled(rest.map((c) => startOne(ctx, c)));
    results.forEach((r, i) => {
      const c = rest[i];
      if (c && r.status === 'fulfilled' && r.value === 'started') startedNow.push(c.name);
    });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // One at a time: a service may call the ones before it as soon as it is up.
    for (const c of components.filter((c) => c.kind === 'service')) {
      if ((await startOne(ctx, c)) === 'started') startedNow.push(c.name);
    }
    return startedNow;
  });
}

/**
 * Stops the given components (all by default) in reverse start order, so the services stop
 * before the infrastructure they use. Only processes the stack started are signalled, identified
 * by pid and start time, never by name.
 */
export async function down(
  ctx: StackContext,
  components: readonly Component[] = COMPONENTS,
): Promise<void> {
  await withLock(ctx, async () => {
    for (const c of [...components].reverse()) {
      const pidFile = ctx.paths.pidFile(c.name);
      const record = await readPidFile(pidFile);
      if (!record) continue;
      const timeoutMs = c.stopTimeoutMs ?? STOP_TIMEOUT_MS;
      const [outcome, ms] = await timed(() => stopProcess(record, c.stopSignal, timeoutMs));
      await removePidFile(pidFile);
      if (outcome === 'killed') {
        ctx.report.warn(c.name, `did not stop within ${timeoutMs / 1000}s; killed`);
      } else {
        ctx.report.done(
          c.name,
          outcome === 'stopped' ? `stopped (pid ${record.pid})` : 'was not running',
          ms,
        );
      }
    }
  });
}

/** Stops everything and deletes the project-local state (data, logs); the tool cache stays. */
export async function reset(ctx: StackContext): Promise<void> {
  await down(ctx);
  await rm(ctx.paths.stateDir, { recursive: true, force: true });
}

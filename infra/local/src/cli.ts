/**
 * The native stack's command line: `pnpm stack <command>` (or `./saga <command>`).
 * This file is the composition root: the only one that reads process.env and argv.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import {
  ConfigError,
  clientEndpoints,
  ENV_VARS,
  type EnvVarName,
  edgeSpecs,
  loadStackSettings,
} from '@saga/topology';
import { type Component, type Reporter, type StackContext, stackPaths } from './component.ts';
import { checkGenerated, writeGenerated } from './generate.ts';
import {
  fetchOrderTraceId,
  type LogsCommand,
  parseLogsArgs,
  showComponentLog,
  showCorrelatedLogs,
} from './logs.ts';
import {
  ComponentError,
  defaultComponents,
  down,
  INFRASTRUCTURE,
  reset,
  SERVICE_COMPONENTS,
  selectComponents,
  status,
  up,
} from './stack.ts';

const USAGE = `usage: pnpm stack <command>

  up [component...]      install what is missing, start the infrastructure, then the services,
                         and wait until each is ready (all by default)
  down [component...]    stop what the stack started (by pid): services first, then infrastructure
  restart [component...] down, then up (the services by default: picks up code changes)
  status [component...]  state and readiness of each component (exit 1 unless all ready)
  logs <component> [-f] [-n N] [--json]
                         last N (100) lines of a component's log, rendered for reading
                         (--json: as written); -f to follow
  logs --order <orderId> [-f] [--json]
                         every service's log lines about one order (and its traces), merged
                         by time; -f to follow
  logs --trace <traceId> [-f] [--json]
                         every service's log lines of one trace, merged by time
  reset                  down, then delete data and logs (${ENV_VARS.SAGA_STACK_DIR.default}/); installed tools stay cached
  env                    print the settings as shell exports
  urls                   print where everything is
  edges [--json]         the services' network edges: one toxiproxy proxy each (<from>-><to>),
                         with kind, proxy address and upstream
  with -- <cmd...>       run a command with the stack up, then leave it as it was found
  generate [--check]     regenerate docker-compose.yml and friends from the topology
                         (--check: fail if the committed files are out of date)

  --infra-only           (up, status, urls, with) the infrastructure without the services;
                         SAGA_SERVICES=none does the same for every command

infrastructure: ${INFRASTRUCTURE.map((c) => c.name).join(', ')}
services:       ${SERVICE_COMPONENTS.map((c) => c.name).join(', ')}`;

const repoRoot = resolve(import.meta.dirname, '../../..');

function reporter(): Reporter {
  const t0 = performance.now();
  const stamp = () => `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
  const pad = (c: string) => c.padEnd(10);
  return {
    step: (c, m) => console.log(`${stamp()} ${pad(c)} … ${m}`),
    done: (c, m, ms) => console.log(`${stamp()} ${pad(c)} ✓ ${m} (${(ms / 1000).toFixed(1)}s)`),
    warn: (c, m) => console.log(`${stamp()} ${pad(c)} ! ${m}`),
  };
}

function context(): StackContext {
  const settings = loadStackSettings(process.env, { repoRoot, home: homedir() });
  return {
    settings,
    paths: stackPaths(repoRoot, settings),
    report: reporter(),
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    isRoot: process.getuid?.() === 0,
  };
}

function printUrls(ctx: StackContext, components: readonly Component[]): void {
  const withServices = components.some((c) => c.kind === 'service');
  console.log(`\nThe platform ${withServices ? '' : 'infrastructure '}is up:`);
  for (const c of components) for (const line of c.urls(ctx)) console.log(`  ${line}`);
  console.log(
    `\n  logs: pnpm stack logs <component> [-f]   (files in ${ctx.paths.logsDir})\n        pnpm stack logs --order <orderId> [-f]\n  stop: pnpm stack down`,
  );
}

/** `edges`: every service edge's proxy, as a table or (`--json`) as `edgeSpecs` data. */
function printEdges(ctx: StackContext, json: boolean): void {
  const edges = edgeSpecs(ctx.settings);
  if (json) {
    console.log(JSON.stringify(edges, null, 2));
    return;
  }
  const rows = [
    ['edge (proxy name)', 'kind', 'proxy listens on', 'upstream'],
    ...edges.map((e) => [
      e.name,
      e.kind,
      `${e.listen.host}:${e.listen.port}`,
      `${e.upstream.host}:${e.upstream.port}`,
    ]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) {
    console.log(r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  '));
  }
  console.log(
    `\ntoxiproxy API ${clientEndpoints(ctx.settings).toxiproxyUrl}; cut an edge: POST /proxies/<name URL-encoded, e.g. payment-%3Epostgres> {"enabled":false}`,
  );
}

/** Splits the `--infra-only` flag off a command's arguments. */
function flags(args: readonly string[]): { infraOnly: boolean; names: string[] } {
  return {
    infraOnly: args.includes('--infra-only'),
    names: args.filter((a) => a !== '--infra-only'),
  };
}

async function runCommand(argv: readonly string[], ctx: StackContext): Promise<number> {
  const [command, ...args] = argv;
  const { infraOnly, names } = flags(args);
  const defaults = defaultComponents(ctx.settings, { infraOnly });
  switch (command) {
    case 'up': {
      const t0 = performance.now();
      await up(ctx, pick(names, defaults));
      console.log(`\nall healthy in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
      printUrls(ctx, defaults);
      return 0;
    }
    case 'down':
      await down(ctx, pick(args));
      return 0;
    case 'restart': {
      const components = pick(
        names,
        defaults.filter((c) => c.kind === 'service'),
      );
      if (components.length === 0) throw new UsageError('restart: no services selected');
      await down(ctx, components);
      await up(ctx, components);
      return 0;
    }
    case 'status': {
      const states = await status(ctx, pick(names, defaults));
      for (const s of states) {
        console.log(
          `${s.name.padEnd(10)} ${s.state.padEnd(18)} ${s.pid ? `pid ${s.pid}`.padEnd(10) : ''.padEnd(10)} ${s.detail}`,
        );
      }
      return states.every((s) => s.state === 'ready') ? 0 : 1;
    }
    case 'logs':
      return logs(args, ctx);
    case 'reset':
      await reset(ctx);
      console.log(`removed ${ctx.paths.stateDir}`);
      return 0;
    case 'env':
      for (const name of Object.keys(ENV_VARS) as EnvVarName[]) {
        const resolved: Partial<Record<EnvVarName, string>> = {
          SAGA_STACK_DIR: ctx.settings.stackDir,
          SAGA_CACHE_DIR: ctx.settings.cacheDir,
        };
        const value = resolved[name] ?? (process.env[name]?.trim() || ENV_VARS[name].default);
        console.log(`export ${name}=${JSON.stringify(value)}`);
      }
      return 0;
    case 'urls':
      printUrls(ctx, defaults);
      return 0;
    case 'edges':
      printEdges(ctx, args.includes('--json'));
      return 0;
    case 'with': {
      // `with [--infra-only] -- <cmd...>`: flags only before `--`, the command after it.
      const split = args.indexOf('--');
      const own = flags(split < 0 ? [] : args.slice(0, split));
      if (own.names.length) throw new UsageError(`with: unexpected ${own.names.join(' ')}`);
      const cmd = split < 0 ? args : args.slice(split + 1);
      return withStack(ctx, cmd, defaultComponents(ctx.settings, own));
    }
    case 'generate':
      if (args.includes('--check')) {
        const stale = await checkGenerated(repoRoot);
        if (stale.length) {
          console.error(`out of date (run \`pnpm stack generate\`): ${stale.join(', ')}`);
          return 1;
        }
        console.log('generated files are up to date');
        return 0;
      }
      for (const f of await writeGenerated(repoRoot)) console.log(`wrote ${f}`);
      return 0;
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  }
}

class UsageError extends Error {}

/** `logs`: see logs.ts. Follows until Ctrl-C. */
async function logs(args: readonly string[], ctx: StackContext): Promise<number> {
  let command: LogsCommand;
  try {
    command = parseLogsArgs(args);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // `pnpm stack logs … | head` closes stdout early: that is the reader being done, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  const deps = {
    write: (text: string) => process.stdout.write(text),
    note: (text: string) => process.stderr.write(`${text}\n`),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    signal: stop.signal,
  };
  if (command.kind === 'component') {
    const [c] = pick([command.component]);
    const name = c?.name ?? command.component;
    return showComponentLog(command, { name, file: ctx.paths.logFile(name) }, deps);
  }
  const sources = SERVICE_COMPONENTS.map((c) => ({
    name: c.name,
    file: ctx.paths.logFile(c.name),
  }));
  const orderTraceId =
    command.kind === 'order'
      ? await fetchOrderTraceId(clientEndpoints(ctx.settings).gatewayUrl, command.orderId)
      : undefined;
  return showCorrelatedLogs(command, sources, {
    ...deps,
    ...(orderTraceId ? { orderTraceId } : {}),
  });
}

/** selectComponents, with an unknown name reported as a usage error. */
function pick(names: readonly string[], fallback?: readonly Component[]) {
  try {
    return selectComponents(names, fallback);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function exec(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 128 + 1 : 1));
    });
  });
}

/**
 * Runs a command with the whole stack up (infrastructure and services, unless limited). Components
 * that were stopped before are started and stopped again afterwards; components that were already
 * running are left alone.
 */
async function withStack(
  ctx: StackContext,
  command: readonly string[],
  components: readonly Component[],
): Promise<number> {
  const [bin, ...args] = command;
  if (!bin) throw new UsageError('with needs a command after --');
  const before = await status(ctx, components);
  const toStop = before.filter((s) => s.state === 'stopped').map((s) => s.name);
  let code = 1;
  try {
    if (before.some((s) => s.state !== 'ready')) {
      console.log(`starting the stack for this run (${toStop.join(', ') || 'probing'})`);
      await up(ctx, components);
    } else {
      console.log('the stack is already up; leaving it running afterwards');
    }
    code = await exec(bin, args, ctx.env);
  } finally {
    if (toStop.length) {
      console.log(`stopping what this run started: ${toStop.join(', ')}`);
      await down(ctx, selectComponents(toStop));
    }
  }
  return code;
}

try {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    process.exitCode = argv.length === 0 ? 2 : 0;
  } else {
    process.exitCode = await runCommand(argv, context());
  }
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
    process.exitCode = 2;
  } else if (err instanceof ComponentError) {
    console.error(`\n✗ ${err.message}`);
    if (err.logTail) console.error(`--- last lines of its log ---\n${err.logTail}\n---`);
    process.exitCode = 1;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
}

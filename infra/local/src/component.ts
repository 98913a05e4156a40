import type { ServiceProcessName, StackSettings } from '@saga/topology';

/** Folders of the native stack: state (data, logs, pids) is project-local, tools are cached. */
export type StackPaths = {
  /** Repository root. */
  readonly repoRoot: string;
  /** Project-local state folder (SAGA_STACK_DIR). */
  readonly stateDir: string;
  /** Machine-wide cache of installed tools (SAGA_CACHE_DIR). */
  readonly cacheDir: string;
  readonly logsDir: string;
  readonly runDir: string;
  /** Data folder of a component. */
  readonly dataDir: (component: string) => string;
  readonly logFile: (component: string) => string;
  readonly pidFile: (component: string) => string;
};

/** Builds the folder layout from settings. */
export function stackPaths(repoRoot: string, settings: StackSettings): StackPaths {
  const stateDir = settings.stackDir;
  return {
    repoRoot,
    stateDir,
    cacheDir: settings.cacheDir,
    logsDir: `${stateDir}/logs`,
    runDir: `${stateDir}/run`,
    dataDir: (c) => `${stateDir}/${c}`,
    logFile: (c) => `${stateDir}/logs/${c}.log`,
    pidFile: (c) => `${stateDir}/run/${c}.pid`,
  };
}

/** Progress output of the CLI. */
export type Reporter = {
  /** A step begins (e.g. "resolving jars from Maven Central"). */
  readonly step: (component: string, message: string) => void;
  /** A step ended well, with how long it took. */
  readonly done: (component: string, message: string, ms: number) => void;
  readonly warn: (component: string, message: string) => void;
};

/** Everything a component needs from its surroundings. */
export type StackContext = {
  readonly settings: StackSettings;
  readonly paths: StackPaths;
  readonly report: Reporter;
  /** Environment to pass to child processes. */
  readonly env: NodeJS.ProcessEnv;
  /** Whether we run as root (PostgreSQL must then be run as the `postgres` user). */
  readonly isRoot: boolean;
};

/** A listening port of a component, with the variable that sets it. */
export type PortSpec = { readonly port: number; readonly variable: string };

/** How to run a component's server in the foreground. */
export type LaunchSpec = {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
};

/**
 * One process of the native stack: an infrastructure component or a service. Every step is
 * idempotent: `install` is a no-op when the pinned version is cached, `prepare` keeps existing
 * data, `afterReady` converges.
 */
export type Component = {
  readonly name: 'toxiproxy' | 'postgres' | 'redis' | 'kafka' | 'jaeger' | ServiceProcessName;
  /**
   * `infrastructure` components start first (toxiproxy, then the rest in parallel); `service`s
   * start after them, one at a time in the order given, and stop first.
   */
  readonly kind: 'infrastructure' | 'service';
  /**
   * Installs what is missing; returns a description of what it did, or undefined if present.
   * Absent for services (`./saga` installs their dependencies with pnpm).
   */
  readonly install?: (ctx: StackContext) => Promise<string | undefined>;
  /** Creates data folders and config files (initdb, storage format); keeps existing data. */
  readonly prepare: (ctx: StackContext) => Promise<void>;
  readonly launch: (ctx: StackContext) => Promise<LaunchSpec>;
  readonly ports: (ctx: StackContext) => readonly PortSpec[];
  /** Signal for a quick but clean shutdown. */
  readonly stopSignal: NodeJS.Signals;
  /** How long after `stopSignal` the process is killed (default 30 s). */
  readonly stopTimeoutMs?: number;
  /** How long it may take from spawn to ready (default 90 s: Kafka's JVM dominates). */
  readonly readyDeadlineMs?: number;
  /** What readiness means here, for progress output ("a query", "a PING"...). */
  readonly readiness: string;
  /** One readiness probe: resolves with a detail when the server really serves, else throws. */
  readonly probe: (ctx: StackContext) => Promise<string>;
  /** Converges server-side state after it is ready (roles and databases, proxies). */
  readonly afterReady?: (ctx: StackContext) => Promise<void>;
  /** Addresses to print after `up`. */
  readonly urls: (ctx: StackContext) => readonly string[];
};

/**
 * Something the stack installs but never runs (a browser for the e2e tests). `up` installs tools
 * after the components whenever it starts infrastructure; a failed install is a warning, not a
 * failed `up`, since the platform runs without it.
 */
export type Tool = {
  readonly name: string;
  /** What needs it, for the warning when it cannot be installed. */
  readonly purpose: string;
  /** Installs it if missing; returns what it did, or undefined if present. */
  readonly install: (ctx: StackContext) => Promise<string | undefined>;
};

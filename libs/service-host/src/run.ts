import { createShutdown, type Logger, type Shutdown } from '@saga/service-kit';

/** The parts of `process` a service's lifecycle needs; `main.ts` passes `process` itself. */
export type ProcessLike = {
  readonly exit: (code: number) => void;
  readonly once: (signal: 'SIGTERM' | 'SIGINT', listener: () => void) => unknown;
};

/** Options of {@link runService}. */
export type RunServiceOptions = {
  readonly service: string;
  readonly logger: Logger;
  /** What to start and how to stop it (a {@link ServiceHost}, or anything shaped like one). */
  readonly app: {
    readonly register: (shutdown: Shutdown) => void;
    readonly start: () => Promise<unknown>;
  };
  readonly process: ProcessLike;
  /** More resources to close, after the app's (e.g. gRPC clients main.ts created). */
  readonly closers?: readonly {
    readonly step: string;
    readonly close: () => Promise<void> | void;
  }[];
  /** Past this, shutdown exits 1 whatever is still running. Default 15 000 ms. */
  readonly hardTimeoutMs?: number;
};

/**
 * Runs a service from its `main.ts`: starts it, and on SIGTERM/SIGINT runs the ordered shutdown
 * (STYLE.md: not ready, stop intake, drain, close resources in reverse order, telemetry last,
 * exit). A failed start logs the error, runs the same shutdown and exits 1, not 0.
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  const { logger, process } = options;
  let startFailed = false;
  const shutdown = createShutdown({
    exit: (code) => process.exit(startFailed ? 1 : code),
    ...(options.hardTimeoutMs === undefined ? {} : { hardTimeoutMs: options.hardTimeoutMs }),
    log: ({ reason, phase, step, outcome, error }) =>
      outcome === 'failed'
        ? logger.error({ err: error, reason, phase, step }, 'shutdown step failed')
        : logger.info({ reason, phase, step }, 'shutdown step done'),
  });
  options.app.register(shutdown);
  for (const c of options.closers ?? []) shutdown.register('close-resources', c.step, c.close);
  shutdown.register('telemetry', 'flush telemetry', async () => {
    // Set by the @saga/telemetry/register preload, when it ran.
    await (
      globalThis as { __sagaTelemetry?: { shutdown: () => Promise<void> } }
    ).__sagaTelemetry?.shutdown();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown.run(signal));
  }
  try {
    await options.app.start();
  } catch (err) {
    logger.fatal({ err }, `${options.service} service failed to start`);
    startFailed = true;
    await shutdown.run('start failed');
  }
}

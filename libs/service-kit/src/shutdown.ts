/**
 * The phases of a shutdown, in the order they run (STYLE.md): stop being ready, stop taking
 * work, let work in flight finish, close resources (in reverse order of creation), telemetry last.
 */
export const PHASES = [
  'not-ready',
  'stop-intake',
  'drain',
  'close-resources',
  'telemetry',
] as const;
/** A shutdown phase. */
export type Phase = (typeof PHASES)[number];

/** Options of {@link createShutdown}. */
export type ShutdownOptions = {
  /** Past this, the process exits with code 1 whatever is still running. Default 15 000 ms. */
  readonly hardTimeoutMs?: number;
  /** Ends the process; `main.ts` passes `process.exit`. */
  readonly exit: (code: number) => void;
  /** Progress and failures of steps. */
  readonly log?: (event: {
    reason: string;
    phase: Phase;
    step: string;
    outcome: 'done' | 'failed';
    error?: unknown;
  }) => void;
};

/** A service's shutdown sequence. */
export type Shutdown = {
  /** Adds a step to a phase. Steps of `close-resources` run in reverse order of registration. */
  readonly register: (phase: Phase, step: string, fn: () => Promise<void> | void) => void;
  /** Runs every phase once (later calls return the same promise), then exits 0, or 1 on timeout. */
  readonly run: (reason: string) => Promise<void>;
};

/**
 * Builds the ordered, bounded shutdown every service uses. A failing step is reported and the
 * sequence goes on (a broken pool must not keep the producer from flushing); a hanging one is
 * cut off by the hard timeout.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const steps = new Map<Phase, { step: string; fn: () => Promise<void> | void }[]>(
    PHASES.map((p) => [p, []]),
  );
  let running: Promise<void> | undefined;
  return {
    register(phase, step, fn) {
      steps.get(phase)?.push({ step, fn });
    },
    run(reason) {
      running ??= (async () => {
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          options.exit(1);
        }, options.hardTimeoutMs ?? 15_000);
        timer.unref?.();
        for (const phase of PHASES) {
          const list = steps.get(phase) ?? [];
          for (const { step, fn } of phase === 'close-resources' ? [...list].reverse() : list) {
            if (timedOut) return;
            try {
              await fn();
              options.log?.({ reason, phase, step, outcome: 'done' });
            } catch (error) {
              options.log?.({ reason, phase, step, outcome: 'failed', error });
            }
          }
        }
        clearTimeout(timer);
        if (!timedOut) options.exit(0);
      })();
      return running;
    },
  };
}

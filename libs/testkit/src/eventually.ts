import { setTimeout as delay } from 'node:timers/promises';

/** How long to keep trying and how often. */
export type EventuallyOptions = {
  /** Give up after this long. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Wait between attempts. Default 100 ms. */
  readonly intervalMs?: number;
  /** Named in the error when the deadline passes. */
  readonly description?: string;
};

/**
 * Polls `probe` until it returns without throwing, and returns its value: the way to wait for an
 * asynchronous outcome in a test (never a fixed sleep).
 *
 * @throws Error after `timeoutMs`, with `description` and the last probe error as cause.
 */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? 'condition';
      const reason = last instanceof Error ? last.message : String(last);
      throw new Error(`${what} not met within ${timeoutMs} ms: ${reason}`, { cause: last });
    }
    await delay(options.intervalMs ?? 100);
  }
}

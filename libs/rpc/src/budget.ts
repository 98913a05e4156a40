/**
 * A retry budget after gRPC's retry throttling (gRFC A6): a token bucket that failures drain and
 * successes refill. Retries are allowed only while more than half the tokens remain, so when a
 * dependency is failing, retries stop instead of multiplying its load (a retry storm).
 */
export type RetryBudget = {
  /** Records a successful call: +`tokenRatio` tokens, up to `maxTokens`. */
  readonly onSuccess: () => void;
  /** Records a failed attempt with a retryable status: -1 token. */
  readonly onFailure: () => void;
  /** Whether a retry may be sent now. */
  readonly canRetry: () => boolean;
  readonly tokens: () => number;
};

/** Creates a budget. Defaults: 10 tokens, 0.1 per success (gRPC's example values). */
export function createRetryBudget(
  options: { maxTokens?: number; tokenRatio?: number } = {},
): RetryBudget {
  const max = options.maxTokens ?? 10;
  const ratio = options.tokenRatio ?? 0.1;
  let tokens = max;
  return {
    onSuccess: () => {
      tokens = Math.min(max, tokens + ratio);
    },
    onFailure: () => {
      tokens = Math.max(0, tokens - 1);
    },
    canRetry: () => tokens > max / 2,
    tokens: () => tokens,
  };
}

/**
 * No budget: every retryable failure may be retried (up to the retry policy's attempts). Only for
 * showing what a budget prevents (`RPC_RETRY_BUDGET=off`, docs/chaos.md "retry-storm").
 */
export function unlimitedRetryBudget(): RetryBudget {
  return {
    onSuccess: () => {},
    onFailure: () => {},
    canRetry: () => true,
    tokens: () => Number.POSITIVE_INFINITY,
  };
}

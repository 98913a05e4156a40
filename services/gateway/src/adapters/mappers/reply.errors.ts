/**
 * A service answered with something its contract rules out (an empty message, an unspecified
 * enum). The gateway's fault to report, not the client's: it becomes a 500 with a fixed text.
 */
export class UnexpectedReplyError extends Error {
  readonly code = 'UPSTREAM.UNEXPECTED_REPLY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnexpectedReplyError';
  }
}

/** The message a reply must carry, or {@link UnexpectedReplyError}. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UnexpectedReplyError(`reply without ${what}`);
  return value;
}

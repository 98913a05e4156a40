/**
 * A store the gateway needs (Redis, for Idempotency-Keys) failed or did not answer. The request
 * was not executed; the client may retry (503 with Retry-After).
 */
export class DependencyUnavailableError extends Error {
  readonly code = 'DEPENDENCY.UNAVAILABLE';
  readonly dependency: string;
  constructor(dependency: string, options: { cause?: unknown } = {}) {
    super(`${dependency} unavailable`, options);
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}

/**
 * Problem details (RFC 9457) for every failure the API answers with, decided in one place: the
 * HTTP error handler (src/app/problem.handler.ts) calls these pure functions and only sends.
 */

/** One invalid input, named by its JSON path (`items/0/quantity`). */
export type FieldError = { readonly field: string; readonly message: string };

/** The body of an `application/problem+json` answer. */
export type Problem = {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  /** For the client: what went wrong. Never internals (5xx details are fixed texts). */
  readonly detail: string;
  /** Stable, machine-readable: clients branch on this, not on `title` or `detail`. */
  readonly code: string;
  readonly traceId?: string;
  readonly errors?: readonly FieldError[];
};

/** A problem and the response headers that belong to it (`Retry-After`). */
export type ProblemReply = {
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;
};

/** The resource a route is about; names the codes of its failures (`ORDER.NOT_FOUND`). */
export type Resource = 'ORDER' | 'PRODUCT' | 'CUSTOMER' | 'PAYMENT' | 'SHIPMENT' | 'SAGA';

/**
 * gRPC status codes (grpc/doc/statuscodes.md). Repeated here, not imported from the gRPC
 * library, so the domain stays free of I/O modules; a unit test keeps them equal to @saga/rpc's.
 */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

/** What a failed gRPC call tells (the shape of @saga/rpc's RpcError). */
export type RpcFailure = {
  readonly code: number;
  readonly message: string;
  /** Set when the client refused the call itself: `circuit-open`, `bulkhead-full`, ... */
  readonly reason?: string | undefined;
};

/** Where a request failed validation. */
export type RequestPart = 'body' | 'querystring' | 'params' | 'headers';

/** One validation error as JSON Schema validators (Ajv) report it. */
export type ValidationIssue = {
  readonly keyword: string;
  /** JSON Pointer of the invalid value, `''` for the whole part. */
  readonly instancePath: string;
  readonly message?: string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
};

const PROBLEM_BASE = 'https://saga-platform.dev/problems/';

/** Builds a problem; `type` is derived from `code` (`ORDER.NOT_FOUND` → `.../order.not_found`). */
export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  errors?: readonly FieldError[],
): Problem {
  return {
    type: `${PROBLEM_BASE}${code.toLowerCase()}`,
    title,
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

const PART_NAMES: Record<RequestPart, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

function fieldError(part: RequestPart, issue: ValidationIssue): FieldError {
  const path = issue.instancePath.replace(/^\//, '');
  const join = (name: unknown) => (path ? `${path}/${String(name)}` : String(name));
  switch (issue.keyword) {
    case 'required':
      return { field: join(issue.params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { field: join(issue.params.additionalProperty), message: 'is not allowed' };
    case 'enum': {
      const allowed = issue.params.allowedValues;
      return {
        field: path || PART_NAMES[part],
        message: Array.isArray(allowed)
          ? `must be one of: ${allowed.map(String).join(', ')}`
          : (issue.message ?? 'is invalid'),
      };
    }
    default:
      return { field: path || PART_NAMES[part], message: issue.message ?? 'is invalid' };
  }
}

/**
 * 400 for a request that fails its schema, naming every invalid field
 * (`items/0/quantity must be >= 1`). A missing `Idempotency-Key` header gets the code the
 * idempotency layer uses for it, so clients see one code for one mistake.
 */
export function validationProblem(part: RequestPart, issues: readonly ValidationIssue[]): Problem {
  const errors = issues.map((i) => fieldError(part, i));
  const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ') || 'invalid request';
  const keyMissing =
    part === 'headers' &&
    errors.some((e) => e.field === 'idempotency-key' && /required/.test(e.message));
  return keyMissing
    ? problem(
        400,
        'IDEMPOTENCY.KEY_MISSING',
        'Idempotency-Key required',
        'This request needs an Idempotency-Key header.',
        errors,
      )
    : problem(400, 'REQUEST.INVALID', 'Invalid request', detail, errors);
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/**
 * A client error the HTTP layer itself raised (malformed JSON, unsupported content type, body
 * too large): its status and message are written for clients, so they are passed on.
 */
export function httpClientProblem(status: number, message: string): Problem {
  const title = TITLES[status] ?? 'Bad request';
  const code =
    status === 400 ? 'REQUEST.INVALID' : `REQUEST.${title.toUpperCase().replaceAll(' ', '_')}`;
  return problem(status, code, title, message);
}

/** 404 for a path no route serves. */
export function routeNotFoundProblem(method: string, url: string): Problem {
  const path = url.split('?')[0] ?? url;
  return problem(404, 'ROUTE.NOT_FOUND', 'Not found', `No route serves ${method} ${path}.`);
}

/** 500 with a fixed text: whatever failed, its message stays in the logs. */
export function internalProblem(): Problem {
  return problem(
    500,
    'INTERNAL',
    'Internal server error',
    'The request could not be completed; it has been logged. Try again later.',
  );
}

const HUMAN: Record<Resource, string> = {
  ORDER: 'Order',
  PRODUCT: 'Product',
  CUSTOMER: 'Customer',
  PAYMENT: 'Payment',
  SHIPMENT: 'Shipment',
  SAGA: 'Saga',
};

/** Options of {@link rpcProblem}. */
export type RpcProblemOptions = {
  /** `Retry-After` while a breaker is open: about when it lets a probe through. */
  readonly breakerRetryAfterSeconds: number;
};

/**
 * Maps a failed call to a service onto the API's answer:
 *
 * | gRPC | HTTP |
 * | --- | --- |
 * | NOT_FOUND | 404 `<RESOURCE>.NOT_FOUND` |
 * | INVALID_ARGUMENT | 422 `<RESOURCE>.INVALID`, the service's message |
 * | FAILED_PRECONDITION | 409 `<RESOURCE>.CONFLICT` |
 * | ALREADY_EXISTS | 409 `<RESOURCE>.ALREADY_EXISTS` |
 * | UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, open breaker, full bulkhead | 503 with `Retry-After` |
 * | anything else | 500, fixed text |
 *
 * The 4xx details are the service's own messages (services answer INTERNAL with a fixed text,
 * so nothing internal arrives here); the 503 details are fixed texts.
 */
export function rpcProblem(
  failure: RpcFailure,
  resource: Resource,
  options: RpcProblemOptions,
): ProblemReply {
  const plain = (p: Problem): ProblemReply => ({ problem: p, headers: {} });
  const unavailable = (code: string, detail: string, retryAfter: number): ProblemReply => ({
    problem: problem(503, code, 'Service unavailable', detail),
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) },
  });
  const name = HUMAN[resource];
  if (failure.reason === 'circuit-open') {
    return unavailable(
      'DEPENDENCY.CIRCUIT_OPEN',
      'A service this request needs is failing; calls to it are paused. Retry later.',
      options.breakerRetryAfterSeconds,
    );
  }
  if (failure.reason === 'bulkhead-full') {
    return unavailable(
      'DEPENDENCY.BUSY',
      'A service this request needs has too many requests in progress. Retry later.',
      1,
    );
  }
  switch (failure.code) {
    case GrpcStatus.NOT_FOUND:
      return plain(problem(404, `${resource}.NOT_FOUND`, `${name} not found`, failure.message));
    case GrpcStatus.INVALID_ARGUMENT:
      return plain(problem(422, `${resource}.INVALID`, `${name} refused`, failure.message));
    case GrpcStatus.FAILED_PRECONDITION:
      return plain(problem(409, `${resource}.CONFLICT`, `${name} conflict`, failure.message));
    case GrpcStatus.ALREADY_EXISTS:
      return plain(
        problem(409, `${resource}.ALREADY_EXISTS`, `${name} already exists`, failure.message),
      );
    case GrpcStatus.DEADLINE_EXCEEDED:
      return unavailable(
        'DEPENDENCY.TIMEOUT',
        'A service this request needs did not answer in time. Retry later.',
        1,
      );
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.RESOURCE_EXHAUSTED:
    case GrpcStatus.ABORTED:
      return unavailable(
        'DEPENDENCY.UNAVAILABLE',
        'A service this request needs is unavailable. Retry later.',
        1,
      );
    default:
      return plain(internalProblem());
  }
}

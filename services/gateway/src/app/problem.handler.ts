import { RpcError } from '@saga/rpc';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  httpClientProblem,
  internalProblem,
  type Problem,
  type ProblemReply,
  problem,
  type RequestPart,
  routeNotFoundProblem,
  rpcProblem,
  validationProblem,
} from '../domain/problem.ts';
import { DependencyUnavailableError } from './dependency.errors.ts';
import { StreamLimitError } from './order-events.stream.ts';
import { traceIdOf } from './request-span.hooks.ts';
import './route.config.ts';

/** Options of {@link installProblemHandler}. */
export type ProblemHandlerOptions = {
  /** Retry-After while a breaker is open. */
  readonly breakerRetryAfterSeconds: number;
};

const PART: Readonly<Record<string, RequestPart>> = {
  body: 'body',
  querystring: 'querystring',
  params: 'params',
  headers: 'headers',
};

function toProblemReply(
  error: FastifyError,
  request: FastifyRequest,
  options: ProblemHandlerOptions,
): ProblemReply {
  if (error.validation) {
    const part = PART[error.validationContext ?? 'body'] ?? 'body';
    return { problem: validationProblem(part, error.validation), headers: {} };
  }
  if (error instanceof RpcError) {
    return rpcProblem(error, request.routeOptions.config.resource ?? 'ORDER', options);
  }
  if (error instanceof DependencyUnavailableError) {
    return {
      problem: problem(
        503,
        'DEPENDENCY.UNAVAILABLE',
        'Service unavailable',
        'A store this request needs is unavailable. Retry later.',
      ),
      headers: { 'retry-after': '1' },
    };
  }
  if (error instanceof StreamLimitError) {
    return {
      problem: problem(
        503,
        error.code,
        'Service unavailable',
        'Too many live order streams are open. Retry later.',
      ),
      headers: { 'retry-after': '5' },
    };
  }
  // fastify's own client errors (malformed JSON, unsupported media type, body too large) carry
  // a 4xx status and a message written for clients.
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { problem: httpClientProblem(status, error.message), headers: {} };
  }
  return { problem: internalProblem(), headers: {} };
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, p: Problem) {
  const traceId = traceIdOf(request);
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send(traceId ? { ...p, traceId } : p);
}

/**
 * The one place failures become answers (STYLE.md): every error a route throws, and every
 * request no route serves, is answered as RFC 9457 `application/problem+json` by the pure
 * mappings of src/domain/problem.ts. 5xx answers never carry the error's message: it goes to
 * the log, with the trace id, and the client gets a fixed text.
 */
export function installProblemHandler(app: FastifyInstance, options: ProblemHandlerOptions): void {
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    const { problem: p, headers } = toProblemReply(error, request, options);
    // A 503 is a dependency's state, already seen by its breaker and spans: one line, no stack.
    if (p.status === 503)
      request.log.warn({ code: p.code, cause: error.message }, 'dependency failed');
    else if (p.status >= 500) request.log.error({ err: error, code: p.code }, 'request failed');
    else request.log.info({ code: p.code, detail: p.detail }, 'request refused');
    reply.headers(headers);
    return sendProblem(request, reply, p);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, routeNotFoundProblem(request.method, request.url)),
  );
}

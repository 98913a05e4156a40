import type { Resource } from '../domain/problem.ts';

// Each route names the resource it serves, so the one error handler can say which resource a
// service's NOT_FOUND or FAILED_PRECONDITION is about (`ORDER.NOT_FOUND`).
declare module 'fastify' {
  interface FastifyContextConfig {
    readonly resource?: Resource;
  }
}

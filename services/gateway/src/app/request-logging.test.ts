import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '@saga/service-kit';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { installRequestLogging, requestLogController } from './request-logging.ts';
import { installRequestSpans } from './request-span.hooks.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

function app() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const server = Fastify({
    loggerInstance: createLogger({ service: 'gateway' }, sink) as FastifyBaseLogger,
    logController: requestLogController(),
  });
  installRequestSpans(server);
  installRequestLogging(server);
  server.get('/ok', async (request) => {
    request.log.info('handling');
    return { ok: true };
  });
  server.get('/boom', async () => {
    throw new Error('boom');
  });
  return { server, lines };
}

// No SDK here: the request's span is a non-recording one carrying the caller's trace context,
// which is enough to see which lines carry it.
const traceparent = `00-${TRACE}-${PARENT}-01`;

test('every line of a request carries its trace: incoming, the handler’s, and completed', async () => {
  const { server, lines } = app();
  const res = await server.inject({ method: 'GET', url: '/ok', headers: { traceparent } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(
    lines.map((l) => [l.msg, l.trace_id, l.span_id === undefined ? 'no span' : 'span']),
    [
      ['incoming request', TRACE, 'span'],
      ['handling', TRACE, 'span'],
      ['request completed', TRACE, 'span'],
    ],
  );
  assert.deepEqual(lines[0]?.req, {
    method: 'GET',
    url: '/ok',
    host: 'localhost:80',
    remoteAddress: '127.0.0.1',
  });
  await server.close();
});

test('the lines fastify writes about a failed request carry its trace too', async () => {
  const { server, lines } = app();
  const res = await server.inject({ method: 'GET', url: '/boom', headers: { traceparent } });
  assert.equal(res.statusCode, 500);
  assert.ok(lines.length >= 3, JSON.stringify(lines));
  for (const line of lines) assert.equal(line.trace_id, TRACE, JSON.stringify(line));
  assert.ok(lines.some((l) => l.level === 'error' && (l.err as { message?: string }).message));
  await server.close();
});

test('a request without trace context is logged once in and once out, without ids', async () => {
  const { server, lines } = app();
  await server.inject({ method: 'GET', url: '/ok' });
  assert.deepEqual(
    lines.map((l) => [l.msg, l.trace_id]),
    [
      ['incoming request', undefined],
      ['handling', undefined],
      ['request completed', undefined],
    ],
  );
  await server.close();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { ConfigError, loadConfig } from './config.ts';

const schema = Type.Object({
  DATABASE_URL: Type.String({ minLength: 1 }),
  HTTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  SAGA_MODE: Type.Union([Type.Literal('choreography'), Type.Literal('orchestration')], {
    default: 'choreography',
  }),
  TRACING: Type.Boolean({ default: true }),
});

test('variables are converted to the schema types, defaults fill the gaps, the result is frozen', () => {
  const c = loadConfig(schema, {
    DATABASE_URL: 'postgres://x',
    HTTP_PORT: '9000',
    TRACING: 'false',
    UNRELATED: 'x',
  });
  assert.deepEqual(c, {
    DATABASE_URL: 'postgres://x',
    HTTP_PORT: 9000,
    SAGA_MODE: 'choreography',
    TRACING: false,
  });
  assert.ok(Object.isFrozen(c));
});

test('a missing or invalid variable is reported by name, all of them at once', () => {
  assert.throws(
    () => loadConfig(schema, { HTTP_PORT: 'eighty', SAGA_MODE: 'chaos' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems.map((p) => p.variable).sort(), [
        'DATABASE_URL',
        'HTTP_PORT',
        'SAGA_MODE',
      ]);
      assert.match(err.message, /DATABASE_URL: is required/);
      return true;
    },
  );
});

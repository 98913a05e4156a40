import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@saga/service-kit';
import { configSchema } from './config.ts';

const env = {
  HTTP_PORT: '18080',
  PUBLIC_URL: 'http://127.0.0.1:18080',
  REDIS_URL: 'redis://127.0.0.1:26379',
  ORDER_GRPC_ADDR: '127.0.0.1:25101',
  INVENTORY_GRPC_ADDR: 'toxiproxy:25102',
  PAYMENT_GRPC_ADDR: '127.0.0.1:25103',
  SHIPPING_GRPC_ADDR: '127.0.0.1:25104',
};

test('the process contract parses, with defaults for the tuning variables', () => {
  const config = loadConfig(configSchema, env);
  assert.equal(config.HOST, '127.0.0.1');
  assert.equal(config.HTTP_PORT, 18080);
  assert.equal(config.LOG_LEVEL, 'info');
  assert.equal(config.GRPC_READ_DEADLINE_MS, 2_000);
  assert.equal(config.GRPC_WRITE_DEADLINE_MS, 5_000);
});

test('a missing or malformed variable is named', () => {
  assert.throws(
    () => loadConfig(configSchema, { ...env, ORDER_GRPC_ADDR: 'order', REDIS_URL: undefined }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems.map((p) => p.variable).sort(), [
        'ORDER_GRPC_ADDR',
        'REDIS_URL',
      ]);
      return true;
    },
  );
});

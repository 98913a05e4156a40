import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { testStack } from '@saga/testkit';
import { Redis } from 'ioredis';

const { endpoints } = testStack(process.env);

test('a value SET through the redis proxy is read back with GET and expires', async () => {
  const redis = new Redis({ ...endpoints.redis, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const key = `smoke:${randomUUID()}`;
    assert.equal(await redis.set(key, 'hello', 'EX', 60), 'OK');
    assert.equal(await redis.get(key), 'hello');
    const ttl = await redis.ttl(key);
    assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
    await redis.del(key);
    assert.equal(await redis.get(key), null);
  } finally {
    redis.disconnect();
  }
});

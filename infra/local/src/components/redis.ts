import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { aptInstall } from '../apt.ts';
import type { Component } from '../component.ts';

const BINARY = '/usr/bin/redis-server';

/** Redis from Debian's package, with an append-only file so keys survive a restart. */
export const redis: Component = {
  name: 'redis',
  kind: 'infrastructure',
  readiness: 'a PING',
  stopSignal: 'SIGTERM',
  async install(ctx) {
    if (existsSync(BINARY)) return undefined;
    ctx.report.step('redis', 'apt-get install redis-server');
    await aptInstall(ctx, 'redis', ['redis-server']);
    return 'installed Debian package redis-server';
  },
  async prepare(ctx) {
    await mkdir(ctx.paths.dataDir('redis'), { recursive: true });
  },
  async launch(ctx) {
    return {
      command: BINARY,
      args: [
        '--bind',
        ctx.settings.host,
        '--port',
        String(ctx.settings.redis.port),
        '--dir',
        ctx.paths.dataDir('redis'),
        '--daemonize',
        'no',
        '--appendonly',
        'yes',
        '--save',
        '',
      ],
    };
  },
  ports: (ctx) => [{ port: ctx.settings.redis.port, variable: 'SAGA_REDIS_PORT' }],
  async probe(ctx) {
    const client = new Redis({
      host: ctx.settings.host,
      port: ctx.settings.redis.port,
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // The failed connect rejects below; without a listener ioredis also prints it as unhandled.
    client.on('error', () => {});
    try {
      await client.connect();
      const pong = await client.ping();
      if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
      const info = await client.info('server');
      return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
    } finally {
      client.disconnect();
    }
  },
  urls: (ctx) => [
    `redis          ${ctx.settings.host}:${ctx.settings.redis.proxyPort} via toxiproxy (server ${ctx.settings.redis.port})`,
  ],
};

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { edgeSpec, kafkaListeners, loadStackSettings, SERVICES } from '@saga/topology';
import { parse } from 'yaml';
import { type StackContext, stackPaths } from '../component.ts';
import { jaegerConfig } from './jaeger.ts';
import { newClusterId, serverProperties } from './kafka.ts';

function context(env: Record<string, string> = {}): StackContext {
  const settings = loadStackSettings(env, { repoRoot: '/repo', home: '/home/dev' });
  return {
    settings,
    paths: stackPaths('/repo', settings),
    report: { step: () => {}, done: () => {}, warn: () => {} },
    env: {},
    isRoot: false,
  };
}

function properties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

test('kafka advertises the shared proxy to tools and tests and keeps broker traffic off the proxy', () => {
  const ctx = context({ SAGA_KAFKA_PROXY_PORT: '29999' });
  const p = properties(serverProperties(ctx));
  const listeners = p.get('listeners')?.split(',') ?? [];
  const advertised = p.get('advertised.listeners')?.split(',') ?? [];
  assert.deepEqual(listeners.slice(0, 3), [
    'CLIENT://127.0.0.1:19092',
    'CONTROLLER://127.0.0.1:19093',
    'INTERNAL://127.0.0.1:19094',
  ]);
  assert.deepEqual(advertised.slice(0, 2), [
    'CLIENT://127.0.0.1:29999',
    'INTERNAL://127.0.0.1:19094',
  ]);
  assert.equal(p.get('inter.broker.listener.name'), 'INTERNAL');
});

test("each service has its own kafka listener, advertising that service's edge proxy", () => {
  const ctx = context({ SAGA_KAFKA_EDGE_PORT_BASE: '19200', SAGA_EDGE_PROXY_PORT_BASE: '26000' });
  const p = properties(serverProperties(ctx));
  const listeners = p.get('listeners')?.split(',') ?? [];
  const advertised = p.get('advertised.listeners')?.split(',') ?? [];
  for (const service of SERVICES) {
    const name = service.toUpperCase();
    const edge = edgeSpec(ctx.settings, service, 'kafka');
    const port = kafkaListeners(ctx.settings).find((l) => l.service === service)?.port;
    assert.ok(listeners.includes(`${name}://127.0.0.1:${port}`), `${name} listener: ${listeners}`);
    assert.ok(advertised.includes(`${name}://127.0.0.1:${edge.listen.port}`), `${name} advertised`);
    // The edge proxy forwards to exactly that listener, so the advertised address leads back
    // to it: a client bootstrapped through the edge stays on the edge.
    assert.equal(edge.upstream.port, port);
    assert.match(
      p.get('listener.security.protocol.map') ?? '',
      new RegExp(`\\b${name}:PLAINTEXT\\b`),
    );
  }
  assert.deepEqual(
    kafkaListeners(ctx.settings).map((l) => l.port),
    [19201, 19202, 19203, 19204],
  );
  assert.deepEqual(
    SERVICES.map((service) => edgeSpec(ctx.settings, service, 'kafka').listen.port),
    [26021, 26022, 26023, 26024],
  );
});

test('kafka runs as one KRaft node whose internal topics need a single replica', () => {
  const p = properties(serverProperties(context()));
  assert.equal(p.get('process.roles'), 'broker,controller');
  assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:19093');
  for (const key of [
    'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor',
    'transaction.state.log.min.isr',
    'share.coordinator.state.topic.replication.factor',
  ]) {
    assert.equal(p.get(key), '1', key);
  }
  assert.equal(p.get('log.dirs'), '/repo/.stack/kafka/data');
});

test('every jaeger listener binds SAGA_HOST, none binds all interfaces', () => {
  const config = parse(jaegerConfig('127.0.0.9', context().settings.jaeger)) as unknown;
  const endpoints: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'endpoint' || k === 'host') && typeof v === 'string') endpoints.push(v);
      walk(v);
    }
  };
  walk(config);
  assert.deepEqual(endpoints.sort(), [
    '127.0.0.9',
    '127.0.0.9:16685',
    '127.0.0.9:16686',
    '127.0.0.9:18889',
    '127.0.0.9:4317',
    '127.0.0.9:4318',
  ]);
});

test("jaeger's query service serves the stand-in UI folder only when given one (native, not compose)", () => {
  type Query = { jaeger_query: { ui?: { assets_path?: string } } };
  const { settings } = context();
  const native = parse(jaegerConfig('127.0.0.1', settings.jaeger, { uiAssetsPath: '/repo/ui' }));
  assert.equal((native.extensions as Query).jaeger_query.ui?.assets_path, '/repo/ui');
  const compose = parse(jaegerConfig('0.0.0.0', settings.jaeger));
  assert.equal((compose.extensions as Query).jaeger_query.ui, undefined);
});

test('a generated Kafka cluster id is 22 base64url characters and never starts with a dash', () => {
  // 0xf8 as the first byte encodes as '-' in base64url: the generator must draw again.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
  const id = newClusterId(() => draws.shift() ?? Buffer.alloc(16));
  assert.equal(id, Buffer.alloc(16, 0x01).toString('base64url'));
  for (let i = 0; i < 2000; i++) {
    const random = newClusterId();
    assert.match(random, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});

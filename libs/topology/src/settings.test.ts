import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENV_VARS } from './env-vars.ts';
import {
  ConfigError,
  clientEndpoints,
  edgeSpec,
  edgeSpecs,
  GRPC_CALLS,
  INFRA_USES,
  kafkaListeners,
  loadStackSettings,
  proxySpecs,
  SERVICE_PROCESSES,
  SERVICES,
} from './settings.ts';

const paths = { repoRoot: '/repo', home: '/home/dev' };

test('with no variables set, every documented default applies', () => {
  const s = loadStackSettings({}, paths);
  assert.equal(s.host, ENV_VARS.SAGA_HOST.default);
  assert.equal(s.postgres.port, Number(ENV_VARS.SAGA_POSTGRES_PORT.default));
  assert.equal(s.kafka.proxyPort, Number(ENV_VARS.SAGA_KAFKA_PROXY_PORT.default));
  assert.equal(s.stackDir, '/repo/.stack');
  assert.equal(s.cacheDir, '/home/dev/.cache/saga-platform');
  assert.equal(s.gateway.port, 18080);
  assert.deepEqual(s.services.payment, {
    grpcPort: 15103,
    grpcProxyPort: 25103,
    healthPort: 15113,
  });
  assert.deepEqual(s.runServices, [...SERVICE_PROCESSES]);
});

test('services start after those they call: inventory, payment, shipping, then order, gateway last', () => {
  assert.deepEqual(SERVICE_PROCESSES, ['inventory', 'payment', 'shipping', 'order', 'gateway']);
  assert.deepEqual([...SERVICES].sort(), SERVICE_PROCESSES.filter((s) => s !== 'gateway').sort());
  for (const [caller, callees] of Object.entries(GRPC_CALLS)) {
    for (const callee of callees) {
      assert.ok(
        SERVICE_PROCESSES.indexOf(callee) < SERVICE_PROCESSES.indexOf(caller as 'order'),
        `${caller} calls ${callee}, so ${callee} must start first`,
      );
    }
  }
});

test('SAGA_SERVICES selects which services the native stack runs, always in start order', () => {
  const run = (value: string) => loadStackSettings({ SAGA_SERVICES: value }, paths).runServices;
  assert.deepEqual(run('none'), []);
  assert.deepEqual(run('all'), [...SERVICE_PROCESSES]);
  assert.deepEqual(run('gateway, inventory'), ['inventory', 'gateway']);
  assert.throws(
    () => run('inventory,billing'),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.variable === 'SAGA_SERVICES' &&
      /"billing"/.test(err.message),
  );
});

test('default ports avoid the standard Postgres/Redis ports and the kernel ephemeral range', () => {
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    if (spec.kind !== 'port') continue;
    const port = Number(spec.default);
    assert.ok(port !== 5432 && port !== 6379, `${name} uses a standard port`);
    assert.ok(port < 32768 || port > 60999, `${name}=${port} is in the ephemeral range`);
  }
});

test('each service gets its own database and role, with its own password variable', () => {
  const s = loadStackSettings({ SAGA_PAYMENT_DB_PASSWORD: 's3cret' }, paths);
  assert.deepEqual(
    s.postgres.databases.map((d) => d.service),
    [...SERVICES],
  );
  const payment = s.postgres.databases.find((d) => d.service === 'payment');
  assert.deepEqual(payment, {
    service: 'payment',
    database: 'saga_payment',
    user: 'saga_payment',
    password: 's3cret',
    readOnlyUser: 'saga_payment_ro',
    readOnlyPassword: 'saga_payment_ro',
  });
});

test('a malformed port is rejected with an error naming the variable', () => {
  assert.throws(
    () => loadStackSettings({ SAGA_REDIS_PORT: 'sixty' }, paths),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.variable === 'SAGA_REDIS_PORT' &&
      /expected a TCP port/.test(err.message),
  );
  assert.throws(() => loadStackSettings({ SAGA_KAFKA_PORT: '70000' }, paths), /SAGA_KAFKA_PORT/);
});

test('two variables asking for the same port are rejected', () => {
  assert.throws(
    () => loadStackSettings({ SAGA_REDIS_PROXY_PORT: ENV_VARS.SAGA_POSTGRES_PORT.default }, paths),
    /port 15432 is already used by SAGA_POSTGRES_PORT/,
  );
  assert.throws(
    () => loadStackSettings({ SAGA_SHIPPING_HEALTH_PORT: '15101' }, paths),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.variable === 'SAGA_SHIPPING_HEALTH_PORT' &&
      /port 15101 is already used by SAGA_ORDER_GRPC_PORT/.test(err.message),
  );
});

test('every default port is distinct', () => {
  const ports = Object.values(ENV_VARS)
    .filter((spec) => spec.kind === 'port')
    .map((spec) => spec.default);
  assert.equal(new Set(ports).size, ports.length);
});

test('an absolute SAGA_STACK_DIR is kept and ~ in SAGA_CACHE_DIR is expanded', () => {
  const s = loadStackSettings({ SAGA_STACK_DIR: '/tmp/st', SAGA_CACHE_DIR: '~/c' }, paths);
  assert.equal(s.stackDir, '/tmp/st');
  assert.equal(s.cacheDir, '/home/dev/c');
});

test('settings are frozen', () => {
  const s = loadStackSettings({}, paths);
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.postgres.databases[0]));
});

test('every data-plane client address goes through a toxiproxy proxy', () => {
  const s = loadStackSettings({}, paths);
  const e = clientEndpoints(s);
  const proxies = new Map(proxySpecs(s).map((p) => [p.name, p]));
  assert.equal(
    e.postgresUrl('order'),
    `postgres://saga_order:saga_order@127.0.0.1:${proxies.get('postgres')?.listen.port}/saga_order`,
  );
  assert.deepEqual(e.redis, { host: '127.0.0.1', port: proxies.get('redis')?.listen.port });
  assert.deepEqual(e.kafkaBrokers, [`127.0.0.1:${proxies.get('kafka')?.listen.port}`]);
  for (const p of proxies.values()) assert.notEqual(p.listen.port, p.upstream.port);
});

test('each service gRPC server has a proxy named after the service, and callers get its address', () => {
  const s = loadStackSettings(
    { SAGA_HOST: '127.0.0.9', SAGA_INVENTORY_GRPC_PROXY_PORT: '25999' },
    paths,
  );
  const e = clientEndpoints(s);
  const proxies = new Map(proxySpecs(s).map((p) => [p.name, p]));
  for (const service of SERVICES) {
    assert.deepEqual(proxies.get(service)?.upstream, {
      host: '127.0.0.9',
      port: s.services[service].grpcPort,
    });
    assert.equal(e.grpcAddress(service), `127.0.0.9:${proxies.get(service)?.listen.port}`);
  }
  assert.equal(e.grpcAddress('inventory'), '127.0.0.9:25999');
  assert.equal(proxies.get('inventory')?.variable, 'SAGA_INVENTORY_GRPC_PROXY_PORT');
  assert.equal(e.gatewayUrl, 'http://127.0.0.9:18080');
});

test("every proxy's variable is the one that sets its listen port", () => {
  const s = loadStackSettings({}, paths);
  for (const p of proxySpecs(s)) {
    assert.ok(p.variable in ENV_VARS, p.variable);
    if (p.edge) {
      assert.equal(p.variable, 'SAGA_EDGE_PROXY_PORT_BASE', p.name);
      assert.ok(p.listen.port > Number(ENV_VARS.SAGA_EDGE_PROXY_PORT_BASE.default), p.name);
    } else {
      assert.equal(String(p.listen.port), ENV_VARS[p.variable].default, p.name);
    }
  }
});

test('there is one edge per (caller, target) pair the services use, named <from>-><to>', () => {
  const s = loadStackSettings({}, paths);
  const expected = [
    ...SERVICE_PROCESSES.flatMap((from) => INFRA_USES[from].map((to) => `${from}->${to}`)),
    ...SERVICE_PROCESSES.flatMap((from) => GRPC_CALLS[from].map((to) => `${from}->${to}`)),
  ].sort();
  const edges = edgeSpecs(s);
  assert.deepEqual(edges.map((e) => e.name).sort(), expected);
  assert.equal(new Set(edges.map((e) => e.name)).size, edges.length, 'edge names are unique');
  for (const e of edges) {
    assert.equal(e.name, `${e.from}->${e.to}`);
    assert.equal(e.kind, (SERVICES as readonly string[]).includes(e.to) ? 'grpc' : e.to);
  }
  // Who uses what (services/README.md): every bounded context its database and Kafka, only the
  // gateway Redis, and the gRPC calls of GRPC_CALLS.
  assert.deepEqual(
    edges.filter((e) => e.kind === 'redis').map((e) => e.name),
    ['gateway->redis'],
  );
  assert.deepEqual(
    edges.filter((e) => e.kind === 'grpc').map((e) => e.name),
    [
      'gateway->order',
      'gateway->inventory',
      'gateway->payment',
      'gateway->shipping',
      'order->inventory',
    ],
  );
  const proxyNames = proxySpecs(s).map((p) => p.name);
  assert.equal(new Set(proxyNames).size, proxyNames.length, 'proxy names are unique');
});

test('the default edge ports are the documented, fixed allocation', () => {
  const s = loadStackSettings({}, paths);
  // docs/native-stack.md, "Edges": tens digit = block, ones digit = caller (or callee for gRPC).
  assert.deepEqual(Object.fromEntries(edgeSpecs(s).map((e) => [e.name, e.listen.port])), {
    'order->postgres': 25201,
    'inventory->postgres': 25202,
    'payment->postgres': 25203,
    'shipping->postgres': 25204,
    'gateway->redis': 25215,
    'order->kafka': 25221,
    'inventory->kafka': 25222,
    'payment->kafka': 25223,
    'shipping->kafka': 25224,
    'gateway->order': 25231,
    'gateway->inventory': 25232,
    'gateway->payment': 25233,
    'gateway->shipping': 25234,
    'order->inventory': 25242,
  });
  assert.deepEqual(
    kafkaListeners(s).map((l) => [l.name, l.port]),
    [
      ['ORDER', 19101],
      ['INVENTORY', 19102],
      ['PAYMENT', 19103],
      ['SHIPPING', 19104],
    ],
  );
});

test('edge and kafka listener ports are unique and collide with no port variable', () => {
  for (const env of [
    {},
    { SAGA_EDGE_PROXY_PORT_BASE: '30000', SAGA_KAFKA_EDGE_PORT_BASE: '20000' },
  ]) {
    const s = loadStackSettings(env, paths);
    const variablePorts = Object.keys(ENV_VARS)
      .filter((n) => ENV_VARS[n as keyof typeof ENV_VARS].kind === 'port')
      .map((n) =>
        Number((env as Record<string, string>)[n] ?? ENV_VARS[n as keyof typeof ENV_VARS].default),
      );
    const derived = [
      ...edgeSpecs(s).map((e) => e.listen.port),
      ...kafkaListeners(s).map((l) => l.port),
    ];
    assert.equal(new Set(derived).size, derived.length, 'derived ports are unique');
    for (const port of derived) {
      assert.ok(!variablePorts.includes(port), `${port} is also a port variable's value`);
      assert.ok(port < 32768 || port > 60999, `${port} is in the ephemeral range`);
    }
    const all = proxySpecs(s).map((p) => p.listen.port);
    assert.equal(new Set(all).size, all.length, 'every proxy listens on its own port');
  }
});

test('an edge base that lands an edge on a used port, or past 65535, is rejected naming the base', () => {
  // 25200 + 32 = 25232; put the shared inventory proxy there.
  assert.throws(
    () => loadStackSettings({ SAGA_INVENTORY_GRPC_PROXY_PORT: '25232' }, paths),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.variable === 'SAGA_EDGE_PROXY_PORT_BASE' &&
      /edge gateway->inventory on port 25232, already used by SAGA_INVENTORY_GRPC_PROXY_PORT/.test(
        err.message,
      ),
  );
  assert.throws(
    () => loadStackSettings({ SAGA_EDGE_PROXY_PORT_BASE: '65500' }, paths),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.variable === 'SAGA_EDGE_PROXY_PORT_BASE' &&
      /above 65535/.test(err.message),
  );
  assert.throws(
    () => loadStackSettings({ SAGA_KAFKA_EDGE_PORT_BASE: '19090' }, paths),
    /SAGA_KAFKA_EDGE_PORT_BASE: puts the Kafka listener INVENTORY on port 19092, already used by SAGA_KAFKA_PORT/,
  );
  // Two bases whose blocks overlap.
  assert.throws(
    () => loadStackSettings({ SAGA_KAFKA_EDGE_PORT_BASE: '25220' }, paths),
    /SAGA_KAFKA_EDGE_PORT_BASE: puts the Kafka listener ORDER on port 25221, already used by the edge order->kafka/,
  );
});

test('every service client address goes through its own edge, and the upstream is the right server', () => {
  const s = loadStackSettings(
    { SAGA_HOST: '127.0.0.9', SAGA_EDGE_PROXY_PORT_BASE: '26000' },
    paths,
  );
  const e = clientEndpoints(s);
  const at = (from: Parameters<typeof edgeSpec>[1], to: Parameters<typeof edgeSpec>[2]) =>
    `127.0.0.9:${edgeSpec(s, from, to).listen.port}`;
  for (const service of SERVICES) {
    const mine = e.serviceEdges(service);
    assert.equal(
      mine.postgresUrl(),
      `postgres://saga_${service}:saga_${service}@${at(service, 'postgres')}/saga_${service}`,
    );
    assert.deepEqual(mine.kafkaBrokers(), [at(service, 'kafka')]);
    assert.equal(edgeSpec(s, service, 'postgres').upstream.port, s.postgres.port);
    const listener = kafkaListeners(s).find((l) => l.service === service);
    assert.equal(edgeSpec(s, service, 'kafka').upstream.port, listener?.port);
    for (const callee of GRPC_CALLS[service]) {
      assert.equal(mine.grpcAddress(callee), at(service, callee));
    }
  }
  const gateway = e.serviceEdges('gateway');
  assert.equal(gateway.redisUrl(), `redis://${at('gateway', 'redis')}`);
  for (const callee of GRPC_CALLS.gateway) {
    assert.equal(gateway.grpcAddress(callee), at('gateway', callee));
    assert.equal(edgeSpec(s, 'gateway', callee).upstream.port, s.services[callee].grpcPort);
  }
  // No service address is a shared proxy: cutting a shared one never cuts a service.
  const shared = new Set(
    proxySpecs(s)
      .filter((p) => !p.edge)
      .map((p) => p.listen.port),
  );
  for (const edge of edgeSpecs(s)) assert.ok(!shared.has(edge.listen.port), edge.name);
});

test('asking for an edge a process does not have is an error naming it', () => {
  const s = loadStackSettings({}, paths);
  assert.throws(() => edgeSpec(s, 'gateway', 'postgres'), /no edge gateway->postgres/);
  assert.throws(() => edgeSpec(s, 'payment', 'inventory'), /no edge payment->inventory/);
  assert.throws(() => clientEndpoints(s).serviceEdges('gateway').postgresUrl(), /no database/);
  assert.throws(() => clientEndpoints(s).serviceEdges('order').redisUrl(), /no edge order->redis/);
});

test('passwords with URL-special characters are encoded in connection URLs', () => {
  const s = loadStackSettings({ SAGA_ORDER_DB_PASSWORD: 'p@ss/w:rd' }, paths);
  assert.match(clientEndpoints(s).postgresUrl('order'), /saga_order:p%40ss%2Fw%3Ard@/);
});

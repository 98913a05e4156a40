import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENV_VARS } from './env-vars.ts';
import {
  ConfigError,
  clientEndpoints,
  GRPC_CALLS,
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
    assert.equal(String(p.listen.port), ENV_VARS[p.variable].default, p.name);
  }
});

test('passwords with URL-special characters are encoded in connection URLs', () => {
  const s = loadStackSettings({ SAGA_ORDER_DB_PASSWORD: 'p@ss/w:rd' }, paths);
  assert.match(clientEndpoints(s).postgresUrl('order'), /saga_order:p%40ss%2Fw%3Ard@/);
});

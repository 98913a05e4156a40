import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { test } from 'node:test';
import {
  ENV_VARS,
  edgeSpecs,
  GRPC_CALLS,
  INFRA_USES,
  loadStackSettings,
  SERVICE_PROCESSES,
  SERVICES,
  VERSIONS,
} from '@saga/topology';
import { parse } from 'yaml';
import { SERVICE_NODE_ARGS } from '../src/components/service.ts';
import { checkGenerated } from '../src/generate.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

type ComposeService = {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  ports?: string[];
  healthcheck?: { test?: unknown };
};

const INFRASTRUCTURE = ['jaeger', 'kafka', 'postgres', 'redis', 'toxiproxy'];

async function compose(): Promise<{
  text: string;
  doc: { services: Record<string, ComposeService> };
}> {
  const text = await readFile(`${repoRoot}/docker-compose.yml`, 'utf8');
  return { text, doc: parse(text) };
}

test('docker-compose.yml and its support files match what the topology generates', async () => {
  assert.deepEqual(await checkGenerated(repoRoot), [], 'run `pnpm stack generate` and commit');
});

test('docker-compose.yml has the same five components and five services as the native stack', async () => {
  const { doc } = await compose();
  assert.deepEqual(
    Object.keys(doc.services).sort(),
    [...INFRASTRUCTURE, ...SERVICE_PROCESSES].sort(),
  );
});

test('every compose service has a healthcheck and an image or a build', async () => {
  const { doc } = await compose();
  for (const [name, service] of Object.entries(doc.services)) {
    assert.ok(service.image || service.build, `${name} has neither image nor build`);
    assert.ok(
      Array.isArray(service.healthcheck?.test) && service.healthcheck.test.length > 1,
      `${name} has no healthcheck`,
    );
  }
});

test('compose uses the official images at the versions the native stack runs', async () => {
  const { doc } = await compose();
  const images = Object.fromEntries(
    INFRASTRUCTURE.map((name) => [name, doc.services[name]?.image]),
  );
  assert.deepEqual(images, {
    toxiproxy: `ghcr.io/shopify/toxiproxy:${VERSIONS.toxiproxy}`,
    postgres: `postgres:${VERSIONS.postgres}`,
    redis: `redis:${VERSIONS.redis}`,
    kafka: `apache/kafka:${VERSIONS.kafka}`,
    jaeger: `jaegertracing/jaeger:${VERSIONS.jaegerImage}`,
  });
});

test('every variable compose references is a documented stack variable', async () => {
  const { text } = await compose();
  const docs = await readFile(`${repoRoot}/docs/configuration.md`, 'utf8');
  // ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}; $$ escapes a literal $.
  const referenced = new Set(
    [...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''),
  );
  assert.ok(referenced.size > 0, 'compose references no variables at all');
  for (const name of referenced) {
    assert.ok(name in ENV_VARS, `${name} is not defined in libs/topology/src/env-vars.ts`);
    assert.ok(docs.includes(`\`${name}\``), `${name} is not documented in docs/configuration.md`);
  }
});

test('compose publishes ports on loopback only', async () => {
  const { text } = await compose();
  const published = [...text.matchAll(/^\s+- "?([^"\n]*:\$\{SAGA_[A-Z_]+:-\d+\}:\d+)"?$/gm)].map(
    (m) => m[1] ?? '',
  );
  assert.ok(published.length >= 4, `found ${published.length} published ports`);
  for (const p of published) assert.ok(p.startsWith('127.0.0.1:'), `${p} is not loopback`);
});

test("each service is built from service.Dockerfile and runs the native stack's command", async () => {
  const { doc } = await compose();
  const dockerfile = await readFile(`${repoRoot}/infra/docker/service.Dockerfile`, 'utf8');
  for (const name of SERVICE_PROCESSES) {
    const service = doc.services[name];
    assert.deepEqual(service?.build, {
      context: '.',
      dockerfile: 'infra/docker/service.Dockerfile',
      args: { SERVICE: name },
    });
    assert.deepEqual(service?.command, ['node', ...SERVICE_NODE_ARGS]);
    assert.equal(service?.environment?.HOST, '0.0.0.0', `${name} must bind all interfaces`);
    assert.equal(service?.environment?.OTEL_SERVICE_NAME, name);
  }
  assert.ok(
    dockerfile.includes(
      `CMD ${JSON.stringify(['node', ...SERVICE_NODE_ARGS]).replaceAll(',', ', ')}`,
    ),
    'the Dockerfile CMD differs from SERVICE_NODE_ARGS',
  );
});

test("the service image installs with the project's pnpm, from the lockfile, after copying the contracts", async () => {
  const dockerfile = await readFile(`${repoRoot}/infra/docker/service.Dockerfile`, 'utf8');
  const pkg = JSON.parse(await readFile(`${repoRoot}/package.json`, 'utf8')) as {
    packageManager: string;
  };
  assert.match(dockerfile, /^FROM node:24[-\w.]*$/m);
  assert.ok(
    dockerfile.includes(pkg.packageManager),
    `the image does not install ${pkg.packageManager}`,
  );
  const copyAll = dockerfile.indexOf('COPY . .');
  const install = dockerfile.indexOf('pnpm install --frozen-lockfile');
  assert.ok(
    copyAll > 0 && install > copyAll,
    'the install (and its postinstall codegen) needs libs/contracts/proto',
  );
  const ignore = (await readFile(`${repoRoot}/.dockerignore`, 'utf8')).split('\n');
  for (const entry of ['**/node_modules', '.stack', 'libs/contracts/src/gen']) {
    assert.ok(ignore.includes(entry), `.dockerignore lacks ${entry}`);
  }
});

/** Hosts named in an environment value: a URL's, or those of a `host:port[,host:port]` list. */
function hostsIn(value: string): string[] {
  const plain = value.replace(/\$\{[^}]*\}/g, '0');
  if (plain.includes('://')) return [new URL(plain).hostname];
  return plain
    .split(',')
    .filter((part) => /^[\w.-]+:\d+$/.test(part))
    .map((part) => part.split(':')[0] ?? '');
}

test('services reach Postgres, Redis, Kafka and each other only through the toxiproxy container, each edge through its own proxy', async () => {
  const { doc } = await compose();
  const proxies = JSON.parse(await readFile(`${repoRoot}/infra/docker/toxiproxy.json`, 'utf8')) as {
    name: string;
    listen: string;
    upstream: string;
  }[];
  const proxy = (name: string) => proxies.find((p) => p.name === name);
  for (const name of SERVICE_PROCESSES) {
    const env = doc.services[name]?.environment ?? {};
    let checked = 0;
    for (const [key, value] of Object.entries(env)) {
      // Every host:port in the environment is the toxiproxy container, except telemetry
      // (straight to Jaeger) and the URLs a browser opens (the gateway's and Jaeger's published
      // ports).
      const hosts = hostsIn(value);
      for (const host of hosts) {
        checked++;
        const allowed =
          key === 'OTEL_EXPORTER_OTLP_ENDPOINT'
            ? 'jaeger'
            : key === 'PUBLIC_URL' || key === 'JAEGER_UI_URL'
              ? '127.0.0.1'
              : 'toxiproxy';
        assert.equal(host, allowed, `${name} ${key}=${value}`);
      }
    }
    assert.ok(checked >= 3, `${name}: only ${checked} addresses found in ${JSON.stringify(env)}`);
    // Each address is the caller's own edge proxy, and that proxy fronts the right container.
    const edge = (to: string) => {
      const p = proxy(`${name}->${to}`);
      assert.ok(p, `no proxy ${name}->${to} in toxiproxy.json`);
      return { address: `toxiproxy:${p.listen.split(':')[1]}`, upstream: p.upstream };
    };
    for (const callee of GRPC_CALLS[name]) {
      const e = edge(callee);
      assert.equal(env[`${callee.toUpperCase()}_GRPC_ADDR`], e.address, `${name} -> ${callee}`);
      assert.equal(
        e.upstream,
        `${callee}:${doc.services[callee]?.environment?.GRPC_PORT}`,
        `the ${name}->${callee} proxy must front the ${callee} container's gRPC port`,
      );
    }
    for (const to of INFRA_USES[name]) {
      const e = edge(to);
      const value =
        to === 'postgres' ? env.DATABASE_URL : to === 'kafka' ? env.KAFKA_BROKERS : env.REDIS_URL;
      assert.ok(value?.includes(`${e.address}`), `${name} -> ${to}: ${value}`);
      assert.match(e.upstream, new RegExp(`^${to}:\\d+$`), `${name}->${to} upstream`);
    }
  }
  for (const service of SERVICES) {
    assert.match(
      doc.services[service]?.environment?.DATABASE_URL ?? '',
      new RegExp(
        `@toxiproxy:${proxy(`${service}->postgres`)?.listen.split(':')[1]}/saga_${service}$`,
      ),
    );
  }
  assert.equal(doc.services.gateway?.environment?.REDIS_URL, 'redis://toxiproxy:25215');
});

test("compose's broker has one listener per service, advertising that service's edge proxy", async () => {
  const { doc } = await compose();
  const proxies = JSON.parse(await readFile(`${repoRoot}/infra/docker/toxiproxy.json`, 'utf8')) as {
    name: string;
    listen: string;
    upstream: string;
  }[];
  const env = doc.services.kafka?.environment ?? {};
  const listeners = (env.KAFKA_LISTENERS ?? '').split(',');
  const advertised = (env.KAFKA_ADVERTISED_LISTENERS ?? '').split(',');
  for (const service of SERVICES) {
    const name = service.toUpperCase();
    const edge = proxies.find((p) => p.name === `${service}->kafka`);
    assert.ok(edge, `no ${service}->kafka proxy`);
    const brokerPort = edge.upstream.replace(/^kafka:/, '');
    assert.ok(listeners.includes(`${name}://:${brokerPort}`), `${name}: ${listeners}`);
    assert.ok(
      advertised.includes(`${name}://toxiproxy:${edge.listen.split(':')[1]}`),
      `${name}: ${advertised}`,
    );
    assert.equal(
      doc.services[service]?.environment?.KAFKA_BROKERS,
      `toxiproxy:${edge.listen.split(':')[1]}`,
    );
  }
  // Tools keep the shared listener and proxy.
  assert.ok(advertised.includes('CLIENT://toxiproxy:29092'), advertised.join(','));
});

test('services start once what they use is healthy, and publish only the gateway', async () => {
  const { doc } = await compose();
  for (const name of SERVICE_PROCESSES) {
    const deps = doc.services[name]?.depends_on ?? {};
    assert.equal(deps.toxiproxy?.condition, 'service_healthy', `${name} -> toxiproxy`);
    for (const callee of GRPC_CALLS[name]) {
      assert.equal(deps[callee]?.condition, 'service_healthy', `${name} -> ${callee}`);
    }
    for (const db of name === 'gateway' ? ['redis'] : ['postgres', 'kafka']) {
      assert.equal(deps[db]?.condition, 'service_healthy', `${name} -> ${db}`);
    }
    const health = JSON.stringify(doc.services[name]?.healthcheck?.test);
    const env = doc.services[name]?.environment ?? {};
    assert.ok(health.includes(`:${env.HEALTH_PORT ?? env.HTTP_PORT}/readyz`), `${name}: ${health}`);
  }
  const published = doc.services.gateway?.ports ?? [];
  assert.equal(published.length, 1);
  assert.match(published[0] ?? '', /^127\.0\.0\.1:\$\{SAGA_GATEWAY_PORT:-18080\}:18080$/);
  for (const name of SERVICES) assert.equal(doc.services[name]?.ports, undefined);
});

test("docs/native-stack.md's edge table lists every edge with its default port, and only those", async () => {
  const doc = await readFile(`${repoRoot}/docs/native-stack.md`, 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z]+->[a-z]+)`\s*\| (\w+)\s*\| `:(\d+)`/gm)].map((m) => [
    m[1],
    m[2],
    Number(m[3]),
  ]);
  const s = loadStackSettings({}, { repoRoot: '/', home: '/' });
  assert.deepEqual(
    rows,
    edgeSpecs(s).map((e) => [e.name, e.kind, e.listen.port]),
  );
});

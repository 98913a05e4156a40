import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ENV_VARS, VERSIONS } from '@saga/topology';
import { parse } from 'yaml';
import { checkGenerated } from '../src/generate.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

type ComposeService = {
  image?: string;
  build?: unknown;
  healthcheck?: { test?: unknown };
};

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

test('docker-compose.yml has the same five components as the native stack', async () => {
  const { doc } = await compose();
  assert.deepEqual(Object.keys(doc.services).sort(), [
    'jaeger',
    'kafka',
    'postgres',
    'redis',
    'toxiproxy',
  ]);
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
  const images = Object.fromEntries(Object.entries(doc.services).map(([k, v]) => [k, v.image]));
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

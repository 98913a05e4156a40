import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Attributes } from '@opentelemetry/api';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { eventually } from '@saga/testkit';
import { installTestMetrics } from '@saga/testkit/metrics';
import { Code, createRpcClient, createRpcServer, RpcError, type RpcServer } from '../src/index.ts';

// Registered before the library records anything: its instruments are made on first use.
const { reader, provider } = installTestMetrics();

async function points(name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
}

const matching = (all: DataPoint<unknown>[], attributes: Attributes) =>
  all.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));

const Echo = (
  loadPackageDefinition(
    loadSync(`${import.meta.dirname}/fixtures/echo.proto`, { defaults: true }),
  ) as unknown as { saga: { test: { v1: { Echo: ServiceClientConstructor } } } }
).saga.test.v1.Echo;

let server: RpcServer;
let address: string;
let failWith: number | undefined;

before(async () => {
  server = createRpcServer();
  const handle = async (request: unknown) => {
    if (failWith !== undefined) throw new RpcError(failWith, 'refused');
    return { id: (request as { id: string }).id };
  };
  server.addService('saga.test.v1.Echo', Echo.service, { Get: handle, Put: handle });
  address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
});

after(async () => {
  await server.shutdown(1_000);
  await provider.shutdown();
});

test('each call records its duration in seconds on both sides, with the protobuf names and the status code', async () => {
  const client = createRpcClient(Echo, address, { dependency: 'echo', defaultDeadlineMs: 2_000 });
  try {
    failWith = undefined;
    await client.call('Get', { id: 'a' });
    await client.call('Get', { id: 'b' });
    failWith = Code.NOT_FOUND;
    await assert.rejects(client.call('Put', { id: 'c' }));

    for (const side of ['rpc.server.duration', 'rpc.client.duration']) {
      const all = await points(side);
      const base = { 'rpc.system': 'grpc', 'rpc.service': 'saga.test.v1.Echo' };
      const ok = matching(all, { ...base, 'rpc.method': 'Get', 'rpc.grpc.status_code': 0 });
      const notFound = matching(all, {
        ...base,
        'rpc.method': 'Put',
        'rpc.grpc.status_code': Code.NOT_FOUND,
      });
      assert.equal((ok[0]?.value as Histogram | undefined)?.count, 2, side);
      assert.equal((notFound[0]?.value as Histogram | undefined)?.count, 1, side);
      const seconds = (ok[0]?.value as Histogram | undefined)?.sum ?? 0;
      assert.ok(seconds > 0 && seconds < 2, `${side}: ${seconds} is in seconds`);
    }
  } finally {
    client.close();
  }
});

test('the breaker state is a gauge per dependency (0 closed, 2 open) and its transitions are counted', async () => {
  const client = createRpcClient(Echo, address, {
    dependency: 'flaky',
    defaultDeadlineMs: 2_000,
    breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
  });
  const state = async () =>
    matching(await points('rpc.client.circuit_breaker.state'), { 'peer.service': 'flaky' })[0]
      ?.value;
  try {
    failWith = undefined;
    await client.call('Get', { id: 'a' });
    assert.equal(await state(), 0);
    failWith = Code.UNAVAILABLE;
    await assert.rejects(client.call('Put', { id: 'b' }));
    await eventually(async () => assert.equal(await state(), 2), {
      timeoutMs: 2_000,
      description: 'breaker reported open',
    });
    const opened = matching(await points('rpc.client.circuit_breaker.transitions'), {
      'peer.service': 'flaky',
      'circuit_breaker.state': 'open',
    });
    assert.equal(opened[0]?.value, 1);
  } finally {
    client.close();
  }
});

import { rename } from 'node:fs/promises';
import { edgeSpecs, proxySpecs, VERSIONS } from '@saga/topology';
import { cachedInstall } from '../cache.ts';
import type { Component, StackContext } from '../component.ts';
import { runLogged } from '../process.ts';
import { requireTool } from '../tools.ts';

const KEY = `toxiproxy-${VERSIONS.toxiproxy}`;
const MODULE = 'github.com/Shopify/toxiproxy/v2';

function binary(ctx: StackContext, name: 'toxiproxy-server' | 'toxiproxy-cli'): string {
  return `${ctx.settings.cacheDir}/${KEY}/${name}`;
}

function apiUrl(ctx: StackContext): string {
  return `http://${ctx.settings.host}:${ctx.settings.toxiproxy.port}`;
}

/**
 * Toxiproxy, built with `go install` from the Go module proxy; one proxy per network edge of
 * each service process (`payment->postgres`, `gateway->order`, …), and the shared proxies
 * (`postgres`, `redis`, `kafka`, one per service's gRPC server) for tools and tests.
 */
export const toxiproxy: Component = {
  name: 'toxiproxy',
  kind: 'infrastructure',
  readiness: 'the HTTP API answering /version',
  stopSignal: 'SIGTERM',
  async install(ctx) {
    const { built } = await cachedInstall(ctx.settings.cacheDir, KEY, async (dir) => {
      const go = requireTool('go', 'the Go toolchain (https://go.dev/dl)', ctx.env);
      ctx.report.step('toxiproxy', `go install ${MODULE}/cmd/{server,cli}@v${VERSIONS.toxiproxy}`);
      await runLogged({
        command: go,
        args: [
          'install',
          `${MODULE}/cmd/server@v${VERSIONS.toxiproxy}`,
          `${MODULE}/cmd/cli@v${VERSIONS.toxiproxy}`,
        ],
        logFile: `${ctx.paths.logsDir}/install-toxiproxy.log`,
        env: { ...ctx.env, GOBIN: dir, GOFLAGS: '-buildvcs=false' },
      });
      await rename(`${dir}/server`, `${dir}/toxiproxy-server`);
      await rename(`${dir}/cli`, `${dir}/toxiproxy-cli`);
    });
    return built ? `built toxiproxy ${VERSIONS.toxiproxy} from the Go module proxy` : undefined;
  },
  async prepare() {},
  async launch(ctx) {
    return {
      command: binary(ctx, 'toxiproxy-server'),
      args: ['-host', ctx.settings.host, '-port', String(ctx.settings.toxiproxy.port)],
    };
  },
  // The proxies' listen ports belong to toxiproxy too: check them before it starts, so a busy
  // one is reported with its variable rather than as a failed /populate call.
  ports: (ctx) => [
    { port: ctx.settings.toxiproxy.port, variable: 'SAGA_TOXIPROXY_PORT' },
    ...proxySpecs(ctx.settings).map((p) => ({ port: p.listen.port, variable: p.variable })),
  ],
  async probe(ctx) {
    const res = await fetch(`${apiUrl(ctx)}/version`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) throw new Error(`GET /version answered ${res.status}`);
    const body = (await res.json()) as { version?: string };
    return `version ${body.version ?? '?'}`;
  },
  async afterReady(ctx) {
    // /populate creates missing proxies and updates changed ones: idempotent by design.
    const proxies = proxySpecs(ctx.settings).map((p) => ({
      name: p.name,
      listen: `${p.listen.host}:${p.listen.port}`,
      upstream: `${p.upstream.host}:${p.upstream.port}`,
      enabled: true,
    }));
    const res = await fetch(`${apiUrl(ctx)}/populate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(proxies),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`POST /populate answered ${res.status}: ${await res.text()}`);
  },
  urls: (ctx) => [
    `toxiproxy API  ${apiUrl(ctx)}  (shared proxies: ${proxySpecs(ctx.settings)
      .filter((p) => !p.edge)
      .map((p) => `${p.name} ${p.listen.port}->${p.upstream.port}`)
      .join(', ')})`,
    `  edges        ${edgeSpecs(ctx.settings)
      .map((e) => `${e.name} ${e.listen.port}`)
      .join(', ')}  (pnpm stack edges)`,
  ],
};

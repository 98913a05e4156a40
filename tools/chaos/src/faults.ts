import { SERVICES, type ServiceProcessName } from '@saga/topology';
import type { EdgeFrom, EdgeTo } from './edges.ts';
import type { ChaosContext } from './scenario.ts';

/** A fault that can be turned on and off again; `heal` is idempotent. */
export type Fault = {
  readonly name: string;
  readonly inject: () => Promise<void>;
  readonly heal: () => Promise<void>;
};

/** The distinct proxies of some edges. */
async function proxiesFor(
  ctx: ChaosContext,
  edges: readonly (readonly [EdgeFrom, EdgeTo])[],
): Promise<string[]> {
  const resolved = await Promise.all(edges.map(([f, t]) => ctx.edges.edge(f, t)));
  return [...new Set(resolved)];
}

/** Cuts edges (the proxies refuse connections and drop open ones). */
export async function cut(
  ctx: ChaosContext,
  name: string,
  edges: readonly (readonly [EdgeFrom, EdgeTo])[],
): Promise<Fault> {
  const proxies = await proxiesFor(ctx, edges);
  return {
    name,
    inject: async () => {
      for (const p of proxies) await ctx.toxiproxy.setEnabled(p, false);
    },
    heal: async () => {
      for (const p of proxies) await ctx.toxiproxy.setEnabled(p, true);
    },
  };
}

/** Adds a toxic to edges; heal removes it. */
export async function toxic(
  ctx: ChaosContext,
  name: string,
  edges: readonly (readonly [EdgeFrom, EdgeTo])[],
  spec: Parameters<ChaosContext['toxiproxy']['addToxic']>[1],
): Promise<Fault> {
  const proxies = await proxiesFor(ctx, edges);
  const added: [string, string][] = [];
  return {
    name,
    inject: async () => {
      for (const p of proxies) added.push([p, await ctx.toxiproxy.addToxic(p, spec)]);
    },
    heal: async () => {
      for (const [p, t] of added.splice(0)) {
        await ctx.toxiproxy.removeToxic(p, t).catch(() => {});
      }
    },
  };
}

/** Every bounded-context service and the gateway. */
export const ALL_PROCESSES: readonly ServiceProcessName[] = [...SERVICES, 'gateway'];

/** Edges from every service process to one destination. */
export const fromEvery = (to: EdgeTo, who: readonly EdgeFrom[] = SERVICES) =>
  who.map((f) => [f, to] as const);

/** Starts every service that is not running and waits until each is ready (the heal of a kill). */
export async function startAll(ctx: ChaosContext): Promise<void> {
  await ctx.processes.start(ALL_PROCESSES);
}

import type { ToxiproxyClient } from '@saga/testkit';

/** Where a connection starts: a service process or the outside world (a client of the gateway). */
export type EdgeFrom = 'gateway' | 'order' | 'inventory' | 'payment' | 'shipping';
/** What it reaches: infrastructure or a service's gRPC server. */
export type EdgeTo =
  | 'postgres'
  | 'redis'
  | 'kafka'
  | 'order'
  | 'inventory'
  | 'payment'
  | 'shipping';

/** Resolves edges against the proxies toxiproxy has; the one place scenarios choose a proxy. */
export type Edges = {
  /** The proxy of `from → to`: a fault on it affects `from` alone. */
  readonly edge: (from: EdgeFrom, to: EdgeTo) => Promise<string>;
};

/**
 * Every scenario's choice of proxy. Each edge has its own proxy, named `<from>-><to>`
 * (`payment->postgres`, `gateway->payment`; `./saga edges` lists them, `edgeSpecs` in
 * `@saga/topology` defines them), so a fault on one edge hits that caller alone.
 *
 * @throws Error when toxiproxy has no such proxy: the edge does not exist (nothing of `from`
 *   reaches `to`), or toxiproxy was started before the edge was added (`./saga restart toxiproxy`).
 */
export function createEdges(toxiproxy: Pick<ToxiproxyClient, 'listProxies'>): Edges {
  let proxies: Promise<Set<string>> | undefined;
  const names = () => {
    proxies ??= toxiproxy.listProxies().then((p) => new Set(Object.keys(p)));
    return proxies;
  };
  async function edge(from: EdgeFrom, to: EdgeTo): Promise<string> {
    const known = await names();
    const proxy = `${from}->${to}`;
    if (known.has(proxy)) return proxy;
    throw new Error(
      `toxiproxy has no "${proxy}" proxy: ${from} does not reach ${to} (see ./saga edges), or toxiproxy predates it (./saga restart toxiproxy)`,
    );
  }
  return { edge };
}

import { randomUUID } from 'node:crypto';

/** A toxic as the Toxiproxy API describes it. */
export type Toxic = {
  readonly name?: string;
  readonly type:
    | 'latency'
    | 'bandwidth'
    | 'slow_close'
    | 'timeout'
    | 'reset_peer'
    | 'slicer'
    | 'limit_data';
  readonly stream?: 'upstream' | 'downstream';
  readonly toxicity?: number;
  readonly attributes: Readonly<Record<string, number>>;
};

/**
 * The calls a test needs to break a network edge and mend it again. `proxy` is a proxy's name as
 * libs/topology lists it (`postgres`, `payment->postgres`, …); the client URL-encodes it.
 */
export type ToxiproxyClient = {
  /** Adds a toxic to a proxy; returns its name (generated when not given). */
  readonly addToxic: (proxy: string, toxic: Toxic) => Promise<string>;
  readonly removeToxic: (proxy: string, name: string) => Promise<void>;
  /** Enables every proxy and removes every toxic. */
  readonly reset: () => Promise<void>;
  readonly listProxies: () => Promise<
    Record<string, { listen: string; upstream: string; enabled: boolean; toxics: Toxic[] }>
  >;
  /** Enables or disables (cuts) a proxy. */
  readonly setEnabled: (proxy: string, enabled: boolean) => Promise<void>;
};

/**
 * A small client of the Toxiproxy HTTP API (https://github.com/Shopify/toxiproxy#http-api).
 * Every call has a 5 s timeout.
 *
 * @param baseUrl - e.g. `http://127.0.0.1:8474`.
 * @throws Error with the status and body when the API refuses a call.
 */
export function createToxiproxyClient(baseUrl: string): ToxiproxyClient {
  let counter = 0;
  const prefix = randomUUID().slice(0, 8);
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(5000),
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  const path = (proxy: string) => `/proxies/${encodeURIComponent(proxy)}`;
  return {
    async addToxic(proxy, toxic) {
      const name = toxic.name ?? `${toxic.type}-${prefix}-${++counter}`;
      await call('POST', `${path(proxy)}/toxics`, {
        stream: 'downstream',
        toxicity: 1,
        ...toxic,
        name,
      });
      return name;
    },
    async removeToxic(proxy, name) {
      await call('DELETE', `${path(proxy)}/toxics/${encodeURIComponent(name)}`);
    },
    async reset() {
      await call('POST', '/reset');
    },
    async listProxies() {
      return (await call('GET', '/proxies')) as Awaited<ReturnType<ToxiproxyClient['listProxies']>>;
    },
    async setEnabled(proxy, enabled) {
      await call('POST', path(proxy), { enabled });
    },
  };
}

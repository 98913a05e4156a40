import { createServer, type Server } from 'node:http';

/** A readiness check: resolves when the dependency is usable. */
export type ReadinessCheck = () => Promise<unknown>;

/** Options of {@link createHealthServer}. */
export type HealthServerOptions = {
  /** Dependencies that must answer for the service to take traffic, by name. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Each check's time limit. Default 1 000 ms. */
  readonly checkTimeoutMs?: number;
  /**
   * Serves `GET /metrics`: the Prometheus text of the process's metrics, or undefined when there
   * are none (telemetry off), answered 404. E.g. `scrapeMetrics` of `@saga/telemetry`.
   */
  readonly metrics?: () => Promise<string> | undefined;
};

/** `Content-Type` of a Prometheus scrape answer (text exposition format 0.0.4). */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The health endpoints of a service. */
export type HealthServer = {
  readonly listen: (host: string, port: number) => Promise<number>;
  /** From now on `/readyz` answers 503 (first step of a shutdown). */
  readonly markNotReady: () => void;
  readonly close: () => Promise<void>;
};

function withTimeout(check: ReadinessCheck, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    check().then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * `/livez` answers 200 as long as the process can answer at all: it checks nothing external, so
 * a database outage never gets healthy processes restarted. `/readyz` runs every check (each
 * with a time limit) and answers 200, or 503 naming what failed; it also answers 503 once
 * shutdown has begun, so load balancers stop sending work before the service stops taking it.
 * `/metrics` answers Prometheus scrapes when {@link HealthServerOptions.metrics} is given; it
 * keeps answering during shutdown, so the last values can still be read.
 */
export function createHealthServer(options: HealthServerOptions): HealthServer {
  let ready = true;
  const timeout = options.checkTimeoutMs ?? 1_000;
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/livez') return send(200, { status: 'ok' });
    if (req.url === '/metrics' && req.method === 'GET') {
      const scrape = options.metrics?.();
      if (!scrape) return send(404, { status: 'metrics are off' });
      void scrape.then(
        (text) => {
          res.writeHead(200, {
            'content-type': PROMETHEUS_CONTENT_TYPE,
            'cache-control': 'no-store',
          });
          res.end(text);
        },
        () => send(500, { status: 'metrics failed' }),
      );
      return;
    }
    if (req.url !== '/readyz') return send(404, { status: 'not found' });
    if (!ready) return send(503, { status: 'shutting down' });
    const names = Object.keys(options.checks);
    void Promise.allSettled(
      names.map((n) => withTimeout(options.checks[n] ?? (async () => {}), timeout)),
    ).then((results) => {
      const failed = Object.fromEntries(
        results.flatMap((r, i) =>
          r.status === 'rejected'
            ? [[names[i], (r.reason as Error)?.message ?? String(r.reason)]]
            : [],
        ),
      );
      send(Object.keys(failed).length ? 503 : 200, {
        status: Object.keys(failed).length ? 'not ready' : 'ready',
        ...(Object.keys(failed).length ? { failed } : {}),
      });
    });
  });
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    markNotReady: () => {
      ready = false;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import { createServer, type IncomingMessage, type Server } from 'node:http';

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
  /**
   * Serves `GET|PUT|DELETE /chaos/rpc-faults` (local chaos only, docs/chaos.md): reads, sets or
   * clears the faults injected into the service's gRPC server (e.g. `createRpcFaults` of
   * `@saga/rpc`). Answered only to loopback clients; absent (404) when not given, which is the
   * case unless the service runs with `CHAOS_ENDPOINTS=on`.
   */
  readonly rpcFaults?: ChaosFaults;
};

/** A fault table the `/chaos/rpc-faults` endpoint drives. */
export type ChaosFaults = {
  /** Adds or replaces one fault. @throws Error, with a message for the client, on a bad spec. */
  readonly set: (spec: unknown) => unknown;
  readonly clear: () => void;
  readonly list: () => readonly unknown[];
};

/** Largest `/chaos/rpc-faults` body read. */
const MAX_CHAOS_BODY_BYTES = 4_096;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      // Past the limit, the rest is read and dropped, so the answer can still be sent.
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      size > limit
        ? reject(new Error(`body larger than ${limit} bytes`))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/** `/chaos/rpc-faults`: loopback clients only; bad input is a 400 naming the problem. */
function chaosRoute(
  faults: ChaosFaults,
  req: IncomingMessage,
  send: (status: number, body: unknown) => void,
): void {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    send(403, { status: 'chaos endpoints answer loopback clients only' });
    return;
  }
  const list = () => send(200, { faults: faults.list() });
  if (req.method === 'GET' || req.method === 'DELETE') {
    if (req.method === 'DELETE') faults.clear();
    list();
    return;
  }
  if (req.method !== 'PUT') {
    send(405, { status: 'use GET, PUT or DELETE' });
    return;
  }
  void readBody(req, MAX_CHAOS_BODY_BYTES).then(
    (text) => {
      let spec: unknown;
      try {
        spec = JSON.parse(text);
      } catch {
        send(400, { status: 'body is not JSON' });
        return;
      }
      try {
        faults.set(spec);
      } catch (err) {
        send(400, { status: (err as Error).message });
        return;
      }
      list();
    },
    (err: unknown) => send(413, { status: (err as Error).message }),
  );
}

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
 * keeps answering during shutdown, so the last values can still be read. `/chaos/rpc-faults`
 * exists only when {@link HealthServerOptions.rpcFaults} is given (local chaos).
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
    if (req.url === '/chaos/rpc-faults' && options.rpcFaults) {
      chaosRoute(options.rpcFaults, req, send);
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

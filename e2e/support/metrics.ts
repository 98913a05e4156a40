/**
 * Reading the platform's Prometheus endpoints in e2e tests: every service's `GET /metrics` (the
 * health port, or the gateway's public port) and the collector's re-export of what the services
 * push over OTLP (docs/observability-metrics.md).
 */
import { testStack } from '@saga/testkit';

const { settings, endpoints } = testStack(process.env);

/** A process of the platform that serves `/metrics`. */
export type MetricsTarget = 'gateway' | 'order' | 'inventory' | 'payment' | 'shipping';

/** Where each process serves `/metrics`. */
export const METRICS_URLS: Readonly<Record<MetricsTarget, string>> = {
  gateway: `${endpoints.gatewayUrl}/metrics`,
  order: `http://${settings.host}:${settings.services.order.healthPort}/metrics`,
  inventory: `http://${settings.host}:${settings.services.inventory.healthPort}/metrics`,
  payment: `http://${settings.host}:${settings.services.payment.healthPort}/metrics`,
  shipping: `http://${settings.host}:${settings.services.shipping.healthPort}/metrics`,
};

/** The collector's Prometheus endpoint (metrics received over OTLP, `job` = service name). */
export const COLLECTOR_METRICS_URL = endpoints.collectorMetricsUrl;

/** One sample line: `name{label="value",…} value`. */
export type Sample = {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
};

/** A scrape: its samples, and the `# TYPE` of each family. */
export type Scrape = {
  readonly samples: readonly Sample[];
  readonly types: ReadonlyMap<string, string>;
};

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text exposition format (what our endpoints and the collector serve). */
export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (name && type) types.set(name, type);
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const end = line.lastIndexOf('}');
    const name = brace === -1 ? line.slice(0, line.indexOf(' ')) : line.slice(0, brace);
    const labels: Record<string, string> = {};
    if (brace !== -1) {
      for (const m of line.slice(brace + 1, end).matchAll(LABEL)) {
        labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) =>
          c === 'n' ? '\n' : c,
        );
      }
    }
    const rest = line
      .slice(brace === -1 ? name.length : end + 1)
      .trim()
      .split(' ');
    const raw = rest[0] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

/** GETs and parses a Prometheus endpoint. @throws unless it answers 200 in the text format. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`GET ${url}: content-type ${type}`);
  return parsePrometheus(await res.text());
}

/** Scrapes every process of the platform at once. */
export async function scrapeAll(): Promise<Record<MetricsTarget, Scrape>> {
  const targets = Object.keys(METRICS_URLS) as MetricsTarget[];
  const scrapes = await Promise.all(targets.map((t) => scrape(METRICS_URLS[t])));
  return Object.fromEntries(targets.map((t, i) => [t, scrapes[i]])) as Record<
    MetricsTarget,
    Scrape
  >;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function total(
  s: Scrape,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  return s.samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((sum, x) => sum + x.value, 0);
}

/** The metric family names of a scrape (from `# TYPE`, e.g. `saga_outcomes_total`, `saga_duration`). */
export function families(s: Scrape): Set<string> {
  return new Set(s.types.keys());
}

/**
 * Reading traces back from Jaeger's query API (`/api/traces`), for tests of "one order, one
 * trace" (docs/patterns/telemetry.md). The URL comes from the stack's topology, like the
 * gateway's in ./api.ts.
 */
import { randomBytes } from 'node:crypto';
import { testStack } from '@saga/testkit';

const { endpoints } = testStack(process.env);
/** Jaeger's query API and UI. */
export const JAEGER = endpoints.jaegerUrl;

/** A span as the query API returns it. */
export type JaegerSpan = {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  /** CHILD_OF: the parent; FOLLOWS_FROM: a link. */
  readonly references: readonly {
    readonly refType: 'CHILD_OF' | 'FOLLOWS_FROM';
    readonly traceID: string;
    readonly spanID: string;
  }[];
  readonly processID: string;
  readonly tags: readonly { readonly key: string; readonly value: unknown }[];
};

/** A trace as the query API returns it: spans, and the processes (services) they came from. */
export type JaegerTrace = {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
};

type TracesResponse = { data: JaegerTrace[] | null; errors?: unknown };

async function getJson(path: string): Promise<{ status: number; body: TracesResponse }> {
  const res = await fetch(`${JAEGER}${path}`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : { data: null }) as TracesResponse };
}

/** A trace by id, or undefined while Jaeger has none of its spans. */
export async function getTrace(traceId: string): Promise<JaegerTrace | undefined> {
  const { status, body } = await getJson(`/api/traces/${traceId}`);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`GET /api/traces/${traceId}: ${status}`);
  return body.data?.[0];
}

/**
 * Ids of the traces with a span of `service` carrying every one of `tags` (Jaeger's search),
 * among traces that started in the last `lookbackMs` (default 1 h).
 */
export async function findTraceIds(query: {
  readonly service: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly lookbackMs?: number;
  readonly limit?: number;
}): Promise<string[]> {
  const endUs = (Date.now() + 60_000) * 1_000;
  const startUs = endUs - ((query.lookbackMs ?? 3_600_000) + 60_000) * 1_000;
  const params = new URLSearchParams({
    service: query.service,
    tags: JSON.stringify(query.tags),
    start: String(startUs),
    end: String(endUs),
    limit: String(query.limit ?? 100),
  });
  const { status, body } = await getJson(`/api/traces?${params}`);
  if (status !== 200) throw new Error(`GET /api/traces?${params}: ${status}`);
  return [...new Set((body.data ?? []).map((t) => t.traceID))].sort();
}

/** The service a span came from. */
export function serviceOf(t: JaegerTrace, span: JaegerSpan): string {
  return t.processes[span.processID]?.serviceName ?? '?';
}

/** A span's tag value, if it has the tag. */
export function tagOf(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The id of a span's parent (its CHILD_OF reference), if it has one. */
export function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
}

/** Spans whose parent is not in the trace (yet, or ever): they would be shown as orphans. */
export function orphansOf(t: JaegerTrace): JaegerSpan[] {
  const ids = new Set(t.spans.map((s) => s.spanID));
  return t.spans.filter((s) => {
    const parent = s.references.find((r) => r.refType === 'CHILD_OF');
    return parent !== undefined && (parent.traceID !== t.traceID || !ids.has(parent.spanID));
  });
}

/** Spans without a parent. */
export function rootsOf(t: JaegerTrace): JaegerSpan[] {
  return t.spans.filter((s) => parentOf(s) === undefined);
}

/**
 * Headers that make the platform record nothing of a request: a W3C `traceparent` with the
 * sampled flag off, which every service honours (parent-based sampling). For a test's own
 * reads (polling an order), so they add no trace of their own to what the test inspects.
 */
export function untracedHeaders(): Record<string, string> {
  return {
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`,
  };
}

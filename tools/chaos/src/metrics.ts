/**
 * Sums the samples of a Prometheus counter in a scrape (`GET /metrics`), over the series whose
 * labels include every `labels` pair.
 */
export function sumSamples(
  text: string,
  metric: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== metric) continue;
    const series = m[3] ?? '';
    const ok = Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`));
    if (ok) total += Number(m[4]);
  }
  return total;
}

/** Scrapes a /metrics endpoint. @throws Error when it does not answer 200. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return text;
}

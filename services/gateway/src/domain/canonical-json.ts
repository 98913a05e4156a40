/**
 * JSON with object keys sorted at every level: two bodies that mean the same (keys in another
 * order, other whitespace) give the same text, so an Idempotency-Key retry is recognised as the
 * same request, and a different request as a different one.
 */
export function canonicalJson(value: unknown): string {
  // JSON.stringify(undefined) is undefined: an absent body fingerprints as the empty string.
  return JSON.stringify(sortKeys(value)) ?? '';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

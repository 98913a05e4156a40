/**
 * A PostgreSQL connection URL whose sessions use `schema` as their search path, so a test (or a
 * benchmark) keeps its tables in a schema of its own inside a service's database and can drop
 * them all at the end.
 */
export function inSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

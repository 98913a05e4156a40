import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Raised when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  /** Every variable at fault, with what is wrong with it. */
  readonly problems: readonly { readonly variable: string; readonly message: string }[];
  constructor(problems: readonly { variable: string; message: string }[]) {
    super(
      `invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Parses a service's configuration from environment variables, once, against a TypeBox schema
 * whose property names are the variable names. Strings are converted to the schema's types
 * (numbers, booleans), defaults apply, unknown variables are ignored.
 *
 * @returns the config, deeply frozen.
 * @throws {ConfigError} naming every missing or invalid variable.
 */
export function loadConfig<S extends TObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Static<S>> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const value = Value.Default(schema, Value.Convert(schema, raw));
  const problems = [...Value.Errors(schema, value)].map((e) => ({
    variable: e.path.replace(/^\//, '') || '(root)',
    message:
      e.value === undefined ? 'is required' : `${e.message} (got ${JSON.stringify(e.value)})`,
  }));
  if (problems.length > 0) {
    const seen = new Set<string>();
    throw new ConfigError(problems.filter((p) => !seen.has(p.variable) && seen.add(p.variable)));
  }
  return Object.freeze(value as Static<S>);
}

/**
 * {@link loadConfig} for a composition root: on a {@link ConfigError} it writes the message
 * (naming each bad variable) and exits with code 2 instead of throwing.
 */
export function loadConfigOrExit<S extends TObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  io: { readonly exit: (code: number) => never; readonly stderr: (line: string) => void },
): Readonly<Static<S>> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) io.stderr(`config error: ${p.variable} ${p.message}`);
    return io.exit(2);
  }
}

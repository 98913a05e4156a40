/** The CLI's arguments, parsed into {@link CheckOptions} (pure; cli.ts does the I/O). */
import { parseArgs } from 'node:util';
import type { CheckOptions } from './invariants.types.ts';

/** Raised for arguments the CLI cannot use; the message says which and why. */
export class UsageError extends Error {
  readonly code = 'INVARIANTS.USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: pnpm check:invariants [options]

Checks the platform's invariants (docs/invariants.md) against the running stack: every order
settled, stock and money conserved, outboxes drained, no duplicate effects, dead-letter topics
empty. Exits 0 when they all hold, 1 on any violation, 2 on bad arguments or an unreachable stack.

Options:
  --since <when>          only orders (and outbox rows, dead letters) since an ISO 8601 instant
                          or a duration ago: 90s, 10m, 2h, 1d
  --order <id>            only this order (repeat, or separate ids with commas)
  --allow-dlq             dead-lettered messages are expected: list them, do not fail
  --allow-parked          sagas parked in FAILED_COMPENSATION are expected: list them, do not fail
  --outbox-max-age <s>    seconds an outbox row may stay unsent (default 30)
  --json                  print the report as JSON
  -h, --help              this text
`;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * An instant from an ISO 8601 date-time or a duration before `now`.
 * @throws {UsageError} for anything else.
 */
export function parseSince(value: string, now: Date): Date {
  const d = DURATION.exec(value);
  if (d) {
    const ms = Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS];
    return new Date(now.getTime() - ms);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new UsageError(
    `--since expects an ISO 8601 instant (2026-01-31T12:00:00Z) or a duration (90s, 10m, 2h, 1d), not "${value}"`,
  );
}

/** What the command line asks for. */
export type CliRequest =
  | { readonly kind: 'help' }
  | { readonly kind: 'check'; readonly json: boolean; readonly options: CheckOptions };

/**
 * Parses the arguments (without `node` and the script).
 * @throws {UsageError} naming the bad argument.
 */
export function parseCliArgs(args: readonly string[], now: Date): CliRequest {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const orderIds = (v.order ?? [])
    .flatMap((o) => o.split(','))
    .map((o) => o.trim())
    .filter(Boolean);
  let maxAge: number | undefined;
  if (v['outbox-max-age'] !== undefined) {
    maxAge = Number(v['outbox-max-age']);
    if (!/^\d+(\.\d+)?$/.test(v['outbox-max-age']) || !Number.isFinite(maxAge)) {
      throw new UsageError(
        `--outbox-max-age expects seconds (a number >= 0), not "${v['outbox-max-age']}"`,
      );
    }
  }
  const scope = {
    ...(v.since !== undefined ? { since: parseSince(v.since, now) } : {}),
    ...(orderIds.length ? { orderIds } : {}),
  };
  return {
    kind: 'check',
    json: v.json ?? false,
    options: {
      scope,
      ...(v['allow-dlq'] ? { dlq: { allow: true } } : {}),
      ...(v['allow-parked'] ? { allowParked: true } : {}),
      ...(maxAge !== undefined ? { outboxMaxAgeSeconds: maxAge } : {}),
    },
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      since: { type: 'string' },
      order: { type: 'string', multiple: true },
      'allow-dlq': { type: 'boolean' },
      'allow-parked': { type: 'boolean' },
      'outbox-max-age': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

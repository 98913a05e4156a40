import { MODE_CHOICES, type ModeChoice } from './load.ts';

/** A parsed `pnpm chaos` command line. */
export type ChaosCommand =
  | { readonly kind: 'list' }
  | {
      readonly kind: 'run';
      readonly name: string;
      readonly short: boolean;
      readonly mode: ModeChoice;
    }
  | { readonly kind: 'soak'; readonly minutes: number; readonly mode: ModeChoice };

/** Raised for a command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  readonly code = 'CHAOS.USAGE';
}

/**
 * Parses `list`, `<scenario> [--short] [--mode m]` and `soak --minutes N [--mode m]`.
 * @throws {UsageError} for an unknown flag, a missing or bad value, or an unknown scenario.
 */
export function parseArgs(argv: readonly string[], known: readonly string[]): ChaosCommand {
  const [name, ...rest] = argv;
  if (!name) throw new UsageError('missing scenario name (or `list`)');
  if (name === 'list') {
    if (rest.length) throw new UsageError(`list takes no arguments, got ${rest.join(' ')}`);
    return { kind: 'list' };
  }
  let short = false;
  let mode: ModeChoice = 'mixed';
  let minutes: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--short' && name !== 'soak') short = true;
    else if (flag === '--mode') {
      const v = value();
      if (!(MODE_CHOICES as readonly string[]).includes(v)) {
        throw new UsageError(`--mode must be one of ${MODE_CHOICES.join(', ')}, not "${v}"`);
      }
      mode = v as ModeChoice;
    } else if (flag === '--minutes' && name === 'soak') {
      const v = value();
      minutes = Number(v);
      if (!(minutes > 0) || !Number.isFinite(minutes)) {
        throw new UsageError(`--minutes must be a positive number, not "${v}"`);
      }
    } else throw new UsageError(`unknown option "${flag}" for ${name}`);
  }
  if (name === 'soak') {
    if (minutes === undefined) throw new UsageError('soak needs --minutes N');
    return { kind: 'soak', minutes, mode };
  }
  if (!known.includes(name)) {
    throw new UsageError(`unknown scenario "${name}"; known: ${known.join(', ')}, soak`);
  }
  return { kind: 'run', name, short, mode };
}

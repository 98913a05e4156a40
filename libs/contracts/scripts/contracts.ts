/**
 * The contracts' one command, with four verbs (`pnpm --filter @saga/contracts <verb>`):
 *
 * - `generate`: TypeScript for every .proto into src/gen (ts-proto, run by buf). Runs on every
 *   `pnpm install` (root `postinstall`), so the generated code is never committed and never stale.
 * - `lint`: `buf lint` (the STANDARD rules) and `buf format` (fails on unformatted files).
 * - `breaking`: `buf breaking` against released/contracts.json, the image of the last released
 *   contracts: removing or renumbering a field, changing its type or JSON name, or removing a
 *   message, service or method fails the build (buf's PACKAGE rules: wire, JSON and generated-code compatibility).
 * - `release`: writes the current contracts as the new released image (do it when you ship).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
export const RELEASED_IMAGE = join(root, 'released', 'contracts.json');

function run(args: readonly string[], cwd = root): number {
  const result = spawnSync(buf, args, { cwd, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function sameTree(a: string, b: string): boolean {
  const fa = files(a);
  const fb = files(b);
  return (
    fa.length === fb.length &&
    fa.every((f, i) => f === fb[i] && readFileSync(join(a, f)).equals(readFileSync(join(b, f))))
  );
}

function main(verb: string | undefined): number {
  switch (verb) {
    case 'generate': {
      // Generate beside, then swap in only if something changed: installs run this often, and
      // a process reading src/gen meanwhile must never see it half-written or missing.
      const tmp = mkdtempSync(join(root, '.gen-'));
      try {
        const status = run(['generate', '-o', tmp]);
        if (status !== 0) return status;
        const fresh = join(tmp, 'src', 'gen');
        const target = join(root, 'src', 'gen');
        if (existsSync(target) && sameTree(fresh, target)) return 0;
        const old = `${target}.old-${process.pid}`;
        if (existsSync(target)) renameSync(target, old);
        renameSync(fresh, target);
        rmSync(old, { recursive: true, force: true });
        return 0;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    case 'lint':
      return run(['lint']) || run(['format', '--diff', '--exit-code']);
    case 'breaking': {
      if (!existsSync(RELEASED_IMAGE)) {
        console.error(`no released contracts at ${RELEASED_IMAGE}; run the release verb first`);
        return 1;
      }
      return run(['breaking', '--against', RELEASED_IMAGE]);
    }
    case 'release': {
      mkdirSync(join(root, 'released'), { recursive: true });
      return run(['build', '--exclude-source-info', '-o', RELEASED_IMAGE]);
    }
    default:
      console.error('usage: contracts.ts generate|lint|breaking|release');
      return 2;
  }
}

process.exitCode = main(process.argv[2]);

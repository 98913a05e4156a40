import { accessSync, constants } from 'node:fs';
import { delimiter } from 'node:path';

/** Finds an executable on PATH, or undefined. */
export function which(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * Finds a required build tool on PATH.
 * @throws Error saying what to install when it is missing.
 */
export function requireTool(name: string, howToGet: string, env: NodeJS.ProcessEnv): string {
  const found = which(name, env.PATH ?? '');
  if (!found) throw new Error(`\`${name}\` is not on PATH; install ${howToGet}`);
  return found;
}

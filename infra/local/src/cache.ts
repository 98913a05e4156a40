import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';

/**
 * Installs something into `<cacheDir>/<key>` exactly once. The build runs in a temporary sibling
 * folder that is renamed into place only when complete, so an interrupted install never leaves a
 * half-populated folder that a later run would mistake for a finished one.
 *
 * @returns the install folder and whether this call built it.
 */
export async function cachedInstall(
  cacheDir: string,
  key: string,
  build: (dir: string) => Promise<void>,
): Promise<{ dir: string; built: boolean }> {
  const dir = `${cacheDir}/${key}`;
  if (existsSync(`${dir}/.complete`)) return { dir, built: false };
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await writeFile(`${tmp}/.complete`, `${new Date().toISOString()}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, built: true };
}

/** Whether `<cacheDir>/<key>` holds a finished install. */
export function isCached(cacheDir: string, key: string): boolean {
  return existsSync(`${cacheDir}/${key}/.complete`);
}

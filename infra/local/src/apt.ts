import { existsSync } from 'node:fs';
import type { StackContext } from './component.ts';
import { runLogged } from './process.ts';

/**
 * Installs Debian packages with apt-get (non-interactive, no recommends). Refreshes the package
 * lists once if the first attempt fails (a fresh machine may have stale or no lists).
 *
 * @throws Error with the exact command to run when not root, or the tail of apt's log.
 */
export async function aptInstall(
  ctx: StackContext,
  component: string,
  packages: readonly string[],
): Promise<void> {
  if (!ctx.isRoot) {
    throw new Error(
      `${component} needs Debian packages that are not installed; run: sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(`${component}: apt-get not found; install ${packages.join(', ')} by hand`);
  }
  const logFile = `${ctx.paths.logsDir}/install-${component}.log`;
  const env = { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = {
    command: 'apt-get',
    args: ['install', '-y', '-q', '--no-install-recommends', ...packages],
    logFile,
    env,
  };
  try {
    await runLogged(install);
  } catch {
    ctx.report.step(component, 'apt-get update (package lists were stale or missing)');
    await runLogged({ command: 'apt-get', args: ['update', '-q'], logFile, env });
    await runLogged(install);
  }
}

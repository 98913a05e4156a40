import { existsSync } from 'node:fs';
import { aptInstall } from '../apt.ts';
import type { Tool } from '../component.ts';

/**
 * Where Debian's package puts the browser. The browser e2e tests (e2e/support/browser.ts) launch
 * it through playwright-core, which downloads no browser of its own.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Debian's Chromium (and a font, so screenshots show text on a bare machine), installed with the
 * stack because the e2e suite drives a real browser. It is not a process of the stack: nothing is
 * started, and a machine without root gets a warning with the command instead of a failed `up`.
 */
export const chromium: Tool = {
  name: 'chromium',
  purpose: 'the browser e2e tests (e2e/browser)',
  async install(ctx) {
    if (existsSync(CHROMIUM_PATH)) return undefined;
    ctx.report.step('chromium', 'apt-get install chromium (for the browser e2e tests)');
    await aptInstall(ctx, 'chromium', ['chromium', 'fonts-dejavu-core']);
    return 'installed Debian package chromium';
  },
};

/**
 * A real browser for e2e tests: Debian's Chromium (installed by the stack's `up`,
 * infra/local/src/components/chromium.ts) driven by playwright-core, which downloads no browser
 * of its own. Screenshots are kept as test artifacts in `.artifacts/e2e/browser/` (gitignored);
 * with SAGA_DOCS_SCREENSHOTS=1 the ones named for the docs are also written to docs/images/.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const root = join(import.meta.dirname, '..', '..');
/** Screenshots of the browser tests (gitignored). */
export const ARTIFACTS_DIR = join(root, '.artifacts', 'e2e', 'browser');
const DOCS_IMAGES_DIR = join(root, 'docs', 'images');
const docsScreenshots = process.env.SAGA_DOCS_SCREENSHOTS === '1';
/** The size of every page and screenshot. */
export const VIEWPORT = { width: 1280, height: 800 } as const;

/**
 * Starts headless Chromium.
 * @throws Error saying how to install it when it is missing.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} not found: \`./saga up\` installs Debian's chromium package (as root), or run: sudo apt-get install -y chromium`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Chromium's sandbox refuses to run as root (CI containers, this machine).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** A page that records its uncaught errors and console errors, to assert there were none. */
export async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${page.url()}: console: ${msg.text()}`);
  });
  return { page, errors };
}

/**
 * Saves a screenshot of the viewport as `<ARTIFACTS_DIR>/<name>.png` and prints its path; also
 * as `docs/images/<docsName>.png` when SAGA_DOCS_SCREENSHOTS=1 and a docs name is given.
 */
export async function screenshot(page: Page, name: string, docsName?: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  console.log(`screenshot: ${relative(root, path)}`);
  if (docsName && docsScreenshots) {
    const docsPath = join(DOCS_IMAGES_DIR, `${docsName}.png`);
    await mkdir(DOCS_IMAGES_DIR, { recursive: true });
    await copyFile(path, docsPath);
    console.log(`docs image: ${relative(root, docsPath)}`);
  }
  return path;
}

/**
 * A real headless Chromium (the Debian package) for the e2e tests, driven by playwright-core.
 * Playwright never downloads a browser here. A missing Chromium FAILS the suite with a clear
 * message instead of skipping it: CI installs the package, and a skipped browser suite would
 * look green while proving nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARTIFACTS_DIR = resolve('test-results/e2e');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  /** Console errors and page errors seen so far (for failure messages). */
  problems: string[];
  close(): Promise<void>;
}

export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The e2e tests need a real browser and do not skip without one: ` +
        'install Debian\'s package (apt-get update && apt-get install -y --no-install-recommends chromium) ' +
        'or set CHROMIUM_PATH. Playwright\'s own browser downloads are not used.',
    );
  }
}

export async function launchBrowser(): Promise<Browser> {
  assertChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 1000 },
    acceptDownloads: false,
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as a test artifact: test-results/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Adds a file through Uppy Dashboard's own file input, as a person clicking "browse files" does. */
export async function addFileToDashboard(page: Page, path: string): Promise<void> {
  // After an upload the Dashboard shows its file list: "Done" clears it and brings the drop zone back.
  const done = page.locator('.uppy-StatusBar-actionBtn--done');
  if (await done.isVisible()) await done.click();
  if ((await page.locator('.uppy-Dashboard-input').count()) === 0) await page.locator('.uppy-DashboardContent-addMore').click();
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
}

/**
 * A local stack `app` (LocalStackOptions.app) serving one bundled test page: `/<prefix>/page.html`
 * loads `/<prefix>/page.js`. Served by the stack's own origin, because a page Chromium loaded from
 * loopback may call the loopback emulator (a page fulfilled by Playwright's router counts as
 * public and is refused). `body` is the page's HTML before the script.
 */
export function bundledPage(prefix: string, js: string, body: string): (req: Request) => Response {
  return (req) => {
    const path = new URL(req.url).pathname;
    if (path === `/${prefix}/page.js`) return new Response(js, { headers: { 'content-type': 'text/javascript' } });
    if (path === `/${prefix}/page.html`) {
      return new Response(`<!doctype html><meta charset="utf-8"><title>${prefix}</title>${body}<script type="module" src="/${prefix}/page.js"></script>`, {
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
    }
    return new Response('not found', { status: 404 });
  };
}

/**
 * The demo page under a restrictive policy (ALLOWED_CONTENT_TYPES=image/*, MAX_FILE_SIZE=8MiB):
 * the page tells Uppy the functions' limits, so a file they would refuse is refused before any
 * request, with the limits in the hint; and when the server refuses (here: a page whose Uppy
 * ignores the limits), the row shows the server's message, not "Unsupported Media Type".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { addFileToDashboard, assertChromium, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { seededBytes } from './fixtures/seeded.ts';

const MiB = 1024 * 1024;

describe('demo page with ALLOWED_CONTENT_TYPES=image/* and MAX_FILE_SIZE=8MiB', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const requests: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-limits-'));
    assertChromium();
    browser = await launchBrowser();
    stack = await startLocalStack({
      port: 0,
      ossPort: 0,
      memory: true,
      env: { ALLOWED_CONTENT_TYPES: 'image/*', MAX_FILE_SIZE: '8MiB' },
      log: (line) => requests.push(line),
    });
    page = await browser.newPage();
    await page.goto(stack.demoUrl);
    await page.locator('.uppy-Dashboard-AddFiles').waitFor();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, size: number): string {
    const path = join(dir, name);
    writeFileSync(path, seededBytes(size % 97, size));
    return path;
  }

  const add = (path: string) => addFileToDashboard(page, path);

  const rowDetail = (name: string) => page.locator(`#results li.row[data-name="${name}"][data-status="error"] .row-detail`);

  test("Uppy gets the functions' limits; the hint and the page say them", async () => {
    const restrictions = await page.evaluate('({ ...window.demo.uppy.opts.restrictions })');
    assert.deepEqual((restrictions as { allowedFileTypes: unknown }).allowedFileTypes, ['image/*']);
    assert.equal((restrictions as { maxFileSize: unknown }).maxFileSize, 8 * MiB);
    assert.match(await page.locator('.uppy-Dashboard-note').innerText(), /^image\/\* files up to 8 MiB\./);
    assert.match(await page.locator('.env-grid').innerText(), /image\/\* · up to 8 MiB/);
  });

  test('a .bin file and a 9 MiB image are refused before any request, saying why', async () => {
    const before = requests.length;
    await add(file('firmware.bin', 2000));
    assert.match(await rowDetail('firmware.bin').innerText(), /^Not uploaded: You can only upload: image\/\*/);
    await add(file('poster.png', 9 * MiB));
    assert.match(await rowDetail('poster.png').innerText(), /^Not uploaded: .*poster\.png exceeds maximum allowed size of 8 MB/ /* Uppy writes MiB as MB */);
    assert.deepEqual(requests.slice(before).filter((l) => l.includes('/s3/')), [], 'nothing asked of the functions');
  });

  test('an image within the limits uploads', async () => {
    await add(file('photo.png', 200_000));
    await page.locator('#results li.row[data-name="photo.png"][data-status="done"]').waitFor({ timeout: 30_000 });
  });

  test("when the server refuses, the row shows the server's message and the allowed types", async () => {
    // An app whose Uppy does not mirror the server's list: the functions refuse instead.
    await page.evaluate('window.demo.uppy.setOptions({ restrictions: { allowedFileTypes: null, maxFileSize: null } })');
    for (const [name, size] of [['backup.bin', 2000], ['archive.bin', 6 * MiB]] as const) {
      await add(file(name, size)); // POST policy and multipart paths
      const detail = await rowDetail(name).innerText({ timeout: 15_000 });
      assert.equal(detail, 'Content type application/octet-stream is not allowed (allowed: image/*)');
    }
    assert.ok(requests.some((l) => /^GET \/s3\/params 415/.test(l)), requests.join('\n'));
    assert.ok(requests.some((l) => /^POST \/s3\/multipart 415/.test(l)), requests.join('\n'));
    await screenshot(page, 'demo-limits');
  });
});

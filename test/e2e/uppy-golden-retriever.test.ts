/**
 * Uppy v6 + `@uppy/golden-retriever` through our Companion facade (`/s3/*`) in real headless
 * Chromium: a 30 MiB file in 5 MiB parts, the page reloaded after half the parts; Golden Retriever
 * restores the file and the upload, Uppy lists the parts through `GET /s3/multipart/:uploadId`
 * and sends only the missing ones (counted in the emulator's request log), and the stored object
 * is the file. The test never reads the upload id Uppy keeps: its format is the facade's business.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { bundleBrowser } from '../../infra/local/bundle.ts';
import { assertChromium, bundledPage, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { seededBytes } from './fixtures/seeded.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';
import { getObject } from '../../shared/oss/objects.ts';
import { listParts } from '../../shared/oss/multipart.ts';

const MiB = 1024 * 1024;
const SIZE = 30 * MiB;
const PARTS = 6;

describe('Uppy + Golden Retriever resume after a reload through the facade', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let file: string;
  const requests: string[] = [];

  before(async () => {
    assertChromium();
    const bundle = await bundleBrowser(fileURLToPath(new URL('./fixtures/uppy-golden-retriever-page.ts', import.meta.url)));
    browser = await launchBrowser();
    stack = await startLocalStack({ port: 0, ossPort: 0, memory: true, log: (l) => requests.push(l), app: bundledPage('__e2e__', bundle.js, '<input type="file" id="file">') });
    dir = mkdtempSync(join(tmpdir(), 'e2e-gr-'));
    // Random bytes: a .bin, or the stack's events function quarantines a "mov" of noise.
    file = join(dir, 'holiday.bin');
    writeFileSync(file, seededBytes(30, SIZE));
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ready = () => page.waitForFunction(() => (window as any).e2e?.ready === true);

  test('reload mid-upload: Uppy resumes through listParts, no part is uploaded twice, the bytes are the file', async () => {
    await page.goto(`${stack.url}/__e2e__/page.html`);
    await ready();
    // Parts one after another (Uppy v6), each held 700 ms by the emulator: time to reload mid-way.
    const slow = stack.emulator.admin.faults.add({ op: 'UploadPart', action: 'delay', ms: 700, count: -1 });
    await page.locator('#file').setInputFiles(file);
    await page.evaluate(() => (window as any).e2e.start());
    await page.waitForFunction(() => (window as any).e2e.state.partsUploaded >= 3, undefined, { timeout: 60_000, polling: 50 });
    // Golden Retriever writes its state at most every 500 ms: let it write the latest.
    await new Promise((r) => setTimeout(r, 600));
    await page.reload();
    await ready();
    for (const r of slow) stack.emulator.admin.faults.remove(r.id);
    await new Promise((r) => setTimeout(r, 800)); // the PUT the reload cut off settles

    const initiated = stack.emulator.admin.requests.list({ op: 'InitiateMultipartUpload' });
    assert.equal(initiated.length, 1);
    const key = initiated[0].key;
    const uploadId = stack.emulator.admin.requests.list({ op: 'UploadPart', keyPrefix: key })[0].uploadId!;
    const held = (await listParts(stack.oss, key, uploadId)).parts.map((p) => p.partNumber);
    assert.ok(held.length >= 3 && held.length < PARTS, `OSS holds ${held.length} of ${PARTS} parts at the reload`);
    const since = stack.emulator.admin.requests.last;
    const logFrom = requests.length;

    await page.waitForFunction(() => (window as any).e2e.state.restored === true, undefined, { timeout: 15_000 });
    const files = await page.evaluate(() => (window as any).e2e.files());
    assert.equal(files.length, 1);
    assert.equal(files[0].isGhost, false, 'the file came back from IndexedDB');
    assert.ok(files[0].s3Multipart, 'and the multipart upload with it');
    await page.evaluate(() => (window as any).e2e.resume());
    await page.waitForFunction(() => (window as any).e2e.state.done || (window as any).e2e.state.error, undefined, { timeout: 60_000, polling: 100 });
    await screenshot(page, 'uppy-golden-retriever-resumed');
    const st = await page.evaluate(() => (window as any).e2e.state);
    assert.equal(st.error, null, `upload failed: ${st.error}; browser: ${browser.problems.join(' | ')}`);
    assert.equal(st.done.key, key);

    const sent = stack.emulator.admin.requests.list({ op: 'UploadPart', since }).map((r) => r.partNumber);
    const missing = Array.from({ length: PARTS }, (_, i) => i + 1).filter((n) => !held.includes(n));
    assert.deepEqual(sent.sort(), missing, 'only the missing parts were uploaded');
    assert.equal(stack.emulator.admin.requests.list({ op: 'InitiateMultipartUpload', since }).length, 0, 'no new upload was started');
    const seen = requests.slice(logFrom);
    assert.ok(seen.some((l) => /^GET \/s3\/multipart\/[^/]+ 200/.test(l)), `listParts through the facade: ${seen.join('\n')}`);
    assert.ok(seen.some((l) => /^POST \/s3\/multipart\/[^/]+\/complete 200/.test(l)));

    const obj = await getObject(stack.oss, key);
    assert.equal(createHash('sha256').update(obj.body).digest('hex'), createHash('sha256').update(seededBytes(30, SIZE)).digest('hex'));
    const open = [];
    for await (const u of iterateMultipartUploads(stack.oss, { prefix: 'uploads/' })) open.push(u);
    assert.deepEqual(open, []);
  });
});

/**
 * The demo page of `npm start`, in real headless Chromium, used the way a person uses it:
 * a file chosen through Uppy Dashboard's file input, a file dropped on the Dashboard, pause and
 * resume of a multipart upload, and cancel. The results panel must show the stored object's key,
 * size, CRC-64 and the verified callback, and the bytes stored in the emulator must equal the files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { addFileToDashboard, assertChromium, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { seededBytes } from './fixtures/seeded.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';

const MB = 1_000_000;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('demo page (npm start) in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const requests: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-demo-'));
    assertChromium(); // fail (never skip) before starting anything when there is no browser
    browser = await launchBrowser();
    stack = await startLocalStack({ port: 0, ossPort: 0, memory: true, slowNetworkMs: 700, log: (line) => requests.push(line) });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A file on disk made of seeded bytes. Random bytes go in files named for a type without magic
   * bytes (.bin, .sql, .txt): the stack's events function quarantines a .tar or .mov that is not one.
   */
  function tempFile(name: string, seed: number, size: number): string {
    const path = join(dir, name);
    writeFileSync(path, seededBytes(seed, size));
    return path;
  }

  const chooseFile = (path: string) => addFileToDashboard(page, path);

  const row = (name: string): Locator => page.locator(`#results li.row[data-name="${name}"]`);

  /** Waits for a row to finish and for its facts (read back from OSS) to be shown. */
  async function waitDone(name: string, timeout = 30_000): Promise<Locator> {
    const r = row(name);
    await r.locator('[data-field="crc64"][data-value]:not([data-value=""])').waitFor({ timeout }).catch((e: Error) => {
      throw new Error(`${name} did not finish: ${e.message}\nbrowser: ${browser.problems.join(' | ')}\nrequests: ${requests.slice(-20).join('\n')}`);
    });
    return r;
  }

  /** The results panel agrees with OSS, and OSS holds exactly the file's bytes. */
  async function assertResult(r: Locator, seed: number, size: number): Promise<string> {
    const key = await r.getAttribute('data-key');
    assert.ok(key?.startsWith('uploads/anonymous/'), `key ${key}`);
    assert.equal(await r.locator('[data-field="key"]').innerText(), key);
    assert.equal(await r.locator('[data-field="size"]').getAttribute('data-value'), String(size));
    const expected = seededBytes(seed, size);
    assert.equal(await r.locator('[data-field="crc64"]').getAttribute('data-value'), crc64(expected).toString(), 'CRC-64 shown');
    assert.equal(await r.locator('[data-field="callback"]').getAttribute('data-value'), '200', 'callback verified');
    assert.match((await r.locator('details[data-block="callback"] pre').textContent()) ?? '', /"ok": true/);

    const obj = await getObject(stack.oss, key!);
    assert.equal(obj.body.byteLength, size);
    assert.equal(sha256(obj.body), sha256(expected), 'stored bytes equal the file');
    return key!;
  }

  async function openUploads(): Promise<unknown[]> {
    const open = [];
    for await (const u of iterateMultipartUploads(stack.oss, { prefix: 'uploads/' })) open.push(u);
    return open;
  }

  test('loads like a product page: Dashboard, empty results, no errors', async () => {
    await page.goto(stack.demoUrl);
    await page.locator('.uppy-Dashboard-AddFiles').waitFor();
    await page.locator('#results .empty').waitFor();
    assert.equal(await page.title(), 'Upload to OSS · oss-upload-functions (local)');
    assert.match(await page.locator('h1').innerText(), /Upload straight to OSS/);
    const css = await page.evaluate(() => getComputedStyle(document.querySelector('.uppy-Dashboard-inner')!).borderTopStyle);
    assert.notEqual(css, '', 'Uppy CSS is loaded');
    await screenshot(page, 'demo-empty');
    assert.deepEqual(browser.problems, []);
  });

  test('a file chosen with the Dashboard file input uploads in parts; results show key, size, CRC-64, callback', async () => {
    const size = 12 * MB;
    await chooseFile(tempFile('site-backup.bin', 12, size));
    const r = await waitDone('site-backup.bin');
    assert.equal(await r.locator('.mode').innerText(), 'Multipart · 3 parts');
    assert.equal(await r.locator('.part.done').count(), 3);
    await assertResult(r, 12, size);
    const complete = JSON.parse((await r.locator('details[data-block="complete"] pre').textContent()) ?? '{}');
    assert.equal(complete.size, size, 'the complete response the facade sent is shown');
    assert.equal(complete.crc64, crc64(seededBytes(12, size)).toString());
    await screenshot(page, 'demo-multipart-done');
  });

  test('a file dropped on the Dashboard uploads with a POST policy form', async () => {
    const size = 300_000;
    const b64 = Buffer.from(seededBytes(7, size)).toString('base64');
    const dataTransfer = await page.evaluateHandle((data) => {
      const bin = atob(data);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'notes.txt', { type: 'text/plain' }));
      return dt;
    }, b64);
    const target = page.locator('.uppy-Dashboard-inner');
    await target.dispatchEvent('dragenter', { dataTransfer });
    await target.dispatchEvent('dragover', { dataTransfer });
    await target.dispatchEvent('drop', { dataTransfer });
    const before = requests.length;
    const r = await waitDone('notes.txt');
    assert.equal(await r.locator('.mode').innerText(), 'POST policy');
    const key = await assertResult(r, 7, size);
    assert.ok(key.endsWith('/notes.txt'));
    assert.equal((await headObject(stack.oss, key))?.contentType, 'text/plain');
    assert.ok(requests.slice(before - 5).some((l) => l.startsWith('GET /s3/params 200')), requests.slice(-10).join('\n'));
    await screenshot(page, 'demo-dropped-post-policy');
  });

  test('pause stops a multipart upload mid-way; resume lists the parts and finishes it', async () => {
    await page.locator('label.switch').click(); // "Simulate a slow network"
    await page.waitForFunction(() => (document.getElementById('slow-network') as HTMLInputElement).checked && !(document.getElementById('slow-network') as HTMLInputElement).disabled);
    try {
      const size = 16 * MB;
      await chooseFile(tempFile('raw-footage.bin', 16, size));
      const r = row('raw-footage.bin');
      await r.locator('.part.done').first().waitFor({ timeout: 15_000 });
      await page.locator('.uppy-StatusBar [data-cy="togglePauseResume"][title="Pause"]').click();
      await page.waitForSelector('#results li.row[data-name="raw-footage.bin"][data-status="paused"]');
      const doneAtPause = Number(await r.getAttribute('data-parts-done'));
      assert.ok(doneAtPause >= 1 && doneAtPause < 4, `paused after ${doneAtPause} of 4 parts`);
      // Uppy's status bar shows bytes sent ("Paused: 40%"); the row says what that counts and
      // how many parts OSS has stored, which is fewer when the pause cut a part off.
      // The row and Uppy's status bar render on their own schedules: once paused, both settle, so
      // wait (briefly) for them to agree rather than reading each at one instant.
      const read = async () => ({
        detail: await r.locator('.row-detail').innerText(),
        uppy: /(\d+)%/.exec(await page.locator('.uppy-StatusBar-statusPrimary').innerText())?.[1],
      });
      let shown = await read();
      for (let i = 0; i < 20 && !shown.detail.startsWith(`Paused at ${shown.uppy}% sent`); i++) {
        await page.waitForTimeout(100);
        shown = await read();
      }
      const m = /^Paused at (\d+)% sent · (\d) of 4 parts stored in OSS; a part cut off by the pause is sent again on resume$/.exec(shown.detail);
      assert.ok(m, shown.detail);
      assert.equal(Number(m[2]), doneAtPause);
      assert.equal(m[1], shown.uppy, "the row's % sent is the status bar's percentage");
      await screenshot(page, 'demo-paused');
      await page.waitForTimeout(1500);
      assert.equal(Number(await r.getAttribute('data-parts-done')), doneAtPause, 'no part finished while paused');
      assert.equal((await openUploads()).length, 1, 'the paused upload is still open in OSS');

      const before = requests.length;
      await page.locator('.uppy-StatusBar [data-cy="togglePauseResume"][title="Resume"]').click();
      await waitDone('raw-footage.bin');
      await assertResult(r, 16, size);
      const after = requests.slice(before);
      assert.ok(after.some((l) => /^GET \/s3\/multipart\/[^/]+ 200/.test(l)), `resume lists the uploaded parts:\n${after.join('\n')}`);
      await screenshot(page, 'demo-resumed-done');
    } finally {
      stack.setSlowNetwork(false);
    }
  });

  test('cancel aborts the multipart upload in OSS', async () => {
    stack.setSlowNetwork(true);
    try {
      await chooseFile(tempFile('huge-dump.sql', 21, 16 * MB));
      const r = row('huge-dump.sql');
      await r.locator('.part.done').first().waitFor({ timeout: 15_000 });
      assert.equal((await openUploads()).length, 1);
      const before = requests.length;
      await page.locator('.uppy-StatusBar button[title="Cancel"]').click();
      await page.waitForSelector('#results li.row[data-name="huge-dump.sql"][data-status="cancelled"]');
      const deadline = Date.now() + 10_000;
      while ((await openUploads()).length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      assert.deepEqual(await openUploads(), [], 'AbortMultipartUpload ran');
      assert.ok(requests.slice(before).some((l) => /^DELETE \/s3\/multipart\/[^/]+ 200/.test(l)), requests.slice(before).join('\n'));
      await screenshot(page, 'demo-cancelled');
    } finally {
      stack.setSlowNetwork(false);
    }
    assert.deepEqual(browser.problems.filter((p) => !/ERR_ABORTED|aborted|net::ERR_/i.test(p)), [], 'no page errors');
  });
});

/**
 * The demo page's second uploader (our client/) in real headless Chromium, used as a person would:
 * a file chosen, the page reloaded mid-upload on a slow network, the note that an upload is
 * remembered, the same file chosen again. The panel must show the resume, the calls made and the
 * CRC-64 verdict, and the emulator must hold exactly the file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { assertChromium, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { seededBytes } from './fixtures/seeded.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { getObject } from '../../shared/oss/objects.ts';

const MiB = 1024 * 1024;

describe('demo page: the client/ uploader', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let dir: string;

  before(async () => {
    assertChromium();
    browser = await launchBrowser();
    stack = await startLocalStack({ port: 0, ossPort: 0, memory: true, slowNetworkMs: 400 });
    dir = mkdtempSync(join(tmpdir(), 'e2e-demo-client-'));
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reload mid-upload, choose the same file: resumed, CRC-64 verified, the bytes are the file', async () => {
    const data = seededBytes(24, 60 * MiB);
    // Random bytes: a .bin, or the stack's events function quarantines an "mp4" of noise.
    const file = join(dir, 'clip.bin');
    writeFileSync(file, data);
    const panel = page.locator('#client-uploader');
    await page.goto(stack.demoUrl);
    stack.setSlowNetwork(true);
    await panel.locator('input[type=file]').setInputFiles(file);
    // 12 parts of 5 MiB, 4 in flight, each held 400 ms: reload once 4 are in OSS.
    await page.waitForFunction(() => Number(document.querySelector('#client-uploader [data-field=parts]')?.getAttribute('data-done')) >= 4, undefined, { timeout: 30_000, polling: 20 });
    assert.equal(await panel.locator('[data-field=state]').innerText(), 'uploading', 'reloaded mid-upload');
    await page.reload();
    await panel.locator('.cu-note[data-stored="1"]').waitFor({ timeout: 10_000 });
    stack.setSlowNetwork(false);
    await panel.locator('input[type=file]').setInputFiles(file);
    await panel.locator('[data-field=crc-verdict][data-value=match]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'demo-client-uploader-resumed');
    const kept = Number(await panel.locator('[data-field=resumed]').getAttribute('data-value'));
    assert.ok(kept >= 4 && kept < 12, `${kept} parts kept`);
    assert.equal(await panel.locator('[data-field=calls]').getAttribute('data-value'), '3', 'list, sign, complete');
    assert.equal(await panel.locator('[data-field=state]').innerText(), 'done');
    const key = await panel.locator('[data-field=key]').innerText();
    const obj = await getObject(stack.oss, key);
    assert.equal(createHash('sha256').update(obj.body).digest('hex'), createHash('sha256').update(data).digest('hex'));
    assert.match(await panel.locator('[data-field=crc-verdict]').innerText(), new RegExp(crc64(data).toString()));
  });
});

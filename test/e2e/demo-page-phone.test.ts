/**
 * The demo page on a phone-sized screen (390 x 844 CSS px), before and after a file is added:
 * nothing may stick out sideways (no horizontal scrolling, the Dashboard and every card inside
 * the viewport) and the brand stays on one line. Screenshot: test-results/e2e/demo-phone.png.
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

interface Box {
  name: string;
  left: number;
  right: number;
}

interface Layout {
  innerWidth: number;
  scrollWidth: number;
  boxes: Box[];
  brandLines: number;
}

// A string, not a function: tsx would wrap named helpers inside a function with __name(), which
// does not exist in the page.
const MEASURE = `(() => {
  const box = (name, el) => { const r = el.getBoundingClientRect(); return { name, left: r.left, right: r.right }; };
  const boxes = [
    ...[...document.querySelectorAll('.topbar, .card, .uppy-Dashboard-inner, #results li.row')].map((el, i) => box(el.className + ' #' + i, el)),
  ];
  const name = document.querySelector('.brand-name');
  const lineHeight = parseFloat(getComputedStyle(name).lineHeight);
  return {
    innerWidth,
    scrollWidth: document.scrollingElement.scrollWidth,
    boxes,
    brandLines: Math.round(name.getBoundingClientRect().height / lineHeight),
  };
})()`;

async function assertFits(page: Page, when: string): Promise<void> {
  const m = (await page.evaluate(MEASURE)) as Layout;
  assert.equal(m.innerWidth, 390);
  assert.ok(m.scrollWidth <= m.innerWidth, `${when}: the page scrolls sideways (${m.scrollWidth} px wide on a ${m.innerWidth} px screen)`);
  const out = m.boxes.filter((b) => b.left < -0.5 || b.right > m.innerWidth + 0.5);
  assert.deepEqual(out, [], `${when}: outside the viewport`);
  assert.ok(m.boxes.some((b) => b.name.includes('uppy-Dashboard-inner')), 'the Dashboard was measured');
  assert.equal(m.brandLines, 1, `${when}: the brand wraps onto ${m.brandLines} lines`);
}

describe('demo page on a 390 px wide phone screen', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-phone-'));
    assertChromium();
    browser = await launchBrowser();
    stack = await startLocalStack({ port: 0, ossPort: 0, memory: true });
    page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('nothing overflows sideways, before and after a file is added and uploaded', async () => {
    await page.goto(stack.demoUrl);
    await page.locator('.uppy-Dashboard-AddFiles').waitFor();
    await assertFits(page, 'empty page');

    // Random bytes: a .bin, or the stack's events function quarantines an "mp4" of noise.
    const file = join(dir, 'holiday-video-with-a-rather-long-file-name.bin');
    writeFileSync(file, seededBytes(3, 7_000_000)); // multipart: 2 parts, a parts strip and facts
    await addFileToDashboard(page, file);
    await page.locator('#results li.row[data-status="done"] [data-field="crc64"][data-value]:not([data-value=""])').waitFor({ timeout: 30_000 });
    await assertFits(page, 'after an upload');
    await screenshot(page, 'demo-phone');
    assert.deepEqual(browser.problems, []);
  });
});

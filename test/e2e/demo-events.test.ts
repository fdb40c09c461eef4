/**
 * The demo page's Events panel in real headless Chromium: a file dropped on the Dashboard shows its
 * `upload.completed` event (id, type, attempts, verified by the local receiver with the official
 * Standard Webhooks library), and a PNG that is really HTML shows `upload.rejected`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { assertChromium, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { headObject } from '../../shared/oss/objects.ts';

describe('demo page: the Events panel', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assertChromium();
    browser = await launchBrowser();
    stack = await startLocalStack({ port: 0, ossPort: 0, memory: true, eventsRetryBaseMs: 50 });
    page = await browser.newPage();
    await page.goto(stack.demoUrl);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Drops a file on the Dashboard (a drag-and-drop, as a person does). */
  async function drop(name: string, type: string, text: string | number[]): Promise<void> {
    const done = page.locator('.uppy-StatusBar-actionBtn--done');
    if (await done.isVisible()) await done.click();
    const dataTransfer = await page.evaluateHandle(
      ([n, t, content]) => {
        const dt = new DataTransfer();
        const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
        dt.items.add(new File([bytes], n, { type: t }));
        return dt;
      },
      [name, type, text] as const,
    );
    const target = page.locator('.uppy-Dashboard-inner');
    await target.dispatchEvent('dragenter', { dataTransfer });
    await target.dispatchEvent('dragover', { dataTransfer });
    await target.dispatchEvent('drop', { dataTransfer });
  }

  async function keyOf(name: string): Promise<string> {
    const r = page.locator(`#results li.row[data-name="${name}"][data-key]`);
    await r.waitFor({ timeout: 20_000 });
    return (await r.getAttribute('data-key'))!;
  }

  test('a dropped file shows its upload.completed event: id, attempts, verified', async () => {
    await drop('hello.txt', 'text/plain', 'hello, events\n'.repeat(100));
    const key = await keyOf('hello.txt');
    const row = page.locator(`#events li.event-row[data-key="${key}"][data-type="upload.completed"]`);
    await row.waitFor({ timeout: 20_000 }).catch((e: Error) => {
      throw new Error(`no event row for ${key}: ${e.message}\nbrowser: ${browser.problems.join(' | ')}`);
    });
    assert.equal(await row.getAttribute('data-verified'), 'true');
    assert.equal(await row.getAttribute('data-attempts'), '1');
    const id = await row.getAttribute('data-event-id');
    assert.match(id ?? '', /^evt_[0-9a-f]{32}$/);
    assert.match(await row.innerText(), new RegExp(`id ${id}.*1 attempt.*signature verified.*check: declared-only`, 's'));
    // The page shows what the receiver really got.
    const got = stack.events.receiver!.deliveries.filter((d) => d.id === id);
    assert.equal(got.length, 1);
    assert.equal(got[0].event!.type, 'upload.completed');
    await screenshot(page, 'demo-events-completed');
  });

  test('a "PNG" of HTML shows upload.rejected', async () => {
    await drop('cat.png', 'image/png', '<html><script>alert(1)</script></html>');
    const key = await keyOf('cat.png');
    const row = page.locator(`#events li.event-row[data-key="${key}"][data-type="upload.rejected"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.equal(await row.getAttribute('data-verified'), 'true');
    assert.match(await row.innerText(), /check: mismatch, declared image\/png, but the bytes are not image\/png/);
    assert.equal(await headObject(stack.oss, key), null, 'quarantined');
    await screenshot(page, 'demo-events-rejected');
  });
});

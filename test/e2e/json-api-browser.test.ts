/**
 * The JSON API from a real headless Chromium: V4 part URLs sign the part's size
 * (x-oss-additional-headers=content-length), and the browser sets Content-Length itself, so a
 * Blob slice PUT with fetch or XMLHttpRequest must match it exactly. The README's flow (init, sign,
 * PUT each part, complete) runs in the page; a part of the wrong length is refused by the emulator
 * as OSS would (403 SignatureDoesNotMatch); the stored object equals the bytes, byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { assertChromium, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { getObject } from '../../shared/oss/objects.ts';

const SIZE = 2_621_440 + 12_345; // two 1 MiB parts and a bit more than half of a third

/** The same bytes the page makes. */
function bytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 10)) % 251;
  return b;
}

describe('the JSON API in Chromium (V4 part URLs pin each part size)', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assertChromium();
    stack = await startLocalStack({
      port: 0,
      ossPort: 0,
      memory: true,
      app: (req) =>
        new URL(req.url).pathname === '/__e2e__/blank.html'
          ? new Response('<!doctype html><meta charset="utf-8"><title>JSON API e2e</title><p>JSON API</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } })
          : new Response('not found', { status: 404 }),
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${stack.url}/__e2e__/blank.html`);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('fetch and XMLHttpRequest PUT Blob slices to pinned URLs; a wrong length is refused; the object is byte-exact', async () => {
    // A string, not a function: tsx's transform would leave helpers (__name) the page lacks.
    const outcome = (await page.evaluate(`(async (size) => {
      const call = async (path, body) => {
        const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const json = await res.json();
        if (!res.ok) throw new Error(path + ': ' + res.status + ' ' + JSON.stringify(json));
        return json;
      };
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 10)) % 251;
      const file = new Blob([data]);
      const init = await call('/uploads', { filename: 'browser.bin', size, partSize: 1024 * 1024 });
      const { parts } = await call('/uploads/sign', { token: init.token, partNumbers: [1, 2, 3] });
      const pinned = parts.map((p) => new URL(p.url).searchParams.get('x-oss-additional-headers'));
      const slice = (p, extra = 0) => file.slice((p.partNumber - 1) * init.partSize, (p.partNumber - 1) * init.partSize + p.size + extra);
      // A part of the wrong length, through fetch: OSS's 403.
      const wrong = await fetch(parts[0].url, { method: 'PUT', headers: parts[0].headers, body: slice(parts[0], -1) });
      const wrongText = await wrong.text();
      const uploaded = [];
      // Parts 1 and 3 with fetch, part 2 with XMLHttpRequest (what Uppy and most widgets use).
      for (const p of [parts[0], parts[2]]) {
        const res = await fetch(p.url, { method: p.method, headers: p.headers, body: slice(p) });
        if (!res.ok) throw new Error('part ' + p.partNumber + ': ' + res.status + ' ' + (await res.text()));
        uploaded.push({ partNumber: p.partNumber, etag: res.headers.get('etag') });
      }
      const xhrEtag = await new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('PUT', parts[1].url);
        for (const [k, v] of Object.entries(parts[1].headers)) xhr.setRequestHeader(k, v);
        xhr.onload = () => (xhr.status === 200 ? resolve(xhr.getResponseHeader('etag')) : reject(new Error('xhr ' + xhr.status + ' ' + xhr.responseText)));
        xhr.onerror = () => reject(new Error('xhr network error'));
        xhr.send(slice(parts[1]));
      });
      uploaded.push({ partNumber: 2, etag: xhrEtag });
      uploaded.sort((a, b) => a.partNumber - b.partNumber);
      const done = await call('/uploads/complete', { token: init.token, parts: uploaded });
      return { pinned, wrongStatus: wrong.status, wrongText, key: done.key, size: done.size, callbackStatus: done.callbackStatus };
})(${SIZE})`)) as { pinned: string[]; wrongStatus: number; wrongText: string; key: string; size: number; callbackStatus: string };
    await screenshot(page, 'json-api-browser');
    assert.deepEqual(outcome.pinned, ['content-length', 'content-length', 'content-length']);
    assert.equal(outcome.wrongStatus, 403, outcome.wrongText);
    assert.match(outcome.wrongText, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(outcome.size, SIZE);
    assert.equal(outcome.callbackStatus, 'ok');
    const stored = await getObject(stack.oss, outcome.key);
    assert.ok(Buffer.from(stored.body).equals(Buffer.from(bytes(SIZE))), 'stored bytes equal the in-page bytes');
  });
});

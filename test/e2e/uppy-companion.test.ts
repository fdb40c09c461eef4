/**
 * An unmodified Uppy v6 `@uppy/aws-s3` in Companion mode (`companionEndpoint: location.origin`),
 * in real headless Chromium, uploads through the local stack: a 30 MB file as a multipart upload
 * (5 MiB parts, each PUT straight to the emulator with a presigned URL) and a 1 MB file with a
 * presigned POST policy form. The stored objects must equal the files byte for byte, and OSS's
 * upload callback must have reached our callback function and been verified.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { bundleBrowser } from '../../infra/local/bundle.ts';
import { assertChromium, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { seededBytes } from './fixtures/seeded.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';

const MB = 1_000_000;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Uploaded {
  name: string;
  size: number;
  key?: string;
  location?: string;
  parts: number;
  error?: string;
}
interface UploadOutcome {
  ms: number;
  successful: Uploaded[];
  failed: Uploaded[];
  errors: string[];
}

describe('Uppy v6 @uppy/aws-s3 (companionEndpoint) in Chromium against the local stack', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  before(async () => {
    // The test page is served by the stack itself (its `app` hook): on the stack's origin, so
    // `location.origin` is the Companion endpoint, and loaded from loopback, so Chromium's
    // local-network-access rules let it reach the loopback emulator (a page fulfilled by
    // Playwright's router counts as public and would be refused).
    const bundle = await bundleBrowser(fileURLToPath(new URL('./fixtures/uppy-s3-page.ts', import.meta.url)));
    const testPage: (req: Request) => Response = (req) => {
      const path = new URL(req.url).pathname;
      if (path === '/__e2e__/uppy.js') return new Response(bundle.js, { headers: { 'content-type': 'text/javascript' } });
      if (path === '/__e2e__/uppy.html') {
        return new Response(
          '<!doctype html><meta charset="utf-8"><title>Uppy e2e</title><h1>Uppy v6 aws-s3 (companionEndpoint)</h1><ol id="files"></ol><script type="module" src="/__e2e__/uppy.js"></script>',
          { headers: { 'content-type': 'text/html; charset=utf-8' } },
        );
      }
      return new Response('not found', { status: 404 });
    };
    assertChromium(); // fail (never skip) before starting anything when there is no browser
    browser = await launchBrowser();
    stack = await startLocalStack({ port: 0, ossPort: 0, memory: true, log: (line) => requests.push(line), app: testPage });
    page = await browser.newPage();
    await page.goto(`${stack.url}/__e2e__/uppy.html`);
    await page.waitForFunction(() => (window as any).e2e?.ready === true, undefined, { timeout: 15_000 });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function upload(files: Array<{ name: string; size: number; seed: number; type: string }>): Promise<UploadOutcome> {
    return page.evaluate((specs) => (window as any).e2e.upload(specs), files);
  }

  async function assertStored(key: string, seed: number, size: number) {
    const expected = seededBytes(seed, size);
    const obj = await getObject(stack.oss, key);
    assert.equal(obj.body.byteLength, size, 'stored size');
    assert.equal(sha256(obj.body), sha256(expected), 'stored bytes equal the file');
    assert.equal(obj.crc64, crc64(expected), 'OSS CRC-64 matches the file');
  }

  test('30 MB file: multipart in 5 MiB parts, bytes and CRC-64 match, callback verified, no upload left open', async () => {
    // Random bytes, so a type without magic bytes: the stack's events function quarantines an "mp4" of noise.
    const spec = { name: 'big video.mp4', size: 30 * MB, seed: 30, type: 'application/octet-stream' };
    const before = requests.length;
    const out = await upload([spec]);
    await screenshot(page, 'uppy-companion-30mb');
    assert.deepEqual(out.failed, [], `failed: ${JSON.stringify(out)}; browser: ${browser.problems.join(' | ')}`);
    assert.equal(out.successful.length, 1);
    const file = out.successful[0];
    assert.equal(file.parts, 6, '30 MB in 5 MiB parts = 6 parts');
    assert.ok(file.key?.startsWith('uploads/anonymous/'), `key ${file.key}`);
    assert.match(file.key!, /big_video\.mp4$|big video\.mp4$|big-video\.mp4$/);
    assert.ok(file.location?.startsWith(stack.ossUrl), `location ${file.location}`);

    await assertStored(file.key!, spec.seed, spec.size);
    const info = await headObject(stack.oss, file.key!);
    assert.equal(info?.contentType, 'application/octet-stream');
    assert.equal(info?.objectType, 'Multipart');

    const seen = requests.slice(before);
    assert.ok(seen.some((l) => l.startsWith('POST /s3/multipart 200')), seen.join('\n'));
    assert.equal(seen.filter((l) => /^GET \/s3\/multipart\/[^/]+\/\d+ 200/.test(l)).length, 6, 'one sign request per part');
    assert.ok(seen.some((l) => /^POST \/s3\/multipart\/[^/]+\/complete 200/.test(l)), seen.join('\n'));
    assert.ok(seen.some((l) => l.startsWith('POST /oss/callback 200')), 'OSS called our callback function');

    const cb = stack.callbacks.get(file.key!);
    assert.equal(cb?.status, 200);
    const body = cb!.response as { ok: boolean; key: string; size: number; crc64: string };
    assert.equal(body.ok, true);
    assert.equal(body.size, spec.size);
    assert.equal(body.crc64, crc64(seededBytes(spec.seed, spec.size)).toString());

    const open = [];
    for await (const u of iterateMultipartUploads(stack.oss, { prefix: 'uploads/' })) open.push(u);
    assert.deepEqual(open, [], 'no multipart upload left behind');
  });

  test('1 MB file: one presigned POST policy form straight to OSS, bytes match, callback verified', async () => {
    const spec = { name: 'photo.jpg', size: 1 * MB, seed: 1, type: 'application/octet-stream' };
    const before = requests.length;
    const out = await upload([spec]);
    await screenshot(page, 'uppy-companion-1mb');
    assert.deepEqual(out.failed, [], `failed: ${JSON.stringify(out)}; browser: ${browser.problems.join(' | ')}`);
    const file = out.successful[0];
    assert.equal(file.parts, 0, 'not multipart');
    assert.ok(file.key?.startsWith('uploads/anonymous/') && file.key.endsWith('/photo.jpg'), `key ${file.key}`);

    await assertStored(file.key!, spec.seed, spec.size);
    const info = await headObject(stack.oss, file.key!);
    assert.equal(info?.contentType, 'application/octet-stream');
    assert.equal(info?.objectType, 'Normal');

    const seen = requests.slice(before);
    assert.ok(seen.some((l) => l.startsWith('GET /s3/params 200')), seen.join('\n'));
    assert.ok(!seen.some((l) => l.startsWith('POST /s3/multipart')), 'no multipart upload for a small file');
    const cb = stack.callbacks.get(file.key!);
    assert.equal(cb?.status, 200, 'the POST policy carries the upload callback too');
    assert.equal((cb!.response as { size: number }).size, spec.size);
  });
});

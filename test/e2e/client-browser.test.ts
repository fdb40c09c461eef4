/**
 * client/ in real headless Chromium against the local stack: a 64 MiB file chosen through a file
 * input, uploaded with XMLHttpRequest and CRC-64 hashed in a Worker, interrupted by a page reload
 * at about half way and resumed when the same file is chosen again: only the parts OSS does not
 * hold are sent (counted in the emulator's request log), and the stored bytes are the file's. The
 * same with 503s and dropped connections; URLs expiring mid-upload; a part going bad in OSS
 * (complete answers INTEGRITY_MISMATCH, the part is sent again); the same file in a second tab;
 * abort.
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
import { bundleBrowser, type BrowserBundle } from '../../infra/local/bundle.ts';
import { assertChromium, bundledPage, launchBrowser, screenshot, type Browser } from '../helpers/browser.ts';
import { seededBytes } from './fixtures/seeded.ts';
import { listParts } from '../../shared/oss/multipart.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';
import { getObject } from '../../shared/oss/objects.ts';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface PageState {
  events: Array<{ type: string; [k: string]: unknown }>;
  progress: number[];
  partsDone: number;
  result: { key: string; size: number; crc64: string } | null;
  error: { name: string; message: string; code?: string } | null;
  stats: { calls: Record<string, number>; hashedInWorker: boolean; partPuts: number; partsKept: number } | null;
}

describe('client/ in Chromium: resume after a reload, faults, expiry, integrity, abort', () => {
  let browser: Browser;
  let bundle: BrowserBundle;
  let dir: string;
  let bigFile: string;
  const BIG = 64 * MiB;
  const stacks: LocalStack[] = [];

  before(async () => {
    assertChromium();
    bundle = await bundleBrowser(fileURLToPath(new URL('./fixtures/client-page.ts', import.meta.url)));
    browser = await launchBrowser();
    dir = mkdtempSync(join(tmpdir(), 'e2e-client-'));
    bigFile = join(dir, 'video-64mib.bin');
    writeFileSync(bigFile, seededBytes(64, BIG));
  });

  after(async () => {
    await browser?.close();
    for (const s of stacks) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stack(env: Record<string, string> = {}): Promise<LocalStack> {
    const s = await startLocalStack({ port: 0, ossPort: 0, memory: true, env, app: bundledPage('__e2e__', bundle.js, '<input type="file" id="file">') });
    stacks.push(s);
    return s;
  }

  async function openPage(s: LocalStack): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${s.url}/__e2e__/page.html`);
    await page.waitForFunction(() => (window as any).e2e?.ready === true);
    return page;
  }

  const pageState = (page: Page) => page.evaluate(() => (window as any).e2e.state as PageState);

  async function finish(page: Page, timeout = 120_000): Promise<PageState> {
    await page.waitForFunction(() => (window as any).e2e.state.result || (window as any).e2e.state.error, undefined, { timeout, polling: 100 });
    const st = await pageState(page);
    assert.equal(st.error, null, `upload failed: ${JSON.stringify(st.error)}; browser: ${browser.problems.join(' | ')}`);
    return st;
  }

  async function assertStored(s: LocalStack, key: string, data: Uint8Array) {
    const obj = await getObject(s.oss, key);
    assert.equal(obj.body.byteLength, data.length);
    assert.equal(sha256(obj.body), sha256(data), 'the stored bytes are the file');
  }

  async function openUploads(s: LocalStack) {
    const out = [];
    for await (const u of iterateMultipartUploads(s.oss, { prefix: 'uploads/' })) out.push(u);
    return out;
  }

  /**
   * Starts the 64 MiB file in 2 MiB parts (32) with OSS slowed down, reloads the page once half the
   * parts are confirmed, and returns what OSS holds of the upload then.
   */
  async function uploadAndReload(s: LocalStack, page: Page) {
    const slow = s.emulator.admin.faults.add({ op: 'UploadPart', action: 'delay', ms: 120, count: -1 });
    await page.locator('#file').setInputFiles(bigFile);
    await page.evaluate(() => (window as any).e2e.start({ partSize: 2 * 1024 * 1024, concurrency: 4 }));
    await page.waitForFunction(() => (window as any).e2e.state.partsDone >= 16, undefined, { timeout: 60_000, polling: 20 });
    const before = await pageState(page);
    const started = before.events.find((e) => e.type === 'upload') as unknown as { key: string; uploadId: string };
    assert.ok(before.stats === null && before.partsDone < 32, 'still uploading when reloaded');
    const ops = before.events.filter((e) => e.type === 'request').map((e) => (e as unknown as { op: string }).op);
    assert.deepEqual(ops, ['init'], 'init signed all 32 parts: no sign call');
    await page.reload();
    await page.waitForFunction(() => (window as any).e2e?.ready === true);
    for (const r of slow) s.emulator.admin.faults.remove(r.id);
    // Let the PUTs the reload cut off settle in the emulator (stored or not) before counting.
    await new Promise((r) => setTimeout(r, 800));
    const held = (await listParts(s.oss, started.key, started.uploadId)).parts.map((p) => p.partNumber);
    assert.ok(held.length >= 16 && held.length < 32, `OSS holds ${held.length} of 32 parts at the reload`);
    return { key: started.key, uploadId: started.uploadId, held, since: s.emulator.admin.requests.last };
  }

  async function resumeAndCheck(s: LocalStack, page: Page, at: { key: string; held: number[]; since: number }, name: string) {
    await page.locator('#file').setInputFiles(bigFile);
    await page.evaluate(() => (window as any).e2e.start({ partSize: 2 * 1024 * 1024, concurrency: 4 }));
    const st = await finish(page);
    await screenshot(page, name);
    assert.equal(st.result!.key, at.key, 'the same upload was finished');
    const missing = Array.from({ length: 32 }, (_, i) => i + 1).filter((n) => !at.held.includes(n));
    assert.deepEqual(st.events.find((e) => e.type === 'resumed'), { type: 'resumed', partsKept: at.held.length, partsToSend: missing.length });
    const puts = s.emulator.admin.requests.list({ op: 'UploadPart', keyPrefix: at.key, since: at.since });
    const sent = [...new Set(puts.map((r) => r.partNumber!))].sort((a, b) => a - b);
    assert.deepEqual(sent, missing, 'only the parts OSS did not hold were sent');
    assert.equal(st.stats!.hashedInWorker, true, 'CRC-64 computed in a Worker');
    assert.equal(st.stats!.calls.list, 1);
    const verified = st.events.find((e) => e.type === 'verified') as { match: boolean; crc64: string } | undefined;
    assert.equal(verified?.match, true);
    const data = seededBytes(64, BIG);
    await assertStored(s, at.key, data);
    assert.equal(st.result!.crc64, verified!.crc64);
    assert.equal(await page.evaluate(() => (window as any).e2e.storedRecords()), 0, 'nothing stays stored in the browser');
    assert.deepEqual((await openUploads(s)).filter((u) => u.key === at.key), []);
    return { st, puts };
  }

  test('64 MiB, page reloaded at ~50%: the same file chosen again resumes, sends only the missing parts, bytes equal', async () => {
    const s = await stack();
    const page = await openPage(s);
    const at = await uploadAndReload(s, page);
    const { puts } = await resumeAndCheck(s, page, at, 'client-resume-after-reload');
    assert.equal(puts.length, 32 - at.held.length, 'each missing part once');
    await page.close();
  });

  test('the same with 503s and dropped connections after the reload', async () => {
    const s = await stack();
    const page = await openPage(s);
    const at = await uploadAndReload(s, page);
    s.emulator.admin.faults.add([
      { op: 'UploadPart', action: 'error', status: 503, count: 3, keyPrefix: at.key },
      { op: 'UploadPart', action: 'drop-before', count: 2, keyPrefix: at.key },
      { op: 'UploadPart', action: 'drop-after', count: 2, keyPrefix: at.key },
      { op: 'ListParts', action: 'error', status: 503, count: 1, keyPrefix: at.key },
    ]);
    const { st, puts } = await resumeAndCheck(s, page, at, 'client-resume-with-faults');
    assert.equal(s.emulator.admin.faults.list().length, 0, 'every fault fired');
    assert.ok(puts.filter((r) => r.status !== 200).length >= 5, 'the faults hit part PUTs');
    assert.ok(st.events.some((e) => e.type === 'part-retry'));
    await page.close();
  });

  test('URLs that expire mid-upload are signed again (ahead of time, and after OSS refuses one)', async () => {
    const s = await stack({ URL_EXPIRES_SECONDS: '3' });
    const page = await openPage(s);
    const file = join(dir, 'expiry-16mib.bin');
    const data = seededBytes(16, 16 * MiB);
    writeFileSync(file, data);
    s.emulator.admin.faults.add([
      // 16 PUTs, 2 at a time, each held 500 ms: ~4 s, past the URLs' 3 s.
      { op: 'UploadPart', action: 'delay', ms: 500, count: -1 },
      { op: 'UploadPart', action: 'error', status: 403, code: 'AccessDenied', message: 'Request has expired.', count: 1 },
    ]);
    await page.locator('#file').setInputFiles(file);
    await page.evaluate(() => (window as any).e2e.start({ partSize: 1024 * 1024, concurrency: 2 }));
    const st = await finish(page);
    s.emulator.admin.faults.clear();
    const resigns = st.events.filter((e) => e.type === 'resign') as unknown as Array<{ reason: string; partNumbers: number[] }>;
    assert.ok(resigns.some((r) => r.reason === 'expired'), 'after OSS refused a URL');
    assert.ok(resigns.some((r) => r.reason === 'expiring'), 'before they ran out');
    // init signed the first URLs: every sign call here is a re-sign (one expired, one expiring at least).
    assert.ok(st.stats!.calls.sign >= 2, `${st.stats!.calls.sign} sign calls`);
    await assertStored(s, st.result!.key, data);
    await page.close();
  });

  test('a part that goes bad in OSS: complete answers INTEGRITY_MISMATCH, the client finds the part, sends it again', async () => {
    const s = await stack();
    const page = await openPage(s);
    const file = join(dir, 'rot-8mib.bin');
    const data = seededBytes(8, 8 * MiB);
    writeFileSync(file, data);
    s.emulator.admin.faults.add({ op: 'UploadPart', action: 'corrupt-part', count: 1, keyPrefix: 'uploads/' });
    const since = s.emulator.admin.requests.last;
    await page.locator('#file').setInputFiles(file);
    await page.evaluate(() => (window as any).e2e.start({ partSize: 1024 * 1024 }));
    const st = await finish(page);
    const completes = st.events.filter((e) => e.type === 'request' && e.op === 'complete').map((e) => e.status);
    assert.deepEqual(completes, [502, 200], 'the first complete found the mismatch');
    const puts = s.emulator.admin.requests.list({ op: 'UploadPart', since }).map((r) => r.partNumber);
    assert.equal(puts.length, 9, 'eight parts, one of them twice');
    await assertStored(s, st.result!.key, data);
    await page.close();
  });

  test('the same file in a second tab while the first uploads it: UploadBusyError there, the first finishes', async () => {
    const s = await stack();
    const first = await openPage(s);
    const second = await openPage(s);
    const file = join(dir, 'two-tabs-8mib.bin');
    const data = seededBytes(2, 8 * MiB);
    writeFileSync(file, data);
    s.emulator.admin.faults.add({ op: 'UploadPart', action: 'delay', ms: 300, count: -1 });
    await first.locator('#file').setInputFiles(file);
    await first.evaluate(() => (window as any).e2e.start({ partSize: 1024 * 1024, concurrency: 2 }));
    await first.waitForFunction(() => (window as any).e2e.state.partsDone >= 1, undefined, { polling: 20 });
    await second.locator('#file').setInputFiles(file);
    await second.evaluate(() => (window as any).e2e.start({ partSize: 1024 * 1024, concurrency: 2 }));
    await second.waitForFunction(() => (window as any).e2e.state.error || (window as any).e2e.state.result);
    assert.equal((await pageState(second)).error?.name, 'UploadBusyError');
    const st = await finish(first);
    s.emulator.admin.faults.clear();
    await assertStored(s, st.result!.key, data);
    assert.equal(s.emulator.admin.requests.list({ op: 'InitiateMultipartUpload' }).length, 1, 'one upload');
    await first.close();
    await second.close();
  });

  test('abort: no multipart upload left in OSS, nothing stored in the browser', async () => {
    const s = await stack();
    const page = await openPage(s);
    s.emulator.admin.faults.add({ op: 'UploadPart', action: 'delay', ms: 100, count: -1 });
    await page.locator('#file').setInputFiles(bigFile);
    await page.evaluate(() => (window as any).e2e.start({ partSize: 2 * 1024 * 1024 }));
    await page.waitForFunction(() => (window as any).e2e.state.partsDone >= 3, undefined, { timeout: 30_000, polling: 20 });
    await page.evaluate(() => (window as any).e2e.abort());
    await page.waitForFunction(() => (window as any).e2e.state.error);
    s.emulator.admin.faults.clear();
    const st = await pageState(page);
    assert.equal(st.error!.name, 'UploadAbortedError');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await openUploads(s), [], 'no multipart upload left');
    assert.equal(await page.evaluate(() => (window as any).e2e.storedRecords()), 0);
    assert.ok(st.events.some((e) => e.type === 'request' && e.op === 'abort' && e.status === 200));
    await page.close();
  });
});

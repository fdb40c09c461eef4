/**
 * The browser client's bundle (infra/build-client.ts): one ES module made only of client/ and the
 * pure shared modules it may use, that loads and works where it is imported as a file (Node here;
 * Chromium in test/e2e/client-browser.test.ts), with its size under a budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildClient, foreignInputs } from '../../infra/build-client.ts';
import { workerSource } from '../../client/lib/hasher.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { createHash, randomBytes } from 'node:crypto';

/** Min+gzip bytes the client may grow to before someone must look at why (today ~11 KB). */
const GZIP_BUDGET = 16 * 1024;

test('the bundle holds only client/ and the pure shared modules, imports in Node, stays small', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-bundle-'));
  try {
    const b = await buildClient({ outDir: dir, log: () => {}, types: false });
    assert.deepEqual(foreignInputs(b.inputs), []);
    assert.ok(b.gzipBytes < GZIP_BUDGET, `${b.gzipBytes} bytes min+gzip`);
    const js = readFileSync(b.file, 'utf8');
    assert.doesNotMatch(js, /from\s*"node:|require\(/, 'no Node imports');
    const mod = await import(pathToFileURL(b.file).href);
    for (const name of ['upload', 'createUpload', 'memoryStore', 'indexedDbStore', 'ApiError', 'IntegrityError', 'UploadAbortedError']) {
      assert.ok(name in mod, `exports ${name}`);
    }
    const err = new mod.IntegrityError('x', { stored: false });
    assert.equal(err.name, 'IntegrityError', 'error names survive minification');
    assert.equal(err.code, 'ERR_UPLOAD_INTEGRITY');
    assert.ok(err instanceof mod.UploadError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the build refuses inputs from the functions, npm packages or the emulator', () => {
  assert.deepEqual(foreignInputs(['client/lib/api.ts', 'shared/oss/crc64.ts']), []);
  assert.deepEqual(foreignInputs(['shared/oss/client.ts', 'node_modules/hono/dist/index.js', 'infra/emulator/app.ts']), [
    'shared/oss/client.ts',
    'node_modules/hono/dist/index.js',
    'infra/emulator/app.ts',
  ]);
});

test('the Worker program works from its text alone (it refers to nothing outside itself)', async () => {
  const replies: Array<{ id: number; lo: number; hi: number; md5: Uint8Array; error?: string }> = [];
  const self = { postMessage: (m: (typeof replies)[number]) => replies.push(m), onmessage: undefined as unknown as (e: unknown) => Promise<void> };
  new Function('self', workerSource())(self);
  const data = randomBytes(100_003);
  const file = new Blob([data]);
  for (const [i, start] of [0, 1, 3].entries()) {
    await self.onmessage({ data: { id: i, file, start, end: data.length, md5: true } });
    const r = replies[i];
    assert.equal(r.error, undefined);
    const view = data.subarray(start);
    assert.equal((BigInt(~r.hi >>> 0) << 32n) | BigInt(~r.lo >>> 0), crc64(view));
    assert.equal(Buffer.from(r.md5).toString('hex'), createHash('md5').update(view).digest('hex'));
  }
});

/**
 * client/ on Node 20 (fetch for PUTs, hashing on this thread, the in-memory resume store) against
 * the real functions and the emulator over HTTP: the happy path and its call count, resume after a
 * failure, faults (503s, dropped connections, a part stored corrupted, a wrong CRC-64 answered),
 * expired URLs, pause/resume, abort, and the errors a caller sees. The same client in Chromium
 * (XMLHttpRequest, the Worker, IndexedDB, a page reload) is test/e2e/client-browser.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { openAsBlob } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type TestStack } from '../helpers/stack.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import {
  ApiError,
  IntegrityError,
  UploadAbortedError,
  UploadBusyError,
  createUpload,
  memoryStore,
  upload,
  type UploadEvent,
  type UploadOptions,
} from '../../client/index.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { abortMultipartUpload, listParts } from '../../shared/oss/multipart.ts';
import { presignUploadParts } from '../../shared/oss/presign.ts';

const KiB = 1024;
const PART = 100 * KiB;

/** A memory store that shows which records it holds. */
function trackedStore() {
  const inner = memoryStore();
  const ids = new Set<string>();
  return {
    ids,
    get: (id: string) => inner.get(id),
    set: async (id: string, r: Parameters<typeof inner.set>[1]) => {
      ids.add(id);
      await inner.set(id, r);
    },
    delete: async (id: string) => {
      ids.delete(id);
      await inner.delete(id);
    },
  };
}

describe('client/ on Node against the functions and the emulator', () => {
  let s: TestStack;
  let offsetMs = 0;

  before(async () => {
    // URLs live 5 minutes, so moving OSS's clock 10 minutes ahead expires them (header-signed calls
    // from the functions still pass: OSS allows 15 minutes of skew).
    s = await startStack({ env: { URL_EXPIRES_SECONDS: '300' }, emulator: { now: () => new Date(Date.now() + offsetMs) } });
  });
  after(() => s?.close());

  function options(extra: Partial<UploadOptions> = {}): UploadOptions & { events: UploadEvent[] } {
    const events: UploadEvent[] = [];
    return {
      api: s.functions.url,
      headers: { authorization: `Bearer ${s.jwt('alice')}` },
      partSize: PART,
      resume: memoryStore(),
      onEvent: (e) => events.push(e),
      events,
      ...extra,
    };
  }

  const blobOf = (data: Uint8Array) => new Blob([data as BlobPart]);
  const partPuts = (key: string, since = 0) => s.emulator.admin.requests.list({ op: 'UploadPart', keyPrefix: key, since });

  async function assertStored(key: string, data: Uint8Array) {
    const obj = await getObject(s.oss, key);
    assert.equal(Buffer.compare(obj.body, Buffer.from(data)), 0, 'stored bytes equal the file');
    assert.equal(obj.crc64, crc64(data));
  }

  async function openUploads(prefix = 'uploads/alice/') {
    const out = [];
    for await (const u of iterateMultipartUploads(s.oss, { prefix })) out.push(u);
    return out;
  }

  test('a Blob: init (which signs the parts) + complete, every byte stored, CRC-64 verified from the bytes read', async () => {
    const data = randomBytes(10 * PART + 1234);
    const o = options({ filename: 'data.bin' });
    const progress: number[] = [];
    const answer = await upload(blobOf(data), { ...o, onProgress: (p) => progress.push(p.uploadedBytes) });
    assert.equal(answer.size, data.length);
    assert.equal(answer.crc64, crc64(data).toString());
    await assertStored(answer.key, data);
    const calls = o.events.filter((e) => e.type === 'request').map((e) => (e as { op: string }).op);
    assert.deepEqual(calls, ['init', 'complete'], 'two calls for 11 parts: init signs them');
    assert.equal(partPuts(answer.key).length, 11);
    const verified = o.events.find((e) => e.type === 'verified');
    assert.deepEqual(verified, { type: 'verified', crc64: crc64(data).toString(), objectCrc64: answer.crc64, match: true });
    assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]), 'progress never goes back');
    assert.equal(progress.at(-1), data.length);
  });

  test('fs.openAsBlob: a file on disk, uploaded without reading it whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-node-'));
    try {
      const data = randomBytes(3 * PART + 7);
      writeFileSync(join(dir, 'movie.mp4'), data);
      const blob = await openAsBlob(join(dir, 'movie.mp4'), { type: 'video/mp4' });
      const answer = await upload(blob, options({ filename: 'movie.mp4' }));
      assert.match(answer.key, /\/movie\.mp4$/);
      await assertStored(answer.key, data);
      assert.equal((await headObject(s.oss, answer.key))?.contentType, 'video/mp4');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('resume after a failure: only the parts OSS does not hold are sent again', async () => {
    const data = randomBytes(12 * PART);
    const store = trackedStore();
    let key = '';
    let done = 0;
    const first = options({ filename: 'resume.bin', resume: store, concurrency: 2 });
    const failing = createUpload(blobOf(data), {
      ...first,
      onEvent: (e) => {
        if (e.type === 'upload') key = e.key;
        // After 5 parts, OSS refuses every part for good: the upload fails and stays stored.
        if (e.type === 'part-done' && ++done === 5) s.emulator.admin.faults.add({ op: 'UploadPart', action: 'error', status: 400, code: 'InvalidArgument', count: -1, keyPrefix: key });
      },
    });
    await assert.rejects(failing.start(), (e: Error) => e.name === 'PartUploadError');
    s.emulator.admin.faults.clear();
    const held = (await listParts(s.oss, key, (await openUploads()).find((u) => u.key === key)!.uploadId)).parts.map((p) => p.partNumber);
    assert.ok(held.length >= 5 && held.length < 12, `OSS holds ${held.length} parts`);

    const since = s.emulator.admin.requests.last;
    const o = options({ filename: 'resume.bin', resume: store });
    const answer = await upload(blobOf(data), o);
    assert.equal(answer.key, key, 'the same upload was finished');
    const resent = partPuts(key, since).map((r) => r.partNumber!).sort((a, b) => a - b);
    const missing = Array.from({ length: 12 }, (_, i) => i + 1).filter((n) => !held.includes(n));
    assert.deepEqual(resent, missing, 'exactly the missing parts were sent');
    assert.deepEqual(o.events.find((e) => e.type === 'resumed'), { type: 'resumed', partsKept: held.length, partsToSend: missing.length });
    assert.equal(o.events.filter((e) => e.type === 'request' && e.op === 'list').length, 1);
    await assertStored(key, data);
    assert.equal(store.ids.size, 0, 'a finished upload leaves nothing stored');
  });

  test('a resumed part whose bytes in OSS are not this file\'s is sent again', async () => {
    const data = randomBytes(4 * PART);
    const store = memoryStore();
    let key = '';
    const o1 = options({ filename: 'differs.bin', resume: store, concurrency: 1 });
    const failing = createUpload(blobOf(data), {
      ...o1,
      onEvent: (e) => {
        if (e.type === 'upload') key = e.key;
        if (e.type === 'part-done' && e.partNumber === 2) s.emulator.admin.faults.add({ op: 'UploadPart', action: 'error', status: 400, code: 'InvalidArgument', count: -1, keyPrefix: key });
      },
    });
    await assert.rejects(failing.start());
    s.emulator.admin.faults.clear();
    // Someone overwrote part 1 in OSS with other bytes (same size) since.
    const uploadId = (await openUploads()).find((u) => u.key === key)!.uploadId;
    const [url] = await presignUploadParts(s.oss, key, uploadId, [{ partNumber: 1 }], { expires: 60 });
    assert.equal((await fetch(url.url, { method: 'PUT', body: randomBytes(PART) })).status, 200);
    const since = s.emulator.admin.requests.last;
    const answer = await upload(blobOf(data), options({ filename: 'differs.bin', resume: store }));
    assert.deepEqual(partPuts(key, since).map((r) => r.partNumber).sort(), [1, 3, 4]);
    await assertStored(answer.key, data);
  });

  test('503 bursts and dropped connections on part PUTs: retried, every byte stored', async () => {
    const data = randomBytes(8 * PART + 5);
    const rules = s.emulator.admin.faults.add([
      { op: 'UploadPart', action: 'error', status: 503, count: 3 },
      { op: 'UploadPart', action: 'drop-before', count: 2 },
      { op: 'UploadPart', action: 'drop-after', count: 2 },
      { op: 'UploadPart', action: 'error', status: 500, count: 1 },
    ]);
    try {
      const o = options({ filename: 'faults.bin', retries: 8 });
      const answer = await upload(blobOf(data), o);
      await assertStored(answer.key, data);
      assert.equal(s.emulator.admin.faults.list().length, 0, 'every fault fired');
      const failed = partPuts(answer.key).filter((r) => r.status !== 200);
      assert.ok(failed.length >= 5, `${failed.length} PUTs failed`);
      assert.equal(o.events.filter((e) => e.type === 'part-retry').length, failed.length, 'each failed PUT was retried');
    } finally {
      for (const r of rules) s.emulator.admin.faults.remove(r.id);
    }
  });

  test('API calls are retried too: a 503 from OSS behind init and complete', async () => {
    s.emulator.admin.faults.add([
      { op: 'InitiateMultipartUpload', action: 'error', status: 503, count: 1 },
      { op: 'CompleteMultipartUpload', action: 'drop-after', count: 1 },
    ]);
    const data = randomBytes(2 * PART);
    const o = options({ filename: 'api-retry.bin' });
    const answer = await upload(blobOf(data), o);
    await assertStored(answer.key, data);
    assert.equal(s.emulator.admin.faults.list().length, 0);
  });

  test('OSS answering another CRC-64 for a part: that part is sent again', async () => {
    const data = randomBytes(3 * PART);
    let key = '';
    const o = options({ filename: 'crc-answer.bin' });
    const answer = await upload(blobOf(data), {
      ...o,
      onEvent: (e) => {
        o.onEvent!(e);
        if (e.type === 'upload') {
          key = e.key;
          s.emulator.admin.faults.add({ op: 'UploadPart', action: 'corrupt-crc', count: 1, keyPrefix: key });
        }
      },
    });
    assert.equal(partPuts(key).length, 4, 'three parts, one of them twice');
    assert.ok(o.events.some((e) => e.type === 'part-retry' && /CRC-64/.test(e.reason)));
    await assertStored(answer.key, data);
  });

  test('expired URLs: OSS answers 403 "Request has expired", the client signs again and carries on', async () => {
    const data = randomBytes(6 * PART);
    const o = options({ filename: 'expired.bin', concurrency: 1 });
    let flipped = false;
    try {
      const answer = await upload(blobOf(data), {
        ...o,
        onEvent: (e) => {
          o.onEvent!(e);
          // Once the first URLs are out, OSS's clock jumps past their expiry; it is put back when the
          // client asks for new URLs.
          if (e.type === 'part-done' && e.partNumber === 1 && !flipped) {
            flipped = true;
            offsetMs = 10 * 60_000;
          }
          if (e.type === 'request' && e.op === 'sign' && flipped) offsetMs = 0;
        },
      });
      await assertStored(answer.key, data);
    } finally {
      offsetMs = 0;
    }
    const resign = o.events.find((e) => e.type === 'resign');
    assert.equal(resign?.type === 'resign' && resign.reason, 'expired');
    // init signed the first URLs; one sign call replaced the expired ones.
    assert.equal(o.events.filter((e) => e.type === 'request' && e.op === 'sign').length, 1);
  });

  test('pause stops the PUTs, resume finishes; progress never goes back', async () => {
    const data = randomBytes(10 * PART);
    const o = options({ filename: 'pause.bin', concurrency: 2 });
    const progress: number[] = [];
    let key = '';
    const up = createUpload(blobOf(data), {
      ...o,
      onProgress: (p) => progress.push(p.uploadedBytes),
      onEvent: (e) => {
        if (e.type === 'upload') key = e.key;
        if (e.type === 'part-done' && e.partNumber === 2) up.pause();
      },
    });
    s.emulator.admin.faults.add({ op: 'UploadPart', action: 'delay', ms: 50, count: -1 });
    try {
      const done = up.start();
      while (up.state !== 'paused') await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 150));
      const during = partPuts(key).length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(partPuts(key).length, during, 'no PUT while paused');
      up.resume();
      const answer = await done;
      await assertStored(answer.key, data);
    } finally {
      s.emulator.admin.faults.clear();
    }
    assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]));
    assert.equal(progress.at(-1), data.length);
  });

  test('abort: the multipart upload is gone from OSS, nothing stays stored, start() rejects', async () => {
    const data = randomBytes(10 * PART);
    const store = memoryStore();
    let key = '';
    const up = createUpload(blobOf(data), {
      ...options({ filename: 'abort.bin', resume: store, concurrency: 1 }),
      onEvent: (e) => {
        if (e.type === 'upload') key = e.key;
        if (e.type === 'part-done' && e.partNumber === 2) void up.abort();
      },
    });
    await assert.rejects(up.start(), UploadAbortedError);
    assert.equal(up.state, 'aborted');
    assert.deepEqual((await openUploads()).filter((u) => u.key === key), [], 'no multipart upload left');
    assert.equal(await headObject(s.oss, key), null);
    // Offered again, the file starts a new upload (nothing was remembered).
    const o = options({ filename: 'abort.bin', resume: store });
    const answer = await upload(blobOf(data), o);
    assert.notEqual(answer.key, key);
    assert.ok(!o.events.some((e) => e.type === 'resumed'));
  });

  test('signal: aborting it aborts the upload', async () => {
    const ctl = new AbortController();
    let key = '';
    const o = options({ filename: 'signal.bin', concurrency: 1, signal: ctl.signal });
    const p = upload(blobOf(randomBytes(6 * PART)), {
      ...o,
      onEvent: (e) => {
        if (e.type === 'upload') key = e.key;
        if (e.type === 'part-done') ctl.abort();
      },
    });
    await assert.rejects(p, UploadAbortedError);
    assert.deepEqual((await openUploads()).filter((u) => u.key === key), []);
  });

  test('the same file twice at once: the second is refused as busy', async () => {
    const data = blobOf(randomBytes(4 * PART));
    const a = upload(data, options({ filename: 'busy.bin' }));
    await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(upload(data, options({ filename: 'busy.bin' })), UploadBusyError);
    await a;
  });

  test('a stored upload that OSS no longer has starts over cleanly', async () => {
    const data = randomBytes(5 * PART);
    const store = memoryStore();
    let key = '';
    let uploadId = '';
    const failing = createUpload(blobOf(data), {
      ...options({ filename: 'gone.bin', resume: store, concurrency: 1 }),
      onEvent: (e) => {
        if (e.type === 'upload') ({ key, uploadId } = e);
        if (e.type === 'part-done' && e.partNumber === 2) s.emulator.admin.faults.add({ op: 'UploadPart', action: 'error', status: 400, code: 'InvalidArgument', count: -1, keyPrefix: key });
      },
    });
    await assert.rejects(failing.start());
    s.emulator.admin.faults.clear();
    await abortMultipartUpload(s.oss, key, uploadId); // e.g. the sweeper
    const o = options({ filename: 'gone.bin', resume: store });
    const answer = await upload(blobOf(data), o);
    assert.notEqual(answer.key, key);
    assert.ok(o.events.some((e) => e.type === 'restarted'));
    await assertStored(answer.key, data);
  });

  test('Content-MD5 mode: every PUT carries the MD5 the URL was signed for', async () => {
    const data = randomBytes(5 * PART + 3);
    const o = options({ filename: 'md5.bin', contentMd5: true });
    const answer = await upload(blobOf(data), o);
    await assertStored(answer.key, data);
    // init cannot sign them: each URL is signed for an MD5 computed after init.
    const calls = o.events.filter((e) => e.type === 'request').map((e) => (e as { op: string }).op);
    assert.equal(calls[0], 'init');
    assert.ok(calls.includes('sign'), calls.join());
    const puts = partPuts(answer.key);
    assert.equal(puts.length, 6);
  });

  test('errors: the API\'s refusal as an ApiError with its code; a nameless Blob needs a filename', async () => {
    await assert.rejects(upload(blobOf(randomBytes(10)), options({ filename: 'x.bin', contentType: 'bad type' })), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.equal(e.apiCode, 'VALIDATION_FAILED');
      return true;
    });
    await assert.rejects(upload(blobOf(randomBytes(10)), options()), TypeError);
    await assert.rejects(upload(blobOf(randomBytes(10)), { ...options({ filename: 'x' }), headers: {} }), (e: unknown) => e instanceof ApiError && e.apiCode === 'UNAUTHENTICATED');
  });

  test('an empty file is one empty part', async () => {
    const answer = await upload(blobOf(new Uint8Array(0)), options({ filename: 'empty.txt' }));
    assert.equal(answer.size, 0);
    assert.equal(answer.crc64, '0');
  });

  test('a part that keeps going bad in OSS: complete refuses it each time, the client sends it again, then gives up with IntegrityError and no object', async () => {
    const data = randomBytes(3 * PART);
    let key = '';
    const o = options({ filename: 'corrupt.bin' });
    const p = upload(blobOf(data), {
      ...o,
      onEvent: (e) => {
        o.onEvent!(e);
        if (e.type === 'upload') {
          key = e.key;
          s.emulator.admin.faults.add({ op: 'UploadPart', action: 'corrupt-part', count: -1, keyPrefix: key });
        }
      },
    });
    await assert.rejects(p, (e: unknown) => e instanceof IntegrityError && e.stored === false);
    s.emulator.admin.faults.clear();
    const completes = o.events.filter((e) => e.type === 'request' && e.op === 'complete').map((e) => (e as { status: number }).status);
    assert.deepEqual(completes, [502, 502, 502]);
    assert.equal(await headObject(s.oss, key), null, 'never assembled');
  });
});

describe('client/ on Node: a stored upload whose token is about to expire', () => {
  let s: TestStack;
  before(async () => {
    // Tokens live 60 s, under the 5 minutes a stored upload must have left to be resumed.
    s = await startStack({ env: { UPLOAD_TOKEN_TTL_SECONDS: '60' } });
  });
  after(() => s?.close());

  test('is not resumed: the old upload is aborted and a new one finishes', async () => {
    const data = randomBytes(4 * PART);
    const store = memoryStore();
    const base = { api: s.functions.url, headers: { authorization: `Bearer ${s.jwt('alice')}` }, partSize: PART, resume: store, filename: 'short.bin' };
    let old = { key: '', uploadId: '' };
    const failing = createUpload(new Blob([data]), {
      ...base,
      concurrency: 1,
      onEvent: (e) => {
        if (e.type === 'upload') old = { key: e.key, uploadId: e.uploadId };
        if (e.type === 'part-done' && e.partNumber === 2) s.emulator.admin.faults.add({ op: 'UploadPart', action: 'error', status: 400, code: 'InvalidArgument', count: -1, keyPrefix: old.key });
      },
    });
    await assert.rejects(failing.start());
    s.emulator.admin.faults.clear();
    const events: UploadEvent[] = [];
    const answer = await upload(new Blob([data]), { ...base, onEvent: (e) => events.push(e) });
    assert.notEqual(answer.key, old.key);
    assert.ok(events.some((e) => e.type === 'restarted' && /expires soon/.test(e.reason)));
    assert.ok(events.some((e) => e.type === 'request' && e.op === 'abort' && e.status === 200), 'the old upload was aborted');
    const open = [];
    for await (const u of iterateMultipartUploads(s.oss, { prefix: 'uploads/alice/' })) open.push(u);
    assert.deepEqual(open, []);
  });
});

describe('client/ on Node: a server that signs at most 4 parts per call', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack({ env: { MAX_PARTS_PER_SIGN: '4' } });
  });
  after(() => s?.close());

  test('init signs 4, and sign asks for 4 at a time from then on: no refused call, no part sent twice', async () => {
    const data = randomBytes(10 * PART + 1);
    const events: UploadEvent[] = [];
    const answer = await upload(new Blob([data]), {
      api: s.functions.url,
      headers: { authorization: `Bearer ${s.jwt('alice')}` },
      partSize: PART,
      resume: false,
      filename: 'capped.bin',
      onEvent: (e) => events.push(e),
    });
    const obj = await getObject(s.oss, answer.key);
    assert.equal(Buffer.compare(obj.body, data), 0, 'stored bytes equal the file');
    const calls = events.filter((e) => e.type === 'request').map((e) => `${(e as { op: string }).op} ${(e as { status: number }).status}`);
    assert.deepEqual(calls, ['init 201', 'sign 200', 'sign 200', 'complete 200'], '11 parts: 4 from init, 4 + 3 from sign');
    assert.equal(s.emulator.admin.requests.list({ op: 'UploadPart', keyPrefix: answer.key }).length, 11);
  });
});

// Heavy (npm run test:faults): a full 10,000-part multipart upload, OSS's maximum, through the
// emulator on disk. 10,000 parts of 100 KiB (OSS's minimum part size) is about 1 GB, streamed to
// disk part by part; ListParts pages through 10 pages of 1000, Complete assembles all of them,
// and the object's size and CRC-64 are checked against what was sent, computed here without ever
// holding the object (each part's CRC is combined in order).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/server.ts';
import { OssClient } from '../../shared/oss/client.ts';
import { headObject } from '../../shared/oss/objects.ts';
import { completeMultipartUpload, initiateMultipartUpload } from '../../shared/oss/multipart.ts';
import { listPartPages } from '../../shared/oss/paginators.ts';
import { presignUploadParts } from '../../shared/oss/presign.ts';
import { crc64, crc64Combine } from '../../shared/oss/crc64.ts';
import { pool } from '../helpers/pool.ts';

const BUCKET = 'big-bucket';
const PARTS = 10_000;
const PART_SIZE = 100 * 1024;
const LAST_SIZE = 1234;

let emulator: RunningEmulator;
let dir: string;
let oss: OssClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emu-10000-'));
  emulator = await startEmulator({ port: 0, dataDir: dir, buckets: [BUCKET] });
  oss = new OssClient({ region: emulator.region, bucket: BUCKET, credentials: emulator.credentials, endpoint: emulator.url, pathStyle: true });
});

after(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Part n's bytes: a shared random block with the part number stamped in, so every part differs. */
function partBytes(base: Buffer, n: number): Buffer {
  const size = n === PARTS ? LAST_SIZE : PART_SIZE;
  const b = Buffer.from(base.subarray(0, size));
  b.writeUInt32BE(n, 0);
  return b;
}

test('10,000 parts: upload, ListParts paging, Complete, size and CRC-64 of the object', { timeout: 600_000 }, async () => {
  const key = 'big/ten-thousand-parts.bin';
  const { uploadId } = await initiateMultipartUpload(oss, key);
  const base = randomBytes(PART_SIZE);
  const urls = new Map<number, string>();
  for (let first = 1; first <= PARTS; first += 1000) {
    const batch = Array.from({ length: Math.min(1000, PARTS - first + 1) }, (_, i) => ({ partNumber: first + i }));
    const signed = await presignUploadParts(oss, key, uploadId, batch, { expires: 3600 });
    signed.forEach((s, i) => urls.set(batch[i].partNumber, s.url));
  }

  const crcs = new Array<bigint>(PARTS + 1);
  const partNumbers = Array.from({ length: PARTS }, (_, i) => i + 1);
  // After a failure no new part starts, so nothing keeps uploading while `after` stops the emulator.
  await pool(partNumbers, 16, async (n) => {
    const body = partBytes(base, n);
    crcs[n] = crc64(body);
    const res = await fetch(urls.get(n)!, { method: 'PUT', body: body as unknown as BodyInit });
    assert.equal(res.status, 200, `part ${n}: ${res.status} ${await res.text()}`);
    assert.equal(res.headers.get('x-oss-hash-crc64ecma'), crcs[n].toString(), `part ${n} CRC`);
  });

  let pages = 0;
  let listed = 0;
  for await (const page of listPartPages(oss, key, uploadId)) {
    pages++;
    for (const p of page.parts) {
      listed++;
      assert.equal(p.partNumber, listed, 'ascending, no gaps');
      assert.equal(p.crc64, crcs[p.partNumber]);
    }
  }
  assert.equal(listed, PARTS);
  assert.equal(pages, 10);

  let expected = 0n;
  for (let n = 1; n <= PARTS; n++) expected = crc64Combine(expected, crcs[n], n === PARTS ? LAST_SIZE : PART_SIZE);
  const size = (PARTS - 1) * PART_SIZE + LAST_SIZE;
  // The emulator concatenates ~1 GB on disk; on a loaded 2-core machine that can pass the client's
  // 30 s per-attempt default, and a retry would then meet the finished upload (NoSuchUpload).
  const done = await completeMultipartUpload(oss, key, uploadId, { completeAll: true, timeoutMs: 300_000 });
  assert.equal(done.kind, 'completed');
  assert.equal(done.crc64, expected);
  assert.match((done as { etag: string }).etag, /-10000"$/, 'multipart ETag names the part count');
  const head = await headObject(oss, key);
  assert.equal(head?.size, size);
  assert.equal(head?.crc64, expected);
  assert.equal(head?.objectType, 'Multipart');
});

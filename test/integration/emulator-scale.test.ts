// Scale of the multipart logic: 1,001 parts of 100 KiB (in memory) through ListParts paging past
// the 1000-part page, a Complete naming every part, the combined CRC-64 and the multipart ETag.
// (A real 10,000-part upload is 1 GB at the minimum part size: too slow for `npm test`.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { encodePath, signHeader, toQueryString, type QueryPairs } from '../../shared/oss/signer';
import { Crc64 } from '../../shared/oss/crc64';

const BUCKET = 'scale-bucket';
const PART = 100 * 1024;
const PARTS = 1001;

let em: RunningEmulator;

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
});
after(() => em.close());

async function signed(method: string, key: string, opts: { query?: QueryPairs; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Response> {
  const sig = signHeader('v4', { method, bucket: BUCKET, key, query: opts.query ?? [], headers: opts.headers ?? {} }, { credentials: em.credentials, region: 'cn-hangzhou' });
  const q = toQueryString(opts.query ?? []);
  return fetch(`${em.url}/${BUCKET}/${encodePath(key)}${q ? `?${q}` : ''}`, { method, headers: sig.headers, body: opts.body as BodyInit | undefined });
}

/** Part n's bytes: a shared random block with the part number stamped in, so parts differ. */
const block = randomBytes(PART);
function partBytes(n: number): Buffer {
  const b = Buffer.from(n === PARTS ? block.subarray(0, 777) : block);
  b.writeUInt32BE(n, 0);
  return b;
}

test(`${PARTS} parts of 100 KiB: ListParts pages, Complete, CRC-64 and ETag`, { timeout: 60_000 }, async () => {
  const key = 'scale/big.bin';
  const init = await signed('POST', key, { query: [['uploads', '']] });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await init.text())![1];

  // Upload in reverse order, 16 at a time (order of arrival must not matter).
  const etags = new Map<number, string>();
  const numbers = Array.from({ length: PARTS }, (_, i) => PARTS - i);
  for (let i = 0; i < numbers.length; i += 16) {
    await Promise.all(
      numbers.slice(i, i + 16).map(async (n) => {
        const r = await signed('PUT', key, { query: [['partNumber', String(n)], ['uploadId', uploadId]], body: partBytes(n) });
        assert.equal(r.status, 200);
        etags.set(n, r.headers.get('etag')!);
      }),
    );
  }

  // Default page: 1000 parts, truncated; the next page has the last one.
  const page1 = await (await signed('GET', key, { query: [['uploadId', uploadId]] })).text();
  assert.match(page1, /<MaxParts>1000<\/MaxParts>/);
  assert.match(page1, /<IsTruncated>true<\/IsTruncated>/);
  assert.match(page1, /<NextPartNumberMarker>1000<\/NextPartNumberMarker>/);
  assert.equal((page1.match(/<Part>/g) ?? []).length, 1000);
  const page2 = await (await signed('GET', key, { query: [['uploadId', uploadId], ['part-number-marker', '1000']] })).text();
  assert.match(page2, /<IsTruncated>false<\/IsTruncated>/);
  assert.equal((page2.match(/<Part>/g) ?? []).length, 1);
  assert.match(page2, /<PartNumber>1001<\/PartNumber>/);
  const tooMany = await signed('GET', key, { query: [['uploadId', uploadId], ['max-parts', '1001']] });
  assert.equal(tooMany.status, 400);

  const xml = `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>${[...etags.keys()]
    .sort((a, b) => a - b)
    .map((n) => `<Part><PartNumber>${n}</PartNumber><ETag>${etags.get(n)}</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;
  const done = await signed('POST', key, { query: [['uploadId', uploadId]], body: Buffer.from(xml) });
  assert.equal(done.status, 200, await done.clone().text());

  const crc = new Crc64();
  const md5s = createHash('md5');
  let size = 0;
  for (let n = 1; n <= PARTS; n++) {
    const b = partBytes(n);
    crc.update(b);
    md5s.update(createHash('md5').update(b).digest());
    size += b.length;
  }
  assert.equal(done.headers.get('x-oss-hash-crc64ecma'), crc.digest().toString());
  assert.equal(done.headers.get('etag'), `"${md5s.digest('hex').toUpperCase()}-${PARTS}"`);

  const head = await signed('HEAD', key);
  assert.equal(head.headers.get('content-length'), String(size));
  // A range across the boundary of parts 500 and 501.
  const at = 500 * PART - 4;
  const range = await signed('GET', key, { headers: { Range: `bytes=${at}-${at + 7}` } });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get('content-range'), `bytes ${at}-${at + 7}/${size}`);
  const got = Buffer.from(await range.arrayBuffer());
  assert.ok(got.equals(Buffer.concat([partBytes(500).subarray(PART - 4), partBytes(501).subarray(0, 4)])));
  // The parts' memory is released with the upload: only the object's blob remains.
  assert.equal(em.admin.storage.listParts(BUCKET, uploadId).length, 0);
});

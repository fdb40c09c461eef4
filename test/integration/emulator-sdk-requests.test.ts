// The requests the official Python SDKs send, replayed byte for byte against the emulator, and the
// answers OSS gives them (docs/oss.md; the EC table in infra/emulator/README.md). The SDKs cannot
// run here (no PyPI), so each request is rebuilt from the SDK source it comes from, cited as
// repo@commit path:line:
//   oss2 = aliyun/aliyun-oss-python-sdk@eb329ec (2.19.1)
//   v2   = aliyun/alibabacloud-oss-python-sdk-v2@ebe9a43 (1.3.2)
//   go2  = aliyun/alibabacloud-oss-go-sdk-v2@b3226d1 (its integration tests record real OSS answers)
// Requests are signed with our signer (V1 and V4, as the SDKs sign them), so the query string is
// exactly the SDK's.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { encodePath, presignV1, signHeader, type QueryPairs, type SignatureVersion } from '../../shared/oss/signer';
import { crc64 } from '../../shared/oss/crc64';

const BUCKET = 'sdk-bucket';
const KiB = 1024;
let em: RunningEmulator;

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
});
after(() => em.close());

/** A request signed in header form; `rawQuery` is sent as written (the SDK's exact query string). */
async function send(
  method: string,
  key: string,
  opts: { query?: QueryPairs; rawQuery?: string; headers?: Record<string, string>; body?: Uint8Array | string | ReadableStream; version?: SignatureVersion; bucket?: string; mutate?: (h: Record<string, string>) => void } = {},
): Promise<Response> {
  const query = opts.query ?? [];
  const sig = signHeader(opts.version ?? 'v4', { method, bucket: opts.bucket ?? BUCKET, key: key || undefined, query, headers: opts.headers ?? {} }, { credentials: em.credentials, region: 'cn-hangzhou' });
  opts.mutate?.(sig.headers);
  const raw = opts.rawQuery ?? query.map(([k, v]) => (v === '' ? `${encodeURIComponent(k)}=` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
  const init: RequestInit & { duplex?: 'half' } = { method, headers: sig.headers, body: body as BodyInit | undefined };
  if (body instanceof ReadableStream) init.duplex = 'half';
  return fetch(`${em.url}/${opts.bucket ?? BUCKET}/${encodePath(key)}${raw ? `?${raw}` : ''}`, init);
}

async function put(key: string, body: Uint8Array): Promise<void> {
  const res = await send('PUT', key, { body });
  assert.equal(res.status, 200, await res.text());
}

async function newUpload(key: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await send('POST', key, { query: [['uploads', '']], headers });
  assert.equal(res.status, 200);
  return /<UploadId>([^<]+)<\/UploadId>/.exec(await res.text())![1];
}

async function putPart(key: string, uploadId: string, n: number, body: Uint8Array): Promise<string> {
  const res = await send('PUT', key, { query: [['partNumber', String(n)], ['uploadId', uploadId]], body });
  assert.equal(res.status, 200, await res.text());
  return res.headers.get('etag')!;
}

const completeXml = (parts: Array<[number, string]>) =>
  `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;

/** An OSS error: status, Code and the EC in both x-oss-ec and the body (or x-oss-err for HEAD). */
async function expectError(res: Response, status: number, code: string, ec: string): Promise<string> {
  const text = await res.text();
  const xml = res.headers.get('x-oss-err') ? Buffer.from(res.headers.get('x-oss-err')!, 'base64').toString('utf8') : text;
  assert.equal(`${res.status} ${/<Code>([^<]*)<\/Code>/.exec(xml)?.[1]}`, `${status} ${code}`, xml);
  assert.equal(res.headers.get('x-oss-ec'), ec, xml);
  assert.match(xml, new RegExp(`<EC>${ec}</EC>`));
  return xml;
}

describe('GetObjectMeta: oss2 object_exists / get_object_meta, v2 is_object_exist / get_object_meta', () => {
  const data = randomBytes(3 * KiB + 7);
  before(() => put('meta/a.bin', data));

  // oss2 api.py:1308-1311 (params {'objectMeta': ''}, HEAD); v2 operations/object_basic.py:308-312.
  // requests writes the empty value as `objectMeta=`.
  for (const version of ['v1', 'v4'] as const) {
    test(`HEAD ?objectMeta= (${version}): size, ETag, Last-Modified, CRC-64; no body`, async () => {
      const res = await send('HEAD', 'meta/a.bin', { query: [['objectMeta', '']], version });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '');
      assert.equal(res.headers.get('content-length'), String(data.length));
      assert.equal(res.headers.get('etag'), `"${createHash('md5').update(data).digest('hex').toUpperCase()}"`);
      assert.ok(!Number.isNaN(Date.parse(res.headers.get('last-modified')!)));
      // go2 oss/client_integration_test.go:1849-1853 (TestGetObjectMeta) expects HashCRC64 from OSS.
      assert.equal(res.headers.get('x-oss-hash-crc64ecma'), crc64(data).toString());
      // Only the meta: HeadObject's other headers are not part of GetObjectMeta.
      assert.equal(res.headers.get('x-oss-object-type'), null);
    });
  }

  test('a missing key: 404 NoSuchKey in x-oss-err, which object_exists turns into False', async () => {
    // oss2 api.py:1334-1341 (NoSuchKey/NotFound -> False), exceptions.py:325-330 (reads x-oss-err);
    // v2 client.py:894-895 (NoSuchKey -> False).
    const res = await send('HEAD', 'meta/none.bin', { query: [['objectMeta', '']] });
    await expectError(res, 404, 'NoSuchKey', '0026-00000001');
  });
});

test('ListParts with the empty part-number-marker oss2 sends by default', async () => {
  const key = 'lp/oss2.bin';
  const uploadId = await newUpload(key);
  await putPart(key, uploadId, 1, randomBytes(10));
  await putPart(key, uploadId, 2, randomBytes(10));
  // oss2 api.py:1777-1800: list_parts(key, upload_id, marker='', max_parts=1000) sends these three, in this order.
  const query: QueryPairs = [['uploadId', uploadId], ['part-number-marker', ''], ['max-parts', '1000']];
  const res = await send('GET', key, { query, rawQuery: `uploadId=${uploadId}&part-number-marker=&max-parts=1000`, version: 'v1' });
  const xml = await res.text();
  assert.equal(res.status, 200, xml);
  assert.deepEqual([...xml.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1])), [1, 2]);
  // A marker that is there still pages.
  const page = await (await send('GET', key, { query: [['uploadId', uploadId], ['part-number-marker', '1'], ['max-parts', '1000']] })).text();
  assert.deepEqual([...page.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1])), [2]);
});

describe('Range, without and with x-oss-range-behavior: standard', () => {
  const size = 1000;
  const data = randomBytes(size);
  before(() => put('range/a.bin', data));

  // [Range, standard?, status, [start, end] served (206) or undefined (200 whole, 416 none)].
  // oss2 api.py:3423-3443 writes `bytes=<start>-<end>` from byte_range; v2 models/object_basic.py:407
  // sends range_behavior as x-oss-range-behavior, and filelike.py:625 asks `bytes=<offset>-` with standard.
  const cases: Array<[string, boolean, number, [number, number]?]> = [
    ['bytes=0-9', false, 206, [0, 9]],
    ['bytes=0-9', true, 206, [0, 9]],
    ['bytes=990-', false, 206, [990, 999]],
    ['bytes=-10', false, 206, [990, 999]],
    ['bytes=0-999', false, 206, [0, 999]],
    // The end past the object: ignored by default, cut to the object with standard.
    ['bytes=500-2000', false, 200],
    ['bytes=500-2000', true, 206, [500, 999]],
    ['bytes=0-1000', false, 200],
    // The start past the object: ignored by default, 416 with standard.
    ['bytes=1000-2000', false, 200],
    ['bytes=1000-2000', true, 416],
    ['bytes=1000-', false, 200],
    ['bytes=1000-', true, 416],
    // A suffix longer than the object.
    ['bytes=-2000', false, 200],
    ['bytes=-2000', true, 206, [0, 999]],
    // Not a range at all: ignored in both modes.
    ['byte=0-499', false, 200],
    ['byte=0-499', true, 200],
    ['bytes=9-5', false, 200],
    ['bytes=9-5', true, 200],
    ['bytes=abc', true, 200],
    // Several ranges: OSS serves only the first by default; standard refuses them.
    ['bytes=0-9,20-29', false, 206, [0, 9]],
    ['bytes=0-9,20-29', true, 416],
  ];
  for (const [range, standard, status, served] of cases) {
    test(`${range}${standard ? ' (standard)' : ''} -> ${status}`, async () => {
      const headers: Record<string, string> = { Range: range };
      if (standard) headers['x-oss-range-behavior'] = 'standard';
      const res = await send('GET', 'range/a.bin', { headers });
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, status, body.toString().slice(0, 300));
      if (status === 416) {
        assert.equal(res.headers.get('content-range'), `bytes */${size}`);
        assert.match(body.toString(), /<Code>InvalidRange<\/Code>/);
      } else if (served) {
        assert.equal(res.headers.get('content-range'), `bytes ${served[0]}-${served[1]}/${size}`);
        assert.ok(body.equals(data.subarray(served[0], served[1] + 1)));
      } else {
        assert.equal(res.headers.get('content-range'), null);
        assert.ok(body.equals(data));
      }
    });
  }
});

test('x-oss-complete-all: yes with a body: 400 InvalidArgument, EC 0042-00000216, and the upload stays', async () => {
  const key = 'ca/with-body.bin';
  const uploadId = await newUpload(key);
  const etag = await putPart(key, uploadId, 1, randomBytes(10));
  // oss2 api.py:1646-1657 sends the part list as the body whatever the headers; OSS's answer is
  // recorded in go2 oss/client_integration_test.go:2492-2508 (message, code and EC).
  const res = await send('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' }, body: completeXml([[1, etag]]) });
  const xml = await expectError(res, 400, 'InvalidArgument', '0042-00000216');
  assert.match(xml, /<Message>Should not speficy both complete all header and http body\.<\/Message>/);
  const done = await send('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' } });
  assert.equal(done.status, 200, await done.text());
});

describe('documented ECs (infra/emulator/README.md, "Error codes")', () => {
  test('multipart: NoSuchUpload per operation, Complete part order, part size, forbid-overwrite, XML', async () => {
    const ghost = [['uploadId', '0123456789ABCDEF0123456789ABCDEF']] as QueryPairs;
    await expectError(await send('PUT', 'ec/ghost.bin', { query: [['partNumber', '1'], ...ghost], body: 'x' }), 404, 'NoSuchUpload', '0042-00000104');
    await expectError(await send('GET', 'ec/ghost.bin', { query: ghost }), 404, 'NoSuchUpload', '0042-00000002');
    await expectError(await send('DELETE', 'ec/ghost.bin', { query: ghost }), 404, 'NoSuchUpload', '0042-00000002');

    const key = 'ec/mp.bin';
    const uploadId = await newUpload(key, { 'x-oss-forbid-overwrite': 'true' });
    const q: QueryPairs = [['uploadId', uploadId]];
    const e1 = await putPart(key, uploadId, 1, randomBytes(10));
    const e2 = await putPart(key, uploadId, 2, randomBytes(10));
    await expectError(await send('POST', key, { query: q, body: completeXml([[2, e2], [1, e1]]) }), 400, 'InvalidPartOrder', '0042-00000209');
    await expectError(await send('POST', key, { query: q, body: completeXml([[1, e1], [2, e2]]) }), 400, 'EntityTooSmall', '0042-00000213');
    await expectError(await send('POST', key, { query: q, body: '<CompleteMultipartUpload><Part></CompleteMultipartUpload>' }), 400, 'MalformedXML', '0042-00000205');
    await put(key, randomBytes(5));
    await expectError(await send('POST', key, { query: q, body: completeXml([[2, e2]]) }), 409, 'FileAlreadyExists', '0042-00000214');
  });

  test('part numbers, Content-MD5, Content-Length, conditions, object names, expired URLs', async () => {
    const key = 'ec/parts.bin';
    const uploadId = await newUpload(key);
    const xml = await expectError(await send('PUT', key, { query: [['partNumber', '0'], ['uploadId', uploadId]], body: 'x' }), 400, 'InvalidArgument', '0017-00000220');
    assert.match(xml, /<ArgumentName>PartNumber<\/ArgumentName><ArgumentValue>0<\/ArgumentValue>/);
    await expectError(await send('PUT', key, { query: [['uploadId', uploadId]], body: 'x' }), 400, 'InvalidArgument', '0017-00000219');
    await expectError(await send('PUT', 'ec/md5.bin', { headers: { 'Content-MD5': 'not-base64' }, body: 'x' }), 400, 'InvalidDigest', '0017-00000502');
    await expectError(await send('PUT', 'ec/md5.bin', { headers: { 'Content-MD5': createHash('md5').update('y').digest('base64') }, body: 'x' }), 400, 'InvalidDigest', '0017-00000503');
    const chunked = new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1])), c.close()) });
    await expectError(await send('PUT', key, { query: [['partNumber', '1'], ['uploadId', uploadId]], body: chunked }), 411, 'MissingContentLength', '0017-00000101');

    await put('ec/cond.bin', randomBytes(3));
    await expectError(await send('GET', 'ec/cond.bin', { headers: { 'If-Match': '"0"' } }), 412, 'PreconditionFailed', '0017-00001001');
    await expectError(await send('GET', 'ec/none.bin'), 404, 'NoSuchKey', '0026-00000001');
    await expectError(await send('PUT', `ec/${'k'.repeat(1024)}`, { body: 'x' }), 400, 'InvalidObjectName', '0016-00000003');
    await expectError(await send('PUT', '/ec/slash.bin', { body: 'x' }), 400, 'InvalidObjectName', '0016-00000005');
    await expectError(await send('GET', 'ec/none.bin', { bucket: 'no-such-bucket-here' }), 404, 'NoSuchBucket', '0015-00000101');

    const past = new Date(Date.now() - 3600_000);
    const expired = presignV1({ method: 'GET', bucket: BUCKET, key: 'ec/cond.bin' }, { credentials: em.credentials, region: 'cn-hangzhou', expires: 60, date: past });
    const qs = expired.query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    await expectError(await fetch(`${em.url}/${BUCKET}/ec/cond.bin?${qs}`), 403, 'AccessDenied', '0002-00000069');
  });

  test('the README table lists every EC the emulator sends, and nothing else', () => {
    const source = readFileSync(new URL('../../infra/emulator/errors.ts', import.meta.url), 'utf8');
    const inCode = new Set(source.match(/\d{4}-\d{8}/g)!.filter((ec) => ec !== '0000-00000000'));
    const readme = readFileSync(new URL('../../infra/emulator/README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Error codes (EC)'));
    const rows = [...section.matchAll(/^\| `(\d{4}-\d{8})` \|([^|]*)\|([^|]*)\|([^|]*)\|$/gm)];
    assert.deepEqual([...new Set(rows.map((r) => r[1]))].sort(), [...inCode].sort());
    for (const r of rows) assert.ok(r[4].trim() !== '', `${r[1]}: a source or "placeholder"`);
  });
});

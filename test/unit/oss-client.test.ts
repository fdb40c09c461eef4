// The OSS client against a scripted fake OSS on loopback (test/unit/oss-client-server.ts): what goes
// on the wire (method, path, query, headers, body), that every request's signature re-computes
// from exactly what arrived (V1 and V4, header and presigned), response parsing, paging, errors,
// callbacks, retries, timeouts.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { OssClient, type OssClientOptions } from '../../shared/oss/client';
import { presign, presignUploadPart } from '../helpers/oss';
import { presignUploadParts } from '../../shared/oss/presign';
import { abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, listMultipartUploads, listParts } from '../../shared/oss/multipart';
import { deleteObject, getObject, headObject, putObject } from '../../shared/oss/objects';
import { iterateMultipartUploads, listAllParts, listPartPages } from '../../shared/oss/paginators';
import { OssError, OssNetworkError, OssTimeoutError } from '../../shared/oss/errors';
import type { Credentials } from '../../shared/oss/signer';
import { FakeOss, errorXml, type Recorded } from './oss-client-server';

const BUCKET = 'test-bucket';
const CREDS: Credentials = { accessKeyId: 'LTAI5tTestAccessKey', accessKeySecret: 'TestSecretKeyValue0123456789' };
const STS: Credentials = { accessKeyId: 'STS.NTestKey', accessKeySecret: 'StsSecretValue0123456789', securityToken: 'CAIS+sts/token==SECRET' };
const FAST = { max: 3, baseMs: 1, capMs: 5 };

let oss: FakeOss;

before(async () => {
  oss = await FakeOss.start({ bucket: BUCKET, credentials: [CREDS, STS] });
});
after(async () => {
  await oss.close();
});
beforeEach(() => {
  oss.reset();
});

function client(extra: Partial<OssClientOptions> = {}): OssClient {
  return new OssClient({ region: 'cn-hangzhou', bucket: BUCKET, credentials: CREDS, endpoint: oss.url, retries: FAST, ...extra });
}

function only(): Recorded {
  assert.equal(oss.requests.length, 1, `expected 1 request, got ${oss.requests.length}`);
  return oss.requests[0];
}

function assertSigned(r: Recorded): void {
  assert.ok(r.sigOk, `signature did not verify: ${r.sigError}`);
}

const KEY = 'dir/测试 file+1.bin';
const KEY_PATH = '/test-bucket/dir/%E6%B5%8B%E8%AF%95%20file%2B1.bin';
const KEY_URL_ENCODED = 'dir%2F%E6%B5%8B%E8%AF%95%20file%2B1.bin';

const initiateXml = (key = KEY_URL_ENCODED, uploadId = '0004B9894A22E5B1888A1E29F823****') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult>\n  <Bucket>${BUCKET}</Bucket>\n  <Key>${key}</Key>\n  <UploadId>${uploadId}</UploadId>\n  <EncodingType>url</EncodingType>\n</InitiateMultipartUploadResult>\n`;

// ---------------------------------------------------------------------------------------------
// Initiate

for (const version of ['v4', 'v1'] as const) {
  test(`initiate (${version}): method, path, query, headers, signature, parsed result`, async () => {
    oss.reply({ body: initiateXml() });
    const c = client({ signatureVersion: version });
    const r = await initiateMultipartUpload(c, KEY, {
      contentType: 'video/mp4',
      metadata: { Owner: 'alice', 'upload-id': 'u1' },
      forbidOverwrite: true,
      storageClass: 'IA',
      tagging: { team: 'a b', 'k&': 'v=1' },
      serverSideEncryption: 'KMS',
      serverSideDataEncryption: 'SM4',
      sseKeyId: 'key-1',
      cacheControl: 'no-cache',
      contentDisposition: "attachment; filename*=UTF-8''%E6%B5%8B.bin",
    });
    const req = only();
    assertSigned(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.rawPath, KEY_PATH);
    assert.equal(req.rawQuery, 'uploads&encoding-type=url');
    assert.equal(req.body.length, 0);
    const h = req.headers;
    assert.equal(h['content-type'], 'video/mp4');
    assert.equal(h['x-oss-meta-owner'], 'alice');
    assert.equal(h['x-oss-meta-upload-id'], 'u1');
    assert.equal(h['x-oss-forbid-overwrite'], 'true');
    assert.equal(h['x-oss-storage-class'], 'IA');
    assert.equal(h['x-oss-tagging'], 'team=a%20b&k%26=v%3D1');
    assert.equal(h['x-oss-server-side-encryption'], 'KMS');
    assert.equal(h['x-oss-server-side-data-encryption'], 'SM4');
    assert.equal(h['x-oss-server-side-encryption-key-id'], 'key-1');
    assert.equal(h['cache-control'], 'no-cache');
    assert.equal(h['content-disposition'], "attachment; filename*=UTF-8''%E6%B5%8B.bin");
    assert.match(h['user-agent'], /^oss-upload-functions\//);
    if (version === 'v4') {
      assert.match(h['authorization'], /^OSS4-HMAC-SHA256 Credential=LTAI5tTestAccessKey\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/);
      assert.match(h['x-oss-date'], /^\d{8}T\d{6}Z$/);
      assert.equal(h['x-oss-content-sha256'], 'UNSIGNED-PAYLOAD');
    } else {
      assert.match(h['authorization'], /^OSS LTAI5tTestAccessKey:[A-Za-z0-9+/]{27}=$/);
      assert.match(h['x-oss-date'], /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.equal(h['date'], undefined, 'V1 sends x-oss-date, not Date');
      assert.equal(h['x-oss-content-sha256'], undefined);
    }
    assert.deepEqual(r, { bucket: BUCKET, key: KEY, uploadId: '0004B9894A22E5B1888A1E29F823****', requestId: req.requestId });
  });

  test(`STS token (${version}): sent as x-oss-security-token and signed`, async () => {
    oss.reply({ body: initiateXml() });
    await initiateMultipartUpload(client({ signatureVersion: version, credentials: STS }), KEY);
    const req = only();
    assertSigned(req);
    assert.equal(req.headers['x-oss-security-token'], STS.securityToken);
    assert.ok(req.stringToSign!.length > 0);
  });
}

test('initiate: headers must be printable ASCII, keys must be valid; nothing is sent otherwise', async () => {
  const c = client();
  await assert.rejects(initiateMultipartUpload(c, KEY, { metadata: { name: 'naïve' } }), /x-oss-meta-name must be printable ASCII/);
  await assert.rejects(initiateMultipartUpload(c, KEY, { contentDisposition: 'attachment; filename="测.bin"' }), /content-disposition must be printable ASCII/i);
  await assert.rejects(initiateMultipartUpload(c, KEY, { metadata: { 'a b': 'x' } }), /invalid metadata name/);
  await assert.rejects(initiateMultipartUpload(c, '/abs'), /must not start with/);
  await assert.rejects(initiateMultipartUpload(c, ''), /non-empty/);
  await assert.rejects(initiateMultipartUpload(c, 'x'.repeat(1024)), /longer than 1023 bytes/);
  assert.equal(oss.requests.length, 0);
});

test('headers: names merged case-insensitively (later wins), identity encoding requested', async () => {
  oss.reply({ body: initiateXml() });
  await initiateMultipartUpload(client(), KEY, { contentType: 'a/b', headers: { 'content-type': 'c/d', 'X-OSS-Object-ACL': 'private' } });
  const req = only();
  assertSigned(req);
  assert.equal(req.headers['content-type'], 'c/d');
  assert.equal(req.headers['x-oss-object-acl'], 'private');
  assert.equal(req.headers['accept-encoding'], 'identity');
});

test('credentials provider is called for every attempt (STS rotation)', async () => {
  const rotation = [CREDS, STS, CREDS];
  let calls = 0;
  const c = client({ credentials: async () => rotation[calls++ % rotation.length] });
  oss.reply({ status: 503, body: errorXml('ServiceUnavailable', 'busy', 'X') }, { body: initiateXml() });
  await initiateMultipartUpload(c, KEY);
  oss.reply({ status: 204 });
  await abortMultipartUpload(c, KEY, 'U');
  assert.equal(calls, 3);
  assert.deepEqual(oss.requests.map((r) => r.accessKeyId), ['LTAI5tTestAccessKey', 'STS.NTestKey', 'LTAI5tTestAccessKey']);
  oss.requests.forEach(assertSigned);
  await assert.rejects(abortMultipartUpload(client({ credentials: () => ({ accessKeyId: '', accessKeySecret: 'x' }) }), KEY, 'U'), /non-empty accessKeyId/);
});

test('CNAME endpoint: path /<key>, signed for the bucket', async () => {
  const cname = await FakeOss.start({ bucket: BUCKET, credentials: [CREDS], style: 'cname' });
  try {
    cname.reply({ body: initiateXml() });
    const c = new OssClient({ region: 'cn-hangzhou', bucket: BUCKET, credentials: CREDS, endpoint: cname.url, cname: true });
    await initiateMultipartUpload(c, KEY);
    assert.equal(cname.requests[0].rawPath, '/dir/%E6%B5%8B%E8%AF%95%20file%2B1.bin');
    assertSigned(cname.requests[0]);
  } finally {
    await cname.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Complete

const completeXml = `<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult>
  <EncodingType>url</EncodingType>
  <Location>http://test-bucket.oss-cn-hangzhou.aliyuncs.com/${KEY_URL_ENCODED}</Location>
  <Bucket>${BUCKET}</Bucket>
  <Key>${KEY_URL_ENCODED}</Key>
  <ETag>"097DE458AD02B5F89F9D0530231876D9-3"</ETag>
</CompleteMultipartUploadResult>`;

for (const version of ['v4', 'v1'] as const) {
  test(`complete (${version}): exact body, Content-MD5, Content-Type, result with exact 20-digit CRC-64`, async () => {
    oss.reply({
      body: completeXml,
      headers: { etag: '"097DE458AD02B5F89F9D0530231876D9-3"', 'x-oss-hash-crc64ecma': '18446744073709551615', 'x-oss-version-id': 'v-1' },
    });
    const r = await completeMultipartUpload(client({ signatureVersion: version }), KEY, 'UP/LOAD+ID', {
      parts: [
        { partNumber: 2, etag: '"BBB"' },
        { partNumber: 1, etag: 'AAA' },
        { partNumber: 2, etag: 'BBB' },
        { partNumber: 5, etag: '"EEE"' },
      ],
      forbidOverwrite: false,
    });
    const req = only();
    assertSigned(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.rawPath, KEY_PATH);
    assert.equal(req.rawQuery, 'uploadId=UP%2FLOAD%2BID&encoding-type=url');
    assert.deepEqual(req.query, [['uploadId', 'UP/LOAD+ID'], ['encoding-type', 'url']]);
    const expectedBody =
      '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>' +
      '<Part><PartNumber>1</PartNumber><ETag>"AAA"</ETag></Part>' +
      '<Part><PartNumber>2</PartNumber><ETag>"BBB"</ETag></Part>' +
      '<Part><PartNumber>5</PartNumber><ETag>"EEE"</ETag></Part>' +
      '</CompleteMultipartUpload>';
    assert.equal(req.body.toString('utf8'), expectedBody);
    assert.equal(req.headers['content-md5'], createHash('md5').update(expectedBody).digest('base64'));
    assert.equal(req.headers['content-type'], 'application/xml');
    assert.equal(req.headers['content-length'], String(Buffer.byteLength(expectedBody)));
    assert.equal(req.headers['x-oss-forbid-overwrite'], 'false');
    assert.equal(req.headers['x-oss-callback'], undefined);
    assert.deepEqual(r, {
      kind: 'completed',
      bucket: BUCKET,
      key: KEY,
      etag: '"097DE458AD02B5F89F9D0530231876D9-3"',
      location: `http://test-bucket.oss-cn-hangzhou.aliyuncs.com/${KEY_URL_ENCODED}`,
      crc64: 18446744073709551615n,
      versionId: 'v-1',
      requestId: req.requestId,
    });
  });
}

test('complete with completeAll: x-oss-complete-all: yes and an empty body', async () => {
  oss.reply({ body: completeXml });
  const r = await completeMultipartUpload(client(), KEY, 'U', { completeAll: true });
  const req = only();
  assertSigned(req);
  assert.equal(req.headers['x-oss-complete-all'], 'yes');
  assert.equal(req.body.length, 0);
  assert.equal(req.headers['content-md5'], undefined);
  assert.equal(req.headers['content-type'], undefined);
  assert.equal(r.kind, 'completed');
  assert.equal(r.crc64, undefined);
});

test('complete: parts XOR completeAll, part validation, nothing sent', async () => {
  const c = client();
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', {}), /exactly one of parts or completeAll/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts: [{ partNumber: 1, etag: 'A' }], completeAll: true }), /exactly one/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts: [] }), /at least one part/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts: [{ partNumber: 1, etag: 'A' }, { partNumber: 1, etag: 'B' }] }), /twice/);
  await assert.rejects(completeMultipartUpload(c, KEY, '', { completeAll: true }), /uploadId/);
  assert.equal(oss.requests.length, 0);
});

const callback = { url: 'https://api.example.com/oss/callback?x=1', body: '{"bucket":${bucket},"object":${object},"size":${size},"u":${x:upload}}', bodyType: 'application/json' as const, sni: true };

test('complete with callback: base64 JSON headers; 200 body is the callback server JSON', async () => {
  oss.reply({
    headers: { 'content-type': 'application/json', etag: '"E-2"', 'x-oss-hash-crc64ecma': '12066172435287683848' },
    body: '{"ok":true,"upload":"u-1"}',
  });
  const r = await completeMultipartUpload(client(), KEY, 'U', {
    parts: [{ partNumber: 1, etag: 'A' }],
    callback,
    callbackVar: { 'x:upload': 'u-1', 'x:caller_id': 'alice' },
  });
  const req = only();
  assertSigned(req);
  assert.deepEqual(JSON.parse(Buffer.from(req.headers['x-oss-callback'], 'base64').toString('utf8')), {
    callbackUrl: 'https://api.example.com/oss/callback?x=1',
    callbackBody: callback.body,
    callbackBodyType: 'application/json',
    callbackSNI: true,
  });
  assert.deepEqual(JSON.parse(Buffer.from(req.headers['x-oss-callback-var'], 'base64').toString('utf8')), { 'x:upload': 'u-1', 'x:caller_id': 'alice' });
  assert.deepEqual(r, {
    kind: 'callback',
    bucket: BUCKET,
    key: KEY,
    etag: '"E-2"',
    crc64: 12066172435287683848n,
    callbackBody: { ok: true, upload: 'u-1' },
    requestId: req.requestId,
  });
});

test('complete with callback: a non-JSON 200 body is kept as text', async () => {
  oss.reply({ headers: { etag: '"E"' }, body: 'OK' });
  const r = await completeMultipartUpload(client(), KEY, 'U', { completeAll: true, callback });
  assert.equal(r.kind, 'callback');
  assert.equal(r.kind === 'callback' && r.callbackBody, 'OK');
});

test('complete: 203 CallbackFailed is a callback-failed result (the object is stored), not an error', async () => {
  oss.reply((req) => ({
    status: 203,
    headers: { etag: '"E-3"', 'x-oss-hash-crc64ecma': '5', 'x-oss-ec': '0007-00000203' },
    body: errorXml('CallbackFailed', 'Error status : 502.', req.requestId, { EC: '0007-00000203' }),
  }));
  const r = await completeMultipartUpload(client(), KEY, 'U', { parts: [{ partNumber: 1, etag: 'A' }], callback });
  const req = only();
  assert.deepEqual(r, {
    kind: 'callback-failed',
    bucket: BUCKET,
    key: KEY,
    etag: '"E-3"',
    crc64: 5n,
    code: 'CallbackFailed',
    message: 'Error status : 502.',
    ec: '0007-00000203',
    requestId: req.requestId,
  });
});

test('complete: callback and callback-var validation', async () => {
  const c = client();
  const parts = [{ partNumber: 1, etag: 'A' }];
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts, callback, callbackVar: { 'X:Upper': 'v' } }), /must be "x:" followed by lower-case/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts, callback, callbackVar: { 'y:a': 'v' } }), /must be "x:"/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts, callback: { ...callback, url: 'ftp://x' } }), /http or https/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts, callback: { ...callback, url: 'a;b;c;d;e;f' } }), /at most 5/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts, callback: { ...callback, sni: 'true' as unknown as boolean } }), /boolean/);
  await assert.rejects(completeMultipartUpload(c, KEY, 'U', { parts, callback: { ...callback, body: 'x'.repeat(6000) } }), /exceeds 5 KB/);
  assert.equal(oss.requests.length, 0);
});

// ---------------------------------------------------------------------------------------------
// ListParts

function partXml(n: number): string {
  // CRC-64s above 2^53 prove they are not parsed as numbers.
  const crc = (12066172435287683848n + BigInt(n)).toString();
  return `<Part><PartNumber>${n}</PartNumber><LastModified>2024-01-0${(n % 9) + 1}T07:01:34.000Z</LastModified><ETag>"ETAG${n}"</ETag><HashCrc64ecma>${crc}</HashCrc64ecma><Size>${102400 + n}</Size></Part>`;
}

function listPartsPage(nums: number[], marker: number, truncated: boolean): string {
  const next = nums.length ? nums[nums.length - 1] : 0;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult>\n<Bucket>${BUCKET}</Bucket><EncodingType>url</EncodingType><Key>${KEY_URL_ENCODED}</Key><UploadId>U</UploadId><StorageClass>Standard</StorageClass>\n<PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${next}</NextPartNumberMarker><MaxParts>2</MaxParts><IsTruncated>${truncated}</IsTruncated>\n${nums.map(partXml).join('\n')}\n</ListPartsResult>`;
}

test('listParts: one page, parsed, encoding-type=url always sent', async () => {
  oss.reply({ body: listPartsPage([1], 0, false) });
  const page = await listParts(client(), KEY, 'U', { maxParts: 2 });
  const req = only();
  assertSigned(req);
  assert.equal(req.method, 'GET');
  assert.equal(req.rawQuery, 'uploadId=U&encoding-type=url&max-parts=2');
  assert.equal(page.key, KEY);
  assert.equal(page.parts.length, 1);
  assert.deepEqual(page.parts[0], {
    partNumber: 1,
    etag: '"ETAG1"',
    size: 102401,
    crc64: 12066172435287683849n,
    lastModified: new Date('2024-01-02T07:01:34.000Z'),
  });
  assert.equal(page.isTruncated, false);
  assert.equal(page.nextPartNumberMarker, 1);
  assert.equal(page.storageClass, 'Standard');
  assert.equal(page.requestId, req.requestId);
});

test('listAllParts: pages with part-number-marker while IsTruncated (3 pages, last with one Part)', async () => {
  oss.reply({ body: listPartsPage([1, 2], 0, true) }, { body: listPartsPage([3, 4], 2, true) }, { body: listPartsPage([5], 4, false) });
  const parts = [];
  for await (const p of listAllParts(client(), KEY, 'U', { maxParts: 2 })) parts.push(p);
  assert.deepEqual(parts.map((p) => p.partNumber), [1, 2, 3, 4, 5]);
  assert.equal(parts[4].crc64, 12066172435287683853n);
  assert.deepEqual(
    oss.requests.map((r) => r.rawQuery),
    ['uploadId=U&encoding-type=url&max-parts=2', 'uploadId=U&encoding-type=url&max-parts=2&part-number-marker=2', 'uploadId=U&encoding-type=url&max-parts=2&part-number-marker=4'],
  );
  oss.requests.forEach(assertSigned);
});

test('listPartPages: a truncated page that does not advance is an error, not a loop', async () => {
  oss.reply({ body: listPartsPage([], 0, true) });
  const pages = listPartPages(client(), KEY, 'U');
  await pages.next();
  await assert.rejects(pages.next(), /NextPartNumberMarker/);
});

// ---------------------------------------------------------------------------------------------
// ListMultipartUploads

function uploadsPage(o: { keyMarker: string; uploadIdMarker: string; next?: [string, string]; uploads: Array<[string, string]>; prefixes?: string[] }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult>
  <Bucket>${BUCKET}</Bucket><EncodingType>url</EncodingType>
  <KeyMarker>${o.keyMarker}</KeyMarker><UploadIdMarker>${o.uploadIdMarker}</UploadIdMarker>
  <NextKeyMarker>${o.next?.[0] ?? ''}</NextKeyMarker><NextUploadIdMarker>${o.next?.[1] ?? ''}</NextUploadIdMarker>
  <Delimiter></Delimiter><Prefix>up%2Balice%2F</Prefix><MaxUploads>2</MaxUploads><IsTruncated>${o.next ? 'true' : 'false'}</IsTruncated>
  ${o.uploads.map(([k, u]) => `<Upload><Key>${k}</Key><UploadId>${u}</UploadId><StorageClass>Standard</StorageClass><Initiated>2024-02-03T04:05:06.000Z</Initiated></Upload>`).join('\n  ')}
  ${(o.prefixes ?? []).map((p) => `<CommonPrefixes><Prefix>${p}</Prefix></CommonPrefixes>`).join('')}
</ListMultipartUploadsResult>`;
}

test('listMultipartUploads / iterateMultipartUploads: paging on NextKeyMarker + NextUploadIdMarker, decoded keys', async () => {
  oss.reply(
    { body: uploadsPage({ keyMarker: '', uploadIdMarker: '', next: ['up%2Balice%2F%E6%B5%8B+b', 'U2'], uploads: [['up%2Balice%2Fa', 'U1'], ['up%2Balice%2F%E6%B5%8B+b', 'U2']] }) },
    { body: uploadsPage({ keyMarker: 'up%2Balice%2F%E6%B5%8B+b', uploadIdMarker: 'U2', uploads: [['up%2Balice%2Fz%2B', 'U3']], prefixes: ['up%2Balice%2Fd%2F'] }) },
  );
  const c = client();
  const all = [];
  for await (const u of iterateMultipartUploads(c, { prefix: 'up+alice/', maxUploads: 2 })) all.push(u);
  assert.deepEqual(all.map((u) => [u.key, u.uploadId]), [['up+alice/a', 'U1'], ['up+alice/测 b', 'U2'], ['up+alice/z+', 'U3']]);
  assert.equal(all[0].initiated.toISOString(), '2024-02-03T04:05:06.000Z');
  const [r1, r2] = oss.requests;
  r1 && assertSigned(r1);
  r2 && assertSigned(r2);
  assert.equal(r1.rawPath, '/test-bucket/');
  assert.equal(r1.rawQuery, 'uploads&encoding-type=url&prefix=up%2Balice%2F&max-uploads=2');
  assert.deepEqual(r2.query, [['uploads', ''], ['encoding-type', 'url'], ['prefix', 'up+alice/'], ['key-marker', 'up+alice/测 b'], ['upload-id-marker', 'U2'], ['max-uploads', '2']]);

  oss.reply({ body: uploadsPage({ keyMarker: '', uploadIdMarker: '', uploads: [['a', 'U1']], prefixes: ['up%2Balice%2Fd%2F'] }) });
  const page = await listMultipartUploads(c, { delimiter: '/' });
  assert.deepEqual(page.commonPrefixes, ['up+alice/d/'], 'one CommonPrefixes is still a list');
  assert.equal(page.uploads.length, 1);
  assert.equal(page.prefix, 'up+alice/');
  assert.equal(page.isTruncated, false);
});

// ---------------------------------------------------------------------------------------------
// Abort, Head, Put, Get, Delete

test('abort: DELETE ?uploadId, 204', async () => {
  oss.reply({ status: 204 });
  const r = await abortMultipartUpload(client(), KEY, 'U 1');
  const req = only();
  assertSigned(req);
  assert.equal(req.method, 'DELETE');
  assert.equal(req.rawQuery, 'uploadId=U%201');
  assert.deepEqual(r, { requestId: req.requestId });
});

test('abort: NoSuchUpload on the first attempt is an error', async () => {
  oss.reply((req) => ({ status: 404, body: errorXml('NoSuchUpload', 'The specified upload does not exist.', req.requestId, { EC: '0042-00000002' }) }));
  const err = await abortMultipartUpload(client(), KEY, 'U').catch((e) => e);
  assert.ok(err instanceof OssError);
  assert.equal(err.code, 'NoSuchUpload');
  assert.equal(err.maybeCompleted, false);
  assert.equal(oss.requests.length, 1, '4xx is not retried');
});

test('headObject: parsed headers; 404 (x-oss-err NoSuchKey) is null; 404 NoSuchBucket throws', async () => {
  oss.reply({
    headers: {
      'content-length': '5',
      'content-type': 'text/plain',
      etag: '"M-2"',
      'last-modified': 'Wed, 28 Dec 2022 10:27:41 GMT',
      'x-oss-object-type': 'Multipart',
      'x-oss-hash-crc64ecma': '12066172435287683848',
      'x-oss-storage-class': 'Standard',
      'x-oss-meta-owner': 'alice',
    },
  });
  const info = await headObject(client(), KEY);
  assertSigned(only());
  assert.equal(only().method, 'HEAD');
  assert.deepEqual(info, {
    size: 5,
    etag: '"M-2"',
    contentType: 'text/plain',
    objectType: 'Multipart',
    lastModified: new Date('2022-12-28T10:27:41.000Z'),
    metadata: { owner: 'alice' },
    crc64: 12066172435287683848n,
    storageClass: 'Standard',
    requestId: oss.requests[0].requestId,
  });

  const err404 = (code: string) => (req: Recorded) => ({
    status: 404,
    headers: { 'x-oss-err': Buffer.from(errorXml(code, 'missing', req.requestId, { EC: '0026-00000001' })).toString('base64'), 'x-oss-ec': '0026-00000001' },
  });
  oss.reset();
  oss.reply(err404('NoSuchKey'));
  assert.equal(await headObject(client(), KEY), null);
  assert.equal(oss.requests.length, 1);

  oss.reply(err404('NoSuchBucket'));
  const err = await headObject(client(), KEY).catch((e) => e);
  assert.ok(err instanceof OssError);
  assert.equal(err.code, 'NoSuchBucket');
  assert.equal(err.source, 'header');
  assert.equal(err.status, 404);
  assert.equal(err.requestId, oss.requests[1].requestId);

  oss.reply({ status: 404 }); // no x-oss-err at all: a HEAD 404 is taken as NoSuchKey
  assert.equal(await headObject(client(), KEY), null);

  oss.reply({ headers: { 'transfer-encoding': 'chunked' } });
  await assert.rejects(headObject(client(), KEY), /no Content-Length/);
});

test('putObject / getObject / deleteObject', async () => {
  oss.reply({ headers: { etag: '"5D41402ABC4B2A76B9719D911017C592"', 'x-oss-hash-crc64ecma': '1' } });
  const put = await putObject(client(), 'a/hello.txt', 'hello', { contentType: 'text/plain', metadata: { k: 'v' } });
  let req = oss.requests[0];
  assertSigned(req);
  assert.equal(req.method, 'PUT');
  assert.equal(req.body.toString(), 'hello');
  assert.equal(req.headers['content-md5'], 'XUFAKrxLKna5cZ2REBfFkg==');
  assert.equal(req.headers['content-type'], 'text/plain');
  assert.deepEqual(put, { etag: '"5D41402ABC4B2A76B9719D911017C592"', crc64: 1n, requestId: req.requestId });

  oss.reply({ status: 206, headers: { 'content-type': 'text/plain', etag: '"X"', 'x-oss-meta-k': 'v' }, body: 'ell' });
  const got = await getObject(client(), 'a/hello.txt', { range: 'bytes=1-3' });
  req = oss.requests[1];
  assertSigned(req);
  assert.equal(req.headers['range'], 'bytes=1-3');
  assert.equal(Buffer.from(got.body).toString(), 'ell');
  assert.equal(got.status, 206);
  assert.deepEqual(got.metadata, { k: 'v' });

  oss.reply({ status: 204 });
  await deleteObject(client(), 'a/hello.txt');
  assert.equal(oss.requests[2].method, 'DELETE');
  assertSigned(oss.requests[2]);
});

// ---------------------------------------------------------------------------------------------
// Errors

test('errors: NoSuchUpload 404 carries code, status, request id, EC, host id, operation; not retried', async () => {
  oss.reply((req) => ({ status: 404, headers: { 'x-oss-ec': '0042-00000002' }, body: errorXml('NoSuchUpload', 'The specified upload does not exist.', req.requestId, { EC: '0042-00000002', UploadId: 'U' }) }));
  const err = await listParts(client(), KEY, 'U').catch((e) => e);
  assert.ok(err instanceof OssError);
  assert.equal(err.code, 'NoSuchUpload');
  assert.equal(err.status, 404);
  assert.equal(err.requestId, only().requestId);
  assert.equal(err.ec, '0042-00000002');
  assert.equal(err.hostId, '127.0.0.1');
  assert.equal(err.operation, 'ListParts');
  assert.equal(err.key, KEY);
  assert.equal(err.details.UploadId, 'U');
  assert.equal(err.attempts, 1);
});

for (const version of ['v4', 'v1'] as const) {
  test(`errors (${version}): SignatureDoesNotMatch keeps OSS's StringToSign (= ours), never leaks secrets`, async () => {
    const wrong: Credentials = { ...STS, accessKeySecret: 'WrongSecretValue0123456789' };
    const err = await listParts(client({ signatureVersion: version, credentials: wrong }), KEY, 'U').catch((e) => e);
    assert.ok(err instanceof OssError);
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.status, 403);
    assert.equal(err.ec, '0002-00000040');
    assert.ok(err.stringToSign, 'StringToSign kept');
    assert.equal(err.stringToSign, err.clientStringToSign, 'the server computed the same StringToSign as the client');
    assert.equal(err.signatureProvided, 'provided-signature-value');
    assert.equal(oss.requests.length, 1, '403 is not retried');
    const auth = oss.requests[0].headers['authorization'];
    const sig = auth.replace(/^.*Signature=|^OSS [^:]*:/, '');
    for (const shown of [err.message, JSON.stringify(err), inspect(err), String(err.stack)]) {
      for (const secret of [wrong.accessKeySecret, STS.securityToken!, auth, sig]) assert.ok(!shown.includes(secret), `leaked ${secret.slice(0, 6)}… in ${shown.slice(0, 60)}`);
    }
    if (version === 'v1') assert.match(err.stringToSign!, /x-oss-security-token:\[redacted\]/, 'the token inside StringToSign is blanked');
  });
}

test('errors: a 2xx with an unparsable body is an OssProtocolError with the request id', async () => {
  oss.reply({ body: '<html>captive portal</html>' });
  const err = await initiateMultipartUpload(client(), KEY).catch((e) => e);
  assert.equal(err.name, 'OssProtocolError');
  assert.equal(err.requestId, only().requestId);
  assert.equal(err.status, 200);
});

// ---------------------------------------------------------------------------------------------
// Retries

const busy = (status: number, code: string) => (req: Recorded) => ({ status, body: errorXml(code, 'try again', req.requestId) });

test('retry: 5xx then success for idempotent ops, re-signed each attempt', async () => {
  let dates = 0;
  const c = client({ now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, dates++)) });
  oss.reply(busy(500, 'InternalError'), busy(503, 'ServiceUnavailable'), { body: listPartsPage([1], 0, false) });
  const page = await listParts(c, KEY, 'U');
  assert.equal(page.parts.length, 1);
  assert.equal(oss.requests.length, 3);
  oss.requests.forEach(assertSigned);
  assert.deepEqual(oss.requests.map((r) => r.headers['x-oss-date']), ['20240101T000000Z', '20240101T000001Z', '20240101T000002Z']);
  assert.equal(page.requestId, oss.requests[2].requestId, 'the result carries the successful attempt\'s request id');
});

test('retry: 429 (with Retry-After) is retried; 400 is not', async () => {
  oss.reply((req) => ({ status: 429, headers: { 'retry-after': '0' }, body: errorXml('TooManyRequests', 'slow down', req.requestId) }), { status: 204 });
  await abortMultipartUpload(client(), KEY, 'U');
  assert.equal(oss.requests.length, 2);
  oss.reset();
  oss.reply(busy(400, 'InvalidArgument'), { status: 204 });
  const err = await abortMultipartUpload(client(), KEY, 'U').catch((e) => e);
  assert.equal(err.code, 'InvalidArgument');
  assert.equal(oss.requests.length, 1);
});

test('retry: gives up after retries.max + 1 attempts with the last error', async () => {
  oss.fallback = busy(503, 'ServiceUnavailable');
  try {
    const err = await listParts(client({ retries: { max: 2, baseMs: 1, capMs: 2 } }), KEY, 'U').catch((e) => e);
    assert.ok(err instanceof OssError);
    assert.equal(err.code, 'ServiceUnavailable');
    assert.equal(err.attempts, 3);
    assert.equal(oss.requests.length, 3);
    assert.equal(err.requestId, oss.requests[2].requestId);
  } finally {
    oss.fallback = { status: 500, body: 'no canned reply' };
  }
});

test('retry: a dropped connection is retried for idempotent ops', async () => {
  oss.reply('drop', { body: listPartsPage([1], 0, false) });
  const page = await listParts(client(), KEY, 'U');
  assert.equal(page.parts.length, 1);
  assert.equal(oss.requests.length, 2);
  oss.reset();
  oss.reply('drop', 'drop', { status: 204 });
  await deleteObject(client(), 'k');
  assert.equal(oss.requests.length, 3);
});

test('retry: Initiate is NOT retried after a dropped connection (OSS may have created the upload)', async () => {
  oss.reply('drop', { body: initiateXml() });
  const err = await initiateMultipartUpload(client(), KEY).catch((e) => e);
  assert.ok(err instanceof OssNetworkError, String(err));
  assert.equal(err.operation, 'InitiateMultipartUpload');
  assert.equal(err.mayHaveReachedServer, true);
  assert.equal(err.attempts, 1);
  assert.equal(oss.requests.length, 1);
});

test('retry: Initiate IS retried on a 5xx/429 response and when the connection is refused', async () => {
  oss.reply(busy(503, 'ServiceUnavailable'), busy(429, 'TooManyRequests'), { body: initiateXml() });
  const r = await initiateMultipartUpload(client(), KEY);
  assert.equal(r.uploadId, '0004B9894A22E5B1888A1E29F823****');
  assert.equal(oss.requests.length, 3);

  // A port nobody listens on: the request never left, so retrying is safe.
  const closed = await FakeOss.start({ bucket: BUCKET, credentials: [CREDS] });
  const url = closed.url;
  await closed.close();
  const err = await initiateMultipartUpload(new OssClient({ region: 'cn-hangzhou', bucket: BUCKET, credentials: CREDS, endpoint: url, retries: { max: 2, baseMs: 1, capMs: 2 } }), KEY)
    .catch((e) => e);
  assert.ok(err instanceof OssNetworkError);
  assert.equal(err.code, 'ECONNREFUSED');
  assert.equal(err.mayHaveReachedServer, false);
  assert.equal(err.attempts, 3);
});

test('retry: Complete after a lost response; NoSuchUpload on the retry => maybeCompleted', async () => {
  oss.reply('drop', (req) => ({ status: 404, body: errorXml('NoSuchUpload', 'The specified upload does not exist.', req.requestId) }));
  const err = await completeMultipartUpload(client(), KEY, 'U', { parts: [{ partNumber: 1, etag: 'A' }] }).catch((e) => e);
  assert.ok(err instanceof OssError);
  assert.equal(err.code, 'NoSuchUpload');
  assert.equal(err.maybeCompleted, true);
  assert.equal(err.attempts, 2);
  assert.equal(oss.requests.length, 2);
  assert.equal(oss.requests[0].body.toString(), oss.requests[1].body.toString(), 'the same body is re-sent');
  oss.requests.forEach(assertSigned);
});

test('retry: Complete after a 5xx then success', async () => {
  oss.reply(busy(500, 'InternalError'), { body: completeXml });
  const r = await completeMultipartUpload(client(), KEY, 'U', { completeAll: true });
  assert.equal(r.kind, 'completed');
  assert.equal(oss.requests.length, 2);
});

test('retry: Abort whose retry finds NoSuchUpload after a lost response succeeds (alreadyAborted)', async () => {
  oss.reply('drop', (req) => ({ status: 404, body: errorXml('NoSuchUpload', 'gone', req.requestId) }));
  const r = await abortMultipartUpload(client(), KEY, 'U');
  assert.equal(r.alreadyAborted, true);
  assert.equal(r.requestId, oss.requests[1].requestId);
});

test('timeout: per attempt; idempotent ops retry, Initiate does not', async () => {
  oss.reply('hang', { headers: { 'content-length': '1', etag: '"E"' } });
  const info = await headObject(client({ timeoutMs: 100 }), KEY);
  assert.equal(info?.etag, '"E"');
  assert.equal(oss.requests.length, 2);

  oss.reset();
  oss.reply('hang', { body: initiateXml() });
  const started = Date.now();
  const err = await initiateMultipartUpload(client({ timeoutMs: 100 }), KEY).catch((e) => e);
  assert.ok(err instanceof OssTimeoutError, String(err));
  assert.equal(err.code, 'RequestTimeout');
  assert.equal(err.timeoutMs, 100);
  assert.equal(oss.requests.length, 1);
  assert.ok(Date.now() - started < 2000);

  oss.reset();
  oss.fallback = 'hang';
  try {
    const e2 = await listParts(client({ timeoutMs: 50, retries: { max: 1, baseMs: 1, capMs: 1 } }), KEY, 'U', { timeoutMs: 60 }).catch((e) => e);
    assert.ok(e2 instanceof OssTimeoutError);
    assert.equal(e2.timeoutMs, 60, 'per-call override');
    assert.equal(e2.attempts, 2);
  } finally {
    oss.fallback = { status: 500, body: 'no canned reply' };
  }
});

test('a caller AbortSignal stops the call without retrying', async () => {
  oss.fallback = 'hang';
  try {
    const ac = new AbortController();
    const call = listParts(client({ timeoutMs: 5000 }), KEY, 'U', { signal: ac.signal });
    // Abort once OSS holds the request (a fixed delay raced a cold process's first connection).
    while (oss.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort(new Error('caller gave up'));
    await assert.rejects(call, /caller gave up/);
    assert.equal(oss.requests.length, 1);
  } finally {
    oss.fallback = { status: 500, body: 'no canned reply' };
  }
});

// ---------------------------------------------------------------------------------------------
// Presigning

for (const version of ['v4', 'v1'] as const) {
  for (const creds of [CREDS, STS]) {
    test(`presignUploadPart (${version}${creds.securityToken ? ', STS' : ''}): URL on the public endpoint, Content-MD5 signed, verifies on PUT`, async () => {
      // The client's own endpoint is unreachable; the URL must point at the public one.
      const c = new OssClient({
        region: 'cn-hangzhou',
        bucket: BUCKET,
        credentials: creds,
        endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com',
        publicEndpoint: oss.url,
        signatureVersion: version,
      });
      const data = Buffer.from('part bytes');
      const md5 = createHash('md5').update(data).digest('base64');
      const p = await presignUploadPart(c, KEY, 'UP+ID/1', 7, { expires: 900, contentMd5: md5 });
      assert.equal(p.method, 'PUT');
      assert.deepEqual(p.headers, { 'Content-MD5': md5 });
      assert.ok(Math.abs(p.expiresAt.getTime() - (Date.now() + 900_000)) < 5000);
      const url = new URL(p.url);
      assert.equal(url.origin, oss.url);
      assert.equal(url.pathname, KEY_PATH);
      assert.equal(url.searchParams.get('partNumber'), '7');
      assert.equal(url.searchParams.get('uploadId'), 'UP+ID/1');
      if (version === 'v4') assert.equal(url.searchParams.get('x-oss-signature-version'), 'OSS4-HMAC-SHA256');
      else assert.ok(url.searchParams.get('Signature'));

      oss.reply({ headers: { etag: '"PARTETAG"' } });
      // What a browser does: PUT the bytes with exactly the returned headers (an untyped body).
      const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: data });
      assert.equal(res.status, 200, oss.requests[0]?.sigError);
      const req = only();
      assert.equal(req.auth, 'presigned');
      assert.equal(req.signatureVersion, version);
      assertSigned(req);
      assert.equal(req.headers['content-type'], undefined);

      // A different Content-MD5 does not verify.
      oss.reset();
      await fetch(p.url, { method: 'PUT', headers: { 'Content-MD5': createHash('md5').update('other').digest('base64') }, body: data });
      assert.equal(oss.requests[0].sigOk, false);
    });
  }
}

test('presign: public endpoint forms (accelerate, CNAME, regional) and general presign', async () => {
  const c = new OssClient({ region: 'cn-hangzhou', bucket: BUCKET, credentials: CREDS, internal: true, publicEndpoint: { accelerate: true } });
  assert.equal(c.endpoint.host, 'oss-cn-hangzhou-internal.aliyuncs.com');
  const p = await presignUploadPart(c, 'a b', 'U', 1, { expires: 60 });
  assert.match(p.url, /^https:\/\/test-bucket\.oss-accelerate\.aliyuncs\.com\/a%20b\?partNumber=1&uploadId=U&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=\d{8}T\d{6}Z&x-oss-expires=60&x-oss-credential=LTAI5tTestAccessKey%2F\d{8}%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-signature=[0-9a-f]{64}$/);
  assert.deepEqual(p.headers, {});
  const cn = await presignUploadPart(c, 'k', 'U', 2, { expires: 60, publicEndpoint: { endpoint: 'https://files.example.com', cname: true } });
  assert.match(cn.url, /^https:\/\/files\.example\.com\/k\?partNumber=2&uploadId=U&/);
  const reg = await presignUploadPart(c, 'k', 'U', 2, { expires: 60, publicEndpoint: 'oss-cn-hangzhou.aliyuncs.com' });
  assert.match(reg.url, /^https:\/\/test-bucket\.oss-cn-hangzhou\.aliyuncs\.com\/k\?/);
  await assert.rejects(presignUploadPart(c, 'k', 'U', 0, { expires: 60 }), /outside 1\.\.10000/);
  await assert.rejects(presignUploadPart(c, 'k', 'U', 1, { expires: 60, contentMd5: 'nope' }), /contentMd5/);
  await assert.rejects(presignUploadPart(c, 'k', 'U', 1, { expires: 604801 }), /604800/);
  const many = await presignUploadParts(c, 'k', 'U', [{ partNumber: 1 }, { partNumber: 2 }], { expires: 60 });
  assert.equal(many.length, 2);
  assert.equal(new URL(many[0].url).searchParams.get('x-oss-date'), new URL(many[1].url).searchParams.get('x-oss-date'));

  // General presign: a GET through the fake server verifies.
  const g = client({ signatureVersion: 'v1' });
  const get = await presign(g, { method: 'GET', key: 'x/y+z', expires: 60, query: { 'response-content-type': 'text/plain' } });
  oss.reply({ body: 'hi' });
  const res = await fetch(get.url);
  assert.equal(await res.text(), 'hi');
  assertSigned(only());
});

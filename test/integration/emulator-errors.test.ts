// The emulator rejects what OSS rejects, with OSS's code and status: bad signatures and tampered
// presigned URLs, expiry, unknown keys and tokens, digests, part numbers, part sizes, ETags, order,
// unknown uploads, forbid-overwrite. Requests are signed with ali-oss (the oracle) where it can
// express them, otherwise with our own signer so every header is under the test's control.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { encodePath, presignV1, presignV4, signHeader, toQueryString, type QueryPairs, type SignatureVersion } from '../../shared/oss/signer';
import { crc64 } from '../../shared/oss/crc64';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');

const BUCKET = 'errors-bucket';
const KiB = 1024;
const STS = { accessKeyId: 'STS.local-temp', accessKeySecret: 'sts-secret', securityToken: 'good-token' };
const EXPIRED_STS = { accessKeyId: 'STS.old', accessKeySecret: 'old-secret', securityToken: 'old-token', expiration: '2000-01-01T00:00:00Z' };

let em: RunningEmulator;

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET], stsTokens: [STS, EXPIRED_STS] });
});
after(() => em.close());

interface Creds {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

function aliClient(v4: boolean, creds: Partial<Creds> = {}) {
  return new OSS({
    endpoint: `http://localhost:${em.port}`,
    sldEnable: true,
    region: 'oss-cn-hangzhou',
    bucket: BUCKET,
    accessKeyId: creds.accessKeyId ?? em.credentials.accessKeyId,
    accessKeySecret: creds.accessKeySecret ?? em.credentials.accessKeySecret,
    stsToken: creds.securityToken,
    authorizationV4: v4,
  });
}

function url(key: string, query: QueryPairs = []): string {
  const q = toQueryString(query);
  return `${em.url}/${BUCKET}/${encodePath(key)}${q ? `?${q}` : ''}`;
}

/** A request signed in header form by our signer; `mutate` may edit the headers after signing. */
async function signed(
  method: string,
  key: string,
  opts: {
    query?: QueryPairs;
    headers?: Record<string, string>;
    body?: Uint8Array | string;
    version?: SignatureVersion;
    creds?: Creds;
    date?: Date;
    mutate?: (h: Record<string, string>) => void;
  } = {},
): Promise<Response> {
  const sig = signHeader(
    opts.version ?? 'v4',
    { method, bucket: BUCKET, key: key || undefined, query: opts.query ?? [], headers: opts.headers ?? {} },
    { credentials: opts.creds ?? em.credentials, region: 'cn-hangzhou', date: opts.date },
  );
  opts.mutate?.(sig.headers);
  // Strings as bytes: fetch would add a Content-Type (text/plain) to a string body after signing.
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
  return fetch(url(key, opts.query), { method, headers: sig.headers, body: body as BodyInit | undefined });
}

async function errorOf(res: Response): Promise<{ status: number; code: string; xml: string }> {
  const xml = await res.text();
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? '';
  return { status: res.status, code, xml };
}

async function expectError(res: Response | Promise<Response>, status: number, code: string): Promise<string> {
  const e = await errorOf(await res);
  assert.equal(`${e.status} ${e.code}`, `${status} ${code}`, e.xml);
  assert.match((await res).headers.get('x-oss-request-id') ?? '', /^[0-9A-F]{24}$/);
  assert.match((await res).headers.get('x-oss-ec') ?? '', /^\d{4}-\d{8}$/);
  assert.match(e.xml, new RegExp(`<RequestId>${(await res).headers.get('x-oss-request-id')}</RequestId>`));
  assert.match(e.xml, /<HostId>[^<]+<\/HostId>/);
  assert.match(e.xml, /<EC>\d{4}-\d{8}<\/EC>/);
  return e.xml;
}

async function newUpload(key: string): Promise<string> {
  const res = await signed('POST', key, { query: [['uploads', '']] });
  assert.equal(res.status, 200);
  return /<UploadId>([^<]+)<\/UploadId>/.exec(await res.text())![1];
}

async function putPart(key: string, uploadId: string, n: number, body: Uint8Array): Promise<string> {
  const res = await signed('PUT', key, { query: [['partNumber', String(n)], ['uploadId', uploadId]], body });
  assert.equal(res.status, 200, await res.clone().text());
  return res.headers.get('etag')!;
}

function completeXml(parts: Array<[number, string]>): string {
  return `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>${parts
    .map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;
}

describe('authentication', () => {
  for (const v4 of [false, true]) {
    test(`wrong secret via ali-oss (${v4 ? 'V4' : 'V1'}) -> 403 SignatureDoesNotMatch with StringToSign`, async () => {
      const oss = aliClient(v4, { accessKeySecret: 'not-the-secret' });
      await assert.rejects(oss.initMultipartUpload('auth/wrong-secret.bin'), (e: { status: number; code: string }) => {
        assert.equal(e.status, 403);
        assert.equal(e.code, 'SignatureDoesNotMatch');
        return true;
      });
      const res = await signed('POST', 'auth/wrong-secret.bin', {
        query: [['uploads', '']],
        version: v4 ? 'v4' : 'v1',
        creds: { ...em.credentials, accessKeySecret: 'nope' },
      });
      const xml = await expectError(res, 403, 'SignatureDoesNotMatch');
      assert.match(xml, /<StringToSign>[^<]+<\/StringToSign>/);
      assert.match(xml, /<StringToSignBytes>([0-9A-F]{2} )+[0-9A-F]{2}<\/StringToSignBytes>/);
      assert.match(xml, /<SignatureProvided>[^<]+<\/SignatureProvided>/);
      assert.match(xml, new RegExp(`<OSSAccessKeyId>${em.credentials.accessKeyId}</OSSAccessKeyId>`));
      if (v4) assert.match(xml, /OSS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request\n[0-9a-f]{64}/);
      else assert.match(xml, /POST\n\n\n[^\n]+GMT\n(x-oss-[^\n]+\n)*\/errors-bucket\/auth\/wrong-secret.bin\?uploads/);
    });
  }

  test('unknown key id -> 403 InvalidAccessKeyId (both versions)', async () => {
    for (const version of ['v1', 'v4'] as const) {
      await expectError(
        signed('POST', 'auth/unknown.bin', { query: [['uploads', '']], version, creds: { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' } }),
        403,
        'InvalidAccessKeyId',
      );
    }
  });

  test('no auth -> 403 AccessDenied', async () => {
    await expectError(fetch(url('auth/none.bin', [['uploads', '']]), { method: 'POST' }), 403, 'AccessDenied');
    await expectError(fetch(url('auth/none.bin')), 403, 'AccessDenied');
  });

  test('STS: accepted token works, unknown token -> InvalidSecurityToken, expired -> SecurityTokenExpired', async () => {
    for (const v4 of [false, true]) {
      const ok = await aliClient(v4, STS).initMultipartUpload('auth/sts.bin');
      assert.match(ok.uploadId, /^[0-9A-F]{32}$/);
    }
    for (const version of ['v1', 'v4'] as const) {
      await expectError(
        signed('POST', 'auth/sts.bin', { query: [['uploads', '']], version, creds: { ...STS, securityToken: 'forged' } }),
        403,
        'InvalidSecurityToken',
      );
      await expectError(signed('POST', 'auth/sts.bin', { query: [['uploads', '']], version, creds: EXPIRED_STS }), 403, 'SecurityTokenExpired');
      // An STS key without its token.
      await expectError(
        signed('POST', 'auth/sts.bin', { query: [['uploads', '']], version, creds: { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret } }),
        403,
        'InvalidAccessKeyId',
      );
    }
    // Presigned with STS (V1 security-token, V4 x-oss-security-token).
    const v1 = presignV1({ method: 'GET', bucket: BUCKET, key: 'auth/none', query: [] }, { credentials: STS, region: 'cn-hangzhou', expires: 60 });
    await expectError(fetch(url('auth/none', v1.query)), 404, 'NoSuchKey');
    const v4 = presignV4({ method: 'GET', bucket: BUCKET, key: 'auth/none', query: [] }, { credentials: STS, region: 'cn-hangzhou', expires: 60 });
    await expectError(fetch(url('auth/none', v4.query)), 404, 'NoSuchKey');
  });

  test('clock skew over 15 minutes -> 403 RequestTimeTooSkewed (header-signed)', async () => {
    const date = new Date(Date.now() - 16 * 60 * 1000);
    for (const version of ['v1', 'v4'] as const) {
      await expectError(signed('POST', 'auth/skew.bin', { query: [['uploads', '']], version, date }), 403, 'RequestTimeTooSkewed');
    }
    // 10 minutes is fine.
    const res = await signed('POST', 'auth/skew.bin', { query: [['uploads', '']], date: new Date(Date.now() - 10 * 60 * 1000) });
    assert.equal(res.status, 200);
  });

  test('V4 header form: missing x-oss-content-sha256, wrong region, tampered header', async () => {
    await expectError(
      signed('POST', 'auth/v4.bin', { query: [['uploads', '']], mutate: (h) => delete h['x-oss-content-sha256'] }),
      400,
      'InvalidArgument',
    );
    const sig = signHeader('v4', { method: 'POST', bucket: BUCKET, key: 'auth/v4.bin', query: [['uploads', '']] }, { credentials: em.credentials, region: 'us-west-1' });
    await expectError(fetch(url('auth/v4.bin', [['uploads', '']]), { method: 'POST', headers: sig.headers }), 400, 'InvalidArgument');
    // A signed x-oss-* header changed after signing.
    await expectError(
      signed('POST', 'auth/v4.bin', { query: [['uploads', '']], headers: { 'x-oss-meta-a': '1' }, mutate: (h) => (h['x-oss-meta-a'] = '2') }),
      403,
      'SignatureDoesNotMatch',
    );
    // An unsigned x-oss-* header added after signing also breaks it.
    await expectError(
      signed('POST', 'auth/v4.bin', { query: [['uploads', '']], mutate: (h) => (h['x-oss-meta-extra'] = 'x') }),
      403,
      'SignatureDoesNotMatch',
    );
  });

  test('HEAD errors have no body and carry the XML base64 in x-oss-err', async () => {
    const res = await signed('HEAD', 'auth/missing.bin');
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '');
    const xml = Buffer.from(res.headers.get('x-oss-err')!, 'base64').toString('utf8');
    assert.match(xml, /<Code>NoSuchKey<\/Code>/);
    assert.equal(res.headers.get('x-oss-ec'), '0026-00000001');
  });
});

describe('presigned URLs', () => {
  let key: string;
  let uploadId: string;
  let otherUploadId: string;
  before(async () => {
    key = 'presign/part.bin';
    uploadId = await newUpload(key);
    otherUploadId = await newUpload(key);
  });

  const body = randomBytes(1024);

  function tamper(u: string, name: string, value: string): string {
    const x = new URL(u);
    x.searchParams.set(name, value);
    // URLSearchParams writes spaces as '+'; none of our values have spaces.
    return x.href;
  }

  test('V1 signatureUrl: valid, then method/partNumber/uploadId/Expires tampered -> SignatureDoesNotMatch', async () => {
    const oss = aliClient(false);
    const signedUrl: string = oss.signatureUrl(key, { method: 'PUT', expires: 600, subResource: { partNumber: 1, uploadId } });
    assert.equal((await fetch(signedUrl, { method: 'PUT', body })).status, 200);
    await expectError(fetch(signedUrl, { method: 'GET' }), 403, 'SignatureDoesNotMatch');
    await expectError(fetch(tamper(signedUrl, 'partNumber', '2'), { method: 'PUT', body }), 403, 'SignatureDoesNotMatch');
    await expectError(fetch(tamper(signedUrl, 'uploadId', otherUploadId), { method: 'PUT', body }), 403, 'SignatureDoesNotMatch');
    const exp = Number(new URL(signedUrl).searchParams.get('Expires'));
    await expectError(fetch(tamper(signedUrl, 'Expires', String(exp + 3600)), { method: 'PUT', body }), 403, 'SignatureDoesNotMatch');
    // A Content-Type the URL was not signed with.
    await expectError(fetch(signedUrl, { method: 'PUT', body, headers: { 'Content-Type': 'text/plain' } }), 403, 'SignatureDoesNotMatch');
  });

  test('V4 signatureUrlV4: valid, then method/partNumber/uploadId/x-oss-expires tampered -> SignatureDoesNotMatch', async () => {
    const oss = aliClient(true);
    const signedUrl: string = await oss.signatureUrlV4('PUT', 600, { queries: { partNumber: 1, uploadId } }, key);
    assert.equal((await fetch(signedUrl, { method: 'PUT', body })).status, 200);
    await expectError(fetch(signedUrl, { method: 'GET' }), 403, 'SignatureDoesNotMatch');
    await expectError(fetch(tamper(signedUrl, 'partNumber', '2'), { method: 'PUT', body }), 403, 'SignatureDoesNotMatch');
    await expectError(fetch(tamper(signedUrl, 'uploadId', otherUploadId), { method: 'PUT', body }), 403, 'SignatureDoesNotMatch');
    await expectError(fetch(tamper(signedUrl, 'x-oss-expires', '3600'), { method: 'PUT', body }), 403, 'SignatureDoesNotMatch');
    await expectError(fetch(tamper(signedUrl, 'x-oss-expires', '604801'), { method: 'PUT', body }), 400, 'InvalidArgument');
    await expectError(fetch(signedUrl, { method: 'PUT', body, headers: { 'x-oss-meta-extra': '1' } }), 403, 'SignatureDoesNotMatch');
  });

  test('expired URLs -> 403 AccessDenied', async () => {
    const v1 = aliClient(false).signatureUrl(key, { method: 'PUT', expires: -10, subResource: { partNumber: 1, uploadId } });
    const e1 = await expectError(fetch(v1, { method: 'PUT', body }), 403, 'AccessDenied');
    assert.match(e1, /expired/i);
    const past = new Date(Date.now() - 2 * 3600 * 1000);
    const v4 = presignV4(
      { method: 'PUT', bucket: BUCKET, key, query: [['partNumber', '1'], ['uploadId', uploadId]] },
      { credentials: em.credentials, region: 'cn-hangzhou', expires: 60, date: past },
    );
    const e4 = await expectError(fetch(url(key, v4.query), { method: 'PUT', body }), 403, 'AccessDenied');
    assert.match(e4, /expired/i);
    // Our own presignV1 with an Expires in the past too.
    const v1b = presignV1(
      { method: 'PUT', bucket: BUCKET, key, query: [['partNumber', '1'], ['uploadId', uploadId]] },
      { credentials: em.credentials, region: 'cn-hangzhou', expires: 60, date: past },
    );
    await expectError(fetch(url(key, v1b.query), { method: 'PUT', body }), 403, 'AccessDenied');
  });

  test('wrong secret in a presigned URL -> 403 SignatureDoesNotMatch', async () => {
    const bad = { ...em.credentials, accessKeySecret: 'wrong' };
    for (const presign of [presignV1, presignV4]) {
      const p = presign({ method: 'PUT', bucket: BUCKET, key, query: [['partNumber', '1'], ['uploadId', uploadId]] }, { credentials: bad, region: 'cn-hangzhou', expires: 60 });
      await expectError(fetch(url(key, p.query), { method: 'PUT', body }), 403, 'SignatureDoesNotMatch');
    }
  });
});

describe('multipart rules', () => {
  test('bad Content-MD5 -> 400 InvalidDigest; bad x-oss-hash-crc64ecma -> 400 InvalidCRC64', async () => {
    const key = 'mp/digest.bin';
    const uploadId = await newUpload(key);
    const body = randomBytes(2048);
    const q: QueryPairs = [['partNumber', '1'], ['uploadId', uploadId]];
    const wrongMd5 = createHash('md5').update('something else').digest('base64');
    await expectError(signed('PUT', key, { query: q, body, headers: { 'Content-MD5': wrongMd5 } }), 400, 'InvalidDigest');
    await expectError(signed('PUT', key, { query: q, body, headers: { 'Content-MD5': 'not-base64' } }), 400, 'InvalidDigest');
    const goodMd5 = createHash('md5').update(body).digest('base64');
    const ok = await signed('PUT', key, { query: q, body, headers: { 'Content-MD5': goodMd5 } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-md5'), goodMd5);
    await expectError(signed('PUT', key, { query: q, body, headers: { 'x-oss-hash-crc64ecma': (crc64(body) ^ 1n).toString() } }), 400, 'InvalidCRC64');
    const ok2 = await signed('PUT', key, { query: q, body, headers: { 'x-oss-hash-crc64ecma': crc64(body).toString() } });
    assert.equal(ok2.status, 200);
  });

  test('partNumber 0, 10001 and junk -> 400 InvalidArgument', async () => {
    const key = 'mp/partnumber.bin';
    const uploadId = await newUpload(key);
    for (const n of ['0', '10001', '-1', 'abc', '1.5', '']) {
      await expectError(signed('PUT', key, { query: [['partNumber', n], ['uploadId', uploadId]], body: 'x' }), 400, 'InvalidArgument');
    }
    for (const n of ['1', '10000']) {
      const res = await signed('PUT', key, { query: [['partNumber', n], ['uploadId', uploadId]], body: 'x' });
      assert.equal(res.status, 200);
    }
  });

  test('Complete: EntityTooSmall, InvalidPart, InvalidPartOrder, MalformedXML; then success', async () => {
    const key = 'mp/complete.bin';
    const uploadId = await newUpload(key);
    const e1 = await putPart(key, uploadId, 1, randomBytes(100 * KiB - 1));
    const e2 = await putPart(key, uploadId, 2, randomBytes(100 * KiB));
    const e3 = await putPart(key, uploadId, 3, randomBytes(10));
    const q: QueryPairs = [['uploadId', uploadId]];
    await expectError(signed('POST', key, { query: q, body: completeXml([[1, e1], [2, e2], [3, e3]]) }), 400, 'EntityTooSmall');
    await expectError(signed('POST', key, { query: q, body: completeXml([[2, '"00000000000000000000000000000000"'], [3, e3]]) }), 400, 'InvalidPart');
    await expectError(signed('POST', key, { query: q, body: completeXml([[2, e2], [4, e3]]) }), 400, 'InvalidPart');
    await expectError(signed('POST', key, { query: q, body: completeXml([[3, e3], [2, e2]]) }), 400, 'InvalidPartOrder');
    await expectError(signed('POST', key, { query: q, body: completeXml([[2, e2], [2, e2]]) }), 400, 'InvalidPartOrder');
    await expectError(signed('POST', key, { query: q, body: '<CompleteMultipartUpload><Part>' }), 400, 'MalformedXML');
    await expectError(signed('POST', key, { query: q, body: '' }), 400, 'MalformedXML');
    await expectError(signed('POST', key, { query: q, body: '<CompleteMultipartUpload></CompleteMultipartUpload>' }), 400, 'MalformedXML');
    // Parts 2 and 3 (gap-free is not required; 1 is left out).
    const ok = await signed('POST', key, { query: [...q, ['encoding-type', 'url']], body: completeXml([[2, e2], [3, e3]]) });
    const xml = await ok.text();
    assert.equal(ok.status, 200, xml);
    assert.match(xml, /<EncodingType>url<\/EncodingType>/);
    assert.match(xml, /<Key>mp%2Fcomplete.bin<\/Key>/);
    assert.match(xml, /<ETag>"[0-9A-F]{32}-2"<\/ETag>/);
    const head = await signed('HEAD', key);
    assert.equal(head.headers.get('content-length'), String(100 * KiB + 10));
  });

  test('unknown uploadId -> 404 NoSuchUpload on every multipart op', async () => {
    const key = 'mp/unknown.bin';
    const q: QueryPairs = [['uploadId', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF']];
    await expectError(signed('PUT', key, { query: [['partNumber', '1'], ...q], body: 'x' }), 404, 'NoSuchUpload');
    await expectError(signed('POST', key, { query: q, body: completeXml([[1, '"A"']]) }), 404, 'NoSuchUpload');
    await expectError(signed('GET', key, { query: q }), 404, 'NoSuchUpload');
    await expectError(signed('DELETE', key, { query: q }), 404, 'NoSuchUpload');
    // An existing upload id used with another key is unknown too.
    const real = await newUpload('mp/real.bin');
    await expectError(signed('GET', 'mp/other.bin', { query: [['uploadId', real]] }), 404, 'NoSuchUpload');
  });

  test('forbid-overwrite -> 409 FileAlreadyExists at Put, Initiate and (rechecked) at Complete', async () => {
    const key = 'mp/forbid.bin';
    const forbid = { 'x-oss-forbid-overwrite': 'true' };
    const uploadId = await (async () => {
      const res = await signed('POST', key, { query: [['uploads', '']], headers: forbid });
      return /<UploadId>([^<]+)<\/UploadId>/.exec(await res.text())![1];
    })();
    const etag = await putPart(key, uploadId, 1, randomBytes(10));
    assert.equal((await signed('PUT', key, { body: 'first', headers: forbid })).status, 200);
    await expectError(signed('PUT', key, { body: 'second', headers: forbid }), 409, 'FileAlreadyExists');
    await expectError(signed('POST', key, { query: [['uploads', '']], headers: forbid }), 409, 'FileAlreadyExists');
    await expectError(signed('POST', key, { query: [['uploadId', uploadId]], body: completeXml([[1, etag]]) }), 409, 'FileAlreadyExists');
    // The upload survives a refused Complete; without forbid on Complete it is still forbidden
    // (Initiate's setting), but an explicit false on Complete overrides it.
    const ok = await signed('POST', key, { query: [['uploadId', uploadId]], body: completeXml([[1, etag]]), headers: { 'x-oss-forbid-overwrite': 'false' } });
    assert.equal(ok.status, 200);
    // ali-oss too.
    await assert.rejects(aliClient(true).put(key, Buffer.from('x'), { headers: forbid }), (e: { status: number; code: string }) => e.status === 409 && e.code === 'FileAlreadyExists');
  });

  test('x-oss-complete-all: yes completes every part; with a body it is InvalidArgument', async () => {
    const key = 'mp/complete-all.bin';
    const uploadId = await newUpload(key);
    const a = randomBytes(100 * KiB);
    const b = randomBytes(5);
    await putPart(key, uploadId, 2, b);
    await putPart(key, uploadId, 1, a);
    const e = await putPart(key, uploadId, 1, a); // re-upload overwrites
    await expectError(signed('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' }, body: completeXml([[1, e]]) }), 400, 'InvalidArgument');
    const ok = await signed('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' } });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(ok.headers.get('x-oss-hash-crc64ecma'), crc64(Buffer.concat([a, b])).toString());
  });

  test('object keys: too long or starting with / or \\ -> 400 InvalidObjectName; unknown bucket -> 404 NoSuchBucket', async () => {
    await expectError(signed('PUT', 'x'.repeat(1024), { body: 'x' }), 400, 'InvalidObjectName');
    assert.equal((await signed('PUT', 'y'.repeat(1023), { body: 'x' })).status, 200);
    await expectError(signed('PUT', '\\back', { body: 'x' }), 400, 'InvalidObjectName');
    const sig = signHeader('v4', { method: 'GET', bucket: 'no-such-bucket', key: 'k' }, { credentials: em.credentials, region: 'cn-hangzhou' });
    await expectError(fetch(`${em.url}/no-such-bucket/k`, { headers: sig.headers }), 404, 'NoSuchBucket');
  });

  test('SSE headers on UploadPart and a bad storage class -> 400', async () => {
    const key = 'mp/sse.bin';
    const uploadId = await newUpload(key);
    await expectError(
      signed('PUT', key, { query: [['partNumber', '1'], ['uploadId', uploadId]], body: 'x', headers: { 'x-oss-server-side-encryption': 'AES256' } }),
      400,
      'InvalidArgument',
    );
    await expectError(signed('POST', key, { query: [['uploads', '']], headers: { 'x-oss-storage-class': 'Glacier' } }), 400, 'InvalidArgument');
    await expectError(signed('POST', key, { query: [['uploads', '']], headers: { 'x-oss-server-side-encryption': 'DES' } }), 400, 'InvalidEncryptionAlgorithmError');
    const ok = await signed('POST', key, { query: [['uploads', '']], headers: { 'x-oss-server-side-encryption': 'AES256' } });
    assert.equal(ok.headers.get('x-oss-server-side-encryption'), 'AES256');
  });
});

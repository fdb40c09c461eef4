// The project's OSS client against the local OSS emulator (infra/emulator), in V4 and V1, with
// long-term keys and an STS token: the whole multipart flow with browser-style presigned part PUTs,
// paging, CRC-64, callbacks (success and 203), and recovery from injected faults.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { OssClient, type OssClientOptions } from '../../shared/oss/client';
import { abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, listMultipartUploads, listParts } from '../../shared/oss/multipart';
import { iterateMultipartUploads, listAllParts } from '../../shared/oss/paginators';
import { getObject, headObject } from '../../shared/oss/objects';
import { presignUploadParts } from '../../shared/oss/presign';
import type { PartInfo } from '../../shared/oss/multipart';
import { OssError, OssNetworkError } from '../../shared/oss/errors';
import { crc64, crc64Combine } from '../../shared/oss/crc64';

const BUCKET = 'client-bucket';
const KiB = 1024;
const STS = { accessKeyId: 'STS.emulatorKey', accessKeySecret: 'sts-emulator-secret', securityToken: 'CAIS+emulator/token==' };

let em: RunningEmulator;
let cbServer: Server;
let cbUrl: string;
let cbMode: 'json' | 'fail' = 'json';
const cbBodies: string[] = [];

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET], stsTokens: [STS] });
  cbServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      cbBodies.push(Buffer.concat(chunks).toString('utf8'));
      if (cbMode === 'fail') {
        res.writeHead(500).end('nope');
        return;
      }
      const body = JSON.stringify({ ok: true, received: JSON.parse(cbBodies[cbBodies.length - 1]) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body);
    });
  });
  await new Promise<void>((r) => cbServer.listen(0, '127.0.0.1', r));
  cbUrl = `http://127.0.0.1:${(cbServer.address() as AddressInfo).port}/oss/callback`;
});

after(async () => {
  await em.close();
  await new Promise<void>((r) => cbServer.close(() => r()));
});

function client(extra: Partial<OssClientOptions> = {}): OssClient {
  return new OssClient({
    region: 'cn-hangzhou',
    bucket: BUCKET,
    credentials: em.credentials,
    endpoint: em.url,
    retries: { max: 3, baseMs: 1, capMs: 10 },
    ...extra,
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Uploads parts the way a browser does: presigned PUT with Content-MD5, no Content-Type. */
async function uploadParts(c: OssClient, key: string, uploadId: string, parts: Buffer[]): Promise<string[]> {
  const md5s = parts.map((p) => createHash('md5').update(p).digest('base64'));
  const urls = await presignUploadParts(c, key, uploadId, parts.map((_, i) => ({ partNumber: i + 1, contentMd5: md5s[i] })), { expires: 600 });
  const etags: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const res = await fetch(urls[i].url, { method: urls[i].method, headers: urls[i].headers, body: parts[i] as BodyInit });
    assert.equal(res.status, 200, await res.text());
    assert.equal(res.headers.get('x-oss-hash-crc64ecma'), crc64(parts[i]).toString());
    etags.push(res.headers.get('etag')!);
  }
  return etags;
}

for (const mode of [
  { name: 'V4', version: 'v4' as const, sts: false },
  { name: 'V1', version: 'v1' as const, sts: false },
  { name: 'V4 + STS', version: 'v4' as const, sts: true },
  { name: 'V1 + STS', version: 'v1' as const, sts: true },
]) {
  describe(`OssClient ${mode.name} against the emulator`, () => {
    test('initiate, presigned part PUTs, paged ListParts/ListMultipartUploads, complete, head, get, CRC-64', async () => {
      const c = client({ signatureVersion: mode.version, credentials: mode.sts ? STS : em.credentials });
      const prefix = `flow/${mode.version}${mode.sts ? '-sts' : ''}/`;
      const key = `${prefix}测试 file+1 (a&b)%.bin`;
      const parts = [randomBytes(100 * KiB), randomBytes(120 * KiB), randomBytes(3 * KiB)];
      const whole = Buffer.concat(parts);

      const init = await initiateMultipartUpload(c, key, { contentType: 'application/x-test', metadata: { owner: 'alice' } });
      assert.equal(init.key, key);
      assert.equal(init.bucket, BUCKET);
      assert.ok(init.uploadId);
      assert.match(init.requestId, /^[0-9A-F]{24}$/);
      const second = await initiateMultipartUpload(c, `${prefix}other+key`);

      const etags = await uploadParts(c, key, init.uploadId, parts);

      const listed: PartInfo[] = await collect(listAllParts(c, key, init.uploadId, { maxParts: 1 }));
      assert.deepEqual(listed.map((p) => p.partNumber), [1, 2, 3]);
      assert.deepEqual(listed.map((p) => p.etag), etags);
      assert.deepEqual(listed.map((p) => p.size), parts.map((p) => p.length));
      assert.deepEqual(listed.map((p) => p.crc64), parts.map((p) => crc64(p)));

      const uploads = await collect(iterateMultipartUploads(c, { prefix, maxUploads: 1 }));
      assert.deepEqual(uploads.map((u) => u.key).sort(), [key, `${prefix}other+key`].sort());
      assert.ok(uploads.every((u) => u.initiated instanceof Date && !Number.isNaN(u.initiated.getTime())));

      const done = await completeMultipartUpload(c, key, init.uploadId, { parts: listed.map((p) => ({ partNumber: p.partNumber, etag: p.etag })) });
      assert.equal(done.kind, 'completed');
      const combined = listed.reduce((acc, p) => crc64Combine(acc, p.crc64!, p.size), 0n);
      assert.equal(done.crc64, crc64(whole));
      assert.equal(done.crc64, combined);
      assert.equal(done.kind === 'completed' && done.key, key);

      const head = await headObject(c, key);
      assert.ok(head);
      assert.equal(head.size, whole.length);
      assert.equal(head.crc64, crc64(whole));
      assert.equal(head.contentType, 'application/x-test');
      assert.equal(head.objectType, 'Multipart');
      assert.deepEqual(head.metadata, { owner: 'alice' });

      const got = await getObject(c, key);
      assert.ok(Buffer.from(got.body).equals(whole));

      const aborted = await abortMultipartUpload(c, `${prefix}other+key`, second.uploadId);
      assert.match(aborted.requestId, /^[0-9A-F]{24}$/);
      assert.equal(aborted.alreadyAborted, undefined);
      assert.deepEqual(await collect(iterateMultipartUploads(c, { prefix })), []);
    });
  });
}

test('HEAD of a missing key is null; a missing upload is NoSuchUpload with request id and EC', async () => {
  const c = client();
  assert.equal(await headObject(c, 'no/such/key'), null);
  const err = await listParts(c, 'no/such/key', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF').catch((e) => e);
  assert.ok(err instanceof OssError);
  assert.equal(err.code, 'NoSuchUpload');
  assert.equal(err.status, 404);
  assert.match(err.requestId, /^[0-9A-F]{24}$/);
  assert.ok(err.ec);
});

test("SignatureDoesNotMatch: the emulator's StringToSign equals the client's (V4 and V1)", async () => {
  for (const version of ['v4', 'v1'] as const) {
    const c = client({ signatureVersion: version, credentials: { ...em.credentials, accessKeySecret: 'wrong-secret-value' } });
    const err = await listMultipartUploads(c).catch((e) => e);
    assert.ok(err instanceof OssError);
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.stringToSign, err.clientStringToSign);
    assert.ok(!err.message.includes('wrong-secret-value'));
  }
});

test('complete with callback: 200 callback JSON; failing callback server => callback-failed (object stored)', async () => {
  const c = client();
  for (const m of ['json', 'fail'] as const) {
    cbMode = m;
    const key = `cb/${m}.bin`;
    const data = randomBytes(2 * KiB);
    const init = await initiateMultipartUpload(c, key);
    const [etag] = await uploadParts(c, key, init.uploadId, [data]);
    const r = await completeMultipartUpload(c, key, init.uploadId, {
      parts: [{ partNumber: 1, etag }],
      callback: { url: cbUrl, body: '{"object":${object},"size":${size},"who":${x:who}}', bodyType: 'application/json' },
      callbackVar: { 'x:who': 'alice' },
    });
    if (m === 'json') {
      assert.equal(r.kind, 'callback');
      assert.deepEqual(r.kind === 'callback' && r.callbackBody, { ok: true, received: { object: key, size: data.length, who: 'alice' } });
    } else {
      assert.equal(r.kind, 'callback-failed');
      assert.equal(r.kind === 'callback-failed' && r.code, 'CallbackFailed');
      assert.ok(r.kind === 'callback-failed' && r.ec);
      assert.equal((await headObject(c, key))?.size, data.length, 'the object is stored despite the failed callback');
    }
    assert.match(r.requestId, /^[0-9A-F]{24}$/);
    assert.equal(r.crc64, crc64(data));
  }
  cbMode = 'json';
});

test('faults: 503s are retried; a lost Complete response is recovered via maybeCompleted + HEAD', async () => {
  const c = client();
  const key = 'faults/lost-complete.bin';
  const data = randomBytes(5 * KiB);
  const init = await initiateMultipartUpload(c, key);
  const [etag] = await uploadParts(c, key, init.uploadId, [data]);

  em.admin.faults.add({ op: 'ListParts', action: 'error', status: 503, count: 2 });
  const listed = await collect(listAllParts(c, key, init.uploadId));
  assert.equal(listed.length, 1);

  em.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-after', count: 1 });
  const err = await completeMultipartUpload(c, key, init.uploadId, { parts: [{ partNumber: 1, etag }] }).catch((e) => e);
  assert.ok(err instanceof OssError, String(err));
  assert.equal(err.code, 'NoSuchUpload');
  assert.equal(err.maybeCompleted, true);
  const head = await headObject(c, key);
  assert.equal(head?.size, data.length);
  assert.equal(head?.crc64, crc64(data), 'the earlier attempt did complete it');
  em.admin.faults.clear();
});

test('faults: Initiate is not retried after a lost response (the orphan it leaves is visible)', async () => {
  const c = client();
  const prefix = 'faults/initiate/';
  em.admin.faults.add({ op: 'InitiateMultipartUpload', action: 'drop-after', count: 1 });
  const err = await initiateMultipartUpload(c, `${prefix}a.bin`).catch((e) => e);
  assert.ok(err instanceof OssNetworkError, String(err));
  assert.equal(err.attempts, 1);
  const orphans = await collect(iterateMultipartUploads(c, { prefix }));
  assert.equal(orphans.length, 1, 'exactly one upload was created: no retry made a second one');
  await abortMultipartUpload(c, orphans[0].key, orphans[0].uploadId);
  em.admin.faults.clear();
});

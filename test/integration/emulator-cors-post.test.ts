// Bucket CORS (default rules, PutBucketCors rules through ali-oss, preflight acceptance and
// refusal, headers on actual requests) and PostObject (V4 policy form signed with ali-oss's
// signPostObjectPolicyV4, V1 form from calculatePostSignature, policy conditions, size range).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { signHeader } from '../../shared/oss/signer';
import { crc64 } from '../../shared/oss/crc64';
import { LOCAL_ORIGINS } from '../../infra/emulator/cors';
import { UPLOAD_CORS } from '../../infra/bucket-rules';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');

const BUCKET = 'cors-bucket';
const OTHER = 'rules-bucket';
let em: RunningEmulator;

function aliClient(bucket = BUCKET, secret?: string) {
  return new OSS({
    endpoint: `http://localhost:${em.port}`,
    sldEnable: true,
    region: 'oss-cn-hangzhou',
    bucket,
    accessKeyId: em.credentials.accessKeyId,
    accessKeySecret: secret ?? em.credentials.accessKeySecret,
    authorizationV4: true,
  });
}

function preflight(bucket: string, origin: string, method: string, headers?: string): Promise<Response> {
  const h: Record<string, string> = { Origin: origin, 'Access-Control-Request-Method': method };
  if (headers) h['Access-Control-Request-Headers'] = headers;
  return fetch(`${em.url}/${bucket}/some/key.bin?partNumber=1&uploadId=X`, { method: 'OPTIONS', headers: h });
}

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET, OTHER] });
});
after(() => em.close());

describe('CORS', () => {
  test('default rules allow http://localhost:* and http://127.0.0.1:*, expose ETag; others get 403', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8787', 'http://localhost']) {
      const r = await preflight(BUCKET, origin, 'PUT', 'content-type,x-oss-date,authorization');
      assert.equal(r.status, 200, origin);
      assert.equal(r.headers.get('access-control-allow-origin'), origin);
      assert.match(r.headers.get('access-control-allow-methods')!, /PUT/);
      assert.equal(r.headers.get('access-control-allow-headers'), 'content-type, x-oss-date, authorization');
      assert.match(r.headers.get('access-control-expose-headers')!, /ETag/);
      assert.match(r.headers.get('access-control-expose-headers')!, /x-oss-hash-crc64ecma/);
      assert.match(r.headers.get('x-oss-request-id')!, /^[0-9A-F]{24}$/);
    }
    const denied = await preflight(BUCKET, 'https://evil.example', 'PUT');
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /<Code>AccessForbidden<\/Code>/);
    const noOrigin = await fetch(`${em.url}/${BUCKET}/k`, { method: 'OPTIONS' });
    assert.equal(noOrigin.status, 403);
  });

  test('actual requests carry Allow-Origin and Expose-Headers, errors included', async () => {
    const oss = aliClient();
    await oss.put('cors/x.txt', Buffer.from('x'));
    const sig = signHeader('v4', { method: 'GET', bucket: BUCKET, key: 'cors/x.txt' }, { credentials: em.credentials, region: 'cn-hangzhou' });
    const ok = await fetch(`${em.url}/${BUCKET}/cors/x.txt`, { headers: { ...sig.headers, Origin: 'http://localhost:3000' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.match(ok.headers.get('access-control-expose-headers')!, /ETag/);
    const err = await fetch(`${em.url}/${BUCKET}/cors/x.txt`, { headers: { Origin: 'http://localhost:3000' } });
    assert.equal(err.status, 403);
    assert.equal(err.headers.get('access-control-allow-origin'), 'http://localhost:3000', 'a browser can read the error');
    const foreign = await fetch(`${em.url}/${BUCKET}/cors/x.txt`, { headers: { ...sig.headers, Origin: 'https://evil.example' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  test('PutBucketCors / GetBucketCors / DeleteBucketCors through ali-oss; rules decide preflights', async () => {
    const oss = aliClient(OTHER);
    // A new bucket reports the rule it applies: our browser-upload rule for local origins.
    const defaults = await oss.getBucketCORS(OTHER);
    assert.equal(defaults.rules.length, 1);
    assert.deepEqual(defaults.rules[0].allowedOrigin, LOCAL_ORIGINS);
    assert.deepEqual(defaults.rules[0].allowedMethod, UPLOAD_CORS.allowedMethods);
    assert.deepEqual(defaults.rules[0].exposeHeader, UPLOAD_CORS.exposeHeaders);
    assert.equal((await preflight(OTHER, 'http://localhost:5173', 'DELETE')).status, 403, 'browsers never DELETE on OSS');
    await oss.putBucketCORS(OTHER, [
      { allowedOrigin: 'https://*.example.com', allowedMethod: ['PUT', 'GET'], allowedHeader: ['content-type', 'x-oss-*'], exposeHeader: ['ETag', 'x-oss-request-id'], maxAgeSeconds: 300 },
      { allowedOrigin: '*', allowedMethod: 'GET' },
    ]);
    const got = await oss.getBucketCORS(OTHER);
    assert.equal(got.rules.length, 2);
    assert.equal(got.rules[0].allowedOrigin, 'https://*.example.com');

    const ok = await preflight(OTHER, 'https://app.example.com', 'PUT', 'Content-Type, X-OSS-Date');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-max-age'), '300');
    assert.equal(ok.headers.get('access-control-expose-headers'), 'ETag, x-oss-request-id');
    assert.equal((await preflight(OTHER, 'https://app.example.com', 'DELETE')).status, 403, 'method not allowed');
    assert.equal((await preflight(OTHER, 'https://app.example.com', 'PUT', 'authorization')).status, 403, 'header not allowed');
    assert.equal((await preflight(OTHER, 'http://localhost:5173', 'PUT')).status, 403, 'defaults no longer apply');
    const any = await preflight(OTHER, 'http://localhost:5173', 'GET');
    assert.equal(any.status, 200, 'second rule');
    assert.equal(any.headers.get('access-control-allow-origin'), '*');

    await oss.deleteBucketCORS(OTHER);
    await assert.rejects(oss.getBucketCORS(OTHER), (e: { status: number; code: string }) => e.status === 404 && e.code === 'NoSuchCORSConfiguration');
    assert.equal((await preflight(OTHER, 'http://localhost:5173', 'PUT')).status, 403, 'no rules at all, as on OSS');
  });
});

describe('Lifecycle', () => {
  test('GetBucketLifecycle answers NoSuchLifecycle (the emulator applies none); Put is NotImplemented', async () => {
    const oss = aliClient();
    await assert.rejects(oss.getBucketLifecycle(BUCKET), (e: { status: number; code: string }) => e.status === 404 && e.code === 'NoSuchLifecycle');
    await assert.rejects(
      oss.putBucketLifecycle(BUCKET, [{ id: 'x', prefix: 'uploads/', status: 'Enabled', abortMultipartUpload: { days: 3 } }]),
      (e: { status: number; code: string }) => e.status === 501 && e.code === 'NotImplemented',
    );
  });
});

describe('PostObject', () => {
  function v4Form(opts: { key: string; conditions?: unknown[]; expiration?: Date; fields?: Record<string, string>; secret?: string; file?: Buffer; filename?: string }) {
    const oss = aliClient(BUCKET, opts.secret);
    const date = new Date();
    const isoDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const credential = `${em.credentials.accessKeyId}/${isoDate.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`;
    const policy = {
      expiration: (opts.expiration ?? new Date(Date.now() + 600_000)).toISOString(),
      conditions: [
        { bucket: BUCKET },
        { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
        { 'x-oss-credential': credential },
        { 'x-oss-date': isoDate },
        ...(opts.conditions ?? []),
      ],
    };
    const form = new FormData();
    form.append('key', opts.key);
    form.append('policy', Buffer.from(JSON.stringify(policy)).toString('base64'));
    form.append('x-oss-signature-version', 'OSS4-HMAC-SHA256');
    form.append('x-oss-credential', credential);
    form.append('x-oss-date', isoDate);
    form.append('x-oss-signature', oss.signPostObjectPolicyV4(policy, date));
    for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
    form.append('file', new Blob([(opts.file ?? Buffer.from('hello post')) as BlobPart], { type: 'text/plain' }), opts.filename ?? 'hello.txt');
    return form;
  }

  async function post(form: FormData, origin?: string): Promise<Response> {
    return fetch(`${em.url}/${BUCKET}/`, { method: 'POST', body: form, headers: origin ? { Origin: origin } : {} });
  }

  test('V4 policy form: 201 with PostResponse, stored with Content-Type and meta, CORS headers', async () => {
    const file = randomBytes(500);
    const form = v4Form({
      key: 'post/${filename}',
      filename: 'photo.jpg',
      file,
      conditions: [['starts-with', '$key', 'post/'], ['content-length-range', 1, 1024]],
      fields: { success_action_status: '201', 'Content-Type': 'image/jpeg', 'x-oss-meta-owner': 'dora' },
    });
    const r = await post(form, 'http://localhost:5173');
    const xml = await r.text();
    assert.equal(r.status, 201, xml);
    assert.match(xml, /<PostResponse><Bucket>cors-bucket<\/Bucket><Location>[^<]+<\/Location><Key>post\/photo.jpg<\/Key><ETag>"[0-9A-F]{32}"<\/ETag><\/PostResponse>/);
    assert.equal(r.headers.get('x-oss-hash-crc64ecma'), crc64(file).toString());
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    const head = await aliClient().head('post/photo.jpg');
    assert.equal(head.res.headers['content-type'], 'image/jpeg');
    assert.equal(head.meta.owner, 'dora');
    assert.equal(head.res.headers['content-length'], '500');
  });

  test('success_action_status 200 and the default 204', async () => {
    assert.equal((await post(v4Form({ key: 'post/a.txt', fields: { success_action_status: '200' } }))).status, 200);
    assert.equal((await post(v4Form({ key: 'post/b.txt' }))).status, 204);
  });

  test('policy violations: key prefix, size range, expired policy, bucket, wrong signature', async () => {
    const cases: Array<[string, FormData, number, string]> = [
      ['key prefix', v4Form({ key: 'elsewhere/x', conditions: [['starts-with', '$key', 'post/']] }), 403, 'AccessDenied'],
      ['eq key', v4Form({ key: 'post/y', conditions: [['eq', '$key', 'post/x']] }), 403, 'AccessDenied'],
      ['too large', v4Form({ key: 'post/big', file: randomBytes(2048), conditions: [['content-length-range', 1, 1024]] }), 400, 'EntityTooLarge'],
      ['too small', v4Form({ key: 'post/small', file: Buffer.from('x'), conditions: [['content-length-range', 10, 1024]] }), 400, 'EntityTooSmall'],
      ['expired', v4Form({ key: 'post/old', expiration: new Date(Date.now() - 1000) }), 403, 'AccessDenied'],
      ['wrong bucket', v4Form({ key: 'post/z', conditions: [{ bucket: 'another' }] }), 403, 'AccessDenied'],
      ['wrong secret', v4Form({ key: 'post/w', secret: 'not-it' }), 403, 'SignatureDoesNotMatch'],
    ];
    for (const [name, form, status, code] of cases) {
      const r = await post(form);
      const xml = await r.text();
      assert.equal(r.status, status, `${name}: ${xml}`);
      assert.match(xml, new RegExp(`<Code>${code}</Code>`), name);
    }
    for (const key of ['elsewhere/x', 'post/y', 'post/big', 'post/small', 'post/old', 'post/z', 'post/w']) {
      await assert.rejects(aliClient().head(key), (e: { status: number }) => e.status === 404, `${key} not stored`);
    }
    // No signature at all.
    const anon = new FormData();
    anon.append('key', 'post/anon');
    anon.append('file', new Blob(['x']), 'x');
    assert.equal((await post(anon)).status, 403);
  });

  test('as OSS: fields the policy does not name are accepted; a condition on an absent field fails (not compared as "")', async () => {
    // Unnamed fields are stored as given.
    const extra = await post(v4Form({ key: 'post/extra', fields: { 'Cache-Control': 'max-age=60', 'x-oss-meta-free': 'yes' } }));
    assert.equal(extra.status, 204, await extra.text());
    assert.equal((await aliClient().head('post/extra')).meta.free, 'yes');
    // ["eq", "$x", ""] with the field absent: 403, EC 0006-00000226; with the field empty: accepted.
    const cond = [['eq', '$cache-control', '']];
    const absent = await post(v4Form({ key: 'post/absent', conditions: cond }));
    const xml = await absent.text();
    assert.equal(absent.status, 403, xml);
    assert.match(xml, /<Code>AccessDenied<\/Code>/);
    assert.match(xml, /<Message>Invalid according to Policy: Policy Condition failed: \["eq", "\$cache-control", ""\]<\/Message>/);
    assert.match(xml, /<EC>0006-00000226<\/EC>/);
    assert.equal((await post(v4Form({ key: 'post/empty', conditions: cond, fields: { 'Cache-Control': '' } }))).status, 204);
    // A field that fails its condition: EC 0006-00000227.
    const wrong = await post(v4Form({ key: 'post/wrong', conditions: [['eq', '$x-oss-forbid-overwrite', 'true']], fields: { 'x-oss-forbid-overwrite': 'false' } }));
    const wrongXml = await wrong.text();
    assert.equal(wrong.status, 403, wrongXml);
    assert.match(wrongXml, /Policy Condition failed: \["eq", "\$x-oss-forbid-overwrite", "true"\]/);
    assert.match(wrongXml, /<EC>0006-00000227<\/EC>/);
  });

  test('V1 form from ali-oss calculatePostSignature', async () => {
    const oss = aliClient();
    const sig = oss.calculatePostSignature({
      expiration: new Date(Date.now() + 600_000).toISOString(),
      conditions: [['content-length-range', 0, 1_000_000], ['starts-with', '$key', 'v1/']],
    });
    const form = new FormData();
    form.append('key', 'v1/form.txt');
    form.append('OSSAccessKeyId', sig.OSSAccessKeyId);
    form.append('policy', sig.policy);
    form.append('Signature', sig.Signature);
    form.append('file', new Blob(['v1 body']), 'form.txt');
    const r = await post(form);
    assert.equal(r.status, 204, await r.text());
    const got = await oss.get('v1/form.txt');
    assert.equal(got.content.toString(), 'v1 body');
  });
});

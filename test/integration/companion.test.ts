// The Uppy Companion `/s3/*` facade end to end over HTTP: functions server -> OSS emulator ->
// callback function. Multipart (create, sign, batch sign, list, complete, abort), PostObject forms
// POSTed as multipart/form-data, key ownership, auth (Bearer, cookie, none), errors, and Uppy's
// own CompanionS3 client (from @uppy/aws-s3 v6) driving the routes in Node.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startStack, type TestStack } from '../helpers/stack.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import CompanionS3 from '../../node_modules/@uppy/aws-s3/lib/s3-client/CompanionS3.js';
import { getObject, headObject } from '../../shared/oss/objects.ts';

const KiB = 1024;

let s: TestStack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.close();
});

type Opts = Parameters<TestStack['request']>[2];
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function create(stack: TestStack, body: Record<string, unknown> = {}, opts: Opts = {}) {
  const r = await stack.request('POST', '/s3/multipart', { body: { filename: 'data.bin', type: 'application/octet-stream', ...body }, ...opts });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { key: string; uploadId: string; bucket: string; expiresAt: string };
}

/** The claims of a facade upload id (not verified here: the routes do that). */
function facadeClaims(id: string): { typ: string; sub: string; key: string; uploadId: string; maxSize: number; exp: number } {
  return JSON.parse(Buffer.from(id.split('.')[1], 'base64url').toString('utf8'));
}

async function signPart(stack: TestStack, up: { key: string; uploadId: string }, n: number, opts: Opts = {}) {
  const r = await stack.request('GET', `/s3/multipart/${encodeURIComponent(up.uploadId)}/${n}?${q({ key: up.key })}`, opts);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { url: string; expires: number };
}

async function batchSign(stack: TestStack, up: { key: string; uploadId: string }, numbers: number[], opts: Opts = {}) {
  const r = await stack.request('GET', `/s3/multipart/${encodeURIComponent(up.uploadId)}/batch?${q({ key: up.key, partNumbers: numbers.join(',') })}`, opts);
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
  return r.body.presignedUrls as Record<string, string>;
}

/** PUTs parts to their URLs as Uppy does: the Blob slice, no headers. Returns Companion-style parts. */
async function putAll(urls: Array<[number, string]>, data: Uint8Array, partSize: number, concurrency = 8) {
  const out: Array<{ PartNumber: number; ETag: string }> = [];
  let next = 0;
  async function worker() {
    while (next < urls.length) {
      const [n, url] = urls[next++];
      const body = data.subarray((n - 1) * partSize, n * partSize);
      const res = await fetch(url, { method: 'PUT', body: body as unknown as BodyInit });
      assert.equal(res.status, 200, `part ${n}: ${await res.text()}`);
      out.push({ PartNumber: n, ETag: res.headers.get('etag')! });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.sort((a, b) => a.PartNumber - b.PartNumber);
}

const path = (up: { key: string; uploadId: string }, suffix = '') => `/s3/multipart/${encodeURIComponent(up.uploadId)}${suffix}?${q({ key: up.key })}`;

function assertUppyError(r: { status: number; body: any }, status: number, code?: string) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  // Uppy's companion client shows a 4xx body's top-level `message`.
  assert.equal(typeof r.body.message, 'string', JSON.stringify(r.body));
  assert.ok(r.body.message.length > 0);
  if (code) assert.equal(r.body.error.code, code);
}

// ---------------------------------------------------------------------------------------------

test('multipart: create, sign each part, PUT, list (bare array), complete with callback; bytes, CRC-64 and metadata stored', async () => {
  const partSize = 100 * KiB;
  const data = randomBytes(2 * partSize + 4321);
  // What an unmodified Uppy sends: every meta field, relativePath null, a non-ASCII name.
  const up = await create(s, { filename: 'résumé.bin', type: 'application/octet-stream', metadata: { name: 'résumé.bin', type: 'application/octet-stream', relativePath: null } });
  assert.match(up.key, /^uploads\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{16}\/résumé\.bin$/);
  assert.equal(up.bucket, 'test-bucket');
  // The upload id is the facade's signed id, binding the key, OSS's upload id and the expiry.
  const bound = facadeClaims(up.uploadId);
  assert.equal(bound.typ, 'facade-upload');
  assert.equal(bound.key, up.key);
  assert.match(bound.uploadId, /^[0-9A-F]{32}$/);
  assert.equal(bound.maxSize, 5 * 1024 ** 3);
  assert.equal(up.expiresAt, new Date(bound.exp * 1000).toISOString());
  assert.ok(Math.abs(bound.exp - Date.now() / 1000 - 86_400) < 5, 'expires with the upload token lifetime');

  const urls: Array<[number, string]> = [];
  for (const n of [1, 2, 3]) {
    const signed = await signPart(s, up, n);
    assert.equal(signed.expires, 3600);
    assert.match(signed.url, /x-oss-signature=/);
    assert.doesNotMatch(signed.url, /x-oss-additional-headers/);
    urls.push([n, signed.url]);
  }
  const parts = await putAll(urls, data, partSize);

  const listed = await s.request('GET', path(up));
  assert.equal(listed.status, 200);
  assert.ok(Array.isArray(listed.body), 'list answers a bare array');
  assert.deepEqual(listed.body.map((p: any) => [p.PartNumber, p.Size]), [[1, partSize], [2, partSize], [3, 4321]]);
  for (const [i, p] of listed.body.entries()) {
    assert.deepEqual(Object.keys(p).sort(), ['ETag', 'LastModified', 'PartNumber', 'Size']);
    assert.equal(p.ETag, parts[i].ETag);
    assert.ok(!Number.isNaN(Date.parse(p.LastModified)));
  }

  const done = await s.request('POST', path(up, '/complete'), { body: { parts } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.key, up.key);
  assert.equal(done.body.bucket, 'test-bucket');
  assert.equal(done.body.location, `${s.emulator.url}/test-bucket/${up.key.split('/').map(encodeURIComponent).join('/')}`);
  assert.equal(done.body.size, data.length);
  assert.equal(done.body.crc64, crc64(data).toString());
  assert.equal(done.body.callbackStatus, 'ok');
  assert.equal(done.body.callback.ok, true);
  assert.equal(done.body.callback.key, up.key);
  assert.equal(done.body.callback.uploadId, bound.uploadId);
  assert.equal(done.body.callback.sub, 'alice');
  assert.equal(done.body.callback.size, data.length);

  const got = await getObject(s.oss, up.key);
  assert.ok(Buffer.from(got.body).equals(data), 'stored bytes equal the file');
  assert.equal(got.contentType, 'application/octet-stream');
  // Metadata values are stored percent-encoded; names lower-cased; nulls dropped.
  assert.deepEqual(got.metadata, { name: 'r%C3%A9sum%C3%A9.bin', type: 'application%2Foctet-stream' });
  assert.equal(decodeURIComponent(got.metadata.name), 'résumé.bin');

  // A second complete finds the upload gone and the object there: recovered, not an error.
  const again = await s.request('POST', path(up, '/complete'), { body: { parts } });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.recovered, true);
  assert.equal(again.body.size, data.length);
  assert.equal(again.body.callbackStatus, 'unknown');
});

test('1,001 parts: batch sign in two calls, list pages past 1,000 on the server, complete with all parts', async () => {
  const partSize = 100 * KiB;
  const count = 1001;
  const data = randomBytes(1000 * partSize + 999);
  const up = await create(s);
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  const first = await batchSign(s, up, numbers.slice(0, 1000));
  const second = await batchSign(s, up, numbers.slice(1000));
  assert.equal(Object.keys(first).length, 1000);
  assert.deepEqual(Object.keys(second), ['1001']);
  const urls = Object.entries({ ...first, ...second }).map(([n, url]) => [Number(n), url] as [number, string]);
  const parts = await putAll(urls, data, partSize, 16);

  const listed = await s.request('GET', path(up));
  assert.equal(listed.status, 200);
  assert.ok(Array.isArray(listed.body));
  assert.equal(listed.body.length, count);
  assert.deepEqual(listed.body.map((p: any) => p.PartNumber), numbers);
  assert.equal(listed.body[1000].Size, 999);

  // ~60 KB of JSON; 10,000 parts would be ~0.6 MB, within MAX_BODY_BYTES (1 MiB).
  const done = await s.request('POST', path(up, '/complete'), { body: { parts: [...parts].reverse() } });
  assert.equal(done.status, 200, JSON.stringify(done.body).slice(0, 500));
  assert.equal(done.body.size, data.length);
  assert.equal(done.body.crc64, crc64(data).toString());
  const head = await headObject(s.oss, up.key);
  assert.equal(head?.size, data.length);
  assert.equal(head?.crc64, crc64(data));
});

test('batch sign: more than MAX_PARTS_PER_SIGN, repeats, bad numbers and a missing list are 400', async () => {
  const up = await create(s);
  const tooMany = Array.from({ length: 1001 }, (_, i) => i + 1).join(',');
  for (const partNumbers of [tooMany, '1,1', '0', '10001', '1,x', '']) {
    const r = await s.request('GET', `/s3/multipart/${up.uploadId}/batch?${q({ key: up.key, partNumbers })}`);
    assertUppyError(r, 400, 'VALIDATION_FAILED');
  }
  assertUppyError(await s.request('GET', `/s3/multipart/${up.uploadId}/batch?${q({ key: up.key })}`), 400, 'VALIDATION_FAILED');
  await s.request('DELETE', path(up));
});

test('PostObject: /s3/params gives a V4 policy with a concrete key; a real form POST stores the file; the callback answers', async () => {
  const data = randomBytes(3000);
  const r = await s.request('GET', `/s3/params?${q({ filename: 'photo.png', type: 'image/png', 'metadata[name]': 'photo.png', 'metadata[caption]': 'Été' })}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const { method, url, fields, expires } = r.body;
  assert.equal(method, 'POST');
  assert.equal(url, `${s.emulator.url}/test-bucket`);
  assert.equal(expires, 3600);
  assert.match(fields.key, /^uploads\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{16}\/photo\.png$/);
  assert.equal(fields['Content-Type'], 'image/png');
  assert.equal(fields.success_action_status, '201');
  assert.equal(fields['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
  assert.match(fields['x-oss-credential'], /^[^/]+\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request$/);
  assert.match(fields['x-oss-date'], /^\d{8}T\d{6}Z$/);
  assert.match(fields['x-oss-signature'], /^[0-9a-f]{64}$/);
  assert.equal(fields['x-oss-meta-caption'], encodeURIComponent('Été'));
  assert.ok(fields.callback, 'CALLBACK_URL is set, so the form carries the callback');

  const policy = JSON.parse(Buffer.from(fields.policy, 'base64').toString('utf8'));
  assert.ok(Date.parse(policy.expiration) > Date.now());
  const c = policy.conditions;
  assert.deepEqual(c[0], { bucket: 'test-bucket' });
  assert.deepEqual(c.find((x: any) => x['x-oss-credential']), { 'x-oss-credential': fields['x-oss-credential'] });
  assert.deepEqual(c.find((x: any) => x['x-oss-date']), { 'x-oss-date': fields['x-oss-date'] });
  assert.deepEqual(c.find((x: any) => x['x-oss-signature-version']), { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' });
  assert.deepEqual(c.find((x: any) => Array.isArray(x) && x[1] === '$key'), ['eq', '$key', fields.key]);
  assert.deepEqual(c.find((x: any) => Array.isArray(x) && x[0] === 'content-length-range'), ['content-length-range', 0, 5 * 1024 ** 3]);
  assert.deepEqual(c.find((x: any) => Array.isArray(x) && x[1] === '$content-type'), ['eq', '$content-type', 'image/png']);
  assert.deepEqual(c.find((x: any) => Array.isArray(x) && x[1] === '$x-oss-meta-caption'), ['eq', '$x-oss-meta-caption', encodeURIComponent('Été')]);

  // The browser's POST, as Uppy builds it: every field, then the file last.
  const form = new FormData();
  for (const [k, v] of Object.entries(fields as Record<string, string>)) form.set(k, v);
  form.set('file', new Blob([data], { type: 'image/png' }), 'photo.png');
  const posted = await fetch(url, { method: 'POST', body: form });
  // With a callback OSS answers 200 and the callback function's JSON (Uppy accepts any 2xx).
  assert.equal(posted.status, 200, await posted.clone().text());
  assert.ok(posted.headers.get('etag'));
  const cb = await posted.json();
  assert.equal(cb.ok, true);
  assert.equal(cb.key, fields.key);
  assert.equal(cb.size, data.length);
  assert.equal(cb.sub, 'alice');
  assert.equal(cb.uploadId, '');

  const got = await getObject(s.oss, fields.key);
  assert.ok(Buffer.from(got.body).equals(data), 'stored bytes equal the file');
  assert.equal(got.contentType, 'image/png');
  assert.equal(got.metadata.caption, encodeURIComponent('Été'));

  // The same form again: forbid-overwrite keeps the first file.
  const form2 = new FormData();
  for (const [k, v] of Object.entries(fields as Record<string, string>)) form2.set(k, v);
  form2.set('file', new Blob([randomBytes(10)]), 'x');
  const again = await fetch(url, { method: 'POST', body: form2 });
  assert.equal(again.status, 409, await again.text());
});

test('PostObject: the policy holds; another key, type or metadata value, or a tampered policy is refused by OSS', async () => {
  const r = await s.request('GET', `/s3/params?${q({ filename: 'a.txt', type: 'text/plain', 'metadata[tag]': 'x' })}`);
  assert.equal(r.status, 200);
  const fields = r.body.fields as Record<string, string>;
  const post = async (change: Record<string, string>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ ...fields, ...change })) form.set(k, v);
    form.set('file', new Blob([Buffer.from('hello')]), 'a.txt');
    const res = await fetch(r.body.url, { method: 'POST', body: form });
    return { status: res.status, text: await res.text() };
  };
  assert.equal((await post({ key: fields.key.replace('alice', 'bob') })).status, 403);
  assert.equal((await post({ key: `${fields.key}.exe` })).status, 403);
  assert.equal((await post({ 'Content-Type': 'text/html' })).status, 403);
  assert.equal((await post({ 'x-oss-meta-tag': 'y' })).status, 403);
  const doc = JSON.parse(Buffer.from(fields.policy, 'base64').toString('utf8'));
  doc.conditions = doc.conditions.filter((x: any) => !(Array.isArray(x) && x[1] === '$key'));
  assert.equal((await post({ policy: Buffer.from(JSON.stringify(doc)).toString('base64') })).status, 403);
  const ok = await post({});
  assert.equal(ok.status, 200, ok.text);
});

test('PostObject: filename is required; a malformed type is 400', async () => {
  assertUppyError(await s.request('GET', `/s3/params?${q({ type: 'text/plain' })}`), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('GET', `/s3/params?${q({ filename: 'a', type: 'not a type' })}`), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('GET', `/s3/params?${q({ filename: 'a', 'metadata[x]': 'a\u0001b'.repeat(1000) })}`), 400, 'VALIDATION_FAILED');
});

test("key ownership: bob's key with alice's token is 403 on every route, before OSS is asked", async () => {
  const bobs = await create(s, {}, { sub: 'bob' });
  const asAlice = { sub: 'alice' };
  assertUppyError(await s.request('GET', path(bobs), asAlice), 403, 'FORBIDDEN');
  assertUppyError(await s.request('GET', path(bobs, '/1'), asAlice), 403, 'FORBIDDEN');
  assertUppyError(await s.request('GET', `/s3/multipart/${bobs.uploadId}/batch?${q({ key: bobs.key, partNumbers: '1' })}`, asAlice), 403, 'FORBIDDEN');
  assertUppyError(await s.request('POST', path(bobs, '/complete'), { ...asAlice, body: { parts: [{ PartNumber: 1, ETag: '"x"' }] } }), 403, 'FORBIDDEN');
  assertUppyError(await s.request('DELETE', path(bobs), asAlice), 403, 'FORBIDDEN');
  // Bob's upload id under a key of alice's naming does not reach bob's upload either.
  const alicesKey = bobs.key.replace('/bob/', '/alice/');
  assertUppyError(await s.request('GET', `/s3/multipart/${bobs.uploadId}?${q({ key: alicesKey })}`, asAlice), 403, 'FORBIDDEN');
  // Keys that only look like alice's: traversal, prefix only, another prefix.
  for (const key of ['uploads/alice/../bob/x', 'uploads/alice/', 'uploads/alicex/y', 'other/alice/y', '/uploads/alice/y']) {
    assertUppyError(await s.request('GET', `/s3/multipart/${bobs.uploadId}?${q({ key })}`, asAlice), 403, 'FORBIDDEN');
  }
  // Bob's upload is untouched.
  assert.equal((await s.request('GET', path(bobs), { sub: 'bob' })).status, 200);
  assert.deepEqual((await s.request('DELETE', path(bobs), { sub: 'bob' })).body, {});
});

test('auth: no credentials is 401 on every route; the caller cookie works like a Bearer token', async () => {
  const up = await create(s);
  const none = { sub: null };
  assertUppyError(await s.request('GET', `/s3/params?${q({ filename: 'a' })}`, none), 401, 'UNAUTHENTICATED');
  assertUppyError(await s.request('POST', '/s3/multipart', { ...none, body: { filename: 'a' } }), 401, 'UNAUTHENTICATED');
  assertUppyError(await s.request('GET', path(up, '/1'), none), 401, 'UNAUTHENTICATED');
  assertUppyError(await s.request('GET', `/s3/multipart/${up.uploadId}/batch?${q({ key: up.key, partNumbers: '1' })}`, none), 401);
  assertUppyError(await s.request('GET', path(up), none), 401);
  assertUppyError(await s.request('POST', path(up, '/complete'), { ...none, body: { parts: [] } }), 401);
  assertUppyError(await s.request('DELETE', path(up), none), 401);
  assertUppyError(await s.request('GET', path(up), { jwt: 'not.a.jwt' }), 401, 'TOKEN_INVALID');
  assertUppyError(await s.request('GET', path(up), { cookie: 'oss_upload_token=garbage' }), 401, 'TOKEN_INVALID');

  // Uppy v6 Companion mode sends only same-origin cookies.
  const cookie = `other=1; oss_upload_token=${s.jwt('alice')}`;
  const created = await s.request('POST', '/s3/multipart', { cookie, body: { filename: 'c.bin', type: 'application/octet-stream' } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.match(created.body.key, /^uploads\/alice\//);
  assert.equal((await s.request('GET', path(created.body, '/1'), { cookie })).status, 200);
  assert.deepEqual((await s.request('GET', path(created.body), { cookie })).body, []);
  assert.equal((await s.request('GET', `/s3/params?${q({ filename: 'c.txt' })}`, { cookie })).status, 200);
  assert.deepEqual((await s.request('DELETE', path(created.body), { cookie })).body, {});
  await s.request('DELETE', path(up));
});

test('a dead upload (aborted) under its genuine id: batch, list and complete are 404; single-part sign signs and OSS refuses the PUT; abort is {}', async () => {
  const up = await create(s);
  assert.deepEqual((await s.request('DELETE', path(up))).body, {});
  // Single-part sign makes no OSS call (Uppy v6 signs every part): the URL is signed, and OSS
  // itself answers the PUT with 404 NoSuchUpload, which Uppy reports.
  const one = await s.request('GET', path(up, '/1'));
  assert.equal(one.status, 200);
  const put = await fetch(one.body.url, { method: 'PUT', body: new Uint8Array([120]) }); // bytes: no Content-Type, like a Blob slice
  assert.equal(put.status, 404);
  assert.match(await put.text(), /<Code>NoSuchUpload<\/Code>/);
  assertUppyError(await s.request('GET', `/s3/multipart/${encodeURIComponent(up.uploadId)}/batch?${q({ key: up.key, partNumbers: '1,2' })}`), 404, 'UPLOAD_NOT_FOUND');
  assertUppyError(await s.request('GET', path(up)), 404, 'UPLOAD_NOT_FOUND');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [{ PartNumber: 1, ETag: '"A"' }] } }), 404, 'UPLOAD_NOT_FOUND');
  const del = await s.request('DELETE', path(up));
  assert.equal(del.status, 200);
  assert.deepEqual(del.body, {});
});

test('input checks: part number, upload id and key are validated (400)', async () => {
  const up = await create(s);
  for (const n of ['0', '10001', 'abc', '1.5', '-1', '000001']) {
    assertUppyError(await s.request('GET', `/s3/multipart/${up.uploadId}/${n}?${q({ key: up.key })}`), 400, 'VALIDATION_FAILED');
  }
  assert.equal((await s.request('GET', path(up, '/10000'))).status, 200);
  assertUppyError(await s.request('GET', `/s3/multipart/${up.uploadId}/1`), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('GET', `/s3/multipart/${up.uploadId}?key=`), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('GET', `/s3/multipart/${encodeURIComponent('a b')}?${q({ key: up.key })}`), 400, 'UPLOAD_ID_INVALID');
  assertUppyError(await s.request('DELETE', `/s3/multipart/${encodeURIComponent('x/../y')}?${q({ key: up.key })}`), 400, 'UPLOAD_ID_INVALID');
  assertUppyError(await s.request('POST', '/s3/multipart', { body: { type: 'text/plain' } }), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('POST', '/s3/multipart', { body: { filename: 'a', metadata: 'x' } }), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('POST', '/s3/multipart', { raw: 'filename=a', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: {} }), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [{ PartNumber: 1 }] } }), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [{ PartNumber: 0, ETag: '"a"' }] } }), 400, 'VALIDATION_FAILED');
  await s.request('DELETE', path(up));
});

test('complete checks the parts: 1..N without gaps (400), each in OSS with its ETag (409), non-last parts >= 100 KiB (409)', async () => {
  const partSize = 100 * KiB;
  const data = randomBytes(2 * partSize + 10);
  const up = await create(s);
  const urls = await batchSign(s, up, [1, 2, 3]);
  const parts = await putAll(Object.entries(urls).map(([n, u]) => [Number(n), u]), data, partSize);

  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [] } }), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [parts[0], parts[2]] } }), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [parts[0], parts[0], parts[1]] } }), 400, 'VALIDATION_FAILED');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [parts[0], { ...parts[1], ETag: parts[0].ETag }, parts[2]] } }), 409, 'CONFLICT');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [...parts, { PartNumber: 4, ETag: parts[0].ETag }] } }), 409, 'INCOMPLETE_UPLOAD');
  // Nothing was completed by the refusals.
  assert.equal((await s.request('GET', path(up))).body.length, 3);
  // Unquoted ETags and string part numbers are fine (the ETag is compared without quotes).
  const ok = await s.request('POST', path(up, '/complete'), {
    body: { parts: parts.map((p) => ({ PartNumber: String(p.PartNumber), ETag: p.ETag.replace(/"/g, '') })) },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.size, data.length);

  // A small part that is not the last.
  const small = await create(s);
  const u2 = await batchSign(s, small, [1, 2]);
  const p1 = await fetch(u2['1'], { method: 'PUT', body: randomBytes(50 * KiB) });
  const p2 = await fetch(u2['2'], { method: 'PUT', body: randomBytes(10) });
  const r = await s.request('POST', path(small, '/complete'), {
    body: { parts: [{ PartNumber: 1, ETag: p1.headers.get('etag') }, { PartNumber: 2, ETag: p2.headers.get('etag') }] },
  });
  assertUppyError(r, 409, 'INCOMPLETE_UPLOAD');
  assert.equal(r.body.error.details.partNumber, 1);
  // A 1-part upload of any size completes (the last part has no minimum).
  const one = await s.request('POST', path(small, '/complete'), { body: { parts: [{ PartNumber: 1, ETag: p1.headers.get('etag') }] } });
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.equal(one.body.size, 50 * KiB);
});

test('complete accepts a 10,000-part body (~0.6 MB, within MAX_BODY_BYTES) and checks it against OSS', async () => {
  const up = await create(s);
  const [part1] = await putAll([[1, (await signPart(s, up, 1)).url]], randomBytes(100 * KiB), 100 * KiB);
  const parts = Array.from({ length: 10_000 }, (_, i) => ({ PartNumber: i + 1, ETag: i === 0 ? part1.ETag : '"5EB63BBBE01EEED093CB22BB8F5ACDC3"' }));
  const raw = JSON.stringify({ parts });
  assert.ok(raw.length > 500_000, `${raw.length} bytes`);
  const r = await s.request('POST', path(up, '/complete'), { raw });
  assertUppyError(r, 409, 'INCOMPLETE_UPLOAD');
  assert.equal(r.body.error.details.missingCount, 9_999);
  // One more part than OSS allows is refused before OSS is asked.
  const tooMany = await s.request('POST', path(up, '/complete'), { body: { parts: [...parts, { PartNumber: 10_001, ETag: '"A"' }] } });
  assertUppyError(tooMany, 400, 'VALIDATION_FAILED');
  await s.request('DELETE', path(up));
});

test('abort: {} and safe to repeat; the upload is gone afterwards', async () => {
  const up = await create(s);
  await putAll([[1, (await signPart(s, up, 1)).url]], randomBytes(1000), 1000);
  const first = await s.request('DELETE', path(up));
  assert.equal(first.status, 200);
  assert.deepEqual(first.body, {});
  const second = await s.request('DELETE', path(up));
  assert.equal(second.status, 200);
  assert.deepEqual(second.body, {});
  assertUppyError(await s.request('GET', path(up)), 404, 'UPLOAD_NOT_FOUND');
  assertUppyError(await s.request('POST', path(up, '/complete'), { body: { parts: [{ PartNumber: 1, ETag: '"A"' }] } }), 404, 'UPLOAD_NOT_FOUND');
});

test('unknown routes under /s3 are JSON 404s (no /s3/sts); another method on a known one a JSON 405', async () => {
  assertUppyError(await s.request('GET', '/s3/sts'), 404, 'NOT_FOUND');
  const put = await s.request('PUT', '/s3/multipart');
  assertUppyError(put, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(put.headers.get('allow'), 'OPTIONS, POST');
});

// ---------------------------------------------------------------------------------------------

describe('with a tighter policy and no callback', () => {
  let t: TestStack;
  before(async () => {
    t = await startStack({
      callback: false,
      env: { MAX_FILE_SIZE: '250KiB', ALLOWED_CONTENT_TYPES: 'image/*,application/octet-stream', MAX_ACTIVE_UPLOADS: '1' },
    });
  });
  after(async () => {
    await t?.close();
  });

  test('PostObject without a callback: 201 with the PostResponse XML and Location; the size cap is the policy range', async () => {
    const r = await t.request('GET', `/s3/params?${q({ filename: 'p.png', type: 'image/png' })}`, { sub: 'post1' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const fields = r.body.fields as Record<string, string>;
    assert.equal(fields.callback, undefined);
    const policy = JSON.parse(Buffer.from(fields.policy, 'base64').toString('utf8'));
    assert.deepEqual(policy.conditions.find((x: any) => Array.isArray(x) && x[0] === 'content-length-range'), ['content-length-range', 0, 250 * KiB]);
    const send = async (size: number) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      form.set('file', new Blob([randomBytes(size)]), 'p.png');
      return fetch(r.body.url, { method: 'POST', body: form });
    };
    const tooBig = await send(250 * KiB + 1);
    assert.equal(tooBig.status, 400, await tooBig.text());
    const res = await send(250 * KiB);
    assert.equal(res.status, 201, await res.clone().text());
    const xml = await res.text();
    assert.match(xml, new RegExp(`<Key>${fields.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</Key>`));
    assert.ok(res.headers.get('location'));
    assert.equal((await headObject(t.oss, fields.key))?.size, 250 * KiB);
  });

  test('type allow-list (415) on create and params; unknown type defaults to application/octet-stream', async () => {
    assertUppyError(await t.request('GET', `/s3/params?${q({ filename: 'a.txt', type: 'text/plain' })}`, { sub: 'types' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertUppyError(await t.request('POST', '/s3/multipart', { sub: 'types', body: { filename: 'a.txt', type: 'text/html' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const r = await t.request('GET', `/s3/params?${q({ filename: 'a.bin' })}`, { sub: 'types' });
    assert.equal(r.status, 200);
    assert.equal(r.body.fields['Content-Type'], 'application/octet-stream');
  });

  test('active uploads limit: a second open upload is 429 until the first is aborted', async () => {
    const opts = { sub: 'limited' };
    const first = await create(t, {}, opts);
    assertUppyError(await t.request('POST', '/s3/multipart', { ...opts, body: { filename: 'b.bin', type: 'application/octet-stream' } }), 429, 'TOO_MANY_UPLOADS');
    await t.request('DELETE', path(first), opts);
    await create(t, {}, opts);
  });

  test('complete refuses parts adding up to more than MAX_FILE_SIZE (413); the upload stays for abort', async () => {
    const opts = { sub: 'big' };
    const up = await create(t, {}, opts);
    const urls = await batchSign(t, up, [1, 2, 3], opts);
    const parts = await putAll(Object.entries(urls).map(([n, u]) => [Number(n), u]), randomBytes(300 * KiB), 100 * KiB);
    const r = await t.request('POST', path(up, '/complete'), { ...opts, body: { parts } });
    assertUppyError(r, 413, 'FILE_TOO_LARGE');
    assert.equal((await t.request('GET', path(up), opts)).body.length, 3);
    // Two parts fit: completing with them is allowed (OSS drops part 3).
    const ok = await t.request('POST', path(up, '/complete'), { ...opts, body: { parts: parts.slice(0, 2) } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.size, 200 * KiB);
    assert.equal(ok.body.callbackStatus, 'none');
    assert.equal(ok.body.callback, undefined);
  });
});

describe('callback target down', () => {
  let d: TestStack;
  before(async () => {
    d = await startStack({ env: { CALLBACK_URL: 'http://127.0.0.1:9/unreachable' } });
  });
  after(async () => {
    await d?.close();
  });

  test('complete: OSS 203 CallbackFailed -> 200 with callbackStatus "failed"; the object is stored', async () => {
    const up = await create(d);
    const data = randomBytes(5000);
    const parts = await putAll([[1, (await signPart(d, up, 1)).url]], data, data.length);
    const r = await d.request('POST', path(up, '/complete'), { body: { parts } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.callbackStatus, 'failed');
    assert.equal(r.body.callbackError.code, 'CALLBACK_FAILED');
    assert.equal(r.body.key, up.key);
    assert.ok(Buffer.from((await getObject(d.oss, up.key)).body).equals(data));
  });
});

// ---------------------------------------------------------------------------------------------

describe("Uppy's own CompanionS3 client (@uppy/aws-s3 v6) against the routes", () => {
  let n: TestStack;
  before(async () => {
    // AUTH_MODE=none, as in the local stack: Uppy's client sends no credentials of its own here.
    n = await startStack({ env: { AUTH_MODE: 'none' } });
  });
  after(async () => {
    await n?.close();
  });

  /** Uppy's client with its XHR transport replaced by fetch (Node has no XMLHttpRequest). */
  class NodeCompanionS3 extends CompanionS3 {
    protected override async xhr(req: { url: string; method: string; data?: unknown; headers?: Record<string, string>; contentType?: string }): Promise<XMLHttpRequest> {
      const headers: Record<string, string> = { ...(req.contentType ? { 'Content-Type': req.contentType } : {}), ...req.headers };
      const res = await fetch(req.url, { method: req.method, body: req.data as BodyInit | undefined, headers });
      const text = await res.text();
      if (!(res.status >= 200 && res.status < 300)) throw new Error(`${req.method} ${req.url}: ${res.status} ${text}`);
      return { status: res.status, responseText: text, getResponseHeader: (name: string) => res.headers.get(name) } as unknown as XMLHttpRequest;
    }
  }

  test('putObject (/s3/params + form POST) and the multipart calls, as S3Uploader makes them', async () => {
    const client = new NodeCompanionS3({ companionEndpoint: n.functions.url });

    const small = randomBytes(2048);
    const put = await client.putObject({ key: 'small file.txt', data: new Blob([small]), fileType: 'text/plain', metadata: { name: 'small file.txt', relativePath: null } } as any);
    assert.match(put.key, /^uploads\/anonymous\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{16}\/small file\.txt$/);
    assert.equal(put.location, `${n.emulator.url}/test-bucket/${put.key.split('/').map(encodeURIComponent).join('/')}`);
    assert.ok(put.etag);
    assert.ok(Buffer.from((await getObject(n.oss, put.key)).body).equals(small));

    const partSize = 100 * KiB;
    const data = randomBytes(2 * partSize + 1);
    const { uploadId, key } = await client.createMultipartUpload({ key: 'big file+1 é.bin', fileType: 'application/octet-stream', metadata: { name: 'big file+1 é.bin' } } as any);
    // Uppy sends `?key=` via URLSearchParams: spaces as `+`, a literal `+` as %2B.
    assert.match(key, /\/big file\+1 é\.bin$/);
    const e1 = await client.uploadPart({ key, uploadId, partNumber: 1, data: new Blob([data.subarray(0, partSize)]) } as any);
    // Resume: listParts sees part 1.
    const listed = await client.listParts({ key, uploadId } as any);
    assert.deepEqual(listed, [{ partNumber: 1, etag: `"${e1.etag}"` }]);
    const e2 = await client.uploadPart({ key, uploadId, partNumber: 2, data: new Blob([data.subarray(partSize, 2 * partSize)]) } as any);
    const e3 = await client.uploadPart({ key, uploadId, partNumber: 3, data: new Blob([data.subarray(2 * partSize)]) } as any);
    const done = await client.completeMultipartUpload({
      key,
      uploadId,
      parts: [
        { partNumber: 1, etag: e1.etag },
        { partNumber: 2, etag: e2.etag },
        { partNumber: 3, etag: e3.etag },
      ],
    } as any);
    assert.equal(done.key, key);
    assert.equal(done.bucket, 'test-bucket');
    assert.ok(done.location.endsWith(key.split('/').map(encodeURIComponent).join('/')));
    assert.ok(Buffer.from((await getObject(n.oss, key)).body).equals(data));

    // Abort of a fresh upload, twice.
    const other = await client.createMultipartUpload({ key: 'gone.bin', fileType: 'application/octet-stream' } as any);
    await client.abortMultipartUpload(other as any);
    await client.abortMultipartUpload(other as any);
  });
});

describe('OSS_SIGNATURE_VERSION=v1', () => {
  let v: TestStack;
  before(async () => {
    v = await startStack({ env: { OSS_SIGNATURE_VERSION: 'v1' } });
  });
  after(async () => {
    await v?.close();
  });

  test('the PostObject form is a V1 one (OSSAccessKeyId, Signature) and OSS accepts it; multipart parts sign with V1', async () => {
    const r = await v.request('GET', `/s3/params?${q({ filename: 'v1.txt', type: 'text/plain' })}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const fields = r.body.fields as Record<string, string>;
    assert.ok(fields.OSSAccessKeyId && fields.Signature);
    assert.equal(fields['x-oss-signature-version'], undefined);
    const form = new FormData();
    for (const [k, val] of Object.entries(fields)) form.set(k, val);
    const data = randomBytes(777);
    form.set('file', new Blob([data]), 'v1.txt');
    const posted = await fetch(r.body.url, { method: 'POST', body: form });
    assert.equal(posted.status, 200, await posted.clone().text());
    assert.ok(Buffer.from((await getObject(v.oss, fields.key)).body).equals(data));

    const up = await create(v);
    const signed = await signPart(v, up, 1);
    assert.match(signed.url, /[?&]Signature=/);
    const parts = await putAll([[1, signed.url]], data, data.length);
    const done = await v.request('POST', path(up, '/complete'), { body: { parts } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.callbackStatus, 'ok');
  });
});

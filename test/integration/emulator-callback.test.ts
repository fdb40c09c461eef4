// Upload callbacks. A tiny HTTP server stands in for the application: it records each callback
// and verifies it independently, as docs/oss.md ("Upload callback") says a verifier must:
//   url = b64decode(x-oss-pub-key-url); fetch the PEM; sig = b64decode(authorization);
//   msg = urldecode(path) + rawQuery (with '?', undecoded) + "\n" + rawBody;
//   RSASSA-PKCS1-v1_5 with MD5: crypto.verify('md5', msg, pem, sig).
// (The emulator's key is its own, so the pinned gosspublic.alicdn.com check does not apply here.)
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { encodePath, signHeader, toQueryString, type QueryPairs } from '../../shared/oss/signer';
import { crc64 } from '../../shared/oss/crc64';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');

const BUCKET = 'callback-bucket';
const KiB = 1024;

interface Received {
  method: string;
  rawUrl: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  verified: boolean;
}

type Reply = (res: ServerResponse, r: Received) => void;

let em: RunningEmulator;
let app: Server;
let appUrl: string;
const received: Received[] = [];
let reply: Reply = (res) => json(res, 200, { ok: true });

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const pemCache = new Map<string, string>();
async function verifyCallback(rawUrl: string, headers: IncomingMessage['headers'], body: Buffer): Promise<boolean> {
  const keyUrl = Buffer.from(String(headers['x-oss-pub-key-url']), 'base64').toString('utf8');
  if (!keyUrl.startsWith(em.url + '/')) return false; // only the emulator's own key URL is trusted here
  let pem = pemCache.get(keyUrl);
  if (!pem) {
    const r = await fetch(keyUrl);
    assert.equal(r.status, 200);
    pem = await r.text();
    pemCache.set(keyUrl, pem);
  }
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q === -1 ? '' : rawUrl.slice(q);
  const msg = Buffer.concat([Buffer.from(decodeURIComponent(path) + rawQuery + '\n', 'utf8'), body]);
  const sig = Buffer.from(String(headers['authorization']), 'base64');
  return verify('md5', msg, createPublicKey(pem), sig);
}

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET], callbackTimeoutMs: 1500 });
  app = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const r: Received = { method: req.method!, rawUrl: req.url!, headers: req.headers, body, verified: false };
      r.verified = await verifyCallback(r.rawUrl, r.headers, body).catch(() => false);
      received.push(r);
      reply(res, r);
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

after(async () => {
  await em.close();
  app.closeAllConnections();
  await new Promise((r) => app.close(r));
});

function aliClient() {
  return new OSS({
    endpoint: `http://localhost:${em.port}`,
    sldEnable: true,
    region: 'oss-cn-hangzhou',
    bucket: BUCKET,
    accessKeyId: em.credentials.accessKeyId,
    accessKeySecret: em.credentials.accessKeySecret,
    authorizationV4: true,
  });
}

async function signed(method: string, key: string, opts: { query?: QueryPairs; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Response> {
  const sig = signHeader('v4', { method, bucket: BUCKET, key, query: opts.query ?? [], headers: opts.headers ?? {} }, { credentials: em.credentials, region: 'cn-hangzhou' });
  const q = toQueryString(opts.query ?? []);
  return fetch(`${em.url}/${BUCKET}/${encodePath(key)}${q ? `?${q}` : ''}`, { method, headers: sig.headers, body: opts.body as BodyInit | undefined });
}

async function uploadTwoParts(key: string, mime = 'image/jpeg'): Promise<{ uploadId: string; etags: string[]; data: Buffer }> {
  const oss = aliClient();
  const init = await oss.initMultipartUpload(key, { mime });
  const a = randomBytes(100 * KiB);
  const b = randomBytes(3 * KiB);
  const p1 = await oss.uploadPart(key, init.uploadId, 1, a, 0, a.length);
  const p2 = await oss.uploadPart(key, init.uploadId, 2, b, 0, b.length);
  return { uploadId: init.uploadId, etags: [p1.etag, p2.etag], data: Buffer.concat([a, b]) };
}

function completeXml(etags: string[]): Buffer {
  return Buffer.from(
    `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`,
  );
}

function b64(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64');
}

describe('callback on CompleteMultipartUpload', () => {
  test('form body (ali-oss, default body type): signed request, substituted body, JSON relayed with 200', async () => {
    received.length = 0;
    reply = (res, r) => json(res, 200, { accepted: true, verified: r.verified });
    const key = 'cb/photo 1+x.jpg';
    const { uploadId, etags, data } = await uploadTwoParts(key);
    const oss = aliClient();
    const done = await oss.completeMultipartUpload(
      key,
      uploadId,
      etags.map((etag, i) => ({ number: i + 1, etag })),
      {
        callback: {
          url: `${appUrl}/oss/callback path?id=1&index=2`,
          body: 'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&crc64=${crc64}&who=${x:who}&missing=${x:nope}',
          customValue: { who: 'alice & bob' },
        },
      },
    );
    assert.equal(done.res.status, 200);
    assert.deepEqual(done.data, { accepted: true, verified: true });
    assert.match(done.res.headers.etag, /^"[0-9A-F]{32}-2"$/);
    assert.equal(done.res.headers['x-oss-hash-crc64ecma'], crc64(data).toString());

    assert.equal(received.length, 1);
    const r = received[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.rawUrl, '/oss/callback%20path?id=1&index=2'); // ali-oss encodeURI()s the URL
    assert.ok(r.verified, 'RSA-MD5 signature verifies with the key from x-oss-pub-key-url');
    // ...and the check is not vacuous: a changed body, path or query fails it.
    assert.equal(await verifyCallback(r.rawUrl, r.headers, Buffer.concat([r.body, Buffer.from('&x=1')])), false);
    assert.equal(await verifyCallback(r.rawUrl.replace('index=2', 'index=3'), r.headers, r.body), false);
    assert.equal(await verifyCallback(r.rawUrl.replace('/oss/', '/oss2/'), r.headers, r.body), false);
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(r.headers['content-length'], String(r.body.length));
    assert.equal(r.headers['content-md5'], createHash('md5').update(r.body).digest('base64'));
    assert.equal(r.headers['user-agent'], 'aliyun-oss-callback');
    assert.equal(r.headers['x-oss-bucket'], BUCKET);
    assert.equal(r.headers['x-oss-tag'], 'CALLBACK');
    assert.match(String(r.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
    assert.equal(r.headers['x-oss-request-id'], done.res.headers['x-oss-request-id']);
    assert.ok(!Number.isNaN(Date.parse(String(r.headers['date']))));
    const form = new URLSearchParams(r.body.toString());
    assert.equal(form.get('bucket'), BUCKET);
    assert.equal(form.get('object'), key);
    assert.equal(form.get('etag'), done.res.headers.etag.replace(/"/g, ''));
    assert.equal(form.get('size'), String(data.length));
    assert.equal(form.get('mimeType'), 'image/jpeg');
    assert.equal(form.get('crc64'), crc64(data).toString());
    assert.equal(form.get('who'), 'alice & bob');
    assert.equal(form.get('missing'), '');
    assert.match(r.body.toString(), /mimeType=image%2Fjpeg/);

    // The object is there.
    const head = await oss.head(key);
    assert.equal(head.res.headers['content-length'], String(data.length));
  });

  test('JSON body: bare variables become JSON values, quoted ones are inserted raw', async () => {
    received.length = 0;
    reply = (res) => json(res, 200, { stored: 1 });
    const key = 'cb/data.json';
    const { uploadId, etags, data } = await uploadTwoParts(key, 'application/json');
    const callback = {
      callbackUrl: `${appUrl}/json-hook`,
      callbackBody: '{"bucket":${bucket},"object":${object},"size":${size},"crc64":${crc64},"etag":"${etag}","who":${x:who},"pair":"${x:who},${size}"}',
      callbackBodyType: 'application/json',
      callbackSNI: false,
    };
    const res = await signed('POST', key, {
      query: [['uploadId', uploadId]],
      headers: { 'x-oss-callback': b64(callback), 'x-oss-callback-var': b64({ 'x:who': 'carol' }) },
      body: completeXml(etags),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), { stored: 1 });
    assert.equal(received.length, 1);
    const r = received[0];
    assert.ok(r.verified);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = JSON.parse(r.body.toString());
    assert.deepEqual(body, {
      bucket: BUCKET,
      object: key,
      size: data.length,
      crc64: crc64(data).toString(),
      etag: res.headers.get('etag')!.replace(/"/g, ''),
      who: 'carol',
      pair: `carol,${data.length}`,
    });
  });

  test('callback server answers 500 or non-JSON -> 203 CallbackFailed, and the object is stored', async () => {
    for (const [name, fn] of [
      ['500', (res: ServerResponse) => json(res, 500, { error: 'boom' })],
      ['non-JSON', (res: ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 5 });
        res.end('hello');
      }],
    ] as Array<[string, Reply]>) {
      received.length = 0;
      reply = fn;
      const key = `cb/fail-${name}.bin`;
      const { uploadId, etags, data } = await uploadTwoParts(key);
      const res = await signed('POST', key, {
        query: [['uploadId', uploadId]],
        headers: { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/hook`, callbackBody: 'object=${object}' }) },
        body: completeXml(etags),
      });
      const xml = await res.text();
      assert.equal(res.status, 203, xml);
      assert.match(xml, /<Code>CallbackFailed<\/Code>/);
      assert.match(xml, /<EC>0007-00000203<\/EC>/);
      assert.equal(res.headers.get('x-oss-ec'), '0007-00000203');
      assert.match(res.headers.get('etag') ?? '', /-2"$/);
      assert.equal(res.headers.get('x-oss-hash-crc64ecma'), crc64(data).toString());
      if (name === '500') assert.match(xml, /Error status : 500/);
      else assert.match(xml, /not valid json/);
      assert.equal(received.length, 1);
      assert.ok(received[0].verified);
      const head = await signed('HEAD', key);
      assert.equal(head.status, 200, 'object stored despite the failed callback');
      // And the upload is complete (no retry possible).
      assert.equal((await signed('GET', key, { query: [['uploadId', uploadId]] })).status, 404);
    }
  });

  test('unreachable first URL, second URL used; a slow server times out -> 203', async () => {
    received.length = 0;
    reply = (res) => json(res, 200, { second: true });
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/dead`;
    await new Promise((r) => dead.close(r));
    const key = 'cb/failover.bin';
    const { uploadId, etags } = await uploadTwoParts(key);
    const res = await signed('POST', key, {
      query: [['uploadId', uploadId]],
      headers: { 'x-oss-callback': b64({ callbackUrl: `${deadUrl};${appUrl}/second`, callbackBody: 'x=1' }) },
      body: completeXml(etags),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { second: true });
    assert.equal(received.length, 1);
    assert.equal(received[0].rawUrl, '/second');

    reply = () => undefined; // never answers
    const key2 = 'cb/slow.bin';
    const up = await uploadTwoParts(key2);
    const t0 = Date.now();
    const slow = await signed('POST', key2, {
      query: [['uploadId', up.uploadId]],
      headers: { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/slow`, callbackBody: 'x=1' }) },
      body: completeXml(up.etags),
    });
    assert.equal(slow.status, 203);
    const waited = Date.now() - t0;
    assert.ok(waited >= 1400 && waited < 10_000, `gave up at the 1.5 s callback timeout (waited ${waited} ms)`);
    assert.match(await slow.text(), /timeout/);
    assert.equal((await signed('HEAD', key2)).status, 200);
  });

  test('invalid callback parameters -> 400 InvalidArgument and nothing is stored', async () => {
    const key = 'cb/invalid.bin';
    const { uploadId, etags } = await uploadTwoParts(key);
    const cases: Array<[string, Record<string, string>]> = [
      ['no callbackUrl', { 'x-oss-callback': b64({ callbackBody: 'a=b' }) }],
      ['no callbackBody', { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/x` }) }],
      ['callbackSNI as a string', { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/x`, callbackBody: 'a', callbackSNI: 'true' }) }],
      ['bad body type', { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/x`, callbackBody: 'a', callbackBodyType: 'text/plain' }) }],
      ['not JSON', { 'x-oss-callback': Buffer.from('{nope').toString('base64') }],
      ['6 URLs', { 'x-oss-callback': b64({ callbackUrl: Array(6).fill(`${appUrl}/x`).join(';'), callbackBody: 'a' }) }],
      ['over 5 KB', { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/x`, callbackBody: 'a'.repeat(5000) }) }],
      ['var key upper-case', { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/x`, callbackBody: 'a' }), 'x-oss-callback-var': b64({ 'x:Who': 'a' }) }],
      ['var key without x:', { 'x-oss-callback': b64({ callbackUrl: `${appUrl}/x`, callbackBody: 'a' }), 'x-oss-callback-var': b64({ who: 'a' }) }],
    ];
    for (const [name, headers] of cases) {
      const res = await signed('POST', key, { query: [['uploadId', uploadId]], headers, body: completeXml(etags) });
      const xml = await res.text();
      assert.equal(res.status, 400, `${name}: ${xml}`);
      assert.match(xml, /<Code>InvalidArgument<\/Code>/, name);
      assert.match(xml, /<ArgumentName>callback(-var)?<\/ArgumentName>/, name);
    }
    assert.equal((await signed('HEAD', key)).status, 404, 'nothing stored');
    assert.equal((await signed('GET', key, { query: [['uploadId', uploadId]] })).status, 200, 'upload still open');
  });
});

test('callback on PutObject (ali-oss put with callback) and the public key endpoint', async () => {
  received.length = 0;
  reply = (res) => json(res, 200, { put: true });
  const oss = aliClient();
  const body = Buffer.from('small object');
  const r = await oss.put('cb/put.txt', body, {
    callback: { url: `${appUrl}/put-hook`, body: '{"object":${object},"size":${size}}', contentType: 'application/json' },
  });
  assert.deepEqual(r.data, { put: true });
  assert.equal(received.length, 1);
  assert.ok(received[0].verified);
  assert.deepEqual(JSON.parse(received[0].body.toString()), { object: 'cb/put.txt', size: body.length });

  const keyUrl = Buffer.from(String(received[0].headers['x-oss-pub-key-url']), 'base64').toString();
  assert.equal(keyUrl, `${em.url}/_emulator/callback_pub_key.pem`);
  const pem = await (await fetch(keyUrl)).text();
  assert.match(pem, /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(pem, em.admin.callbackPublicKey);
});

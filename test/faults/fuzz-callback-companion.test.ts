// Fuzzing the callback endpoint (POST /oss/callback, any path) and the Uppy Companion facade
// (/s3/*), at least FUZZ_RUNS (default 10,000) inputs each, with fast-check, in process against
// the real OSS emulator on loopback.
//
// Callback: random bodies (JSON junk, bytes, invalid UTF-8, oversize), random signature headers
// (authorization and x-oss-pub-key-url junk, key URLs on other hosts, prefix escapes, OSS's own
// host), genuine RSA-MD5 signatures (the emulator's callback key, fetched through
// CALLBACK_KEY_URL_PREFIXES like OSS's) over junk bodies, over near-valid bodies with one field
// wrong, over random paths and queries, and signatures over something else than what is sent.
// Companion: random methods and paths under /s3/ with random queries and bodies, then every route
// with junk and plausible input: params (PostObject form), create, sign one part, batch sign,
// list, complete, abort, with the caller's own uploads, another caller's, junk keys and upload ids,
// and caller-auth attacks (Bearer and cookie). The facade's signed upload ids: a claim changed
// (signature kept), truncated, a character flipped, re-signed expired, another kind of token, OSS's
// raw id, another caller's, each with the status it must get (400, 403 or 410).
//
// Invariants as in fuzz-json.test.ts (lib/fuzz.ts); the campaign prints what it tried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import fc from 'fast-check';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/server.ts';
import { createApp as callbackApp } from '../../functions/callback/index.ts';
import { createApp as companionApp } from '../../functions/companion/index.ts';
import { callbackSignedMessage, OSS_KEY_URL_PREFIXES } from '../../shared/oss/callback.ts';
import {
  FUZZ_RUNS,
  Tally,
  anyNumber,
  anyString,
  jwtKit,
  junk,
  kind,
  latin1,
  methodArb,
  notAnObjectBody,
  objectOf,
  randomHeaders,
  watchProcess,
  type FuzzCase,
  type JwtKit,
} from './lib/fuzz.ts';
import { campaignSeed, Rng, seedBanner } from './lib/seed.ts';
import { report } from './lib/report.ts';
import { functionEnv } from '../helpers/stack.ts';
import { signHs256 } from '../helpers/jwt.ts';

const BUCKET = 'fuzz-cb-bucket';
const JWT_SECRET = 'fuzz-cb-caller-jwt-secret-0123456789abcdef';
const UPLOAD_SECRET = 'fuzz-cb-upload-token-secret-0123456789abc';
const KiB = 1024;
const SEED = campaignSeed();
const rng = new Rng(SEED ^ 0x5bd1e995);
const emulatorKey = generateKeyPairSync('rsa', { modulusLength: 1024 });
const PRIVATE_PEM = emulatorKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

type Fetch = (req: Request) => Response | Promise<Response>;

let emulator: RunningEmulator;
let env: Record<string, string>;
let callback: Fetch;
let companion: Fetch;
let jwt: JwtKit;
let keyUrl: string;
const tally = new Tally();
const watch = watchProcess();

interface OpenUpload {
  key: string;
  uploadId: string;
  parts: Array<{ PartNumber: number; ETag: string }>;
}
/** alice's uploads for the read-only routes (sign, batch, list) and for the destructive ones (complete, abort, random routes), refilled. */
const own: OpenUpload[] = [];
const spent: OpenUpload[] = [];
const bobs: OpenUpload[] = [];

before(async () => {
  emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET], callbackPrivateKey: PRIVATE_PEM });
  env = functionEnv(emulator, { bucket: BUCKET, jwtSecret: JWT_SECRET, uploadSecret: UPLOAD_SECRET });
  tally.secrets(JWT_SECRET, UPLOAD_SECRET, emulator.credentials.accessKeySecret);
  keyUrl = emulator.callbackPublicKeyUrl;
  callback = callbackApp({ env }).fetch;
  companion = companionApp({ env }).fetch;
  jwt = jwtKit(JWT_SECRET, () => 'not.an.upload-token');
  for (const [sub, into, states] of [
    ['alice', own, ['none', 'some', 'all', 'all', 'none', 'completed', 'aborted']],
    ['alice', spent, ['none', 'some', 'all', 'all', 'completed', 'aborted']],
    ['bob', bobs, ['some', 'all']],
  ] as const) {
    for (const state of states) into.push(await openUpload(sub, state));
  }
});

after(async () => {
  watch.stop();
  await emulator?.close();
});

async function companionCall(method: string, path: string, sub: string, body?: unknown): Promise<any> {
  const res = await companion(
    new Request(`http://fn.local${path}`, {
      method,
      headers: { authorization: `Bearer ${jwt.valid(sub)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }),
  );
  const json = await res.json();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** An upload through the facade in a given state (parts of 100 KiB, the last one 7 bytes). */
async function openUpload(sub: string, state: 'none' | 'some' | 'all' | 'completed' | 'aborted'): Promise<OpenUpload> {
  const { key, uploadId } = await companionCall('POST', '/s3/multipart', sub, { filename: 'pool.bin', type: 'application/octet-stream', metadata: { name: 'pool.bin' } });
  const q = `?key=${encodeURIComponent(key)}`;
  const count = state === 'none' ? 0 : state === 'some' ? 1 : 2;
  const parts: OpenUpload['parts'] = [];
  for (let n = 1; n <= count; n++) {
    const { url } = await companionCall('GET', `/s3/multipart/${uploadId}/${n}${q}`, sub);
    const res = await fetch(url, { method: 'PUT', body: rng.bytes(n === 2 ? 7 : 100 * KiB) as unknown as BodyInit });
    assert.equal(res.status, 200, await res.text());
    parts.push({ PartNumber: n, ETag: res.headers.get('etag')! });
  }
  if (state === 'completed') await companionCall('POST', `/s3/multipart/${uploadId}/complete${q}`, sub, { parts });
  if (state === 'aborted') await companionCall('DELETE', `/s3/multipart/${uploadId}${q}`, sub);
  return { key, uploadId, parts };
}

// ---------------------------------------------------------------------------------------------
// Callback inputs

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
const CALLBACK_FIELDS = ['bucket', 'key', 'etag', 'size', 'mimeType', 'crc64', 'uploadId', 'sub', 'issuedAt'] as const;

function validFacts(): Record<string, unknown> {
  return {
    bucket: BUCKET,
    key: 'uploads/alice/2026/01/AbCdEfGhIjKlMnOp/photo.jpg',
    etag: '5B3C1A2D4E5F60718293A4B5C6D7E8F9-2',
    size: 204_807,
    mimeType: 'image/jpeg',
    crc64: '1234567890123456789',
    uploadId: '0004B9894A22E5B1888A1E29F8236E2D',
    sub: 'alice',
    issuedAt: String(Math.floor(Date.now() / 1000)),
  };
}

/** Headers of a genuine OSS-style signature over exactly `path`, `query` and `body`. */
function signed(path: string, query: string, body: Uint8Array): Record<string, string> {
  const sig = rsaSign('md5', callbackSignedMessage(path, query, body), emulatorKey.privateKey);
  return { authorization: b64(sig), 'x-oss-pub-key-url': b64(keyUrl), 'content-type': 'application/json' };
}

const bytesOf = (b: string | Uint8Array) => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

function cbCase(path: string, body: string | Uint8Array, headers: Record<string, string>, method = 'POST'): Omit<FuzzCase, 'kind'> {
  return { method, path, headers, body };
}

const keyUrlJunk = fc.oneof(
  fc.constantFrom(
    `${OSS_KEY_URL_PREFIXES[0]}callback_pub_key_v1.pem`,
    `${OSS_KEY_URL_PREFIXES[1]}callback_pub_key_v1.pem`,
    'https://gosspublic.alicdn.com.evil.example/key.pem',
    'http://127.0.0.1:1/_emulator/callback_pub_key.pem',
    'file:///etc/passwd',
    'http://169.254.169.254/latest/meta-data/',
  ),
  fc.constant(null).map(() => keyUrl),
  fc.constantFrom('..', '%2e%2e', '%2F', '../faults', 'health', 'faults', '', 'x.pem', '.%2e/x', 'callback_pub_key.pem?x=1', 'callback_pub_key.pem#x').map((s) => `${emulator.url}/_emulator/${s}`),
  fc.webUrl(),
  anyString,
);
const authJunk = fc.oneof(anyString.map(latin1), fc.uint8Array({ maxLength: 200 }).map(b64), fc.constant(''), fc.uint8Array({ minLength: 128, maxLength: 128 }).map(b64));

const nearValidBody = fc
  .tuple(fc.constantFrom(...CALLBACK_FIELDS), fc.oneof(junk, anyString, anyNumber, fc.constantFrom('uploads/bob/x', 'uploads/alice/../bob/x', 'uploads/alice/', 'other/alice/x', 'other-bucket', '', '18446744073709551616', '-1', '1'.repeat(21))), fc.boolean())
  .map(([field, value, drop]) => {
    const f = validFacts();
    if (drop) delete f[field];
    else f[field] = value;
    return JSON.stringify(f);
  });

const cbPath = fc.oneof(
  { weight: 4, arbitrary: fc.constant('/oss/callback') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(fc.oneof(fc.constantFrom('oss', 'callback', '..', '.', '%2e', '%zz', '%', 'é', '%C3%A9', '%00', ''), fc.string({ unit: fc.constantFrom(...'abc%2F-_.~'), maxLength: 8 })), { maxLength: 4 }))
      .map(([segs]) => `/${segs.join('/')}`),
  },
);
const cbQuery = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.array(fc.tuple(fc.string({ unit: fc.constantFrom(...'abcxyz=&%+;'), maxLength: 6 }), fc.string({ unit: fc.constantFrom(...'0123é %&=?'), maxLength: 6 })), { maxLength: 3 }).map((kv) => (kv.length ? `?${kv.map(([k, v]) => `${encodeURIComponentSafe(k)}=${encodeURIComponentSafe(v)}`).join('&')}` : '')) },
  { weight: 1, arbitrary: fc.constantFrom('?', '?a', '?a=1&a=2', '?%zz', '?x=%E9') },
);

function callbackKinds(): Array<fc.Arbitrary<FuzzCase>> {
  const junkBody = fc.oneof(junk.map((v) => JSON.stringify(v) ?? 'null'), notAnObjectBody);
  return [
    kind('no signature headers', junkBody.map((b) => cbCase('/oss/callback', b, { 'content-type': 'application/json' }))),
    kind('random signature headers', fc.tuple(junkBody, authJunk, fc.oneof(keyUrlJunk.map((u) => b64(u)), anyString.map(latin1))).map(([b, a, k]) => cbCase('/oss/callback', b, { authorization: a, 'x-oss-pub-key-url': k }))),
    kind('junk signature, real key URLs', fc.tuple(junkBody, authJunk, keyUrlJunk).map(([b, a, u]) => cbCase('/oss/callback', b, { authorization: a, 'x-oss-pub-key-url': b64(u) }))),
    kind('signed: junk JSON body', junk.map((v) => JSON.stringify(v) ?? 'null').map((b) => cbCase('/oss/callback', b, signed('/oss/callback', '', bytesOf(b))))),
    kind('signed: not an object / bytes / oversize', notAnObjectBody.map((b) => cbCase('/oss/callback', b, signed('/oss/callback', '', bytesOf(b))))),
    kind('signed: near-valid body (one field wrong or missing)', nearValidBody.map((b) => cbCase('/oss/callback', b, signed('/oss/callback', '', bytesOf(b))))),
    kind('signed: callback fields of the wrong types', objectOf(Object.fromEntries(CALLBACK_FIELDS.map((f) => [f, junk]))).map((o) => JSON.stringify(o)).map((b) => cbCase('/oss/callback', b, signed('/oss/callback', '', bytesOf(b))))),
    kind('signed: valid body', fc.constant(null).map(() => JSON.stringify(validFacts())).map((b) => cbCase('/oss/callback', b, signed('/oss/callback', '', bytesOf(b))))),
    kind(
      'signed: random path and query',
      fc.tuple(cbPath, cbQuery, fc.oneof(nearValidBody, fc.constant(null).map(() => JSON.stringify(validFacts())))).map(([p, q, b]) => cbCase(`${p}${q}`, b, signed(p, q, bytesOf(b)))),
    ),
    kind(
      'signature over something else',
      fc.tuple(nearValidBody, fc.constantFrom('path', 'query', 'body')).map(([b, what]) => {
        const h = what === 'path' ? signed('/oss/other', '', bytesOf(b)) : what === 'query' ? signed('/oss/callback', '?a=1', bytesOf(b)) : signed('/oss/callback', '', bytesOf(b + ' '));
        return cbCase('/oss/callback', b, h);
      }),
    ),
    kind('lying Content-Length / size', fc.tuple(junkBody, fc.oneof(fc.nat({ max: 40_000 }).map(String), fc.constantFrom('', '-1', 'abc', '16385', '99999999999999999999'))).map(([b, cl]) => cbCase('/oss/callback', b, { ...signed('/oss/callback', '', bytesOf(b)), 'content-length': cl }))),
    kind('random headers', fc.tuple(nearValidBody, randomHeaders).map(([b, h]) => cbCase('/oss/callback', b, { ...signed('/oss/callback', '', bytesOf(b)), ...h }))),
    kind('other methods', fc.tuple(methodArb.filter((m) => m !== 'POST'), cbPath).map(([m, p]) => cbCase(p, '{}', signed(p, '', bytesOf('{}')), m))),
  ];
}

// ---------------------------------------------------------------------------------------------
// Companion inputs

const q = (params: Array<[string, string]>) => (params.length ? `?${params.map(([k, v]) => `${encodeURIComponentSafe(k)}=${encodeURIComponentSafe(v)}`).join('&')}` : '');
const authHeader = (sub = 'alice') => ({ authorization: `Bearer ${jwt.valid(sub)}` });
const fromPool = (pool: OpenUpload[]) => fc.nat().map((i) => pool[i % pool.length]);
const ownUpload = fromPool(own);
const spentUpload = fromPool(spent);
const bobUpload = fromPool(bobs);
/** Upload ids and keys of `pool` (alice's), or not quite, or another caller's, or junk. */
const uploadIdOf = (pool: fc.Arbitrary<OpenUpload>) => fc.oneof(
  { weight: 3, arbitrary: pool.map((u) => u.uploadId) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 32, maxLength: 32 }) },
  { weight: 1, arbitrary: anyString.map(encodeURIComponentSafe) },
  { weight: 1, arbitrary: fc.constantFrom('', '..', '.', '%2e%2e', 'x'.repeat(200), 'a%2Fb', 'batch', 'complete') },
);
const keyOf = (pool: fc.Arbitrary<OpenUpload>) => fc.oneof(
  { weight: 3, arbitrary: pool.map((u) => u.key) },
  { weight: 1, arbitrary: bobUpload.map((u) => u.key) },
  { weight: 1, arbitrary: pool.map((u) => u.key.replace('uploads/alice/', 'uploads/alice/../bob/')) },
  { weight: 1, arbitrary: fc.constantFrom('uploads/alice/', 'uploads/alice', 'uploads/alice//x', 'uploads/alice/./x', '/uploads/alice/x', 'uploads/alicex/y', 'uploads/alice/' + 'é'.repeat(600)) },
  { weight: 1, arbitrary: anyString },
);
const uploadIdArb = uploadIdOf(ownUpload);
const keyArb = keyOf(ownUpload);
const spentIdArb = uploadIdOf(spentUpload);
const spentKeyArb = keyOf(spentUpload);
const partNumberStr = fc.oneof(fc.integer({ min: -1, max: 10_002 }).map(String), fc.constantFrom('1', '2', '01', '1.0', '1e3', ' 1', '+1', '0x1', '10000', '10001', '99999', ''), anyString.map(encodeURIComponentSafe));
const partNumberList = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }).map((a) => a.join(',')),
  fc.array(partNumberStr, { maxLength: 5 }).map((a) => a.join(',')),
  fc.constant(Array.from({ length: 1001 }, (_, i) => i + 1).join(',')),
  fc.constant(Array.from({ length: 10_001 }, (_, i) => i + 1).join(',')),
  anyString,
);
const companionParts = fc.oneof(
  spentUpload.map((u) => ({ parts: u.parts })),
  fc.tuple(spentUpload, fc.nat({ max: 1 }), fc.oneof(junk, fc.constantFrom('1', '"x"', '', 0, 10_001))).map(([u, i, v]) => ({ parts: u.parts.map((p, j) => (j === i ? { ...p, [i ? 'ETag' : 'PartNumber']: v } : p)) })),
  fc.record({ parts: fc.array(fc.record({ PartNumber: fc.oneof(fc.integer({ min: -1, max: 4 }), anyString, junk), ETag: fc.oneof(anyString, junk) }), { maxLength: 5 }) }),
  objectOf({ parts: fc.array(junk, { maxLength: 4 }) }),
);
const metadataQuery = fc.array(fc.tuple(fc.oneof(anyString, fc.constantFrom('name', 'type', 'relativePath', 'x-y', '')), anyString), { maxLength: 4 }).map((kv) => kv.map(([k, v]) => [`metadata[${k}]`, v] as [string, string]));

/** Percent-encoding as a browser does it: a lone surrogate (which UTF-8 cannot carry) becomes U+FFFD. */
function encodeURIComponentSafe(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
  }
}

function compCase(method: string, path: string, headers: Record<string, string>, body?: unknown): Omit<FuzzCase, 'kind'> {
  return { method, path, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) };
}

// The facade's signed upload ids (shared/policy/facade-upload.ts): forgeries and the status each must get.
const claimsOf = (id: string): Record<string, unknown> => JSON.parse(Buffer.from(id.split('.')[1], 'base64url').toString('utf8'));
const FACADE_CLAIMS = ['typ', 'sub', 'bucket', 'key', 'uploadId', 'maxSize', 'iat', 'exp'] as const;
/** A facade route for `id` and `key`, and a body where it needs one. */
const facadeRoute = fc.constantFrom('GET /1', 'GET /batch', 'GET', 'POST /complete');
function facadeCase(route: string, id: string, u: OpenUpload, expect: number[], keyOverride?: string): Omit<FuzzCase, 'kind'> {
  const [m, suffix = ''] = route.split(' ');
  const key = keyOverride ?? u.key;
  const path = `/s3/multipart/${encodeURIComponentSafe(id)}${suffix}${q([['key', key], ...(suffix === '/batch' ? [['partNumbers', '1'] as [string, string]] : [])])}`;
  return { ...compCase(m, path, authHeader('alice'), m === 'POST' ? { parts: u.parts } : undefined), expect };
}
function facadeIdKinds(): Array<fc.Arbitrary<FuzzCase>> {
  const nowS = () => Math.floor(Date.now() / 1000);
  return [
    kind(
      'facade id: a claim changed, signature kept',
      fc.tuple(ownUpload, fc.constantFrom(...FACADE_CLAIMS), fc.oneof(junk, anyString, fc.integer(), fc.constantFrom('bob', 'upload', 10 ** 15, 'uploads/bob/x'))).map(([u, claim, value]) => {
        const [h, , sig] = u.uploadId.split('.');
        const changed = { ...claimsOf(u.uploadId), [claim]: value };
        const id = `${h}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${sig}`;
        return { u, id, same: id === u.uploadId };
      }).filter((x) => !x.same).chain(({ u, id }) => facadeRoute.map((r) => facadeCase(r, id, u, [400]))),
    ),
    kind(
      'facade id: truncated',
      fc.tuple(ownUpload, fc.nat(), facadeRoute).map(([u, i, r]) => facadeCase(r, u.uploadId.slice(0, 1 + (i % (u.uploadId.length - 1))), u, [400])),
    ),
    kind(
      'facade id: one character changed (not a segment\'s last, whose low bits base64 ignores)',
      fc.tuple(ownUpload, fc.nat(), fc.constantFrom(...'AZaz09-_.'), facadeRoute).map(([u, i, ch, r]) => {
        const id = u.uploadId;
        const candidates = [...id].map((_, j) => j).filter((j) => id[j] !== '.' && id[j + 1] !== '.' && j !== id.length - 1);
        const at = candidates[i % candidates.length];
        const flipped = id.slice(0, at) + (id[at] === ch ? (ch === 'A' ? 'B' : 'A') : ch) + id.slice(at + 1);
        return facadeCase(r, flipped, u, [400]);
      }),
    ),
    kind(
      'facade id: genuine but expired',
      fc.tuple(ownUpload, fc.integer({ min: 0, max: 10 ** 6 }), facadeRoute).map(([u, ago, r]) => facadeCase(r, signHs256({ ...claimsOf(u.uploadId), exp: nowS() - ago }, UPLOAD_SECRET), u, [410])),
    ),
    kind(
      'facade id: another kind of token, or none of ours',
      fc.tuple(ownUpload, fc.constantFrom('upload token', 'caller JWT', 'OSS upload id', 'caller secret', 'alg none'), facadeRoute).map(([u, what, r]) => {
        const c = claimsOf(u.uploadId);
        const id =
          what === 'upload token' ? signHs256({ ...c, typ: 'upload' }, UPLOAD_SECRET)
          : what === 'caller JWT' ? jwt.valid('alice')
          : what === 'OSS upload id' ? String(c.uploadId)
          : what === 'caller secret' ? signHs256(c, JWT_SECRET)
          : `${Buffer.from('{"alg":"none"}').toString('base64url')}.${u.uploadId.split('.')[1]}.`;
        return facadeCase(r, id, u, [400]);
      }),
    ),
    kind(
      "facade id: genuine, with another key or another caller's",
      fc.tuple(ownUpload, fc.oneof(bobUpload.map((b) => b.key), ownUpload.map((o) => o.key)), facadeRoute).filter(([u, k]) => k !== u.key).map(([u, k, r]) => facadeCase(r, u.uploadId, u, [403], k)),
    ),
    kind("facade id: another caller's, genuine", fc.tuple(bobUpload, facadeRoute).map(([u, r]) => facadeCase(r, u.uploadId, u, [403]))),
  ];
}

function companionKinds(): Array<fc.Arbitrary<FuzzCase>> {
  const segment = fc.oneof(
    fc.constantFrom('multipart', 'batch', 'complete', 'params', 'sts', '', '..', '.', '%2e%2e', '%2F', '%zz', '1', '10001', 'é', '%C3%A9'),
    spentIdArb,
    anyString.map(encodeURIComponentSafe),
  );
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom('key', 'partNumbers', 'filename', 'type', 'metadata[name]', 'key[]'), anyString), fc.oneof(spentKeyArb, anyString, partNumberList)), { maxLength: 4 });
  const body = fc.option(fc.oneof(junk, notAnObjectBody, companionParts), { nil: undefined });
  // A route's shape with random pieces (so wrong methods and mangled ids reach real routes), or random segments.
  const routePath = fc.oneof(
    fc.tuple(fc.constantFrom('/s3/params', '/s3/multipart', '/s3/multipart/{id}', '/s3/multipart/{id}/{n}', '/s3/multipart/{id}/batch', '/s3/multipart/{id}/complete', '/s3/sts', '/s3/multipart/{id}/{n}/{n}'), spentIdArb, partNumberStr).map(([tpl, id, n]) => tpl.replace('{id}', id).replaceAll('{n}', n)),
    fc.array(segment, { maxLength: 5 }).map((segs) => `/s3/${segs.join('/')}`),
  );
  return [
    kind(
      'random method, path and query under /s3/',
      fc.tuple(methodArb, routePath, query, body).map(([m, path, qs, b]) => compCase(m, `${path}${q(qs.map(([k, v]) => [k, String(v)]))}`, authHeader(), b)),
    ),
    kind('params (PostObject form)', fc.tuple(fc.option(anyString, { nil: undefined }), fc.option(fc.oneof(anyString, fc.constantFrom('image/png', 'text/plain; charset=utf-8', 'x/y; a="é"')), { nil: undefined }), metadataQuery).map(([f, t, md]) => compCase('GET', `/s3/params${q([...(f === undefined ? [] : [['filename', f] as [string, string]]), ...(t === undefined ? [] : [['type', t] as [string, string]]), ...md])}`, authHeader()))),
    kind('create', objectOf({ filename: anyString, type: fc.oneof(anyString, fc.constantFrom('application/octet-stream', 'image/png')), metadata: fc.oneof(fc.dictionary(anyString, fc.oneof(anyString, anyNumber, junk), { maxKeys: 5 }), junk) }).map((b) => compCase('POST', '/s3/multipart', authHeader(), b))),
    kind('create: not a JSON object', notAnObjectBody.map((b) => compCase('POST', '/s3/multipart', authHeader(), b))),
    kind('sign one part', fc.tuple(uploadIdArb, partNumberStr, keyArb).map(([id, n, k]) => compCase('GET', `/s3/multipart/${id}/${n}${q([['key', k]])}`, authHeader()))),
    kind('batch sign', fc.tuple(uploadIdArb, partNumberList, keyArb).map(([id, list, k]) => compCase('GET', `/s3/multipart/${id}/batch${q([['key', k], ['partNumbers', list]])}`, authHeader()))),
    kind('list', fc.tuple(uploadIdArb, keyArb).map(([id, k]) => compCase('GET', `/s3/multipart/${id}${q([['key', k]])}`, authHeader()))),
    kind('complete', fc.tuple(spentUpload, fc.oneof(companionParts, junk)).map(([u, b]) => compCase('POST', `/s3/multipart/${u.uploadId}/complete${q([['key', u.key]])}`, authHeader(), b))),
    kind('complete: junk ids and keys', fc.tuple(spentIdArb, spentKeyArb, companionParts).map(([id, k, b]) => compCase('POST', `/s3/multipart/${id}/complete${q([['key', k]])}`, authHeader(), b))),
    kind('abort', fc.tuple(spentIdArb, spentKeyArb).map(([id, k]) => compCase('DELETE', `/s3/multipart/${id}${q([['key', k]])}`, authHeader()))),
    kind("another caller's upload", fc.tuple(bobUpload, fc.constantFrom('GET /1', 'GET /batch', 'GET', 'POST /complete', 'DELETE')).map(([u, route]) => {
      const [m, suffix = ''] = route.split(' ');
      const path = `/s3/multipart/${u.uploadId}${suffix}${q([['key', u.key], ...(suffix === '/batch' ? [['partNumbers', '1'] as [string, string]] : [])])}`;
      return compCase(m, path, authHeader('alice'), m === 'POST' ? { parts: u.parts } : undefined);
    })),
    kind('caller auth attacks', fc.tuple(jwt.bad, spentUpload, fc.constantFrom('GET /s3/params?filename=a.bin', 'POST /s3/multipart', 'GET /s3/multipart/ID/1', 'DELETE /s3/multipart/ID')).map(([a, u, route]) => {
      const [m, p] = route.split(' ');
      const path = p.replace('ID', u.uploadId) + (p.includes('ID') ? q([['key', u.key]]) : '');
      return compCase(m, path, a.header, m === 'POST' ? { filename: 'a.bin', type: 'text/plain' } : undefined);
    })),
    kind('random headers', fc.tuple(randomHeaders, ownUpload).map(([h, u]) => compCase('GET', `/s3/multipart/${u.uploadId}${q([['key', u.key]])}`, { ...authHeader(), ...h }))),
  ];
}

// ---------------------------------------------------------------------------------------------

test(`fuzz: the callback endpoint and the Companion routes, ${FUZZ_RUNS} inputs each`, { timeout: 900_000 }, async (t) => {
  console.log(seedBanner('fuzz-callback-companion', SEED));
  t.after(() => report(`fuzz: callback and companion (seed ${SEED})`, tally.table(['callback', 'companion'])));
  await t.test('callback (POST /oss/callback)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(...callbackKinds()), async (c) => {
        await tally.run('callback', c, callback);
      }),
      { numRuns: FUZZ_RUNS, seed: SEED + 10, endOnFailure: true },
    );
    assert.ok(tally.total('callback') >= FUZZ_RUNS);
    assert.ok(tally.kinds('callback').includes('signed: valid body'));
  });
  await t.test('companion (/s3/*)', async () => {
    let n = 0;
    const refills = ['all', 'some', 'none', 'all'] as const;
    await fc.assert(
      fc.asyncProperty(fc.oneof(...companionKinds(), ...facadeIdKinds()), async (c) => {
        // complete, abort and random routes use up uploads: keep live ones coming.
        if (++n % 250 === 0) spent.push(await openUpload('alice', refills[(n / 250) % refills.length]));
        await tally.run('companion', c, companion);
      }),
      { numRuns: FUZZ_RUNS, seed: SEED + 11, endOnFailure: true },
    );
    assert.ok(tally.total('companion') >= FUZZ_RUNS);
  });
  assert.deepEqual(tally.violations, []);
  assert.deepEqual(watch.problems, [], 'no unhandled rejection or uncaught exception');
});

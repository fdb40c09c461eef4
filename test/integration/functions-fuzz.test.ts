// Property tests over every JSON endpoint, in process (`createApp({env}).request()`) with the OSS
// emulator real: arbitrary JSON, arbitrary field types, random strings and bytes, huge numbers,
// nested junk, valid tokens with junk beside them, genuinely signed junk, and random headers.
// Whatever comes in: never a 5xx, never a crash, always JSON, and every error has the error shape
// with a code from ERROR_CODES and its status. FUZZ_RUNS overrides the runs per endpoint.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import fc from 'fast-check';
import { startStack, putParts, BUCKET, JWT_SECRET, UPLOAD_SECRET, type TestStack } from '../helpers/stack.ts';
import { initUpload, signParts } from '../helpers/upload.ts';
import { signHs256 } from '../helpers/jwt.ts';
import { callbackSignedMessage } from '../../shared/oss/callback.ts';
import { ERROR_CODES } from '../../shared/http/errors.ts';
import { createApp as initApp } from '../../functions/init/index.ts';
import { createApp as signApp } from '../../functions/sign/index.ts';
import { createApp as listApp } from '../../functions/list/index.ts';
import { createApp as completeApp } from '../../functions/complete/index.ts';
import { createApp as abortApp } from '../../functions/abort/index.ts';
import { createApp as callbackApp } from '../../functions/callback/index.ts';
import { createApp as companionApp } from '../../functions/companion/index.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const KiB = 1024;

const emulatorKey = generateKeyPairSync('rsa', { modulusLength: 1024 });
const EMULATOR_PRIVATE_PEM = emulatorKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

let s: TestStack;
/** Live upload tokens of alice; abort may kill some, which is one more state to be fuzzed. */
let tokens: string[] = [];
let tokenClaims: Record<string, unknown>;

before(async () => {
  s = await startStack({ emulator: { callbackPrivateKey: EMULATOR_PRIVATE_PEM } });
  for (let i = 0; i < 3; i++) tokens.push((await initUpload(s, 250 * KiB, 100 * KiB)).token);
  // One with every part uploaded, so complete can get as far as OSS.
  const full = await initUpload(s, 150 * KiB, 100 * KiB);
  await putParts(await signParts(s, full.token, [1, 2]), randomBytes(150 * KiB), full.partSize);
  tokens.push(full.token);
  tokenClaims = JSON.parse(Buffer.from(tokens[0].split('.')[1], 'base64url').toString());
});
after(() => s?.close());

// ---------------------------------------------------------------------------------------------
// Arbitraries

const HUGE = [1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, -(2 ** 63), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 5 * 2 ** 30, 5 * 2 ** 30 + 1, 10_001, 1e21, 1e-7, -0];
const SPECIAL = ['', ' ', '1', '0x10', '1e3', 'NaN', 'Infinity', '__proto__', 'constructor', 'toString', '../..', '\u0000', '\ud800', '%00', '${bucket}', '<x/>'];

const junkLeaf = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1, 1.5, ...HUGE, ...SPECIAL),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 2000 }),
);
/** Anything JSON can carry, including nested junk. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: junkLeaf },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.array(junkLeaf, { maxLength: 20 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), junkLeaf, { maxKeys: 6 }) },
);

/** A genuine signature over junk claims, or a plausible upload token with junk in one claim. */
const signedJunkToken = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 10 }), junk, { maxKeys: 8 }).map((c) => signHs256(c, UPLOAD_SECRET)),
  fc.tuple(fc.constantFrom('typ', 'sub', 'bucket', 'key', 'uploadId', 'size', 'partSize', 'partCount', 'contentType', 'iat', 'exp'), junk).map(([k, v]) =>
    signHs256({ ...tokenClaims, [k]: v }, UPLOAD_SECRET),
  ),
);
const tokenArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(0, 1, 2, 3).map((i) => tokens[i]) },
  { weight: 1, arbitrary: signedJunkToken },
  { weight: 1, arbitrary: fc.constantFrom(0, 1).map((i) => tokens[i].slice(0, -2) + 'AA') },
  { weight: 1, arbitrary: junk },
);

const hex = (n?: number) => fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: n ?? 0, maxLength: n ?? 40 });
const md5 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));

/**
 * Per endpoint, each field's plausible values (mostly valid, with the edge cases that matter);
 * `bodyValue` swaps in junk of any type for a field one time in five.
 */
const FIELDS: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  '/uploads': {
    filename: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }), fc.constantFrom('a.bin', '../x', '/', 'x'.repeat(5000), ' ')),
    size: fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 6 * 2 ** 30 }) }, { weight: 1, arbitrary: fc.constantFrom(...HUGE) }),
    contentType: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(undefined, 'image/png', 'text/plain; charset=utf-8', 'a/b; c="d e"', 'application/octet-stream') },
      { weight: 1, arbitrary: fc.constantFrom('*/*', 'a/b; c="é"', 'image/png\r\nx: y', 'application/json;;', 'text/plain; a="\\"') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    ),
    partSize: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(100 * KiB, 100 * KiB - 1, 8 * 2 ** 20, 5 * 2 ** 30, 5 * 2 ** 30 + 1) },
      { weight: 1, arbitrary: fc.integer() },
    ),
    metadata: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.dictionary(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), { maxKeys: 4 }) },
      { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 40 }), { maxKeys: 4 }) },
    ),
  },
  '/uploads/sign': {
    token: tokenArb,
    partNumbers: fc.oneof(
      { weight: 4, arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.array(fc.integer({ min: -2, max: 5 }), { maxLength: 8 }) },
      { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 900, maxLength: 1200 }) },
    ),
    contentMd5: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('1', '2', '3', '01', '1.0', '__proto__', 'constructor'), md5, { maxKeys: 3 }) },
      { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(md5, fc.string()), { maxKeys: 3 }) },
    ),
  },
  '/uploads/list': { token: tokenArb },
  '/uploads/complete': {
    token: tokenArb,
    parts: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.array(fc.record({ partNumber: fc.integer({ min: -1, max: 4 }), etag: hex(32).map((h) => `"${h}"`) }, { requiredKeys: [] }), { maxLength: 6 }),
      },
    ),
  },
  '/uploads/abort': { token: tokenArb },
  '/oss/callback': {
    bucket: fc.oneof({ weight: 4, arbitrary: fc.constant(BUCKET) }, { weight: 1, arbitrary: fc.string() }),
    key: fc.oneof(
      { weight: 4, arbitrary: fc.constant('uploads/alice/2024/01/abcdefghijklmnop/a.bin') },
      { weight: 1, arbitrary: fc.constantFrom('uploads/alice/../bob/x', 'uploads/bob/x', 'uploads/alice/', 'uploads/alice//x', 'x'.repeat(3000)) },
    ),
    etag: hex(),
    size: fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, 2 ** 53, 1e308)),
    mimeType: fc.string({ maxLength: 30 }),
    crc64: fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('', '-1', '1e3', '0x1', '1'.repeat(21)) }),
    uploadId: hex(),
    sub: fc.oneof({ weight: 4, arbitrary: fc.constant('alice') }, { weight: 1, arbitrary: fc.string() }),
    issuedAt: fc.oneof(
      { weight: 4, arbitrary: fc.constant(null).map(() => String(Math.floor(Date.now() / 1000))) },
      { weight: 1, arbitrary: fc.constantFrom('0', '99999999999', '-1', '1e9', '') },
    ),
  },
};

/** The body as a JS value: arbitrary JSON, the endpoint's fields with any types, plus junk keys. */
const bodyValue = (path: string) => {
  const fields = Object.entries(FIELDS[path]);
  const value = (arb: fc.Arbitrary<unknown>) => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: junk });
  // Every field present (usually plausible, sometimes junk), or any subset of them.
  const full = fc.record(Object.fromEntries(fields.map(([k, arb]) => [k, value(arb)])));
  const sparse = fc.record(Object.fromEntries(fields.map(([k, arb]) => [k, value(arb)])), { requiredKeys: [] });
  return fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }) },
    { weight: 5, arbitrary: full },
    { weight: 2, arbitrary: sparse },
    { weight: 2, arbitrary: fc.tuple(full, fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 5 })).map(([r, extra]) => ({ ...extra, ...r })) },
  );
};

/** The bytes sent: the JSON of the body, or random text, or random bytes, or a huge document. */
const bodyBytes = (path: string) =>
  fc.oneof(
    { weight: 8, arbitrary: bodyValue(path).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":', '[[[[[[[[[[', '{"token":"x"}'.repeat(3), `{"pad":"${'x'.repeat(1100 * KiB)}"}`).map((t) => Buffer.from(t)) },
  );

const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).filter((v) => !/[\x00-\x1f\x7f]/.test(v));

const authorizationFor = (path: string) =>
  path === '/oss/callback'
    ? fc.oneof({ weight: 6, arbitrary: fc.constant('SIGN') }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.base64String({ maxLength: 200 }) }, { weight: 1, arbitrary: headerValue })
    : fc.oneof(
        { weight: 12, arbitrary: fc.constant(`Bearer ${signHs256({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET)}`) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: junk.map((sub) => `Bearer ${signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET)}`) },
        { weight: 1, arbitrary: fc.constantFrom(0, 1).map((i) => `Bearer ${tokens[i]}`) },
        { weight: 1, arbitrary: headerValue.map((v) => `Bearer ${v}`) },
        { weight: 1, arbitrary: headerValue },
      );

const headersFor = (path: string) =>
  fc.record(
    {
      'content-type': fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/vnd.x+json', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '') },
        { weight: 1, arbitrary: headerValue },
      ),
      authorization: authorizationFor(path),
      // EMULATOR_KEY_URL / ESCAPED_KEY_URL are filled in per request (the emulator's port is not known yet).
      'x-oss-pub-key-url': fc.oneof(
        { weight: path === '/oss/callback' ? 12 : 1, arbitrary: fc.constant('EMULATOR_KEY_URL') },
        { weight: 1, arbitrary: fc.constant('ESCAPED_KEY_URL') },
        { weight: 1, arbitrary: fc.constantFrom(b64('https://gosspublic.alicdn.com/callback_pub_key_v1.pem'), b64('http://127.0.0.1:1/k.pem'), b64('file:///etc/passwd')) },
        { weight: 1, arbitrary: fc.base64String({ maxLength: 120 }) },
        { weight: 1, arbitrary: headerValue },
      ),
      'content-length': fc.oneof(
        { weight: 12, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('0', '1', '-1', '1e3', ' 12', '99999999999999999999', '2000000') },
        { weight: 1, arbitrary: headerValue },
      ),
      cookie: fc.oneof(headerValue, fc.constantFrom(0, 1).map((i) => `oss_upload_token=${tokens[i]}`)),
      origin: fc.oneof(fc.constantFrom('http://localhost:3000', 'null', 'https://evil.example'), headerValue),
      'access-control-request-method': fc.constantFrom('POST', 'GET', 'PUT'),
      'x-request-id': headerValue,
    },
    { requiredKeys: ['content-type', 'authorization', 'x-oss-pub-key-url', 'content-length'] },
  );

const methodArb = fc.oneof({ weight: 20, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') });
const suffixArb = fc.oneof({ weight: 20, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?a=1', '?%zz', '/', '//x', '/%2e%2e', '?token=x&token=y') });

// ---------------------------------------------------------------------------------------------
// The invariant

async function checkResponse(res: Response, method: string, context: () => string) {
  const text = await res.text();
  assert.ok(res.status < 500, `${res.status} ${text.slice(0, 500)}\n${context()}`);
  if (method === 'HEAD' || res.status === 204) return;
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `not JSON: ${res.status} ${text.slice(0, 200)}\n${context()}`);
  const body = JSON.parse(text);
  // (The Companion list route answers a bare array, as Uppy expects; everything else an object.)
  assert.ok(body !== null && typeof body === 'object' && (res.status < 400 || !Array.isArray(body)), context());
  for (const secret of [JWT_SECRET, UPLOAD_SECRET, s.emulator.credentials.accessKeySecret]) assert.ok(!text.includes(secret), `leaks a secret\n${context()}`);
  if (res.status >= 400) {
    const code = body.error?.code as keyof typeof ERROR_CODES;
    assert.ok(code in ERROR_CODES, `unknown code ${code}\n${context()}`);
    assert.equal(ERROR_CODES[code], res.status, `status of ${code}\n${context()}`);
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.message, body.error.message);
    assert.equal(typeof body.error.requestId, 'string');
    assert.equal(res.headers.get('x-request-id'), body.error.requestId);
    if (body.error.details !== undefined) assert.equal(typeof body.error.details, 'object');
  }
}

type App = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };

function fuzzEndpoint(path: string, create: () => App) {
  test(`${path}: ${RUNS} random requests, never a 5xx, always JSON with the error shape`, async (t) => {
    const app = create();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(methodArb, suffixArb, bodyBytes(path), headersFor(path), async (method, suffix, bytes, rawHeaders) => {
        const target = path + suffix;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(rawHeaders)) if (v !== undefined) headers[k] = String(v);
        if (headers['x-oss-pub-key-url'] === 'EMULATOR_KEY_URL') headers['x-oss-pub-key-url'] = b64(s.emulator.callbackPublicKeyUrl);
        if (headers['x-oss-pub-key-url'] === 'ESCAPED_KEY_URL') headers['x-oss-pub-key-url'] = b64(`${s.emulator.url}/_emulator/../k.pem`);
        // A genuine emulator signature over exactly these bytes and this path (the body check runs).
        if (headers.authorization === 'SIGN') {
          const url = new URL(`http://x${target}`);
          headers.authorization = sign('md5', callbackSignedMessage(url.pathname, url.search, bytes), EMULATOR_PRIVATE_PEM).toString('base64');
        }
        const hasBody = method !== 'GET' && method !== 'HEAD';
        const res = await app.request(target, { method, headers, body: hasBody ? bytes : undefined });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        await checkResponse(res, method, () => `${method} ${target} ${JSON.stringify(headers).slice(0, 400)} ${bytes.toString('utf8').slice(0, 400)}`);
      }),
      { numRuns: RUNS },
    );
    t.diagnostic(`statuses: ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
    // The fuzzing must reach past the front door, or it proves little.
    const ok = [...statuses].filter(([st]) => st >= 200 && st < 300 && st !== 204).reduce((n, [, c]) => n + c, 0);
    assert.ok((statuses.get(400) ?? 0) > RUNS / 20, `few 400s: ${JSON.stringify([...statuses])}`);
    assert.ok(ok > 0, `no success at all: ${JSON.stringify([...statuses])}`);
  });
}

describe('fuzz', () => {
  const env = () => ({ env: s.env });
  fuzzEndpoint('/uploads', () => initApp(env()));
  fuzzEndpoint('/uploads/sign', () => signApp(env()));
  fuzzEndpoint('/uploads/list', () => listApp(env()));
  fuzzEndpoint('/uploads/complete', () => completeApp(env()));
  fuzzEndpoint('/uploads/abort', () => abortApp(env()));
  fuzzEndpoint('/oss/callback', () => callbackApp(env()));
});

// The Uppy Companion facade: every /s3/* route, with real and junk upload ids, keys (own, other
// caller's, traversal, junk), part numbers, query strings and bodies.
describe('fuzz the Companion /s3/* routes', () => {
  let open: { key: string; uploadId: string };
  before(async () => {
    const r = await s.request('POST', '/s3/multipart', { body: { filename: 'c.bin', type: 'application/octet-stream' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    open = r.body;
  });

  test(`/s3/*: ${RUNS} random requests, never a 5xx, always JSON with the error shape`, async (t) => {
    const app = companionApp({ env: s.env });
    const statuses = new Map<number, number>();
    const enc = encodeURIComponent;
    const idArb = fc.oneof({ weight: 4, arbitrary: fc.constant('OPEN') }, { weight: 1, arbitrary: fc.constantFrom('0'.repeat(32), 'bad id', '..', '%2e%2e', 'x'.repeat(200)) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
    const keyArb = fc.oneof(
      { weight: 4, arbitrary: fc.constant('OPEN') },
      { weight: 1, arbitrary: fc.constantFrom('uploads/bob/x', 'uploads/alice/../bob/x', 'uploads/alice/', '', 'uploads/alice/2024/01/abcdefghijklmnop/nope.bin') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    );
    const tailArb = fc.oneof(fc.constant(''), fc.constant('/batch'), fc.constant('/complete'), fc.integer({ min: -1, max: 10_001 }).map((n) => `/${n}`), fc.string({ maxLength: 12 }).map((x) => `/${enc(x)}`));
    const queryArb = fc.record(
      {
        key: keyArb,
        partNumbers: fc.oneof(fc.constantFrom('1', '1,2', '1,1', '0', '', '1,,2', '99999', Array.from({ length: 1001 }, (_, i) => i + 1).join(',')), fc.string({ maxLength: 20 })),
        filename: fc.oneof(fc.constantFrom('a.txt', '../x', ''), fc.string({ unit: 'binary', maxLength: 60 })),
        type: fc.oneof(fc.constantFrom('text/plain', 'image/png', 'a/b; c="é"'), fc.string({ maxLength: 30 })),
        'metadata[name]': fc.string({ unit: 'binary', maxLength: 40 }),
        [`metadata[${'x'.repeat(80)}]`]: fc.string({ maxLength: 10 }),
      },
      { requiredKeys: [] },
    );
    const bodyArb = fc.oneof(
      fc.record(
        {
          filename: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), junk),
          type: fc.oneof(fc.constantFrom('application/octet-stream', 'text/plain'), junk),
          metadata: fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), junk)), junk),
          parts: fc.oneof(fc.array(fc.record({ PartNumber: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constantFrom('1', '01', '1.0'), junk), ETag: fc.oneof(hex(32).map((h) => `"${h}"`), junk) }, { requiredKeys: [] }), { maxLength: 4 }), junk),
        },
        { requiredKeys: [] },
      ),
      junk,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // The routes as Uppy calls them…
          {
            weight: 6,
            arbitrary: fc.tuple(
              fc.constantFrom(['GET', '/s3/params'], ['POST', '/s3/multipart'], ['GET', '/s3/multipart/ID/batch'], ['GET', '/s3/multipart/ID/N'], ['GET', '/s3/multipart/ID'], ['POST', '/s3/multipart/ID/complete'], ['DELETE', '/s3/multipart/ID']),
              idArb,
              fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 10_001 }) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
            ).map(([[m, p], id, n]) => [m, p.replace('ID', id === 'OPEN' ? 'OPEN' : enc(id)).replace('/N', `/${enc(String(n))}`)] as const),
          },
          // …and any method on any path under /s3.
          {
            weight: 1,
            arbitrary: fc.tuple(
              fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
              fc.oneof(fc.tuple(idArb, tailArb).map(([id, tail]) => `/s3/multipart/${id === 'OPEN' ? 'OPEN' : enc(id)}${tail}`), fc.constantFrom('/s3/sts', '/s3/', '/s3/multipart/', '/s3/params/x')),
            ),
          },
        ),
        queryArb,
        bodyArb,
        authorizationFor('/s3'),
        fc.oneof({ weight: 5, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: headerValue }),
        async ([method, rawPath], query, body, authorization, contentType) => {
          const path = rawPath.replace('OPEN', enc(open.uploadId));
          const qs = new URLSearchParams();
          for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, v === 'OPEN' ? open.key : String(v));
          const target = `${path}?${qs}`;
          const headers: Record<string, string> = { 'content-type': contentType };
          if (authorization !== undefined) headers.authorization = authorization;
          const bytes = JSON.stringify(body) ?? 'null';
          const res = await app.request(target, { method, headers, body: method === 'GET' ? undefined : bytes });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          await checkResponse(res, method, () => `${method} ${target} ${JSON.stringify(headers)} ${bytes.slice(0, 300)}`);
          // Keep an open upload to act on once a DELETE or complete has finished this one.
          if (res.status === 200 && (method === 'DELETE' || path.endsWith('/complete')) && rawPath.includes('OPEN')) {
            open = (await s.request('POST', '/s3/multipart', { body: { filename: 'c.bin', type: 'application/octet-stream' } })).body;
          }
        },
      ),
      { numRuns: RUNS },
    );
    t.diagnostic(`statuses: ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
    assert.ok([...statuses.keys()].some((st) => st === 200), `no success at all: ${JSON.stringify([...statuses])}`);
  });
});

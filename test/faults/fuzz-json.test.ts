// Fuzzing the JSON endpoints: POST /uploads, /uploads/sign, /uploads/list, /uploads/complete,
// /uploads/abort, at least FUZZ_RUNS (default 10,000) inputs each, with fast-check, in process
// (`createApp({env}).request()`) against the real OSS emulator on loopback. Inputs: arbitrary JSON,
// bodies that are not objects (scalars, arrays, broken JSON, invalid UTF-8, oversize), known
// fields of the wrong type, huge/negative/fractional numbers, unicode and control strings, lone
// surrogates, valid upload tokens with junk fields, tokens from other callers, forged, tampered,
// expired and foreign-bucket tokens, genuinely signed junk claims, caller-auth attacks, random
// headers, content types, lying Content-Length, other methods. Upload tokens cover every state:
// fresh, partly uploaded, fully uploaded (completable), completed, aborted.
//
// Invariants (lib/fuzz.ts): never a 5xx, never a crash or unhandled rejection, every error in the
// API's JSON error shape with a code matching its status, no secret in any answer. The campaign
// prints a table of the inputs it tried per endpoint and kind, with the statuses they got.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/server.ts';
import { createApp as initApp } from '../../functions/init/index.ts';
import { createApp as signApp } from '../../functions/sign/index.ts';
import { createApp as listApp } from '../../functions/list/index.ts';
import { createApp as completeApp } from '../../functions/complete/index.ts';
import { createApp as abortApp } from '../../functions/abort/index.ts';
import { signHs256 } from '../helpers/jwt.ts';
import {
  FUZZ_RUNS,
  Tally,
  anyNumber,
  anyString,
  contentTypeArb,
  jwtKit,
  junk,
  kind,
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

const BUCKET = 'fuzz-bucket';
const JWT_SECRET = 'fuzz-caller-jwt-secret-0123456789abcdefghij';
const UPLOAD_SECRET = 'fuzz-upload-token-secret-0123456789abcdefg';
const KiB = 1024;
const SEED = campaignSeed();
const rng = new Rng(SEED);

type Fetch = (req: Request) => Response | Promise<Response>;

let emulator: RunningEmulator;
let env: Record<string, string>;
let apps: Record<string, Fetch>;
let quotaInit: Fetch;
let jwt: JwtKit;
const tally = new Tally();
const watch = watchProcess();

/** Upload tokens per endpoint (abort and complete change the state of theirs), by owner. */
const pools = new Map<string, { alice: string[]; bob: string[] }>();
let claimsTemplate: Record<string, unknown>;

before(async () => {
  emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
  env = functionEnv(emulator, { bucket: BUCKET, jwtSecret: JWT_SECRET, uploadSecret: UPLOAD_SECRET });
  delete env.CALLBACK_KEY_URL_PREFIXES; // JSON endpoints only: no callback wiring
  tally.secrets(JWT_SECRET, UPLOAD_SECRET, emulator.credentials.accessKeySecret);
  apps = {
    init: initApp({ env }).fetch,
    sign: signApp({ env }).fetch,
    list: listApp({ env }).fetch,
    complete: completeApp({ env }).fetch,
    abort: abortApp({ env }).fetch,
  };
  quotaInit = initApp({ env: { ...env, MAX_ACTIVE_UPLOADS: '2' } }).fetch;
  jwt = jwtKit(JWT_SECRET, () => pools.get('list')!.alice[0]);

  for (const ep of ['sign', 'list', 'complete', 'abort']) {
    const alice = [
      await newUpload('alice', 0, 'none'),
      await newUpload('alice', 250 * KiB, 'none'),
      await newUpload('alice', 250 * KiB, 'some'),
      await newUpload('alice', 150 * KiB, 'all'),
      await newUpload('alice', 1, 'all'),
      await newUpload('alice', 0, 'all'),
      await newUpload('alice', 120 * KiB, 'completed'),
      await newUpload('alice', 120 * KiB, 'aborted'),
    ];
    const bob = [await newUpload('bob', 120 * KiB, 'some'), await newUpload('bob', 5, 'all')];
    pools.set(ep, { alice, bob });
  }
  claimsTemplate = JSON.parse(Buffer.from(pools.get('list')!.alice[1].split('.')[1], 'base64url').toString());
});

after(async () => {
  watch.stop();
  await emulator?.close();
});

async function call(app: Fetch, path: string, body: unknown, sub: string): Promise<any> {
  const res = await app(
    new Request(`http://fn.local${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt.valid(sub)}` },
      body: JSON.stringify(body),
    }),
  );
  const json = await res.json();
  assert.ok(res.status < 300, `${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** An upload of `sub` in a given state; returns its token. */
async function newUpload(sub: string, size: number, state: 'none' | 'some' | 'all' | 'completed' | 'aborted'): Promise<string> {
  const up = await call(apps.init, '/uploads', { filename: 'pool.bin', size, partSize: 100 * KiB }, sub);
  const numbers = state === 'none' ? [] : state === 'some' ? [1] : Array.from({ length: up.partCount }, (_, i) => i + 1);
  if (numbers.length) {
    const data = rng.bytes(size);
    const { parts } = await call(apps.sign, '/uploads/sign', { token: up.token, partNumbers: numbers }, sub);
    for (const p of parts) {
      const start = (p.partNumber - 1) * up.partSize;
      const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: data.subarray(start, start + p.size) as unknown as BodyInit });
      assert.equal(res.status, 200, await res.text());
    }
  }
  if (state === 'completed') await call(apps.complete, '/uploads/complete', { token: up.token }, sub);
  if (state === 'aborted') await call(apps.abort, '/uploads/abort', { token: up.token }, sub);
  return up.token;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const SAFE_SUBS = ['alice', 'bob', 'carol', 'u-1', 'U_2', 'x'.repeat(128)];

/** A token from the endpoint's pool as it is when the case is generated (complete and abort pools are refilled). */
function aliceToken(ep: string) {
  return fc.nat().map((i) => {
    const pool = pools.get(ep)!.alice;
    return pool[i % pool.length];
  });
}
function bobToken(ep: string) {
  return fc.integer({ min: 0, max: 1 }).map((i) => pools.get(ep)!.bob[i]);
}

/** Upload tokens that must be refused: forged, tampered, expired, other bucket, junk, a caller JWT. */
function badToken(ep: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    aliceToken(ep).map((t) => t.slice(0, -3) + (t.endsWith('AAA') ? 'BBB' : 'AAA')),
    fc.tuple(aliceToken(ep), fc.constantFrom('size', 'partCount', 'key', 'uploadId', 'sub', 'bucket', 'exp'), junk).map(([t, k, v]) => {
      const [h, p, s] = t.split('.');
      return `${h}.${b64url({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), [k]: v })}.${s}`;
    }),
    fc.constant(null).map(() => signHs256({ ...claimsTemplate }, 'not-the-upload-secret-0123456789abcdef')),
    fc.constant(null).map(() => signHs256({ ...claimsTemplate, iat: 1000, exp: 2000 }, UPLOAD_SECRET)),
    fc.constant(null).map(() => signHs256({ ...claimsTemplate, bucket: 'other-bucket' }, UPLOAD_SECRET)),
    fc.constant(null).map(() => signHs256({ ...claimsTemplate, typ: undefined }, UPLOAD_SECRET)),
    fc.constant(null).map(() => jwt.valid('alice')),
    fc.tuple(aliceToken(ep), fc.integer({ min: 1, max: 60 })).map(([t, n]) => t.slice(0, n)),
    junk,
  );
}

/** A genuine signature over junk claims (what only the holder of the secret could make). */
const signedJunkClaims = fc.oneof(
  fc.dictionary(anyString, junk, { maxKeys: 8 }).map((c) => signHs256(c, UPLOAD_SECRET)),
  fc
    .tuple(fc.constantFrom('typ', 'sub', 'bucket', 'key', 'uploadId', 'size', 'partSize', 'partCount', 'contentType', 'iat', 'exp'), fc.oneof(junk, anyString, anyNumber))
    .map(([k, v]) => signHs256({ ...claimsTemplate, [k]: v }, UPLOAD_SECRET)),
);

const partNumbers = fc.oneof(
  fc.array(fc.integer({ min: -2, max: 10_002 }), { maxLength: 20 }),
  { arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), weight: 4 },
  fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
  fc.array(anyNumber, { maxLength: 10 }),
  fc.array(junk, { maxLength: 5 }),
  fc.integer({ min: 999, max: 1201 }).map((n) => Array.from({ length: n }, (_, i) => i + 1)),
  fc.constant(Array.from({ length: 10_001 }, (_, i) => i + 1)),
  junk,
);
const md5ish = fc.oneof(
  fc.constant('1B2M2Y8AsgTpgAmY7PhCfg=='),
  anyString,
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
);
const contentMd5 = fc.oneof(fc.constant({}), fc.dictionary(fc.oneof(fc.constantFrom('1', '2', '3', '0', '-1', '1.0', '01', '10001'), anyString), fc.oneof(md5ish, junk), { maxKeys: 4 }), junk);
const etag = fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 32, maxLength: 32 }).map((h) => `"${h}"`), anyString, junk);
const partsList = fc.oneof(
  fc.array(fc.record({ partNumber: fc.oneof(fc.integer({ min: -1, max: 5 }), anyNumber, junk), etag }), { maxLength: 6 }),
  fc.array(junk, { maxLength: 5 }),
  fc.constant(null).map(() => Array.from({ length: 10_001 }, (_, i) => ({ partNumber: i + 1, etag: '"x"' }))),
  junk,
);

const filename = fc.oneof(anyString, fc.constantFrom('a.bin', 'photo.jpg', 'résumé.pdf', '../../etc/passwd', 'a/b\\c', 'CON', '.hidden', ' .. ', '\u202egnp.exe'));
const contentType = fc.oneof(
  fc.constantFrom('application/octet-stream', 'image/png', 'text/plain; charset=utf-8', 'text/plain; charset="é"', 'a/b; x="\\"', 'multipart/form-data; boundary=----x', 'image/*', '*/*', 'x', '/', 'a/b/c', 'text/plain;;', 'TEXT/PLAIN'),
  anyString,
);
const metadata = fc.oneof(fc.dictionary(fc.oneof(anyString, fc.constantFrom('a', 'x-y', 'UPPER', 'with space', 'é', '')), fc.oneof(anyString, junk), { maxKeys: 5 }), junk);
const sizeArb = fc.oneof(fc.integer({ min: 0, max: 2 * 1024 * KiB }), anyNumber, fc.constantFrom(5 * 1024 ** 3, 5 * 1024 ** 3 + 1, 1024 ** 4 * 48.8));

function post(path: string, body: unknown, headers: Record<string, string>): Omit<FuzzCase, 'kind'> {
  const raw = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return { method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body: raw };
}
const auth = (sub = 'alice') => ({ authorization: `Bearer ${jwt.valid(sub)}` });

const ALL_FIELDS = ['token', 'filename', 'size', 'partSize', 'contentType', 'metadata', 'partNumbers', 'contentMd5', 'parts'];

/** Kinds every JSON endpoint gets; `plausible` is a body whose fields are right or nearly so. */
function commonKinds(path: string, plausible: fc.Arbitrary<Record<string, unknown>>): Array<fc.Arbitrary<FuzzCase>> {
  return [
    kind('arbitrary JSON', fc.jsonValue({ maxDepth: 4 }).map((v) => post(path, JSON.stringify(v) ?? 'null', auth()))),
    kind('not a JSON object', notAnObjectBody.map((b) => post(path, b, auth()))),
    kind('junk in every field', objectOf(Object.fromEntries(ALL_FIELDS.map((k) => [k, junk]))).map((b) => post(path, b, auth()))),
    kind('caller auth attacks', fc.tuple(jwt.bad, plausible).map(([a, b]) => post(path, b, a.header))),
    kind('random headers', fc.tuple(randomHeaders, plausible).map(([h, b]) => post(path, b, { ...auth(), ...h }))),
    kind('content types', fc.tuple(contentTypeArb, plausible).map(([ct, b]) => post(path, b, { ...auth(), 'content-type': ct }))),
    kind('lying Content-Length', fc.tuple(fc.oneof(fc.nat({ max: 5000 }).map(String), fc.constantFrom('', '-1', '1e3', ' 12', '99999999999999999999', '0x10')), plausible).map(([cl, b]) => post(path, b, { ...auth(), 'content-length': cl }))),
    kind('other methods', fc.tuple(methodArb.filter((m) => m !== 'POST'), plausible).map(([m, b]) => ({ method: m, path, headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(b) }))),
  ];
}

function tokenKinds(ep: string, path: string, fields: Record<string, fc.Arbitrary<unknown>>): Array<fc.Arbitrary<FuzzCase>> {
  const withToken = (tok: fc.Arbitrary<unknown>) => fc.tuple(tok, objectOf(fields)).map(([token, rest]) => ({ ...rest, token }));
  const plausible = withToken(aliceToken(ep));
  return [
    ...commonKinds(path, plausible),
    kind('valid token, junk fields', withToken(aliceToken(ep)).map((b) => post(path, b, auth()))),
    kind('valid token, plausible fields', fc.tuple(aliceToken(ep), fc.record(fields, { requiredKeys: [] })).map(([token, f]) => post(path, { token, ...f }, auth()))),
    kind(
      "another caller's token",
      fc.oneof(
        withToken(bobToken(ep)).map((b) => post(path, b, auth('alice'))),
        fc.tuple(withToken(aliceToken(ep)), fc.constantFrom(...SAFE_SUBS.slice(1))).map(([b, sub]) => post(path, b, auth(sub))),
      ),
    ),
    kind('own token of another caller (bob)', withToken(bobToken(ep)).map((b) => post(path, b, auth('bob')))),
    kind('forged/tampered/expired token', withToken(badToken(ep)).map((b) => post(path, b, auth()))),
    kind('genuinely signed junk claims', withToken(signedJunkClaims).map((b) => post(path, b, auth()))),
  ];
}

function initKinds(): Array<fc.Arbitrary<FuzzCase>> {
  const fields = { filename, size: sizeArb, partSize: fc.oneof(fc.constantFrom(100 * KiB, 100 * KiB - 1, 5 * 1024 ** 3, 5 * 1024 ** 3 + 1), anyNumber), contentType, metadata };
  const plausible = objectOf(fields);
  const validBody = fc.record({
    filename: fc.oneof(fc.constantFrom('a.bin', 'photo.jpg', 'résumé.pdf', '日本語.txt'), fc.string({ minLength: 1, maxLength: 60 })),
    size: fc.integer({ min: 0, max: 3 * 1024 * KiB }),
    partSize: fc.option(fc.integer({ min: 100 * KiB, max: 8 * 1024 * KiB }), { nil: undefined }),
    contentType: fc.option(fc.constantFrom('application/octet-stream', 'image/png', 'text/plain; charset=utf-8'), { nil: undefined }),
    metadata: fc.option(fc.dictionary(fc.stringMatching(/^[a-z0-9-]{1,10}$/), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 }), { maxKeys: 3 }), { nil: undefined }),
  });
  return [
    ...commonKinds('/uploads', plausible),
    kind('plausible fields, unicode/numbers/junk', fc.tuple(plausible, fc.constantFrom(...SAFE_SUBS)).map(([b, sub]) => post('/uploads', b, auth(sub)))),
    kind('valid init (creates an upload)', fc.tuple(validBody, fc.constantFrom(...SAFE_SUBS)).map(([b, sub]) => post('/uploads', b, auth(sub)))),
    // Sent to an init with MAX_ACTIVE_UPLOADS=2 (the x-fuzz-app header picks it and is removed).
    kind('active-upload quota (limit 2)', fc.tuple(validBody, fc.constantFrom('q1', 'q2', 'q3')).map(([b, sub]) => post('/uploads', b, { ...auth(sub), 'x-fuzz-app': 'quota' }))),
  ];
}

const ENDPOINTS: Array<{ ep: string; path: string; kinds: () => Array<fc.Arbitrary<FuzzCase>> }> = [
  { ep: 'init', path: '/uploads', kinds: initKinds },
  { ep: 'sign', path: '/uploads/sign', kinds: () => tokenKinds('sign', '/uploads/sign', { partNumbers, contentMd5 }) },
  { ep: 'list', path: '/uploads/list', kinds: () => tokenKinds('list', '/uploads/list', {}) },
  { ep: 'complete', path: '/uploads/complete', kinds: () => tokenKinds('complete', '/uploads/complete', { parts: partsList }) },
  { ep: 'abort', path: '/uploads/abort', kinds: () => tokenKinds('abort', '/uploads/abort', {}) },
];

// ---------------------------------------------------------------------------------------------

test(`fuzz: the JSON endpoints, ${FUZZ_RUNS} inputs each`, { timeout: 900_000 }, async (t) => {
  console.log(seedBanner('fuzz-json', SEED));
  t.after(() => report(`fuzz: JSON endpoints (seed ${SEED})`, tally.table(ENDPOINTS.map((e) => e.ep))));
  for (const [i, { ep, path, kinds }] of ENDPOINTS.entries()) {
    await t.test(`${ep} (${path})`, async () => {
      const arb = fc.oneof(...kinds());
      const app = apps[ep];
      let n = 0;
      const refills: Array<'none' | 'some' | 'all'> = ['all', 'some', 'none', 'all'];
      await fc.assert(
        fc.asyncProperty(arb, async (c) => {
          // complete and abort use up their uploads: keep live ones coming.
          if ((ep === 'complete' || ep === 'abort') && ++n % 250 === 0) {
            pools.get(ep)!.alice.push(await newUpload('alice', 150 * KiB, refills[(n / 250) % refills.length]));
          }
          const useQuota = c.headers['x-fuzz-app'] === 'quota';
          if (useQuota) delete c.headers['x-fuzz-app'];
          await tally.run(ep, c, useQuota ? quotaInit : app);
        }),
        { numRuns: FUZZ_RUNS, seed: SEED + i, endOnFailure: true },
      );
      assert.ok(tally.total(ep) >= FUZZ_RUNS, `${ep}: ${tally.total(ep)} inputs`);
    });
  }
  assert.deepEqual(tally.violations, []);
  assert.deepEqual(watch.problems, [], 'no unhandled rejection or uncaught exception');
});

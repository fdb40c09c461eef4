// Security of the upload functions over HTTP, each case asserting status AND error code:
// caller JWTs, upload tokens, part numbers, request bodies, upload policy, filenames, forged OSS
// callbacks, failing closed when misconfigured, and no secrets in error bodies.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStack, putParts, BUCKET, JWT_SECRET, UPLOAD_SECRET, type TestStack } from '../helpers/stack.ts';
import { initUpload, signParts } from '../helpers/upload.ts';
import { signHs256 } from '../helpers/jwt.ts';
import { callbackSignedMessage } from '../../shared/oss/callback.ts';
import { createApp as initApp } from '../../functions/init/index.ts';
import { createApp as signApp } from '../../functions/sign/index.ts';
import { createApp as listApp } from '../../functions/list/index.ts';
import { createApp as completeApp } from '../../functions/complete/index.ts';
import { createApp as abortApp } from '../../functions/abort/index.ts';
import { createApp as callbackApp } from '../../functions/callback/index.ts';
import { createHandler as sweepHandler } from '../../functions/sweep/index.ts';
import type { Deps } from '../../shared/runtime.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';

const KiB = 1024;
const TOKEN_ROUTES = ['/uploads/sign', '/uploads/list', '/uploads/complete', '/uploads/abort'] as const;
const JSON_ROUTES = ['/uploads', ...TOKEN_ROUTES] as const;

// The emulator signs callbacks with this key, so tests can produce genuine signatures over any body.
const emulatorKey = generateKeyPairSync('rsa', { modulusLength: 1024 });
const EMULATOR_PRIVATE_PEM = emulatorKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

type Res = { status: number; body: any; headers: Headers };

/** Status, code, the error shape, and none of `sensitive` (nor any configured secret) in the body. */
function expectError(s: TestStack, r: Res, status: number, code: string, ...sensitive: string[]) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body, 'object', 'a JSON body');
  assert.equal(r.body.error?.code, code, JSON.stringify(r.body));
  assert.equal(typeof r.body.error.message, 'string');
  assert.equal(r.body.message, r.body.error.message);
  assert.equal(typeof r.body.error.requestId, 'string');
  assertNoLeak(r.body, [JWT_SECRET, UPLOAD_SECRET, s.emulator.credentials.accessKeySecret, ...sensitive]);
}

function assertNoLeak(body: unknown, values: string[]) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  for (const v of values) {
    if (!v) continue;
    assert.ok(!text.includes(v), `error body leaks ${v.slice(0, 24)}…: ${text.slice(0, 300)}`);
    // A token is three segments; its signature alone must not leak either.
    const sig = v.split('.')[2];
    if (sig && sig.length > 16) assert.ok(!text.includes(sig), `error body leaks a signature: ${text.slice(0, 300)}`);
  }
}

async function fetchJson(url: string, init: RequestInit): Promise<Res> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, body, headers: res.headers };
}

/** A valid body for each route, so a refusal is about what the test changed. */
function bodyFor(path: string, token: string): Record<string, unknown> {
  if (path === '/uploads') return { filename: 'a.bin', size: 1000 };
  if (path === '/uploads/sign') return { token, partNumbers: [1] };
  return { token };
}

let s: TestStack;
before(async () => {
  s = await startStack({ emulator: { callbackPrivateKey: EMULATOR_PRIVATE_PEM } });
});
after(() => s?.close());

// ---------------------------------------------------------------------------------------------

describe('caller JWT', () => {
  const header = { alg: 'HS256', typ: 'JWT' };
  const claims = () => ({ sub: 'alice', exp: now() + 600 });
  const cases: Array<[string, () => Record<string, string>, number, string]> = [
    ['no credentials', () => ({}), 401, 'UNAUTHENTICATED'],
    ['empty Bearer', () => ({ authorization: 'Bearer ' }), 401, 'UNAUTHENTICATED'],
    ['Basic scheme', () => ({ authorization: `Basic ${b64('alice:pw')}` }), 401, 'UNAUTHENTICATED'],
    ['wrong secret', () => ({ authorization: `Bearer ${signHs256(claims(), 'another-secret-of-enough-length-0123456789')}` }), 401, 'TOKEN_INVALID'],
    ['alg none, unsigned', () => ({ authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.` }), 401, 'TOKEN_INVALID'],
    ['alg none with a signature', () => ({ authorization: `Bearer ${b64url({ alg: 'none' })}.${b64url(claims())}.${b64url('x')}` }), 401, 'TOKEN_INVALID'],
    ['alg HS512 with the right secret', () => {
      const t = signHs256(claims(), JWT_SECRET).split('.');
      return { authorization: `Bearer ${b64url({ alg: 'HS512', typ: 'JWT' })}.${t[1]}.${t[2]}` };
    }, 401, 'TOKEN_INVALID'],
    ['alg RS256 (key confusion) with an HMAC signature', () => {
      const t = signHs256(claims(), JWT_SECRET).split('.');
      return { authorization: `Bearer ${b64url({ alg: 'RS256', typ: 'JWT' })}.${t[1]}.${t[2]}` };
    }, 401, 'TOKEN_INVALID'],
    ['garbage', () => ({ authorization: 'Bearer garbage' }), 401, 'TOKEN_INVALID'],
    ['three garbage segments', () => ({ authorization: 'Bearer a.b.c' }), 401, 'TOKEN_INVALID'],
    ['payload swapped, signature kept', () => {
      const t = signHs256(claims(), JWT_SECRET).split('.');
      return { authorization: `Bearer ${t[0]}.${b64url({ sub: 'bob', exp: now() + 600 })}.${t[2]}` };
    }, 401, 'TOKEN_INVALID'],
    ['expired', () => ({ authorization: `Bearer ${signHs256({ sub: 'alice', exp: now() - 3600 }, JWT_SECRET)}` }), 401, 'TOKEN_INVALID'],
    ['no exp', () => ({ authorization: `Bearer ${signHs256({ sub: 'alice' }, JWT_SECRET)}` }), 401, 'TOKEN_INVALID'],
    ['not yet valid', () => ({ authorization: `Bearer ${signHs256({ sub: 'alice', exp: now() + 7200, nbf: now() + 3600 }, JWT_SECRET)}` }), 401, 'TOKEN_INVALID'],
    ['no sub', () => ({ authorization: `Bearer ${signHs256({ exp: now() + 600 }, JWT_SECRET)}` }), 401, 'TOKEN_INVALID'],
    ['sub that is not a safe key segment', () => ({ authorization: `Bearer ${signHs256({ sub: '../bob', exp: now() + 600 }, JWT_SECRET)}` }), 403, 'FORBIDDEN'],
    ['bad token in the cookie', () => ({ cookie: `oss_upload_token=${signHs256(claims(), 'another-secret-of-enough-length-0123456789')}` }), 401, 'TOKEN_INVALID'],
    ['upload token used as the caller JWT', () => ({}), 401, 'TOKEN_INVALID'], // header filled in below
  ];
  void header;

  let token: string;
  before(async () => {
    token = (await initUpload(s, 1000)).token;
  });

  for (const [name, headers, status, code] of cases) {
    test(`${name} -> ${status} ${code} on every JSON route`, async () => {
      for (const path of JSON_ROUTES) {
        const h = name === 'upload token used as the caller JWT' ? { authorization: `Bearer ${token}` } : headers();
        const sent = Object.values(h).map((v) => v.replace(/^(Bearer|Basic) /, '').replace(/^oss_upload_token=/, ''));
        const r = await s.post(path, bodyFor(path, token), { sub: null, headers: h });
        expectError(s, r, status, code, ...sent, token);
      }
    });
  }

  test('a valid cookie authenticates like the Bearer header', async () => {
    const r = await s.post('/uploads', { filename: 'a.bin', size: 10 }, { sub: null, headers: { cookie: `other=1; oss_upload_token=${s.jwt('alice')}` } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });
});

// ---------------------------------------------------------------------------------------------

describe('upload tokens', () => {
  let up: Awaited<ReturnType<typeof initUpload>>;
  let claims: Record<string, any>;
  before(async () => {
    up = await initUpload(s, 250 * KiB, 100 * KiB);
    claims = JSON.parse(Buffer.from(up.token.split('.')[1], 'base64url').toString());
  });

  test("A's upload token with B's JWT -> 403 FORBIDDEN on sign, list, complete, abort; A's upload is untouched", async () => {
    for (const path of TOKEN_ROUTES) {
      const r = await s.post(path, bodyFor(path, up.token), { sub: 'bob' });
      expectError(s, r, 403, 'FORBIDDEN', up.token);
    }
    const listed = await s.post('/uploads/list', { token: up.token }, { sub: 'alice' });
    assert.equal(listed.status, 200, 'still there for its owner');
  });

  const tamper = (change: (c: Record<string, any>) => Record<string, any>, token = up.token) => {
    const [h, , sig] = token.split('.');
    return `${h}.${b64url(change({ ...claims }))}.${sig}`;
  };

  test('tampered tokens (payload changed, signature kept) -> 401 TOKEN_INVALID', async () => {
    const forged: Array<[string, string]> = [
      ['more parts', tamper((c) => ({ ...c, partCount: c.partCount + 1 }))],
      ['bigger size', tamper((c) => ({ ...c, size: c.size * 2 }))],
      ['other key', tamper((c) => ({ ...c, key: c.key.replace('/alice/', '/bob/') }))],
      ['later expiry', tamper((c) => ({ ...c, exp: c.exp + 86400 }))],
      ['other upload id', tamper((c) => ({ ...c, uploadId: 'X'.repeat(32) }))],
    ];
    for (const [what, token] of forged) {
      for (const path of TOKEN_ROUTES) {
        const r = await s.post(path, bodyFor(path, token), { sub: 'alice' });
        expectError(s, r, 401, 'TOKEN_INVALID', token);
        assert.ok(r.body.message.length > 0, what);
      }
    }
    // The real attack: Bob rewrites the sub to his own to act on Alice's upload.
    const asBob = tamper((c) => ({ ...c, sub: 'bob' }));
    for (const path of TOKEN_ROUTES) expectError(s, await s.post(path, bodyFor(path, asBob), { sub: 'bob' }), 401, 'TOKEN_INVALID', asBob);
  });

  test('forged or foreign upload tokens -> 401 TOKEN_INVALID', async () => {
    const [h, p] = up.token.split('.');
    const other = (await initUpload(s, 1000)).token;
    const forged: Array<[string, unknown]> = [
      ['missing', undefined],
      ['a number', 123],
      ['an object', { token: up.token }],
      ['empty', ''],
      ['garbage', 'garbage'],
      ['alg none', `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`],
      ['signature of another token', `${h}.${p}.${other.split('.')[2]}`],
      ['signed with the caller JWT secret', signHs256({ ...claims }, JWT_SECRET)],
      ['expired (right secret)', signHs256({ ...claims, iat: now() - 7200, exp: now() - 3600 }, UPLOAD_SECRET)],
      ['not an upload token (no typ)', signHs256({ ...claims, typ: undefined }, UPLOAD_SECRET)],
      ['malformed claims (right secret)', signHs256({ ...claims, partCount: 'three' }, UPLOAD_SECRET)],
      ['the caller JWT', s.jwt('alice')],
    ];
    for (const [what, token] of forged) {
      for (const path of TOKEN_ROUTES) {
        const r = await s.post(path, bodyFor(path, token as string), { sub: 'alice' });
        expectError(s, r, 401, 'TOKEN_INVALID', typeof token === 'string' ? token : '');
        if (what.startsWith('expired')) assert.match(r.body.message, /expired/);
      }
    }
  });

  test('an upload token that expired 1 s or 30 s ago -> 401 TOKEN_INVALID (no clock tolerance for our own tokens)', async () => {
    for (const ago of [1, 30]) {
      const token = signHs256({ ...claims, iat: now() - 3600, exp: now() - ago }, UPLOAD_SECRET);
      for (const path of TOKEN_ROUTES) {
        const r = await s.post(path, bodyFor(path, token), { sub: 'alice' });
        expectError(s, r, 401, 'TOKEN_INVALID', token);
        assert.match(r.body.message, /expired/);
      }
    }
  });

  test('a genuine upload token for another bucket -> 403 FORBIDDEN', async () => {
    const token = signHs256({ ...claims, bucket: 'other-bucket' }, UPLOAD_SECRET);
    for (const path of TOKEN_ROUTES) expectError(s, await s.post(path, bodyFor(path, token), { sub: 'alice' }), 403, 'FORBIDDEN', token);
  });

  test("a genuine upload token naming a key outside its caller's prefix -> 403 FORBIDDEN", async () => {
    for (const key of ['uploads/bob/2026/01/AbCdEfGhIjKlMnOp/x.bin', 'elsewhere/alice/x.bin', 'uploads/alice']) {
      const token = signHs256({ ...claims, key }, UPLOAD_SECRET);
      for (const path of TOKEN_ROUTES) expectError(s, await s.post(path, bodyFor(path, token), { sub: 'alice' }), 403, 'FORBIDDEN', token);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('part numbers', () => {
  let up: Awaited<ReturnType<typeof initUpload>>;
  before(async () => {
    up = await initUpload(s, 250 * KiB, 100 * KiB); // 3 parts
  });

  test('sign: numbers outside 1..partCount, non-integers, strings, duplicates, empty -> 400 VALIDATION_FAILED', async () => {
    // The field names the item when the item is malformed (the schema), the list otherwise (the plan).
    const bad: Array<[unknown, string]> = [
      [[0], 'partNumbers[0]'], [[4], 'partNumbers'], [[-1], 'partNumbers[0]'], [[1.5], 'partNumbers[0]'], [['1'], 'partNumbers[0]'],
      [[null], 'partNumbers[0]'], [[1, 1], 'partNumbers'], [[], 'partNumbers'], [[Number.MAX_SAFE_INTEGER + 2], 'partNumbers[0]'],
      ['1', 'partNumbers'], [1, 'partNumbers'], [{ 1: true }, 'partNumbers'], [null, 'partNumbers'],
    ];
    for (const [partNumbers, field] of bad) {
      const r = await s.post('/uploads/sign', { token: up.token, partNumbers });
      expectError(s, r, 400, 'VALIDATION_FAILED', up.token);
      assert.equal(r.body.error.details.field, field, JSON.stringify(partNumbers));
    }
    assert.equal((await s.post('/uploads/sign', { token: up.token, partNumbers: [3, 1, 2] })).status, 200);
  });

  test('sign: at most 1000 part numbers a call', async () => {
    const big = await initUpload(s, 1001 * 100 * KiB, 100 * KiB);
    assert.equal(big.partCount, 1001);
    const all = Array.from({ length: 1001 }, (_, i) => i + 1);
    const r = await s.post('/uploads/sign', { token: big.token, partNumbers: all });
    expectError(s, r, 400, 'VALIDATION_FAILED', big.token);
    assert.equal(r.body.error.details.max, 1000);
    const ok = await s.post('/uploads/sign', { token: big.token, partNumbers: all.slice(1) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.parts.length, 1000);
    await s.post('/uploads/abort', { token: big.token });
  });

  test('sign: contentMd5 for a part not requested, or not an MD5 -> 400', async () => {
    const md5 = randomBytes(16).toString('base64');
    for (const contentMd5 of [{ 2: md5 }, { 1: 'abc' }, { 1: 5 }, [md5], 'x']) {
      const r = await s.post('/uploads/sign', { token: up.token, partNumbers: [1], contentMd5 });
      expectError(s, r, 400, 'VALIDATION_FAILED', up.token);
    }
  });

  test('complete: a parts list with numbers outside the plan or of the wrong type -> 400', async () => {
    const etag = '"0123456789ABCDEF0123456789ABCDEF"';
    const bad: unknown[] = [
      [{ partNumber: 0, etag }],
      [{ partNumber: 4, etag }],
      [{ partNumber: -1, etag }],
      [{ partNumber: 1.5, etag }],
      [{ partNumber: '1', etag }],
      [{ partNumber: 1 }],
      [1, 2, 3],
      'all',
    ];
    // The parts must be in OSS for the plan check to reach the list.
    const data = randomBytes(250 * KiB);
    await putParts(await signParts(s, up.token, [1, 2, 3]), data, up.partSize);
    for (const parts of bad) {
      const r = await s.post('/uploads/complete', { token: up.token, parts });
      expectError(s, r, 400, 'VALIDATION_FAILED', up.token);
    }
    assert.equal(await headObject(s.oss, up.key), null, 'nothing completed');
  });
});

// ---------------------------------------------------------------------------------------------

describe('the Uppy facade: signed upload ids, bound like upload tokens', () => {
  const q = (p: Record<string, string>) => new URLSearchParams(p).toString();
  const create = async (sub = 'alice', stack = s) => {
    const r = await stack.request('POST', '/s3/multipart', { sub, body: { filename: 'f.bin', type: 'application/octet-stream' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { key: string; uploadId: string; expiresAt: string };
  };
  const claimsOf = (id: string) => JSON.parse(Buffer.from(id.split('.')[1], 'base64url').toString('utf8'));
  /** Every facade route for (id, key), with a body where one is needed. */
  const routes = (id: string, key: string): Array<[string, string, unknown?]> => {
    const p = `/s3/multipart/${encodeURIComponent(id)}`;
    return [
      ['GET', `${p}/1?${q({ key })}`],
      ['GET', `${p}/batch?${q({ key, partNumbers: '1,2' })}`],
      ['GET', `${p}?${q({ key })}`],
      ['POST', `${p}/complete?${q({ key })}`, { parts: [{ PartNumber: 1, ETag: '"0123456789ABCDEF0123456789ABCDEF"' }] }],
      ['DELETE', `${p}?${q({ key })}`],
    ];
  };
  const expectEverywhere = async (id: string, key: string, status: number, code: string, sub = 'alice') => {
    for (const [method, path, body] of routes(id, key)) expectError(s, await s.request(method, path, { sub, body }), status, code, id);
  };
  const stillThere = async (up: { key: string; uploadId: string }, sub = 'alice') =>
    assert.equal((await s.request('GET', `/s3/multipart/${encodeURIComponent(up.uploadId)}?${q({ key: up.key })}`, { sub })).status, 200, 'the upload is untouched');

  test('nothing started on one API can be driven through the other', async () => {
    // A JSON-API upload (a 10-byte plan): neither its OSS upload id nor its token is a facade id.
    const json = await initUpload(s, 10);
    await expectEverywhere(json.uploadId, json.key, 400, 'UPLOAD_ID_INVALID');
    await expectEverywhere(json.token, json.key, 400, 'UPLOAD_ID_INVALID');
    assert.deepEqual((await s.post('/uploads/list', { token: json.token })).body.parts, [], 'the JSON-API upload is untouched');
    // A facade id is not an upload token.
    const facade = await create();
    for (const path of TOKEN_ROUTES) expectError(s, await s.post(path, bodyFor(path, facade.uploadId)), 401, 'TOKEN_INVALID', facade.uploadId);
    // Nor is OSS's own upload id, taken from inside the facade id.
    await expectEverywhere(claimsOf(facade.uploadId).uploadId, facade.key, 400, 'UPLOAD_ID_INVALID');
    await stillThere(facade);
  });

  test('tampered, truncated or forged ids -> 400 UPLOAD_ID_INVALID on every route; the upload is untouched', async () => {
    const up = await create();
    const [h, p, sig] = up.uploadId.split('.');
    const claims = claimsOf(up.uploadId);
    const tamper = (change: Record<string, unknown>) => `${h}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${sig}`;
    const forged: Array<[string, string]> = [
      ['bigger size limit', tamper({ maxSize: claims.maxSize * 1000 })],
      ['later expiry', tamper({ exp: claims.exp + 86400 })],
      ['another OSS upload id', tamper({ uploadId: '0'.repeat(32) })],
      ['truncated signature', `${h}.${p}.${sig.slice(0, -4)}`],
      ['truncated payload', `${h}.${p.slice(0, p.length >> 1)}.${sig}`],
      ['two segments', `${h}.${p}`],
      ['signed with the caller JWT secret', signHs256(claims, JWT_SECRET)],
      ['an upload token kind', signHs256({ ...claims, typ: 'upload' }, UPLOAD_SECRET)],
      ['alg none', `${b64url({ alg: 'none' })}.${p}.`],
    ];
    for (const [what, id] of forged) {
      for (const [method, path, body] of routes(id, up.key)) {
        const r = await s.request(method, path, { body });
        expectError(s, r, 400, 'UPLOAD_ID_INVALID', id);
        assert.ok(r.body.message.length > 0, what);
      }
    }
    await stillThere(up);
  });

  test("another caller's id, or another key -> 403 FORBIDDEN on every route", async () => {
    const bobs = await create('bob');
    await expectEverywhere(bobs.uploadId, bobs.key, 403, 'FORBIDDEN', 'alice');
    // Bob rewriting the sub to his own in Alice's id breaks the signature instead.
    const alices = await create('alice');
    await expectEverywhere(alices.uploadId, (await create('alice')).key, 403, 'FORBIDDEN', 'alice');
    await expectEverywhere(alices.uploadId, alices.key.replace('/alice/', '/bob/'), 403, 'FORBIDDEN', 'alice');
    await stillThere(bobs, 'bob');
    await stillThere(alices);
  });

  test('expired: sign, list and complete -> 410 UPLOAD_EXPIRED; abort still cleans up the caller\'s own upload', async () => {
    const up = await create();
    const claims = claimsOf(up.uploadId);
    for (const ago of [1, 30, 3600]) {
      const expired = signHs256({ ...claims, exp: now() - ago }, UPLOAD_SECRET);
      for (const [method, path, body] of routes(expired, up.key).filter(([m]) => m !== 'DELETE')) {
        expectError(s, await s.request(method, path, { body }), 410, 'UPLOAD_EXPIRED', expired);
      }
    }
    const expired = signHs256({ ...claims, exp: now() - 60 }, UPLOAD_SECRET);
    const del = await s.request('DELETE', `/s3/multipart/${expired}?${q({ key: up.key })}`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.deepEqual(del.body, {});
    expectError(s, await s.request('GET', `/s3/multipart/${up.uploadId}?${q({ key: up.key })}`), 404, 'UPLOAD_NOT_FOUND');
    // An expired id of another caller aborts nothing.
    const bobs = await create('bob');
    const bobsExpired = signHs256({ ...claimsOf(bobs.uploadId), exp: now() - 60 }, UPLOAD_SECRET);
    expectError(s, await s.request('DELETE', `/s3/multipart/${bobsExpired}?${q({ key: bobs.key })}`), 403, 'FORBIDDEN', bobsExpired);
    await stillThere(bobs, 'bob');
  });

  test('part numbers beyond what MAX_FILE_SIZE allows are not signed; the size limit is bound at create', async () => {
    const t = await startStack({ env: { MAX_FILE_SIZE: '250KiB' } });
    try {
      const up = await create('alice', t);
      assert.equal(claimsOf(up.uploadId).maxSize, 250 * KiB);
      const p = `/s3/multipart/${up.uploadId}`;
      // Parts 1 and 2 of 100 KiB and a last one: at most 3.
      assert.equal((await t.request('GET', `${p}/3?${q({ key: up.key })}`)).status, 200);
      for (const [path, field] of [[`${p}/4?${q({ key: up.key })}`, 'partNumber'], [`${p}/10000?${q({ key: up.key })}`, 'partNumber'], [`${p}/batch?${q({ key: up.key, partNumbers: '1,2,3,4' })}`, 'partNumber']]) {
        const r = await t.request('GET', path);
        expectError(t, r, 400, 'VALIDATION_FAILED');
        assert.equal(r.body.error.details.field, field);
        assert.match(r.body.message, /250 KiB/);
      }
    } finally {
      await t.close();
    }
  });

  test('a worst-case id (128-byte sub, longest key) keeps path plus query within FC\'s 4 KB', async () => {
    const sub = 'a'.repeat(128);
    const r = await s.request('POST', '/s3/multipart', { sub, body: { filename: `${'é'.repeat(150)}.bin`, type: 'application/octet-stream' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // What Uppy requests: the id URL-encoded into the path, the key as a query parameter.
    const path = `/s3/multipart/${encodeURIComponent(r.body.uploadId)}/10000?${new URLSearchParams({ key: r.body.key })}`;
    assert.ok(path.length <= 4096, `${path.length} characters`);
    assert.equal((await s.request('GET', path, { sub })).status, 200);
    await s.request('DELETE', `/s3/multipart/${encodeURIComponent(r.body.uploadId)}?${new URLSearchParams({ key: r.body.key })}`, { sub });
  });
});

// ---------------------------------------------------------------------------------------------

describe('byte-level outcome: after every abuse path the bucket holds exactly what the policy allowed', () => {
  test('form re-post, oversize part, facade on a JSON-API upload, expired state: only the legitimate objects, byte for byte', async () => {
    const b = await startStack();
    const q = (p: Record<string, string>) => new URLSearchParams(p).toString();
    const allowed = new Map<string, Buffer>();
    const putPart = (url: string, body: Uint8Array, headers: Record<string, string> = {}) => fetch(url, { method: 'PUT', headers, body: body as BodyInit });
    try {
      // 1. A JSON-API upload, attacked with an oversize part first, then completed as planned.
      const data1 = randomBytes(250 * KiB);
      const up1 = await initUpload(b, data1.length, 100 * KiB);
      const signed1 = await signParts(b, up1.token, [1, 2, 3]);
      assert.equal((await putPart(signed1[0].url, randomBytes(5 * 1024 * KiB), signed1[0].headers)).status, 403);
      await putParts(signed1, data1, up1.partSize);
      assert.equal((await b.post('/uploads/complete', { token: up1.token })).status, 200);
      allowed.set(up1.key, data1);

      // 2. A facade upload, completed; then its id, expired, may complete nothing more.
      const created = (await b.request('POST', '/s3/multipart', { body: { filename: 'f.bin', type: 'application/octet-stream' } })).body;
      const fpath = (suffix = '') => `/s3/multipart/${encodeURIComponent(created.uploadId)}${suffix}?${q({ key: created.key })}`;
      const data2 = randomBytes(150 * KiB);
      const urls = (await b.request('GET', `/s3/multipart/${created.uploadId}/batch?${q({ key: created.key, partNumbers: '1,2' })}`)).body.presignedUrls;
      const etags = [];
      for (const n of [1, 2]) {
        const res = await putPart(urls[n], data2.subarray((n - 1) * 100 * KiB, n * 100 * KiB));
        etags.push({ PartNumber: n, ETag: res.headers.get('etag') });
      }
      const claims = JSON.parse(Buffer.from(created.uploadId.split('.')[1], 'base64url').toString('utf8'));
      const expiredId = signHs256({ ...claims, exp: now() - 1 }, UPLOAD_SECRET);
      expectError(b, await b.request('POST', `/s3/multipart/${expiredId}/complete?${q({ key: created.key })}`, { body: { parts: etags } }), 410, 'UPLOAD_EXPIRED');
      assert.equal(await headObject(b.oss, created.key), null, 'nothing completed with the expired id');
      assert.equal((await b.request('POST', fpath('/complete'), { body: { parts: etags } })).status, 200);
      allowed.set(created.key, data2);

      // 3. A JSON-API upload driven through the facade: refused, and no bytes reach OSS.
      const up3 = await initUpload(b, 10);
      expectError(b, await b.request('GET', `/s3/multipart/${up3.uploadId}/1?${q({ key: up3.key })}`), 400, 'UPLOAD_ID_INVALID');
      expectError(b, await b.request('POST', `/s3/multipart/${up3.uploadId}/complete?${q({ key: up3.key })}`, { body: { parts: [{ PartNumber: 1, ETag: '"A"' }] } }), 400, 'UPLOAD_ID_INVALID');
      // …nor can an expired upload token complete it.
      const expiredToken = signHs256({ ...JSON.parse(Buffer.from(up3.token.split('.')[1], 'base64url').toString('utf8')), exp: now() - 1 }, UPLOAD_SECRET);
      const [part3] = await signParts(b, up3.token, [1]);
      assert.equal((await putPart(part3.url, randomBytes(10), part3.headers)).status, 200);
      expectError(b, await b.post('/uploads/complete', { token: expiredToken }), 401, 'TOKEN_INVALID');

      // 4. A form: posted once, then re-posted altered and unaltered.
      const form = (await b.request('GET', `/s3/params?${q({ filename: 'small.txt', type: 'text/plain' })}`)).body;
      const post = async (fields: Record<string, string | undefined>, bytes: Uint8Array) => {
        const fd = new FormData();
        for (const [k, v] of Object.entries(fields)) if (v !== undefined) fd.set(k, v);
        fd.set('file', new Blob([bytes as BlobPart]), 'f');
        return (await fetch(form.url, { method: 'POST', body: fd })).status;
      };
      const data4 = randomBytes(3000);
      assert.equal(await post(form.fields, data4), 200);
      allowed.set(form.fields.key, data4);
      assert.equal(await post(form.fields, randomBytes(10)), 409);
      assert.equal(await post({ ...form.fields, 'x-oss-forbid-overwrite': 'false', callback: undefined, 'callback-var': undefined }, Buffer.from('<svg/>')), 403);

      // The bucket: exactly the allowed objects, byte for byte.
      const stored = b.emulator.admin.storage.listObjects(BUCKET).map((o) => o.key).sort();
      assert.deepEqual(stored, [...allowed.keys()].sort());
      for (const [key, bytes] of allowed) assert.ok(Buffer.from((await getObject(b.oss, key)).body).equals(bytes), key);
    } finally {
      await b.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('the part plan, enforced by OSS where the signature can pin it', () => {
  test('V4: a part URL signs its planned size; OSS refuses any other length with 403 SignatureDoesNotMatch', async () => {
    const up = await initUpload(s, 250 * KiB, 100 * KiB); // parts of 100, 100 and 50 KiB
    const [p1, , p3] = await signParts(s, up.token, [1, 2, 3]);
    for (const p of [p1, p3]) {
      assert.equal(new URL(p.url).searchParams.get('x-oss-additional-headers'), 'content-length');
      assert.ok(!Object.keys(p.headers).some((h) => h.toLowerCase() === 'content-length'), 'browsers set Content-Length themselves');
    }
    for (const bytes of [5 * 1024 * KiB, 100 * KiB - 1, 100 * KiB + 1, 0]) {
      const res = await fetch(p1.url, { method: 'PUT', headers: p1.headers, body: randomBytes(bytes) });
      const xml = await res.text();
      assert.equal(res.status, 403, `${bytes} bytes: ${xml}`);
      assert.match(xml, /<Code>SignatureDoesNotMatch<\/Code>/);
      assert.match(xml, /<Message>The request signature we calculated does not match the signature you provided\. Check your key and signing method\.<\/Message>/);
      assert.match(xml, new RegExp(`content-length:${bytes}\\n`), 'the canonical request OSS computed holds the length it received');
    }
    assert.equal((await fetch(p3.url, { method: 'PUT', headers: p3.headers, body: randomBytes(100 * KiB) })).status, 403, 'the last part is pinned too');
    assert.deepEqual((await s.post('/uploads/list', { token: up.token })).body.parts, [], 'nothing was stored');
    const data = randomBytes(250 * KiB);
    await putParts([p1, p3], data, up.partSize);
    assert.deepEqual((await s.post('/uploads/list', { token: up.token })).body.parts.map((p: { size: number }) => p.size), [100 * KiB, 50 * KiB]);
    await s.post('/uploads/abort', { token: up.token });
  });

  test('V1 cannot sign a length: an oversize part is stored by OSS, and complete refuses the upload (409), storing nothing', async () => {
    const v1 = await startStack({ env: { OSS_SIGNATURE_VERSION: 'v1' } });
    try {
      const up = await initUpload(v1, 250 * KiB, 100 * KiB);
      const signed = await signParts(v1, up.token, [1, 2, 3]);
      assert.equal(new URL(signed[0].url).searchParams.get('x-oss-additional-headers'), null);
      const big = await fetch(signed[0].url, { method: 'PUT', body: randomBytes(5 * 1024 * KiB) });
      assert.equal(big.status, 200, 'V1: OSS cannot tell');
      await putParts(signed.slice(1), randomBytes(250 * KiB), up.partSize);
      const r = await v1.post('/uploads/complete', { token: up.token });
      expectError(v1, r, 409, 'INCOMPLETE_UPLOAD');
      assert.deepEqual(r.body.error.details.wrongSize, [{ partNumber: 1, size: 5 * 1024 * KiB, expected: 100 * KiB }]);
      assert.equal(await headObject(v1.oss, up.key), null);
      // With a signed Content-MD5 OSS itself refuses other bytes (V1 and V4 alike).
      const md5 = (await import('node:crypto')).createHash('md5');
      const bytes = randomBytes(100 * KiB);
      const withMd5 = await v1.post('/uploads/sign', { token: up.token, partNumbers: [1], contentMd5: { 1: md5.update(bytes).digest('base64') } });
      const part = withMd5.body.parts[0];
      const wrong = await fetch(part.url, { method: 'PUT', headers: part.headers, body: randomBytes(5 * 1024 * KiB) });
      assert.equal(wrong.status, 400);
      assert.match(await wrong.text(), /<Code>InvalidDigest<\/Code>/);
      assert.equal((await fetch(part.url, { method: 'PUT', headers: part.headers, body: bytes })).status, 200);
    } finally {
      await v1.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST forms (GET /s3/params): single-use, callback never of the caller\'s choosing', () => {
  let catcher: Server;
  let caught = 0;
  let catcherUrl: string;
  before(async () => {
    catcher = createServer((req, res) => {
      caught++;
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end('{"hijacked":true}');
    });
    await new Promise<void>((r) => catcher.listen(0, '127.0.0.1', r));
    catcherUrl = `http://127.0.0.1:${(catcher.address() as AddressInfo).port}/steal`;
  });
  after(() => new Promise<void>((r) => catcher.close(() => r())));

  const params = async (filename: string, type = 'text/plain') => {
    const r = await s.request('GET', `/s3/params?${new URLSearchParams({ filename, type, 'metadata[tag]': 'ours' })}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { url: string; fields: Record<string, string> };
  };
  const postForm = async (url: string, fields: Record<string, string | undefined>, data: Uint8Array) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.set(k, v);
    form.set('file', new Blob([data as BlobPart]), 'f');
    const res = await fetch(url, { method: 'POST', body: form });
    return { status: res.status, text: await res.text() };
  };
  const evilCallback = () => Buffer.from(JSON.stringify({ callbackUrl: catcherUrl, callbackBody: 'x=${object}' })).toString('base64');
  const alterations = (fields: Record<string, string>): Array<[string, Record<string, string | undefined>]> => [
    ['as given', {}],
    ['x-oss-forbid-overwrite=false', { 'x-oss-forbid-overwrite': 'false' }],
    ['x-oss-forbid-overwrite dropped', { 'x-oss-forbid-overwrite': undefined }],
    ['no callback', { callback: undefined, 'callback-var': undefined }],
    ['a callback URL of the caller\'s choosing', { callback: evilCallback() }],
    ['other callback variables', { 'callback-var': Buffer.from(JSON.stringify({ 'x:sub': 'bob', 'x:upload_id': '', 'x:issued_at': fields['callback-var'] ? '1' : '1' })).toString('base64') }],
    ['Content-Disposition: attachment; filename=a.exe', { 'Content-Disposition': 'attachment; filename=a.exe' }],
    ['Content-Encoding: gzip', { 'Content-Encoding': 'gzip' }],
    ['x-oss-object-acl: public-read', { 'x-oss-object-acl': 'public-read' }],
    ['Content-Type: text/html', { 'Content-Type': 'text/html' }],
    ['Cache-Control for a year and extra metadata', { 'Cache-Control': 'public, max-age=31536000', 'x-oss-meta-evil': 'x' }],
    ['our metadata changed', { 'x-oss-meta-tag': 'theirs' }],
  ];

  test('the policy pins forbid-overwrite, the callback and its variables, disposition, encoding, ACL, type and metadata', async () => {
    const { fields } = await params('pin.txt');
    const policy = JSON.parse(Buffer.from(fields.policy, 'base64').toString('utf8')) as { conditions: unknown[] };
    const eq = (name: string) => policy.conditions.find((c) => Array.isArray(c) && c[0] === 'eq' && c[1] === `$${name}`);
    assert.deepEqual(eq('x-oss-forbid-overwrite'), ['eq', '$x-oss-forbid-overwrite', 'true']);
    assert.deepEqual(eq('callback'), ['eq', '$callback', fields.callback]);
    assert.deepEqual(eq('callback-var'), ['eq', '$callback-var', fields['callback-var']]);
    assert.deepEqual(eq('content-disposition'), ['eq', '$content-disposition', 'inline']);
    assert.deepEqual(eq('content-encoding'), ['eq', '$content-encoding', 'identity']);
    assert.deepEqual(eq('x-oss-object-acl'), ['eq', '$x-oss-object-acl', 'default']);
    assert.deepEqual(eq('x-oss-meta-tag'), ['eq', '$x-oss-meta-tag', 'ours']);
    const vars = JSON.parse(Buffer.from(fields['callback-var'], 'base64').toString('utf8'));
    assert.deepEqual(Object.keys(vars).sort(), ['x:issued_at', 'x:sub', 'x:upload_id']);
  });

  test('altering a form before its first POST: every pinned field refused by OSS (403), nothing stored, no foreign callback', async () => {
    for (const [what, change] of alterations({}).filter(([w]) => !['as given', 'Cache-Control for a year and extra metadata'].includes(w))) {
      const { url, fields } = await params('first.txt');
      const r = await postForm(url, { ...fields, ...change }, Buffer.from('<svg onload=alert(1)>'));
      assert.equal(r.status, 403, `${what}: ${r.text}`);
      assert.match(r.text, /<Code>AccessDenied<\/Code>/, what);
      assert.match(r.text, /Invalid according to Policy: Policy Condition failed/, what);
      assert.equal(await headObject(s.oss, fields.key), null, `${what}: nothing stored`);
    }
    assert.equal(caught, 0, 'the foreign callback URL was never called');
  });

  test('re-posting a used form, altered or not, changes nothing stored (byte for byte, headers and all)', async () => {
    const { url, fields } = await params('used.txt');
    const original = Buffer.from('hello, OSS\n');
    const first = await postForm(url, fields, original);
    assert.equal(first.status, 200, first.text);
    assert.equal(JSON.parse(first.text).key, fields.key, 'our callback answered');
    const stored = () => s.emulator.admin.storage.listObjects(BUCKET).find((o) => o.key === fields.key);
    const before = structuredClone(stored());
    assert.equal(before?.contentDisposition, 'inline');
    assert.equal(before?.cacheControl, undefined);
    for (const [what, change] of alterations(fields)) {
      const r = await postForm(url, { ...fields, ...change }, Buffer.from(`<html>${what}</html>`));
      assert.ok(r.status === 409 || r.status === 403, `${what}: ${r.status} ${r.text}`);
      assert.ok(Buffer.from((await getObject(s.oss, fields.key)).body).equals(original), `${what}: bytes unchanged`);
      assert.deepEqual(stored(), before, `${what}: the stored object (headers, metadata, blob) unchanged`);
    }
    assert.equal(caught, 0, 'the foreign callback URL was never called');
  });
});

// ---------------------------------------------------------------------------------------------

describe('request bodies', () => {
  let token: string;
  before(async () => {
    token = (await initUpload(s, 1000)).token;
  });

  test('malformed JSON, a non-object, an empty body or invalid UTF-8 -> 400 INVALID_JSON on every JSON route', async () => {
    for (const path of JSON_ROUTES) {
      for (const raw of ['{"token":', '{token: 1}', '[]', '"x"', '42', 'null', '', '\u00ff'.repeat(3)]) {
        expectError(s, await s.post(path, null, { raw }), 400, 'INVALID_JSON');
      }
      const badUtf8 = await fetchJson(`${s.functions.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.jwt('alice')}` },
        body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      });
      expectError(s, badUtf8, 400, 'INVALID_JSON');
    }
  });

  test('a body that is not declared as JSON -> 415 UNSUPPORTED_MEDIA_TYPE (forces a CORS preflight)', async () => {
    for (const path of JSON_ROUTES) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const r = await s.post(path, bodyFor(path, token), { headers: { 'content-type': type } });
        expectError(s, r, 415, 'UNSUPPORTED_MEDIA_TYPE', token);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('upload policy (ALLOWED_CONTENT_TYPES=image/*, MAX_FILE_SIZE=1MiB, MAX_ACTIVE_UPLOADS=2, MAX_BODY_BYTES=4KiB)', () => {
  let p: TestStack;
  before(async () => {
    p = await startStack({ env: { ALLOWED_CONTENT_TYPES: 'image/*', MAX_FILE_SIZE: '1MiB', MAX_ACTIVE_UPLOADS: '2', MAX_BODY_BYTES: '4KiB' } });
  });
  after(() => p?.close());

  test('a body over MAX_BODY_BYTES -> 413 PAYLOAD_TOO_LARGE, declared or streamed', async () => {
    const up = await p.post('/uploads', { filename: 'a.png', size: 10, contentType: 'image/png' }, { sub: 'bodies' });
    assert.equal(up.status, 201);
    for (const path of JSON_ROUTES) {
      const body = { ...bodyFor(path, up.body.token), padding: 'x'.repeat(4 * KiB) };
      expectError(p, await p.post(path, body, { sub: 'bodies' }), 413, 'PAYLOAD_TOO_LARGE', up.body.token);
      // No Content-Length: the reader counts and stops.
      const bytes = new TextEncoder().encode(JSON.stringify(body));
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.subarray(i, i + 512));
          controller.close();
        },
      });
      const chunked = await fetchJson(`${p.functions.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${p.jwt('bodies')}` },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expectError(p, chunked, 413, 'PAYLOAD_TOO_LARGE', up.body.token);
    }
  });

  test('a content type outside ALLOWED_CONTENT_TYPES -> 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const contentType of ['text/html', 'application/octet-stream', 'imagex/png', 'application/image', undefined]) {
      const r = await p.post('/uploads', { filename: 'a.png', size: 10, contentType }, { sub: 'types' });
      expectError(p, r, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const ok = await p.post('/uploads', { filename: 'a.png', size: 10, contentType: 'IMAGE/PNG' }, { sub: 'types' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  test('a declared size over MAX_FILE_SIZE -> 413 FILE_TOO_LARGE; bad sizes -> 400', async () => {
    const r = await p.post('/uploads', { filename: 'a.png', size: 1024 * KiB + 1, contentType: 'image/png' }, { sub: 'sizes' });
    expectError(p, r, 413, 'FILE_TOO_LARGE');
    for (const size of [-1, 1.5, '10', null, 2 ** 60, undefined]) {
      expectError(p, await p.post('/uploads', { filename: 'a.png', size, contentType: 'image/png' }, { sub: 'sizes' }), 400, 'VALIDATION_FAILED');
    }
    assert.equal((await p.post('/uploads', { filename: 'a.png', size: 1024 * KiB, contentType: 'image/png' }, { sub: 'sizes' })).status, 201);
  });

  test('a third active upload -> 429 TOO_MANY_UPLOADS; other callers unaffected; aborting one frees a slot', async () => {
    const init = (sub: string) => p.post('/uploads', { filename: 'a.png', size: 10, contentType: 'image/png' }, { sub });
    const first = await init('busy');
    assert.equal(first.status, 201);
    assert.equal((await init('busy')).status, 201);
    expectError(p, await init('busy'), 429, 'TOO_MANY_UPLOADS');
    assert.equal((await init('idle')).status, 201, 'counted per caller');
    assert.equal((await p.post('/uploads/abort', { token: first.body.token }, { sub: 'busy' })).status, 200);
    assert.equal((await init('busy')).status, 201);
    expectError(p, await init('busy'), 429, 'TOO_MANY_UPLOADS');
  });
});

// ---------------------------------------------------------------------------------------------

describe('active-upload limit under concurrency (MAX_ACTIVE_UPLOADS=30, 150 parallel creates)', () => {
  let q: TestStack;
  before(async () => {
    q = await startStack({ env: { MAX_ACTIVE_UPLOADS: '30' } });
  });
  after(() => q?.close());

  const countInOss = async (sub: string) => {
    let n = 0;
    for await (const _ of iterateMultipartUploads(q.oss, { prefix: `uploads/${sub}/` })) n++;
    return n;
  };

  for (const [route, body] of [
    ['/uploads', { filename: 'race.bin', size: 1000 }],
    ['/s3/multipart', { filename: 'race.bin', type: 'application/octet-stream' }],
  ] as const) {
    test(`${route}: at most 30 multipart uploads survive in OSS, every refusal is a 429, none left behind`, async () => {
      const sub = `racer-${route.length}`;
      const results = await Promise.all(Array.from({ length: 150 }, () => q.post(route, body, { sub })));
      const ok = results.filter((r) => r.status === 200 || r.status === 201);
      const refused = results.filter((r) => !(r.status === 200 || r.status === 201));
      for (const r of refused) expectError(q, r, 429, 'TOO_MANY_UPLOADS');
      const inOss = await countInOss(sub);
      assert.ok(inOss <= 30, `${inOss} multipart uploads in OSS`);
      assert.equal(inOss, ok.length, 'every accepted create is in OSS, no refused one is');
      assert.ok(ok.length >= 1, 'the rule is not absurd: some creates succeed');
      console.log(`# ${route}: ${ok.length} of 150 parallel creates accepted, ${refused.length} refused (429), ${inOss} uploads in OSS`);
      // Sequentially, up to the limit: refusals under a burst were not a lasting leak.
      const more = [];
      for (let i = ok.length; i < 30; i++) more.push(await q.post(route, body, { sub }));
      assert.ok(more.every((r) => r.status === 200 || r.status === 201), JSON.stringify(more.map((r) => r.status)));
      expectError(q, await q.post(route, body, { sub }), 429, 'TOO_MANY_UPLOADS');
      assert.equal(await countInOss(sub), 30);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('filenames (policy: sanitised into a safe key when a name can be made, else 400)', () => {
  const KEY = /^uploads\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{16}\/([^/]+)$/;

  function assertSafeKey(key: string) {
    const m = KEY.exec(key);
    assert.ok(m, `key layout: ${key}`);
    assert.ok(Buffer.byteLength(key, 'utf8') <= 1023, 'at most 1023 bytes');
    assert.ok(!key.split('/').some((seg) => seg === '..' || seg === '.' || seg === ''), 'no dot or empty segments');
    assert.ok(!/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(key), 'no control or bidi characters');
    return m[1];
  }

  const cases: Array<[string, string | RegExp]> = [
    ['../../etc/passwd', 'passwd'],
    ['/etc/passwd', 'passwd'],
    ['/', 'file'],
    ['..', 'file'],
    ['../..', 'file'],
    ['a/../../b.txt', 'b.txt'],
    ['C:\\Windows\\System32\\evil.exe', 'evil.exe'],
    ['bad\u0000name\u0007.txt', 'badname.txt'],
    ['line\nbreak\r\n.txt', 'line break .txt'],
    ['\u202Etxt.exe', 'txt.exe'],
    ['what?<>|*.png', 'what_____.png'],
    ['x'.repeat(2000) + '.txt', /^x{196}\.txt$/],
    ['é'.repeat(1000), /^(é){100}$/],
    ['😀'.repeat(500) + '.jpg', /^(😀){49}\.jpg$/],
  ];
  for (const [filename, expected] of cases) {
    test(`${JSON.stringify(filename.length > 40 ? filename.slice(0, 20) + '…' : filename)} -> a safe key`, async () => {
      const r = await s.post('/uploads', { filename, size: 10 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const name = assertSafeKey(r.body.key);
      if (typeof expected === 'string') assert.equal(name, expected);
      else assert.match(name, expected);
      assert.ok(Buffer.byteLength(name) <= 200);
      await s.post('/uploads/abort', { token: r.body.token });
    });
  }

  test('a sanitised key is usable end to end (OSS stores the object under it)', async () => {
    const data = randomBytes(10);
    const up = await initUpload(s, data.length, undefined, { filename: '../..\\😀 ev\u0000il\u202E.txt' });
    assertSafeKey(up.key);
    await putParts(await signParts(s, up.token, [1]), data, up.partSize);
    const done = await s.post('/uploads/complete', { token: up.token });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal((await headObject(s.oss, up.key))?.size, 10);
  });

  test('not a filename at all -> 400 VALIDATION_FAILED', async () => {
    for (const filename of ['', '   ', 'x'.repeat(4097), '€'.repeat(1366), 123, null, ['a'], { name: 'a' }, undefined]) {
      const r = await s.post('/uploads', { filename, size: 10 });
      expectError(s, r, 400, 'VALIDATION_FAILED');
      assert.equal(r.body.error.details.field, 'filename');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('forged OSS callbacks', () => {
  let genuine: { body: string; authorization: string; pubKeyUrl: string; key: string };
  let other: Server;
  let otherFetches = 0;
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 1024 });
  let otherUrl: string;

  before(async () => {
    // A genuine callback, captured from the emulator's log of what it sent to the callback function.
    const data = randomBytes(1000);
    const up = await initUpload(s, data.length);
    await putParts(await signParts(s, up.token, [1]), data, up.partSize);
    const done = await s.post('/uploads/complete', { token: up.token });
    assert.equal(done.body.callbackStatus, 'ok');
    const rec = s.emulator.admin.callbacks.log.findLast((l) => JSON.parse(l.body).key === up.key)!;
    genuine = { body: rec.body, authorization: rec.headers.authorization, pubKeyUrl: rec.headers['x-oss-pub-key-url'], key: up.key };

    // Another host, serving its own RSA public key.
    other = createServer((req, res) => {
      otherFetches++;
      res.end(otherKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/_emulator/callback_pub_key.pem`;
  });
  after(() => new Promise<void>((r) => other.close(() => r())));

  const postCallback = (body: string, headers: Record<string, string>, path = '/oss/callback') =>
    fetchJson(`${s.functions.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signWith = (pem: string | import('node:crypto').KeyObject, body: string, path = '/oss/callback') =>
    sign('md5', callbackSignedMessage(path, '', Buffer.from(body)), pem).toString('base64');
  const facts = (over: Record<string, unknown> = {}) =>
    JSON.stringify({ bucket: BUCKET, key: genuine.key, etag: 'E', size: 1000, mimeType: 'application/octet-stream', crc64: '1', uploadId: 'U', sub: 'alice', issuedAt: String(now()), ...over });

  test('the genuine callback, replayed byte for byte within the upload token lifetime, verifies (baseline); it carries its issue time', async () => {
    const r = await postCallback(genuine.body, { authorization: genuine.authorization, 'x-oss-pub-key-url': genuine.pubKeyUrl });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.ok, true);
    assert.equal(r.body.key, genuine.key);
    assert.ok(Math.abs(r.body.issuedAt - now()) < 60, String(r.body.issuedAt));
  });

  test('the genuine callback replayed after the upload token lifetime -> 400 VALIDATION_FAILED (stale)', async () => {
    const later = callbackApp({ env: s.env, now: () => new Date(Date.now() + 86_401_000) });
    const res = await later.request('/oss/callback', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: genuine.authorization, 'x-oss-pub-key-url': genuine.pubKeyUrl },
      body: genuine.body,
    });
    const r: Res = { status: res.status, body: await res.json(), headers: res.headers };
    expectError(s, r, 400, 'VALIDATION_FAILED', genuine.authorization);
    assert.equal(r.body.error.details.field, 'issuedAt');
    assert.match(r.body.message, /stale/);
  });

  test('the genuine signature over an altered body, path or query -> 403 CALLBACK_SIGNATURE_INVALID', async () => {
    const h = { authorization: genuine.authorization, 'x-oss-pub-key-url': genuine.pubKeyUrl };
    const altered = [
      genuine.body.replace('"size":1000', '"size":1001'),
      genuine.body.replace('"sub":"alice"', '"sub":"bob"'),
      genuine.body + ' ',
      genuine.body.slice(0, -1),
    ];
    for (const body of altered) {
      assert.notEqual(body, genuine.body);
      expectError(s, await postCallback(body, h), 403, 'CALLBACK_SIGNATURE_INVALID', genuine.authorization);
    }
    expectError(s, await postCallback(genuine.body, h, '/oss/callback?x=1'), 403, 'CALLBACK_SIGNATURE_INVALID', genuine.authorization);
  });

  test('a bad, missing or malformed signature -> 403', async () => {
    const body = facts();
    const cases: Array<Record<string, string>> = [
      { authorization: randomBytes(128).toString('base64'), 'x-oss-pub-key-url': genuine.pubKeyUrl },
      { authorization: 'not base64!', 'x-oss-pub-key-url': genuine.pubKeyUrl },
      { 'x-oss-pub-key-url': genuine.pubKeyUrl },
      { authorization: genuine.authorization },
      { authorization: signWith(EMULATOR_PRIVATE_PEM, body), 'x-oss-pub-key-url': 'not base64!' },
      {},
    ];
    for (const h of cases) expectError(s, await postCallback(body, h), 403, 'CALLBACK_SIGNATURE_INVALID', h.authorization ?? '');
  });

  test('a key URL on another host -> 403, even with a valid signature from the key served there (never fetched)', async () => {
    const body = facts();
    const fetchesBefore = otherFetches;
    const own = { authorization: signWith(otherKey.privateKey, body), 'x-oss-pub-key-url': b64(otherUrl) };
    expectError(s, await postCallback(body, own), 403, 'CALLBACK_SIGNATURE_INVALID', own.authorization);
    // Even a signature by the trusted (emulator) key does not make an untrusted URL acceptable.
    const trustedKeyOtherUrl = { authorization: signWith(EMULATOR_PRIVATE_PEM, body), 'x-oss-pub-key-url': b64(otherUrl) };
    expectError(s, await postCallback(body, trustedKeyOtherUrl), 403, 'CALLBACK_SIGNATURE_INVALID');
    // Escaping the configured prefix of the emulator's host with dot segments.
    const escape = `${s.emulator.url}/_emulator/../x/callback_pub_key.pem`;
    expectError(s, await postCallback(body, { authorization: signWith(EMULATOR_PRIVATE_PEM, body), 'x-oss-pub-key-url': b64(escape) }), 403, 'CALLBACK_SIGNATURE_INVALID');
    // OSS's own key URL, but signed by a key that is not OSS's.
    const pinnedUrl = { authorization: signWith(otherKey.privateKey, body), 'x-oss-pub-key-url': b64('https://gosspublic.alicdn.com/callback_pub_key_v1.pem') };
    expectError(s, await postCallback(body, pinnedUrl), 403, 'CALLBACK_SIGNATURE_INVALID');
    assert.equal(otherFetches, fetchesBefore, 'the untrusted key was never fetched');
  });

  test('a genuine signature (trusted emulator key) over a body complete did not ask for -> 400 VALIDATION_FAILED', async () => {
    const bodies: Array<[string, string]> = [
      [facts({ bucket: 'other-bucket' }), 'bucket'],
      [facts({ key: genuine.key.replace('/alice/', '/bob/') }), 'key'],
      [facts({ key: 'uploads/alice/../bob/x' }), 'key'],
      [facts({ key: 'elsewhere/alice/x' }), 'key'],
      [facts({ size: -1 }), 'size'],
      [facts({ size: '1000' }), 'size'],
      [facts({ crc64: 'abc' }), 'crc64'],
      [facts({ sub: undefined }), 'sub'],
      // A sub that is not a caller id (was a 500: the prefix check threw on it).
      [facts({ sub: '' }), 'sub'],
      [facts({ sub: 'alice/..' }), 'sub'],
      [facts({ sub: '..' }), 'sub'],
      [facts({ issuedAt: undefined }), 'issuedAt'],
      [facts({ issuedAt: now() }), 'issuedAt'],
      [facts({ issuedAt: '1e9' }), 'issuedAt'],
      // Older than the upload token lifetime (86400 s): a replayed capture.
      [facts({ issuedAt: String(now() - 86_401) }), 'issuedAt'],
      [facts({ issuedAt: String(now() + 3600) }), 'issuedAt'],
      ['bucket=test-bucket&object=x', ''],
      ['[]', ''],
    ];
    for (const [body, field] of bodies) {
      const authorization = signWith(EMULATOR_PRIVATE_PEM, body);
      const r = await postCallback(body, { authorization, 'x-oss-pub-key-url': genuine.pubKeyUrl });
      expectError(s, r, 400, 'VALIDATION_FAILED', authorization);
      if (field) assert.equal(r.body.error.details.field, field, body);
    }
    // The same machinery accepts a well-formed body (the signature check is not what failed above).
    const ok = facts();
    const r = await postCallback(ok, { authorization: signWith(EMULATOR_PRIVATE_PEM, ok), 'x-oss-pub-key-url': genuine.pubKeyUrl });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  test('a callback body over 16 KiB -> 413 before any verification', async () => {
    const body = facts({ pad: 'x'.repeat(17 * KiB) });
    expectError(s, await postCallback(body, { authorization: signWith(EMULATOR_PRIVATE_PEM, body), 'x-oss-pub-key-url': genuine.pubKeyUrl }), 413, 'PAYLOAD_TOO_LARGE');
  });

  test("OSS's documented vectors over HTTP: CB1/CB2 verify with the pinned key (then 400: not our body); altered -> 403", async () => {
    const app = callbackApp({ env: s.env });
    const call = async (path: string, body: string, authorization: string, pubKeyUrl: string, type = 'application/x-www-form-urlencoded') => {
      const res = await app.request(path, { method: 'POST', headers: { 'content-type': type, authorization, 'x-oss-pub-key-url': pubKeyUrl }, body });
      return { status: res.status, body: await res.json(), headers: res.headers } as Res;
    };
    const CB1 = ['/index.php?id=1&index=2', 'bucket=yonghu-test', 'kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==', 'aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ=='] as const;
    const CB2 = [
      '/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH',
      '{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}',
      'e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==',
      b64('https://gosspublic.alicdn.com/callback_pub_key_v1.pem'),
    ] as const;
    const r1 = await call(...CB1);
    expectError(s, r1, 400, 'VALIDATION_FAILED');
    assert.match(r1.body.message, /not JSON/);
    const r2 = await call(...CB2, 'application/json');
    expectError(s, r2, 400, 'VALIDATION_FAILED');
    assert.equal(r2.body.error.details.field, 'bucket');
    expectError(s, await call('/index.php?id=1&index=2', 'bucket=yonghu-tesT', CB1[2], CB1[3]), 403, 'CALLBACK_SIGNATURE_INVALID', CB1[2]);
    expectError(s, await call('/index.php?id=2&index=2', CB1[1], CB1[2], CB1[3]), 403, 'CALLBACK_SIGNATURE_INVALID', CB1[2]);
    expectError(s, await call('/index.php', CB1[1], CB1[2], CB1[3]), 403, 'CALLBACK_SIGNATURE_INVALID', CB1[2]);
    expectError(s, await call(CB2[0], CB2[1].replace('114020', '114021'), CB2[2], CB2[3], 'application/json'), 403, 'CALLBACK_SIGNATURE_INVALID', CB2[2]);
    expectError(s, await call(CB2[0], CB2[1], CB2[2].replace('e5Lw', 'e3Lw'), CB2[3], 'application/json'), 403, 'CALLBACK_SIGNATURE_INVALID');
  });
});

// ---------------------------------------------------------------------------------------------

describe('fail closed when misconfigured', () => {
  const apps: Array<[string, (deps: Deps) => { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, string]> = [
    ['init', initApp, '/uploads'],
    ['sign', signApp, '/uploads/sign'],
    ['list', listApp, '/uploads/list'],
    ['complete', completeApp, '/uploads/complete'],
    ['abort', abortApp, '/uploads/abort'],
    ['callback', callbackApp, '/oss/callback'],
  ];

  // `missing`: a secret only the caller-facing functions are given (s.yaml) is absent. The callback
  // and the sweeper never use it, so they must work without it; a value that is set but wrong
  // fails every function.
  const broken = (): Array<[string, Record<string, string | undefined>, RegExp, 'missing' | 'wrong']> => [
    ['AUTH_MODE=jwt without AUTH_JWT_SECRET or AUTH_JWKS_URL', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: undefined }, /AUTH_JWT_SECRET or AUTH_JWKS_URL/, 'missing'],
    ['AUTH_MODE unset (jwt by default) without a secret', { AUTH_MODE: undefined, AUTH_JWT_SECRET: undefined }, /AUTH_JWT_SECRET or AUTH_JWKS_URL/, 'missing'],
    ['UPLOAD_TOKEN_SECRET missing', { UPLOAD_TOKEN_SECRET: undefined }, /UPLOAD_TOKEN_SECRET/, 'missing'],
    ['UPLOAD_TOKEN_SECRET too short', { UPLOAD_TOKEN_SECRET: 'short-secret-value' }, /UPLOAD_TOKEN_SECRET/, 'wrong'],
    ['AUTH_JWT_SECRET too short', { AUTH_JWT_SECRET: 'short-jwt-secret' }, /AUTH_JWT_SECRET/, 'wrong'],
    ['an unknown AUTH_MODE', { AUTH_MODE: 'open' }, /AUTH_MODE/, 'wrong'],
  ];

  for (const [what, change, mentions, kind] of broken()) {
    const title = kind === 'wrong' ? 'every function answers 500 MISCONFIGURED, even to a valid caller; sweep refuses to run' : 'every caller-facing function answers 500 MISCONFIGURED; the callback and the sweeper, which are not given it, work';
    test(`${what}: ${title}`, async () => {
      const env: Record<string, string | undefined> = { ...s.env, ...change };
      for (const k of Object.keys(change)) if (change[k] === undefined) delete env[k];
      const jwt = s.jwt('alice');
      for (const [name, create, path] of apps) {
        if (kind === 'missing' && name === 'callback') {
          const res = await create({ env }).request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
          assert.equal(res.status, 403, `callback: ${await res.clone().text()}`);
          assert.equal((await res.json()).error.code, 'CALLBACK_SIGNATURE_INVALID', 'the callback checks the signature: its configuration is fine');
          continue;
        }
        const app = create({ env });
        for (const method of ['POST', 'OPTIONS', 'GET']) {
          const res = await app.request(path, {
            method,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}`, origin: 'http://example.com', 'access-control-request-method': 'POST' },
            body: method === 'POST' ? JSON.stringify({ filename: 'a', size: 1, token: 'x', partNumbers: [1] }) : undefined,
          });
          const r: Res = { status: res.status, body: await res.json(), headers: res.headers };
          const secrets = Object.entries(change).filter(([k, v]) => k.includes('SECRET') && v).map(([, v]) => v as string);
          expectError(s, r, 500, 'MISCONFIGURED', jwt, ...secrets);
          assert.match(r.body.message, mentions, `${name} ${method}`);
        }
      }
      const sweep = sweepHandler({ env })(JSON.stringify({ triggerName: 't', payload: '{"dryRun":true}' }), { requestId: 'r' } as never);
      if (kind === 'missing') {
        const report = await sweep;
        assert.equal(report.dryRun, true, 'the sweeper ran (dry run)');
        assert.equal(typeof report.scanned, 'number');
        return;
      }
      await assert.rejects(() => sweep, (e: Error) => {
        assert.equal(e.name, 'ConfigError');
        assert.match(e.message, mentions);
        return true;
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('no secrets in error bodies', () => {
  test('wrong OSS credentials: 502 OSS_ERROR without the secret, the signature or the string to sign', async () => {
    const wrongSecret = 'wrong-oss-secret-' + randomBytes(8).toString('hex');
    const app = initApp({ env: { ...s.env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: wrongSecret } });
    const jwt = s.jwt('alice');
    const res = await app.request('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ filename: 'a.bin', size: 10 }),
    });
    const text = await res.text();
    const r: Res = { status: res.status, body: JSON.parse(text), headers: res.headers };
    expectError(s, r, 502, 'OSS_ERROR', wrongSecret, jwt);
    assert.equal(r.body.error.details.ossCode, 'SignatureDoesNotMatch');
    assert.doesNotMatch(text, /OSS4-HMAC-SHA256|Signature=|StringToSign|Credential=/i);
  });

  test('upload tokens and JWTs are not echoed, whatever field they are put in', async () => {
    const up = await initUpload(s, 1000);
    const jwt = s.jwt('alice');
    const probes: Array<[string, unknown]> = [
      ['/uploads', { filename: up.token, size: -1 }],
      ['/uploads', { filename: 'a', size: 1, contentType: up.token }],
      ['/uploads', { filename: 'a', size: 1, metadata: { [up.token.slice(0, 60).toLowerCase()]: jwt } }],
      ['/uploads/sign', { token: up.token, partNumbers: [1], contentMd5: { 1: jwt } }],
      ['/uploads/sign', { token: up.token, partNumbers: [1], contentMd5: { [jwt]: 'x' } }],
      ['/uploads/complete', { token: up.token, parts: [{ partNumber: 1, etag: jwt }] }],
      ['/uploads/list', { token: jwt }],
    ];
    for (const [path, body] of probes) {
      const r = await s.post(path, body, { jwt });
      assert.ok(r.status >= 400 && r.status < 500, `${path} ${r.status} ${JSON.stringify(r.body)}`);
      assertNoLeak(r.body, [up.token, jwt, JWT_SECRET, UPLOAD_SECRET]);
    }
  });
});

// shared/auth/jwt.ts on jose: our own tokens (no clock tolerance), caller JWTs (algorithm
// allow-list per key source, tolerance, maximum age, typ, issuer/audience) and the JWKS key set
// (size bound, no redirects, cooldown, backoff, keys dropped with the set). Tokens are minted with
// node:crypto alone (test/helpers/jwt.ts, signAsym below), independently of jose.
import { describe, it, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { JwksKeys, JwksUnavailableError, JwtError, signHs256Jwt, verifyCallerJwt, verifyOwnToken, type CallerJwtRules, type JwtFailure } from '../../shared/auth/jwt';
import { signHs256 } from '../helpers/jwt.ts';
import { hangingFetch } from '../helpers/hanging-fetch';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes!';
const NOW = 1_700_000_000;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function rejectsWith(p: Promise<unknown>, check: JwtFailure | typeof JwksUnavailableError): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    if (typeof check === 'string') {
      assert.ok(e instanceof JwtError, String(e));
      assert.equal(e.reason, check, e.message);
    } else assert.ok(e instanceof check, String(e));
    return true;
  });
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });

function jwk(key: KeyObject, extra: Record<string, unknown>) {
  return { ...key.export({ format: 'jwk' }), ...extra };
}

function signAsym(alg: 'RS256' | 'ES256', privateKey: KeyObject, claims: Record<string, unknown>, kid?: string, der = false): string {
  const input = `${b64({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })}.${b64(claims)}`;
  const sig =
    alg === 'RS256'
      ? cryptoSign('sha256', Buffer.from(input), privateKey)
      : cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: der ? 'der' : 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------

describe('our own tokens (HS256, no clock tolerance)', () => {
  it('verifies what it signs, and an independently minted token', async () => {
    const claims = { typ: 'upload', sub: 'alice', iat: NOW, exp: NOW + 60 };
    const mine = await signHs256Jwt(claims, SECRET);
    assert.deepEqual((await verifyOwnToken(mine, SECRET, NOW * 1000)).claims, claims);
    assert.deepEqual((await verifyOwnToken(signHs256(claims, SECRET), SECRET, NOW * 1000)).claims, claims);
  });

  it('is refused from its exp on, even 1 s or 30 s late', async () => {
    const token = signHs256({ iat: NOW, exp: NOW + 60 }, SECRET);
    await verifyOwnToken(token, SECRET, (NOW + 59) * 1000);
    for (const late of [0, 1, 30]) await rejectsWith(verifyOwnToken(token, SECRET, (NOW + 60 + late) * 1000), 'expired');
  });

  it('allowExpired: a genuine expired token comes back marked, a forged one does not', async () => {
    const token = signHs256({ iat: NOW, exp: NOW + 60 }, SECRET);
    assert.deepEqual(await verifyOwnToken(token, SECRET, (NOW + 3600) * 1000, { allowExpired: true }), { claims: { iat: NOW, exp: NOW + 60 }, expired: true });
    await rejectsWith(verifyOwnToken(signHs256({ iat: NOW, exp: NOW + 60 }, `${SECRET}x`), SECRET, (NOW + 3600) * 1000, { allowExpired: true }), 'signature');
  });

  it('refuses tampering, other algorithms, missing iat or exp, garbage and oversized tokens', async () => {
    const [h, , s] = signHs256({ sub: 'alice', iat: NOW, exp: NOW + 60 }, SECRET).split('.');
    await rejectsWith(verifyOwnToken(`${h}.${b64({ sub: 'bob', iat: NOW, exp: NOW + 60 })}.${s}`, SECRET, NOW * 1000), 'signature');
    await rejectsWith(verifyOwnToken(`${b64({ alg: 'none' })}.${b64({ iat: NOW, exp: NOW + 60 })}.`, SECRET, NOW * 1000), 'algorithm');
    await rejectsWith(verifyOwnToken(signHs256({ iat: NOW, exp: NOW + 60 }, SECRET, { alg: 'HS512' }), SECRET, NOW * 1000), 'algorithm');
    await rejectsWith(verifyOwnToken(signHs256({ exp: NOW + 60 }, SECRET), SECRET, NOW * 1000), 'claims');
    await rejectsWith(verifyOwnToken(signHs256({ iat: NOW }, SECRET), SECRET, NOW * 1000), 'claims');
    for (const t of ['', 'a.b.c', 'x', 42, undefined]) await rejectsWith(verifyOwnToken(t, SECRET, NOW * 1000), 'malformed');
    await rejectsWith(verifyOwnToken(signHs256({ pad: 'x'.repeat(9000), iat: NOW, exp: NOW + 60 }, SECRET), SECRET, NOW * 1000), 'malformed');
  });
});

// ---------------------------------------------------------------------------------------------

describe('caller JWTs with a secret', () => {
  const rules = (over: Partial<CallerJwtRules> = {}): CallerJwtRules => ({ secret: SECRET, clockToleranceSeconds: 30, now: NOW * 1000, ...over });

  it('verifies the well-known jwt.io example (independent vector)', async () => {
    const token =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    // It has no exp: refused as such, after its signature checked out.
    await rejectsWith(verifyCallerJwt(token, { secret: 'your-256-bit-secret', clockToleranceSeconds: 0, now: 1516239022_000 }), 'claims');
    await rejectsWith(verifyCallerJwt(token, { secret: 'another-256-bit-secret', clockToleranceSeconds: 0, now: 1516239022_000 }), 'signature');
  });

  it('applies the clock tolerance to exp and nbf', async () => {
    assert.equal((await verifyCallerJwt(signHs256({ sub: 'a', exp: NOW - 29 }, SECRET), rules())).sub, 'a');
    await rejectsWith(verifyCallerJwt(signHs256({ sub: 'a', exp: NOW - 30 }, SECRET), rules()), 'expired');
    await rejectsWith(verifyCallerJwt(signHs256({ sub: 'a', exp: NOW - 1 }, SECRET), rules({ clockToleranceSeconds: 0 })), 'expired');
    assert.equal((await verifyCallerJwt(signHs256({ sub: 'a', exp: NOW + 99, nbf: NOW + 29 }, SECRET), rules())).sub, 'a');
    await rejectsWith(verifyCallerJwt(signHs256({ sub: 'a', exp: NOW + 99, nbf: NOW + 31 }, SECRET), rules()), 'claims');
  });

  it('maximum token age: iat required, and no older than the limit', async () => {
    const r = rules({ maxTokenAgeSeconds: 3600 });
    assert.equal((await verifyCallerJwt(signHs256({ sub: 'a', iat: NOW - 3600, exp: NOW + 60 }, SECRET), r)).sub, 'a');
    await rejectsWith(verifyCallerJwt(signHs256({ sub: 'a', iat: NOW - 3631, exp: NOW + 60 }, SECRET), r), 'expired');
    await rejectsWith(verifyCallerJwt(signHs256({ sub: 'a', exp: NOW + 60 }, SECRET), r), 'claims');
    await rejectsWith(verifyCallerJwt(signHs256({ sub: 'a', iat: NOW + 600, exp: NOW + 900 }, SECRET), r), 'claims');
  });

  it('typ, issuer and audience when configured', async () => {
    const r = rules({ typ: 'at+jwt', issuer: 'https://idp/', audience: 'uploads' });
    const ok = { sub: 'a', exp: NOW + 60, iss: 'https://idp/', aud: ['uploads', 'x'] };
    assert.equal((await verifyCallerJwt(signHs256(ok, SECRET, { typ: 'at+jwt' }), r)).sub, 'a');
    await rejectsWith(verifyCallerJwt(signHs256(ok, SECRET), r), 'claims');
    await rejectsWith(verifyCallerJwt(signHs256({ ...ok, iss: 'https://evil/' }, SECRET, { typ: 'at+jwt' }), r), 'claims');
    await rejectsWith(verifyCallerJwt(signHs256({ ...ok, aud: 'other' }, SECRET, { typ: 'at+jwt' }), r), 'claims');
  });

  it('the secret verifies HS256 only: HS512, RS256 and alg none are refused', async () => {
    await rejectsWith(verifyCallerJwt(signHs256({ sub: 'a', exp: NOW + 60 }, SECRET, { alg: 'HS512' }), rules()), 'algorithm');
    await rejectsWith(verifyCallerJwt(signAsym('RS256', rsa.privateKey, { sub: 'a', exp: NOW + 60 }), rules()), 'algorithm');
    await rejectsWith(verifyCallerJwt(`${b64({ alg: 'none' })}.${b64({ sub: 'a', exp: NOW + 60 })}.`, rules()), 'algorithm');
  });

  it('never puts the token in an error message', async () => {
    const token = signHs256({ sub: 'a', exp: NOW - 3600 }, SECRET);
    await assert.rejects(verifyCallerJwt(token, rules()), (e: Error) => !e.message.includes(token) && !e.message.includes(token.split('.')[2]));
  });
});

// ---------------------------------------------------------------------------------------------

/** A fake fetch serving a mutable JWKS document and counting calls. */
function jwksServer(initial: { keys: unknown[] }) {
  const state = { doc: initial as unknown, raw: undefined as string | undefined, calls: 0, status: 200, fail: false, location: undefined as string | undefined, redirects: [] as unknown[] };
  const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
    state.calls++;
    state.redirects.push(init?.redirect);
    if (state.fail) throw new TypeError('fetch failed');
    assert.ok(init?.signal, 'fetch gets a timeout signal');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (state.location) headers.location = state.location;
    return new Response(state.raw ?? JSON.stringify(state.doc), { status: state.status, headers });
  }) as typeof fetch;
  return { state, fetchFn };
}

describe('caller JWTs with a JWKS', () => {
  afterEach(() => mock.restoreAll());
  const claims = { sub: 'alice', exp: NOW + 300 };

  function setup(keys: unknown[], opts: { cooldownMs?: number; refreshMs?: number; clock?: { t: number } } = {}) {
    const server = jwksServer({ keys });
    const clock = opts.clock ?? { t: 0 };
    const set = new JwksKeys('https://idp.example/jwks', { fetch: server.fetchFn, now: () => clock.t, cooldownMs: opts.cooldownMs, refreshMs: opts.refreshMs });
    const rules = (over: Partial<CallerJwtRules> = {}): CallerJwtRules => ({
      jwks: { getKey: set.getKey, algorithms: ['RS256', 'ES256'] },
      clockToleranceSeconds: 30,
      now: NOW * 1000,
      ...over,
    });
    return { server, set, clock, rules };
  }

  it('verifies RS256 and ES256 tokens by kid, and a token without kid', async () => {
    const { rules } = setup([jwk(rsa.publicKey, { kid: 'r1', use: 'sig', alg: 'RS256' }), jwk(ec.publicKey, { kid: 'e1' })]);
    assert.deepEqual(await verifyCallerJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), rules()), claims);
    assert.deepEqual(await verifyCallerJwt(signAsym('ES256', ec.privateKey, claims, 'e1'), rules()), claims);
    const noKid = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    assert.deepEqual(await verifyCallerJwt(signAsym('RS256', rsa.privateKey, claims), noKid.rules()), claims);
  });

  it('refuses a signature by another key, and a DER-encoded ES256 signature', async () => {
    const { rules } = setup([jwk(rsa.publicKey, { kid: 'r1' }), jwk(ec.publicKey, { kid: 'e1' })]);
    await rejectsWith(verifyCallerJwt(signAsym('RS256', rsa2.privateKey, claims, 'r1'), rules()), 'signature');
    await rejectsWith(verifyCallerJwt(signAsym('ES256', ec.privateKey, claims, 'e1', true), rules()), 'signature');
  });

  it('algorithm confusion: HS256 signed with the public key is refused; with a secret too, the secret checks it', async () => {
    const { rules, server } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forged = signHs256(claims, pem, { kid: 'r1' });
    await rejectsWith(verifyCallerJwt(forged, rules()), 'algorithm');
    await rejectsWith(verifyCallerJwt(forged, rules({ secret: SECRET })), 'signature');
    assert.deepEqual(await verifyCallerJwt(signHs256(claims, SECRET), rules({ secret: SECRET })), claims);
    assert.equal(server.state.calls, 0, 'no JWKS fetch for an HS256 token');
  });

  it('an algorithm outside AUTH_JWKS_ALGORITHMS is refused even with a valid signature', async () => {
    const { rules } = setup([jwk(ec.publicKey, { kid: 'e1' })]);
    await rejectsWith(verifyCallerJwt(signAsym('ES256', ec.privateKey, claims, 'e1'), rules({ jwks: { getKey: setup([jwk(ec.publicKey, { kid: 'e1' })]).set.getKey, algorithms: ['RS256'] } })), 'algorithm');
  });

  it('a weak (1024-bit) RSA key is not accepted', async () => {
    const { rules } = setup([jwk(weakRsa.publicKey, { kid: 'w' })]);
    await assert.rejects(verifyCallerJwt(signAsym('RS256', weakRsa.privateKey, claims, 'w'), rules()), JwtError);
  });

  it('caches keys: many verifications, one fetch; no redirects followed', async () => {
    const { rules, server } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    const token = signAsym('RS256', rsa.privateKey, claims, 'r1');
    await Promise.all([1, 2, 3].map(() => verifyCallerJwt(token, rules())));
    await verifyCallerJwt(token, rules());
    assert.equal(server.state.calls, 1);
    assert.deepEqual(server.state.redirects, ['manual']);
  });

  it('a redirect is not followed: the keys are unavailable', async () => {
    mock.method(console, 'error', () => {});
    const { rules, server } = setup([]);
    server.state.status = 302;
    server.state.location = 'https://evil.example/jwks';
    await rejectsWith(verifyCallerJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), rules()), JwksUnavailableError);
    assert.equal(server.state.calls, 1);
  });

  it('a JWKS document over 256 KiB is refused', async () => {
    mock.method(console, 'error', () => {});
    const { rules, server } = setup([]);
    server.state.raw = JSON.stringify({ keys: [jwk(rsa.publicKey, { kid: 'r1', pad: 'x'.repeat(300 * 1024) })] });
    await rejectsWith(verifyCallerJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), rules()), JwksUnavailableError);
  });

  it('refreshes after 10 minutes; a key the provider dropped is gone after the refresh', async () => {
    const { rules, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' }), jwk(rsa2.publicKey, { kid: 'r2' })]);
    const r2 = signAsym('RS256', rsa2.privateKey, claims, 'r2');
    await verifyCallerJwt(r2, rules());
    server.state.doc = { keys: [jwk(rsa.publicKey, { kid: 'r1' })] };
    clock.t += 5 * 60_000;
    await verifyCallerJwt(r2, rules());
    assert.equal(server.state.calls, 1, 'no refetch within 10 minutes');
    clock.t += 5 * 60_000 + 1;
    await rejectsWith(verifyCallerJwt(r2, rules()), 'unknown_key');
    assert.equal(server.state.calls, 2);
  });

  it('refetches for an unknown kid (rotation), at most once per cooldown', async () => {
    const { rules, server } = setup([jwk(rsa.publicKey, { kid: 'r1' })], { cooldownMs: 300 });
    await verifyCallerJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), rules());
    server.state.doc = { keys: [jwk(rsa.publicKey, { kid: 'r1' }), jwk(rsa2.publicKey, { kid: 'r2' })] };
    const rotated = signAsym('RS256', rsa2.privateKey, claims, 'r2');
    await rejectsWith(verifyCallerJwt(rotated, rules()), 'unknown_key');
    for (let i = 0; i < 5; i++) await rejectsWith(verifyCallerJwt(signAsym('RS256', rsa2.privateKey, claims, `bogus-${i}`), rules()), 'unknown_key');
    assert.equal(server.state.calls, 1, 'random kids cannot force fetches within the cooldown');
    await new Promise((r) => setTimeout(r, 350));
    assert.deepEqual(await verifyCallerJwt(rotated, rules()), claims);
    assert.equal(server.state.calls, 2);
  });

  it('keeps the keys it has when a refresh fails', async () => {
    mock.method(console, 'error', () => {});
    const { rules, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    const token = signAsym('RS256', rsa.privateKey, claims, 'r1');
    await verifyCallerJwt(token, rules());
    server.state.fail = true;
    clock.t += 11 * 60_000;
    assert.deepEqual(await verifyCallerJwt(token, rules()), claims);
    assert.equal(server.state.calls, 2);
  });

  for (const [label, mutate] of [
    ['network failure', (s: { fail: boolean }) => (s.fail = true)],
    ['HTTP 500', (s: { status: number }) => (s.status = 500)],
    ['no keys array', (s: { doc: unknown }) => (s.doc = { nope: 1 })],
  ] as const) {
    it(`${label} with nothing cached -> JwksUnavailableError, retried only after a backoff`, async () => {
      mock.method(console, 'error', () => {});
      const { rules, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
      (mutate as (s: typeof server.state) => void)(server.state);
      const token = signAsym('RS256', rsa.privateKey, claims, 'r1');
      await rejectsWith(verifyCallerJwt(token, rules()), JwksUnavailableError);
      await rejectsWith(verifyCallerJwt(token, rules()), JwksUnavailableError);
      const calls = server.state.calls;
      assert.ok(calls >= 1 && calls <= 2, `${calls}`);
      clock.t += 5_000;
      await rejectsWith(verifyCallerJwt(token, rules()), JwksUnavailableError);
      assert.equal(server.state.calls, calls + 1);
    });
  }

  // The fake keeps the loop alive until aborted: if the timeout under test broke, node:test's timeout ends it.
  it('times out a hanging JWKS endpoint', { timeout: 10_000 }, async () => {
    mock.method(console, 'error', () => {});
    const set = new JwksKeys('https://idp.example/jwks', { fetch: hangingFetch().fetch, timeoutMs: 50 });
    const started = Date.now();
    await rejectsWith(verifyCallerJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), { jwks: { getKey: set.getKey, algorithms: ['RS256'] }, clockToleranceSeconds: 0, now: NOW * 1000 }), JwksUnavailableError);
    assert.ok(Date.now() - started < 2000);
  });

  it('still checks claims after a valid signature', async () => {
    const { rules } = setup([jwk(ec.publicKey, { kid: 'e1' })]);
    await rejectsWith(verifyCallerJwt(signAsym('ES256', ec.privateKey, { sub: 'a', exp: NOW - 3600 }, 'e1'), rules()), 'expired');
    await rejectsWith(verifyCallerJwt(signAsym('ES256', ec.privateKey, { sub: 'a', exp: NOW + 60, aud: 'x' }, 'e1'), rules({ audience: 'api' })), 'claims');
  });
});

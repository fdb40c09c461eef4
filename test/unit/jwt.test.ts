import { describe, it, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import {
  signHs256,
  verifyHs256,
  verifyJwt,
  decodeJwt,
  checkClaims,
  JwksCache,
  JwtError,
  JwksUnavailableError,
  importJwk,
  type JwtFailure,
} from '../../shared/auth/jwt';
import { hangingFetch } from '../helpers/hanging-fetch';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes!';
const NOW = 1_700_000_000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function rejects(fn: () => unknown, reason: JwtFailure): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof JwtError, String(e));
    assert.equal(e.reason, reason, e.message);
    return true;
  });
}
async function rejectsAsync(p: Promise<unknown>, check: JwtFailure | typeof JwksUnavailableError): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    if (typeof check === 'string') {
      assert.ok(e instanceof JwtError, String(e));
      assert.equal(e.reason, check, e.message);
    } else assert.ok(e instanceof check, String(e));
    return true;
  });
}

describe('HS256', () => {
  it('verifies the well-known jwt.io example (independent vector)', () => {
    const token =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const claims = verifyHs256(token, 'your-256-bit-secret', { requireExp: false, now: 1516239022 });
    assert.deepEqual(claims, { sub: '1234567890', name: 'John Doe', iat: 1516239022 });
  });

  it('signs what it verifies', () => {
    const token = signHs256({ sub: 'alice', exp: NOW + 60 }, SECRET, { kid: 'k1' });
    assert.deepEqual(decodeJwt(token).header, { alg: 'HS256', typ: 'JWT', kid: 'k1' });
    assert.deepEqual(verifyHs256(token, SECRET, { now: NOW }), { sub: 'alice', exp: NOW + 60 });
  });

  it('rejects a wrong secret', () => rejects(() => verifyHs256(signHs256({ exp: NOW + 60 }, SECRET), `${SECRET}x`, { now: NOW }), 'signature'));

  it('rejects a tampered payload', () => {
    const [h, , s] = signHs256({ sub: 'alice', exp: NOW + 60 }, SECRET).split('.');
    rejects(() => verifyHs256(`${h}.${b64({ sub: 'bob', exp: NOW + 60 })}.${s}`, SECRET, { now: NOW }), 'signature');
  });

  it('rejects a truncated signature', () => {
    const token = signHs256({ exp: NOW + 60 }, SECRET);
    rejects(() => verifyHs256(token.slice(0, -3), SECRET, { now: NOW }), 'signature');
  });

  it('rejects alg none, unsigned or with a signature', () => {
    const body = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', exp: NOW + 60 })}`;
    rejects(() => verifyHs256(`${body}.`, SECRET, { now: NOW }), 'malformed');
    rejects(() => verifyHs256(`${body}.AAAA`, SECRET, { now: NOW }), 'algorithm');
  });

  it('rejects another HMAC algorithm even with a valid MAC', () => {
    const [, p, s] = signHs256({ exp: NOW + 60 }, SECRET).split('.');
    rejects(() => verifyHs256(`${b64({ alg: 'HS512' })}.${p}.${s}`, SECRET, { now: NOW }), 'algorithm');
  });
});

describe('decodeJwt: malformed tokens', () => {
  const good = signHs256({ exp: NOW + 60 }, SECRET);
  const [h, p, s] = good.split('.');
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['two parts', `${h}.${p}`],
    ['four parts', `${good}.x`],
    ['non-base64url header', `${h}+.${p}.${s}`],
    ['header not JSON', `${Buffer.from('{nope').toString('base64url')}.${p}.${s}`],
    ['header an array', `${b64(['HS256'])}.${p}.${s}`],
    ['payload a string', `${h}.${b64('x')}.${s}`],
    ['no alg', `${b64({ typ: 'JWT' })}.${p}.${s}`],
    ['crit header', `${b64({ alg: 'HS256', crit: ['exp'] })}.${p}.${s}`],
    ['non-string kid', `${b64({ alg: 'HS256', kid: 5 })}.${p}.${s}`],
    ['too long', `${h}.${'A'.repeat(9000)}.${s}`],
    // 32 bytes take 43 base64url characters; the last one carries 4 data bits and 2 bits that
    // must be zero. Setting one of those gives a second spelling of the same bytes.
    ['non-canonical signature', `${h}.${p}.${s.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(s.at(-1)!) | 1]}`],
  ];
  for (const [label, token] of cases) {
    it(label, () => rejects(() => decodeJwt(token), 'malformed'));
  }
  it('never puts the token in the error message', () => {
    try {
      verifyHs256(`${h}.${p}.${s}x`, 'other-secret', { now: NOW });
    } catch (e) {
      assert.ok(!(e as Error).message.includes(s));
    }
  });
});

describe('checkClaims', () => {
  const cases: Array<[string, Record<string, unknown>, Parameters<typeof checkClaims>[1], JwtFailure | null]> = [
    ['valid', { exp: NOW + 10 }, {}, null],
    ['expired beyond leeway', { exp: NOW - 61 }, {}, 'expired'],
    ['expired within leeway', { exp: NOW - 59 }, {}, null],
    ['exactly at exp + leeway', { exp: NOW - 60 }, {}, 'expired'],
    ['leeway 0', { exp: NOW }, { leewaySeconds: 0 }, 'expired'],
    ['no exp', {}, {}, 'claims'],
    ['no exp allowed', {}, { requireExp: false }, null],
    ['exp a string', { exp: String(NOW + 10) }, {}, 'claims'],
    ['nbf in the future', { exp: NOW + 600, nbf: NOW + 61 }, {}, 'not_yet_valid'],
    ['nbf within leeway', { exp: NOW + 600, nbf: NOW + 59 }, {}, null],
    ['iat in the future', { exp: NOW + 600, iat: NOW + 120 }, {}, 'issued_in_future'],
    ['issuer ok', { exp: NOW + 10, iss: 'https://idp/' }, { issuer: 'https://idp/' }, null],
    ['issuer wrong', { exp: NOW + 10, iss: 'https://evil/' }, { issuer: 'https://idp/' }, 'issuer'],
    ['issuer missing', { exp: NOW + 10 }, { issuer: 'https://idp/' }, 'issuer'],
    ['audience string', { exp: NOW + 10, aud: 'api' }, { audience: 'api' }, null],
    ['audience in array', { exp: NOW + 10, aud: ['web', 'api'] }, { audience: 'api' }, null],
    ['audience wrong', { exp: NOW + 10, aud: ['web'] }, { audience: 'api' }, 'audience'],
    ['audience missing', { exp: NOW + 10 }, { audience: 'api' }, 'audience'],
  ];
  for (const [label, claims, checks, want] of cases) {
    it(`${label} -> ${want ?? 'ok'}`, () => {
      if (want === null) checkClaims(claims, { now: NOW, ...checks });
      else rejects(() => checkClaims(claims, { now: NOW, ...checks }), want);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// RS256 / ES256 with a JWKS

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

/** A fake fetch serving a mutable JWKS document and counting calls. */
function jwksServer(initial: { keys: unknown[] }) {
  const state = { doc: initial as unknown, calls: 0, status: 200, fail: false };
  const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
    state.calls++;
    if (state.fail) throw new TypeError('fetch failed');
    assert.ok(init?.signal, 'fetch gets a timeout signal');
    return new Response(JSON.stringify(state.doc), { status: state.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { state, fetchFn };
}

describe('JWKS verification', () => {
  afterEach(() => mock.restoreAll());
  const claims = { sub: 'alice', exp: NOW + 300 };

  function setup(keys: unknown[], clock = { t: 0 }) {
    const server = jwksServer({ keys });
    const cache = new JwksCache('https://idp.example/jwks', { fetch: server.fetchFn, now: () => clock.t });
    return { server, cache, clock };
  }

  it('verifies RS256 and ES256 tokens by kid', async () => {
    const { cache } = setup([jwk(rsa.publicKey, { kid: 'r1', use: 'sig', alg: 'RS256' }), jwk(ec.publicKey, { kid: 'e1' })]);
    assert.deepEqual(await verifyJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), { jwks: cache }, { now: NOW }), claims);
    assert.deepEqual(await verifyJwt(signAsym('ES256', ec.privateKey, claims, 'e1'), { jwks: cache }, { now: NOW }), claims);
  });

  it('verifies a token without kid against the keys of its algorithm', async () => {
    const { cache } = setup([jwk(rsa2.publicKey, { kid: 'other' }), jwk(rsa.publicKey, { kid: 'r1' })]);
    assert.deepEqual(await verifyJwt(signAsym('RS256', rsa.privateKey, claims), { jwks: cache }, { now: NOW }), claims);
  });

  it('rejects a signature by another key', async () => {
    const { cache } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    await rejectsAsync(verifyJwt(signAsym('RS256', rsa2.privateKey, claims, 'r1'), { jwks: cache }, { now: NOW }), 'signature');
  });

  it('rejects a DER-encoded ES256 signature (JWS uses raw r||s)', async () => {
    const { cache } = setup([jwk(ec.publicKey, { kid: 'e1' })]);
    await rejectsAsync(verifyJwt(signAsym('ES256', ec.privateKey, claims, 'e1', true), { jwks: cache }, { now: NOW }), 'signature');
  });

  it('does not accept HS256 signed with the public key (algorithm confusion)', async () => {
    const { cache } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forged = signHs256(claims, pem, { kid: 'r1' });
    await rejectsAsync(verifyJwt(forged, { jwks: cache }, { now: NOW }), 'algorithm');
  });

  it('does not accept RS256 when only a secret is configured', async () => {
    await rejectsAsync(verifyJwt(signAsym('RS256', rsa.privateKey, claims), { secret: SECRET }, { now: NOW }), 'algorithm');
  });

  it('uses the secret for HS256 when both are configured', async () => {
    const { cache, server } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    assert.deepEqual(await verifyJwt(signHs256(claims, SECRET), { secret: SECRET, jwks: cache }, { now: NOW }), claims);
    assert.equal(server.state.calls, 0, 'no JWKS fetch for an HS256 token');
  });

  it('ignores weak, encryption, mismatched-alg and unsupported keys', () => {
    assert.equal(importJwk(jwk(weakRsa.publicKey, { kid: 'w' })), undefined);
    assert.equal(importJwk(jwk(rsa.publicKey, { use: 'enc' })), undefined);
    assert.equal(importJwk(jwk(rsa.publicKey, { alg: 'RS512' })), undefined);
    assert.equal(importJwk({ kty: 'oct', k: 'abc' }), undefined);
    assert.equal(importJwk({ kty: 'RSA', n: '!!', e: 'AQAB' }), undefined);
    assert.equal(importJwk(null), undefined);
    assert.equal(importJwk(jwk(ec.publicKey, { kid: 'e' }))?.alg, 'ES256');
    // A JWKS that wrongly contains a private key still yields only the public part.
    assert.equal(importJwk(jwk(rsa.privateKey, { kid: 'p' }))?.key.type, 'public');
  });

  it('caches keys: many verifications, one fetch', async () => {
    const { cache, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    const token = signAsym('RS256', rsa.privateKey, claims, 'r1');
    await Promise.all([1, 2, 3].map(() => verifyJwt(token, { jwks: cache }, { now: NOW })));
    clock.t += 5 * 60_000;
    await verifyJwt(token, { jwks: cache }, { now: NOW });
    assert.equal(server.state.calls, 1);
  });

  it('refetches after the TTL', async () => {
    const { cache, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    const token = signAsym('RS256', rsa.privateKey, claims, 'r1');
    await verifyJwt(token, { jwks: cache }, { now: NOW });
    clock.t += 10 * 60_000 + 1;
    await verifyJwt(token, { jwks: cache }, { now: NOW });
    assert.equal(server.state.calls, 2);
  });

  it('refetches for an unknown kid (rotation), at most once per minute', async () => {
    const { cache, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    await verifyJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), { jwks: cache }, { now: NOW });
    assert.equal(server.state.calls, 1);

    // The IdP rotates to r2.
    server.state.doc = { keys: [jwk(rsa.publicKey, { kid: 'r1' }), jwk(rsa2.publicKey, { kid: 'r2' })] };
    const rotated = signAsym('RS256', rsa2.privateKey, claims, 'r2');
    // Within the first minute after a fetch: no refetch, unknown key.
    clock.t += 30_000;
    await rejectsAsync(verifyJwt(rotated, { jwks: cache }, { now: NOW }), 'unknown_key');
    assert.equal(server.state.calls, 1);
    // After a minute: one refetch finds it.
    clock.t += 31_000;
    assert.deepEqual(await verifyJwt(rotated, { jwks: cache }, { now: NOW }), claims);
    assert.equal(server.state.calls, 2);
    // Random kids cannot force more than one fetch a minute.
    for (let i = 0; i < 5; i++) {
      await rejectsAsync(verifyJwt(signAsym('RS256', rsa2.privateKey, claims, `bogus-${i}`), { jwks: cache }, { now: NOW }), 'unknown_key');
    }
    assert.equal(server.state.calls, 2);
  });

  it('keeps using cached keys when a refetch fails', async () => {
    mock.method(console, 'error', () => {});
    const { cache, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
    const token = signAsym('RS256', rsa.privateKey, claims, 'r1');
    await verifyJwt(token, { jwks: cache }, { now: NOW });
    server.state.fail = true;
    clock.t += 11 * 60_000;
    assert.deepEqual(await verifyJwt(token, { jwks: cache }, { now: NOW }), claims);
    assert.equal(server.state.calls, 2);
  });

  for (const [label, mutate] of [
    ['network failure', (s: { fail: boolean }) => (s.fail = true)],
    ['HTTP 500', (s: { status: number }) => (s.status = 500)],
    ['no keys array', (s: { doc: unknown }) => (s.doc = { nope: 1 })],
  ] as const) {
    it(`${label} with nothing cached -> JwksUnavailableError, retried only after a backoff`, async () => {
      mock.method(console, 'error', () => {});
      const { cache, server, clock } = setup([jwk(rsa.publicKey, { kid: 'r1' })]);
      (mutate as (s: typeof server.state) => void)(server.state);
      const token = signAsym('RS256', rsa.privateKey, claims, 'r1');
      await rejectsAsync(verifyJwt(token, { jwks: cache }, { now: NOW }), JwksUnavailableError);
      await rejectsAsync(verifyJwt(token, { jwks: cache }, { now: NOW }), JwksUnavailableError);
      assert.equal(server.state.calls, 1);
      clock.t += 5_000;
      await rejectsAsync(verifyJwt(token, { jwks: cache }, { now: NOW }), JwksUnavailableError);
      assert.equal(server.state.calls, 2);
    });
  }

  // The fake keeps the loop alive until aborted: if the timeout under test broke, node:test's timeout ends it.
  it('times out a hanging JWKS endpoint', { timeout: 10_000 }, async () => {
    mock.method(console, 'error', () => {});
    const cache = new JwksCache('https://idp.example/jwks', { fetch: hangingFetch().fetch, timeoutMs: 50 });
    const started = Date.now();
    await rejectsAsync(verifyJwt(signAsym('RS256', rsa.privateKey, claims, 'r1'), { jwks: cache }, { now: NOW }), JwksUnavailableError);
    assert.ok(Date.now() - started < 2000);
  });

  it('still checks claims after a valid signature', async () => {
    const { cache } = setup([jwk(ec.publicKey, { kid: 'e1' })]);
    const expired = signAsym('ES256', ec.privateKey, { sub: 'a', exp: NOW - 3600 }, 'e1');
    await rejectsAsync(verifyJwt(expired, { jwks: cache }, { now: NOW }), 'expired');
    const wrongAud = signAsym('ES256', ec.privateKey, { sub: 'a', exp: NOW + 60, aud: 'x' }, 'e1');
    await rejectsAsync(verifyJwt(wrongAud, { jwks: cache }, { now: NOW, audience: 'api' }), 'audience');
  });
});

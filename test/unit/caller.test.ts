import { describe, it, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { Hono } from 'hono';
import { authenticate, readCookie } from '../../shared/auth/caller';
import { signHs256 } from '../helpers/jwt.ts';
import { issueUploadToken } from '../../shared/auth/upload-token';
import { installErrorHandling } from '../../shared/http/errors';
import type { AuthConfig } from '../../shared/config/index';

const SECRET = 'caller-jwt-secret-of-at-least-32-bytes!!';
const now = () => Math.floor(Date.now() / 1000);
const jwt = (claims: Record<string, unknown>, secret = SECRET) => signHs256({ exp: now() + 300, ...claims }, secret);

const RULES = { jwksAlgorithms: ['RS256', 'ES256'], clockToleranceSeconds: 30, maxTokenAgeSeconds: 0 };
const JWT_AUTH: AuthConfig = { mode: 'jwt', jwtSecret: SECRET, cookieName: 'oss_upload_token', anonymousSub: 'anonymous', ...RULES };

function app(auth: AuthConfig) {
  const a = installErrorHandling(new Hono());
  a.get('/me', async (c) => c.json(await authenticate(c, { auth })));
  return a;
}

async function call(auth: AuthConfig, headers: Record<string, string> = {}) {
  const res = await app(auth).request('/me', { headers });
  return { status: res.status, body: await res.json() };
}

describe('authenticate: AUTH_MODE=none', () => {
  it('everyone is the anonymous sub', async () => {
    assert.deepEqual((await call({ ...JWT_AUTH, mode: 'none' })).body, { sub: 'anonymous' });
    assert.deepEqual((await call({ ...JWT_AUTH, mode: 'none', anonymousSub: 'demo' }, { authorization: 'Bearer junk' })).body, { sub: 'demo' });
  });
});

describe('authenticate: AUTH_MODE=jwt', () => {
  afterEach(() => mock.restoreAll());

  it('fails closed without a secret or JWKS: 500 MISCONFIGURED', async () => {
    const r = await call({ mode: 'jwt', cookieName: 'c', anonymousSub: 'anonymous', ...RULES }, { authorization: `Bearer ${jwt({ sub: 'a' })}` });
    assert.equal(r.status, 500);
    assert.equal(r.body.error.code, 'MISCONFIGURED');
  });

  const ok: Array<[string, Record<string, string>, string]> = [
    ['Bearer header', { authorization: `Bearer ${jwt({ sub: 'alice' })}` }, 'alice'],
    ['lower-case scheme', { authorization: `bearer ${jwt({ sub: 'alice' })}` }, 'alice'],
    ['cookie', { cookie: `theme=dark; oss_upload_token=${jwt({ sub: 'bob' })}` }, 'bob'],
    ['cookie among comma-joined Cookie headers', { cookie: `a=1,oss_upload_token=${jwt({ sub: 'carol' })}; b=2` }, 'carol'],
    ['an IdP-style sub with |', { authorization: `Bearer ${jwt({ sub: 'auth0|64f1c0de' })}` }, 'auth0|64f1c0de'],
    ['an e-mail sub', { authorization: `Bearer ${jwt({ sub: 'dan@example.com' })}` }, 'dan@example.com'],
  ];
  for (const [label, headers, sub] of ok) {
    it(`accepts a token from the ${label}`, async () => {
      const r = await call(JWT_AUTH, headers);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { sub });
    });
  }

  it('reads the configured cookie name only', async () => {
    const token = jwt({ sub: 'erin' });
    assert.equal((await call({ ...JWT_AUTH, cookieName: 'sess' }, { cookie: `sess=${token}` })).status, 200);
    assert.equal((await call({ ...JWT_AUTH, cookieName: 'sess' }, { cookie: `oss_upload_token=${token}` })).status, 401);
  });

  const bad: Array<[string, Record<string, string>, number, string]> = [
    ['no token', {}, 401, 'UNAUTHENTICATED'],
    ['an empty cookie', { cookie: 'oss_upload_token=' }, 401, 'UNAUTHENTICATED'],
    ['a Basic header', { authorization: 'Basic YTpi' }, 401, 'UNAUTHENTICATED'],
    ['a bare token without scheme', { authorization: jwt({ sub: 'a' }) }, 401, 'UNAUTHENTICATED'],
    ['garbage', { authorization: 'Bearer not-a-jwt' }, 401, 'TOKEN_INVALID'],
    ['a wrong secret', { authorization: `Bearer ${jwt({ sub: 'a' }, 'another-secret-of-at-least-32-bytes-long')}` }, 401, 'TOKEN_INVALID'],
    ['an expired token', { authorization: `Bearer ${jwt({ sub: 'a', exp: now() - 120 })}` }, 401, 'TOKEN_INVALID'],
    ['a token expired beyond the 30 s tolerance', { authorization: `Bearer ${jwt({ sub: 'a', exp: now() - 31 })}` }, 401, 'TOKEN_INVALID'],
    ['a token not valid for another minute', { authorization: `Bearer ${jwt({ sub: 'a', nbf: now() + 60 })}` }, 401, 'TOKEN_INVALID'],
    ['an HS512 token (the secret verifies HS256 only)', { authorization: `Bearer ${signHs256({ sub: 'a', exp: now() + 60 }, SECRET, { alg: 'HS512' })}` }, 401, 'TOKEN_INVALID'],
    ['no exp', { authorization: `Bearer ${signHs256({ sub: 'a' }, SECRET)}` }, 401, 'TOKEN_INVALID'],
    ['no sub', { authorization: `Bearer ${jwt({})}` }, 401, 'TOKEN_INVALID'],
    ['a numeric sub', { authorization: `Bearer ${jwt({ sub: 42 })}` }, 401, 'TOKEN_INVALID'],
    ['a sub with ../', { authorization: `Bearer ${jwt({ sub: '../bob' })}` }, 403, 'FORBIDDEN'],
    ['a sub with /', { authorization: `Bearer ${jwt({ sub: 'a/b' })}` }, 403, 'FORBIDDEN'],
    ['a sub of ..', { authorization: `Bearer ${jwt({ sub: '..' })}` }, 403, 'FORBIDDEN'],
    ['a sub with a space', { authorization: `Bearer ${jwt({ sub: 'a b' })}` }, 403, 'FORBIDDEN'],
    // The Bearer header wins over the cookie, even when it is the bad one.
    ['a bad header and a good cookie', { authorization: 'Bearer x.y.z', cookie: `oss_upload_token=${jwt({ sub: 'a' })}` }, 401, 'TOKEN_INVALID'],
  ];
  for (const [label, headers, status, code] of bad) {
    it(`rejects ${label}: ${status} ${code}`, async () => {
      const r = await call(JWT_AUTH, headers);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.error.code, code);
      assert.doesNotMatch(r.body.message, /REDACTED/, 'our own wording must not trip the redactor');
      const token = headers.authorization?.split(' ')[1];
      if (token && token.length > 20) assert.ok(!JSON.stringify(r.body).includes(token), 'token echoed');
    });
  }

  it('rejects an upload token used as a caller token, even with the same secret', async () => {
    const { token } = await issueUploadToken(
      { sub: 'alice', bucket: 'b', key: 'uploads/alice/k', uploadId: 'u', size: 1, partSize: 102400, partCount: 1, contentType: 'text/plain' },
      SECRET,
      300,
    );
    const r = await call(JWT_AUTH, { authorization: `Bearer ${token}` });
    assert.equal(r.status, 401);
    assert.match(r.body.message, /upload token/);
  });

  it('checks issuer and audience when configured', async () => {
    const auth = { ...JWT_AUTH, issuer: 'https://idp.example/', audience: 'uploads' };
    const good = jwt({ sub: 'a', iss: 'https://idp.example/', aud: ['uploads', 'other'] });
    assert.equal((await call(auth, { authorization: `Bearer ${good}` })).status, 200);
    for (const claims of [{ iss: 'https://evil/', aud: 'uploads' }, { iss: 'https://idp.example/', aud: 'other' }, {}]) {
      const r = await call(auth, { authorization: `Bearer ${jwt({ sub: 'a', ...claims })}` });
      assert.equal(r.body.error?.code, 'TOKEN_INVALID', JSON.stringify(claims));
    }
  });

  it('verifies RS256 tokens through AUTH_JWKS_URL, and answers 503 when the JWKS is down', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ sub: 'frank', aud: 'uploads', exp: now() + 300 })}`;
    const token = `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;

    const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] };
    const fetchMock = mock.method(globalThis, 'fetch', async () => new Response(JSON.stringify(jwks)));
    const auth: AuthConfig = { mode: 'jwt', jwksUrl: 'https://idp-ok.example/jwks', audience: 'uploads', cookieName: 'c', anonymousSub: 'anonymous', ...RULES };
    const r = await call(auth, { authorization: `Bearer ${token}` });
    assert.deepEqual(r.body, { sub: 'frank' });
    assert.equal(fetchMock.mock.callCount(), 1);

    mock.restoreAll();
    mock.method(console, 'error', () => {});
    mock.method(globalThis, 'fetch', async () => {
      throw new TypeError('fetch failed');
    });
    const down = await call({ ...auth, jwksUrl: 'https://idp-down.example/jwks' }, { authorization: `Bearer ${token}` });
    assert.equal(down.status, 503);
    assert.equal(down.body.error.code, 'AUTH_UNAVAILABLE');
  });
});

describe('readCookie', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ['', undefined],
    ['t=abc', 'abc'],
    ['x=1; t=abc; y=2', 'abc'],
    ['x=1,t=abc', 'abc'],
    ['t="quoted"', 'quoted'],
    ['tt=no; t2=no', undefined],
    ['t', undefined],
  ];
  for (const [header, want] of cases) {
    it(`${JSON.stringify(header)} -> ${want}`, () => assert.equal(readCookie(header, 't'), want));
  }
});

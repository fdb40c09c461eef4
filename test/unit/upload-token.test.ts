import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueUploadToken, verifyUploadToken, type UploadTokenInput } from '../../shared/auth/upload-token';
import { assertOwnUpload, ownUploadFromToken } from '../../shared/policy/ownership';
import { signHs256 } from '../helpers/jwt.ts';
import { HttpError } from '../../shared/http/errors';

const SECRET = 'upload-token-secret-of-at-least-32-bytes';
const T0 = Date.UTC(2024, 0, 1); // ms
const INPUT: UploadTokenInput = {
  sub: 'alice',
  bucket: 'my-bucket',
  key: 'uploads/alice/2024/01/AbCdEfGhIjKlMnOp/photo.jpg',
  uploadId: '0004B9894A22E5B1888A1E29F823****',
  size: 20 * 1024 * 1024 + 3,
  partSize: 8 * 1024 * 1024,
  partCount: 3,
  contentType: 'image/jpeg',
};

const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

async function tokenInvalid(fn: () => Promise<unknown>, message?: RegExp) {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof HttpError, String(e));
    assert.equal(e.status, 401);
    assert.equal(e.code, 'TOKEN_INVALID');
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('upload tokens', () => {
  it('round-trips every bound claim', async () => {
    const issued = await issueUploadToken(INPUT, SECRET, 3600, T0);
    const iat = T0 / 1000;
    assert.deepEqual(issued.claims, { typ: 'upload', ...INPUT, iat, exp: iat + 3600 });
    assert.equal(issued.expiresAt, '2024-01-01T01:00:00.000Z');
    assert.deepEqual(await verifyUploadToken(issued.token, SECRET, T0 + 1000), issued.claims);
    assert.equal(JSON.parse(Buffer.from(issued.token.split('.')[0], 'base64url').toString()).alg, 'HS256');
  });

  it('is valid until its expiry and not one second after: no clock tolerance for our own tokens', async () => {
    const { token } = await issueUploadToken(INPUT, SECRET, 3600, T0);
    await verifyUploadToken(token, SECRET, T0 + 3600_000 - 1);
    for (const late of [0, 1_000, 30_000]) await tokenInvalid(() => verifyUploadToken(token, SECRET, T0 + 3600_000 + late), /expired/);
  });

  it('rejects a tampered claim', async () => {
    const { token } = await issueUploadToken(INPUT, SECRET, 3600, T0);
    const [h, , s] = token.split('.');
    for (const change of [{ key: 'uploads/bob/x' }, { sub: 'bob' }, { size: 1 }, { exp: T0 / 1000 + 10 ** 9 }]) {
      const payload = Buffer.from(JSON.stringify({ ...payloadOf(token), ...change })).toString('base64url');
      await tokenInvalid(() => verifyUploadToken(`${h}.${payload}.${s}`, SECRET, T0), /signature/);
    }
  });

  it('rejects another secret', async () => {
    const { token } = await issueUploadToken(INPUT, SECRET, 3600, T0);
    await tokenInvalid(() => verifyUploadToken(token, `${SECRET}-rotated`, T0));
  });

  it('rejects a caller JWT signed with the same secret (no typ: upload), and a facade upload id', async () => {
    const claims = { ...INPUT, iat: T0 / 1000, exp: T0 / 1000 + 60 };
    await tokenInvalid(() => verifyUploadToken(signHs256(claims, SECRET), SECRET, T0), /not an upload token/);
    await tokenInvalid(() => verifyUploadToken(signHs256({ ...claims, typ: 'facade-upload' }, SECRET), SECRET, T0), /not an upload token/);
  });

  it('rejects a well-signed token with malformed claims', async () => {
    const base = { typ: 'upload', ...INPUT, iat: T0 / 1000, exp: T0 / 1000 + 60 };
    for (const change of [{ partCount: 0 }, { partCount: 10_001 }, { size: -1 }, { sub: '../x' }, { key: '' }, { uploadId: 5 }, { partSize: 1.5 }, { partCount: 4 }, { partCount: 2 }, { size: 1 }]) {
      await tokenInvalid(() => verifyUploadToken(signHs256({ ...base, ...change }, SECRET), SECRET, T0), /malformed/);
    }
  });

  it('rejects missing and garbage tokens, and tokens without iat or exp', async () => {
    for (const t of [undefined, null, '', 42, 'abc', 'a.b.c']) await tokenInvalid(() => verifyUploadToken(t, SECRET, T0));
    const base = { typ: 'upload', ...INPUT, iat: T0 / 1000, exp: T0 / 1000 + 60 };
    for (const drop of ['iat', 'exp']) {
      const { [drop]: _, ...rest } = base as Record<string, unknown>;
      await tokenInvalid(() => verifyUploadToken(signHs256(rest, SECRET), SECRET, T0));
    }
  });

  it('refuses to issue malformed claims', async () => {
    await assert.rejects(() => issueUploadToken({ ...INPUT, sub: 'a/b' }, SECRET, 60, T0), TypeError);
    await assert.rejects(() => issueUploadToken(INPUT, SECRET, 0, T0), RangeError);
  });
});

describe('assertOwnUpload (policy/ownership.ts)', () => {
  const where = { bucket: 'my-bucket', keyPrefix: 'uploads' };
  const forbidden = (e: unknown) => e instanceof HttpError && e.status === 403 && e.code === 'FORBIDDEN';
  it('passes for the owner, in this bucket, under the prefix', () => assert.doesNotThrow(() => assertOwnUpload(INPUT, { sub: 'alice' }, where)));
  it('403 FORBIDDEN for another caller, another bucket, or a key outside the prefix', () => {
    assert.throws(() => assertOwnUpload(INPUT, { sub: 'bob' }, where), forbidden);
    assert.throws(() => assertOwnUpload({ ...INPUT, bucket: 'other' }, { sub: 'alice' }, where), forbidden);
    for (const key of ['uploads/bob/x', 'other/alice/x', 'uploads/alice/../bob/x']) assert.throws(() => assertOwnUpload({ ...INPUT, key }, { sub: 'alice' }, where), forbidden);
  });
});

describe('ownUploadFromToken (policy/ownership.ts)', () => {
  const config = { uploadToken: { secret: SECRET }, oss: { bucket: 'my-bucket' }, policy: { keyPrefix: 'uploads' } };
  const at = (ms: number) => () => new Date(ms);
  it("returns the claims of a valid token naming the caller's upload", async () => {
    const { token } = await issueUploadToken(INPUT, SECRET, 3600, T0);
    const claims = await ownUploadFromToken(token, { sub: 'alice' }, config, at(T0 + 1000));
    assert.equal(claims.uploadId, INPUT.uploadId);
    assert.equal(claims.key, INPUT.key);
  });
  it('401 for a missing, foreign-secret or expired token (checked at the given time), before ownership', async () => {
    const { token } = await issueUploadToken(INPUT, SECRET, 3600, T0);
    await tokenInvalid(() => ownUploadFromToken(undefined, { sub: 'alice' }, config, at(T0)), /missing/);
    await tokenInvalid(() => ownUploadFromToken(token, { sub: 'bob' }, { ...config, uploadToken: { secret: 'x'.repeat(40) } }, at(T0)));
    await tokenInvalid(() => ownUploadFromToken(token, { sub: 'alice' }, config, at(T0 + 3601_000)), /expired/);
  });
  it('403 for a valid token of another caller or bucket', async () => {
    const { token } = await issueUploadToken(INPUT, SECRET, 3600, T0);
    const forbidden = (e: unknown) => e instanceof HttpError && e.status === 403 && e.code === 'FORBIDDEN';
    await assert.rejects(ownUploadFromToken(token, { sub: 'bob' }, config, at(T0)), forbidden);
    await assert.rejects(ownUploadFromToken(token, { sub: 'alice' }, { ...config, oss: { bucket: 'other' } }, at(T0)), forbidden);
  });
});

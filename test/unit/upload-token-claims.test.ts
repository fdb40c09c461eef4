// Upload-token claims must be usable in an OSS call: a verified token whose key or upload id the
// OSS client would refuse (lone surrogates, a blank id, a key over 1023 bytes or starting with /)
// is malformed (401 TOKEN_INVALID), not a 500 INTERNAL from inside the client. Found by the fault
// campaign's fuzzer (test/faults/fuzz-json.test.ts, "genuinely signed junk claims").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signHs256 } from '../helpers/jwt.ts';
import { issueUploadToken, verifyUploadToken } from '../../shared/auth/upload-token';
import { HttpError } from '../../shared/http/errors';
import { createApp as listApp } from '../../functions/list/index';
import { createApp as abortApp } from '../../functions/abort/index';

const SECRET = 'upload-token-claims-secret-0123456789abcdef';
const JWT_SECRET = 'upload-token-claims-caller-0123456789abcdef';
const now = Math.floor(Date.now() / 1000);
const claims = {
  typ: 'upload',
  sub: 'alice',
  bucket: 'b-bucket',
  key: 'uploads/alice/2026/01/AbCdEfGhIjKlMnOp/a.bin',
  uploadId: '0123456789ABCDEF0123456789ABCDEF',
  size: 10,
  partSize: 102400,
  partCount: 1,
  contentType: 'application/octet-stream',
  iat: now,
  exp: now + 600,
};
const tokenWith = (patch: Record<string, unknown>) => signHs256({ ...claims, ...patch }, SECRET);

const BAD: Array<[string, Record<string, unknown>]> = [
  ['a key with a lone high surrogate', { key: 'uploads/alice/\ud800.bin' }],
  ['a key with a lone low surrogate', { key: '\udc00' }],
  ['a key over 1023 UTF-8 bytes', { key: `uploads/alice/${'é'.repeat(505)}` }],
  ['a key starting with /', { key: '/uploads/alice/a.bin' }],
  ['a key starting with \\', { key: '\\uploads' }],
  ['a key with a .. segment (URLs collapse it)', { key: 'uploads/alice/../bob/x' }],
  ['a key with a . segment', { key: 'uploads/alice/./x' }],
  ['a key ending in ..', { key: 'uploads/alice/..' }],
  ['a blank upload id', { uploadId: '   ' }],
  ['an upload id with a lone surrogate', { uploadId: 'abc\ud999' }],
];

describe('upload-token claims the OSS client would refuse', () => {
  for (const [what, patch] of BAD) {
    it(`${what}: 401 TOKEN_INVALID (malformed claims)`, async () => {
      await assert.rejects(
        () => verifyUploadToken(tokenWith(patch), SECRET, Date.now()),
        (e: unknown) => e instanceof HttpError && e.status === 401 && e.code === 'TOKEN_INVALID' && /malformed/.test(e.message),
      );
    });
  }

  it('what the client accepts still verifies: a 1023-byte unicode key, a short upload id', async () => {
    const key = `uploads/alice/${'é'.repeat(504)}x`;
    assert.equal(Buffer.byteLength(key), 1023);
    assert.equal((await verifyUploadToken(tokenWith({ key, uploadId: 'U' }), SECRET, Date.now())).key, key);
    assert.equal((await verifyUploadToken(tokenWith({ key: 'uploads/alice/😀.bin' }), SECRET, Date.now())).key, 'uploads/alice/😀.bin');
  });

  it('issueUploadToken refuses to issue such claims', async () => {
    const { typ, iat, exp, ...input } = claims;
    await assert.rejects(() => issueUploadToken({ ...input, key: 'a\ud800' }, SECRET, 600), TypeError);
  });

  for (const [name, create] of [
    ['list', listApp],
    ['abort', abortApp],
  ] as const) {
    it(`${name} answers 401, not 500, to a signed token with a lone-surrogate key or blank upload id`, async () => {
      const env = {
        OSS_REGION: 'cn-hangzhou',
        OSS_BUCKET: 'b-bucket',
        OSS_ENDPOINT: 'http://127.0.0.1:9', // never reached
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-test',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-secret',
        AUTH_JWT_SECRET: JWT_SECRET,
        UPLOAD_TOKEN_SECRET: SECRET,
      };
      const app = create({ env });
      for (const patch of [{ key: 'uploads/alice/\udfff' }, { uploadId: ' ' }]) {
        const res = await app.request(`/uploads/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${signHs256({ sub: 'alice', exp: now + 600 }, JWT_SECRET)}` },
          body: JSON.stringify({ token: tokenWith(patch) }),
        });
        const body = (await res.json()) as { error: { code: string } };
        assert.equal(res.status, 401, JSON.stringify(body));
        assert.equal(body.error.code, 'TOKEN_INVALID');
      }
    });
  }
});

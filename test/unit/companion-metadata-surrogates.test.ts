// Companion metadata values with a lone surrogate (JSON "\ud800" is valid JSON, and has no UTF-8
// form) are refused with 400 VALIDATION_FAILED. Before, encodeURIComponent threw a URIError and
// POST /s3/multipart answered 500 INTERNAL to any authenticated caller. Found by the fault
// campaign's fuzzer (test/faults/fuzz-callback-companion.test.ts, "create").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { companionMetadata } from '../../shared/upload/companion';
import { HttpError } from '../../shared/http/errors';
import { signHs256 } from '../helpers/jwt.ts';
import { createApp as companionApp } from '../../functions/companion/index';

const JWT_SECRET = 'companion-surrogates-caller-0123456789abcdef';

describe('companion metadata with lone surrogates', () => {
  for (const value of ['\ud800', 'abc\udfff', '\udc00x', 'x\ud83d']) {
    it(`${JSON.stringify(value)}: 400 VALIDATION_FAILED naming the field`, () => {
      assert.throws(
        () => companionMetadata({ Name: value }),
        (e: unknown) => e instanceof HttpError && e.status === 400 && e.code === 'VALIDATION_FAILED' && e.details?.field === 'metadata.name',
      );
    });
  }

  it('well-formed text, astral characters included, is still stored percent-encoded', () => {
    assert.deepEqual(companionMetadata({ name: 'résumé 😀.pdf', size: 12 }), { name: encodeURIComponent('résumé 😀.pdf'), size: '12' });
  });

  it('POST /s3/multipart answers 400, not 500, before any OSS call', async () => {
    const app = companionApp({
      env: {
        OSS_REGION: 'cn-hangzhou',
        OSS_BUCKET: 'b-bucket',
        OSS_ENDPOINT: 'http://127.0.0.1:9', // never reached
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-test',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-secret',
        AUTH_JWT_SECRET: JWT_SECRET,
        UPLOAD_TOKEN_SECRET: 'companion-surrogates-upload-0123456789abcdef',
      },
    });
    const res = await app.request('/s3/multipart', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${signHs256({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET)}` },
      body: '{"filename":"a.bin","type":"text/plain","metadata":{"name":"\\udc13"}}',
    });
    const body = (await res.json()) as { error: { code: string; details: { field: string } } };
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.error.code, 'VALIDATION_FAILED');
    assert.equal(body.error.details.field, 'metadata.name');
  });
});

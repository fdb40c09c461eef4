// The batch UploadPart presigner must give, for every part, exactly the URL of the general path
// (presignV4 + objectUrl), which the vectors and the ali-oss differential tests already pin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { presignV4, presignUploadPartsV4 } from '../../shared/oss/signer.ts';
import { objectUrl, resolveEndpoint } from '../../shared/oss/endpoint.ts';

const general = (
  ep: ReturnType<typeof resolveEndpoint>,
  bucket: string,
  key: string,
  uploadId: string,
  part: { partNumber: number; contentMd5?: string; contentLength?: number },
  ctx: Parameters<typeof presignV4>[1],
) => {
  const headers: Record<string, string> = {};
  if (part.contentMd5 !== undefined) headers['Content-MD5'] = part.contentMd5;
  if (part.contentLength !== undefined) headers['Content-Length'] = String(part.contentLength);
  const signed = presignV4(
    { method: 'PUT', bucket, key, query: [['partNumber', String(part.partNumber)], ['uploadId', uploadId]], headers },
    part.contentLength === undefined ? ctx : { ...ctx, additionalHeaders: ['content-length'] },
  );
  return objectUrl(ep, bucket, key, signed.query);
};

const keyArb = fc.stringMatching(/^[^\/\\][\s\S]{0,60}$/).filter((k) => k.length > 0 && !/[\uD800-\uDFFF]/.test(k));
const textArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const md5Arb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));

test('property: batch URLs equal presignV4 + objectUrl for every part (keys, ids, tokens, MD5s, pinned lengths, endpoints)', () => {
  fc.assert(
    fc.property(
      keyArb,
      textArb,
      fc.option(textArb, { nil: undefined }),
      fc.array(
        fc.record({
          partNumber: fc.integer({ min: 1, max: 10000 }),
          contentMd5: fc.option(md5Arb, { nil: undefined }),
          contentLength: fc.option(fc.integer({ min: 0, max: 5 * 1024 ** 3 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      fc.integer({ min: 0, max: 4102444800 }),
      fc.integer({ min: 1, max: 604800 }),
      fc.constantFrom('https://oss-cn-hangzhou.aliyuncs.com', 'http://127.0.0.1:9000', 'https://files.example.com'),
      (key, uploadId, token, parts, seconds, expires, endpoint) => {
        const bucket = 'my-bucket';
        const ep = resolveEndpoint({ region: 'cn-hangzhou', endpoint, cname: endpoint.includes('example') });
        const ctx = {
          credentials: { accessKeyId: 'LTAI5tKey', accessKeySecret: 'secret/+=', securityToken: token },
          region: 'cn-hangzhou',
          date: new Date(seconds * 1000),
          expires,
        };
        const batch = presignUploadPartsV4({ bucket, key, uploadId, parts, objectUrl: objectUrl(ep, bucket, key) }, ctx);
        parts.forEach((p, i) => assert.equal(batch.parts[i].url, general(ep, bucket, key, uploadId, p, ctx)));
        assert.equal(batch.expiresAt.getTime(), seconds * 1000 + expires * 1000);
      },
    ),
    { numRuns: 1500 },
  );
});

test('D4 vector through the batch path', () => {
  const r = presignUploadPartsV4(
    { bucket: 'examplebucket', key: 'dir/测试 file+1.bin', uploadId: '0004B9895DBBB6EC98E36', parts: [{ partNumber: 3 }], objectUrl: 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/%E6%B5%8B%E8%AF%95%20file%2B1.bin' },
    { credentials: { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'tok/en+=' }, region: 'cn-hangzhou', date: new Date(1700000000 * 1000), expires: 3600 },
  );
  assert.equal(r.parts[0].signature, 'fca5007fe810ce707cf44a3d969eb4890f72e2f2102a2c083b92b84bda61d4ac');
});

test('expiry outside 1..604800 is refused', () => {
  for (const expires of [0, 604801, 2.5]) {
    assert.throws(
      () => presignUploadPartsV4({ bucket: 'b', key: 'k', uploadId: 'u', parts: [{ partNumber: 1 }], objectUrl: 'https://b.x/k' }, { credentials: { accessKeyId: 'a', accessKeySecret: 's' }, region: 'r', expires }),
      RangeError,
    );
  }
});

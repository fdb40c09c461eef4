// Which URLs browsers get for each kind of OSS_PUBLIC_ENDPOINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../shared/config/index.ts';
import { ossClientFor } from '../../shared/runtime.ts';
import { presignUploadParts } from '../../shared/oss/presign.ts';

const base = {
  OSS_REGION: 'cn-hangzhou',
  OSS_BUCKET: 'my-bucket',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sk',
  AUTH_MODE: 'none',
  UPLOAD_TOKEN_SECRET: 'x'.repeat(40),
};

const cases: Array<[string, Record<string, string>, string]> = [
  ['default: public regional endpoint, bucket as subdomain', {}, 'https://my-bucket.oss-cn-hangzhou.aliyuncs.com/a/b.bin?'],
  ['internal endpoint for the functions, public one for browsers', { OSS_ENDPOINT: 'oss-cn-hangzhou-internal.aliyuncs.com' }, 'https://my-bucket.oss-cn-hangzhou.aliyuncs.com/a/b.bin?'],
  ['accelerate', { OSS_PUBLIC_ENDPOINT: 'https://oss-accelerate.aliyuncs.com' }, 'https://my-bucket.oss-accelerate.aliyuncs.com/a/b.bin?'],
  ['custom domain bound to the bucket (CNAME)', { OSS_PUBLIC_ENDPOINT: 'https://files.example.com' }, 'https://files.example.com/a/b.bin?'],
  ['emulator, path style', { OSS_ENDPOINT: 'http://127.0.0.1:9000', OSS_FORCE_PATH_STYLE: 'true' }, 'http://127.0.0.1:9000/my-bucket/a/b.bin?'],
];

for (const [name, env, prefix] of cases) {
  test(`part URLs: ${name}`, async () => {
    const config = parseConfig({ ...base, ...env });
    const client = ossClientFor(undefined, config, {});
    const [part] = await presignUploadParts(client, 'a/b.bin', 'UPLOADID', [{ partNumber: 1 }], { expires: 60 });
    assert.ok(part.url.startsWith(prefix), `${part.url} should start with ${prefix}`);
  });
}

test('keys with . or .. segments are refused before any request (URLs would collapse them)', async () => {
  const { hasDotSegment } = await import('../../shared/oss/endpoint.ts');
  for (const k of ['a/../b', '../a', 'a/..', '.', 'a/./b', './a']) assert.equal(hasDotSegment(k), true, k);
  for (const k of ['a/..b', 'a/b..', '...', 'a/.b/c', '..a', 'a.']) assert.equal(hasDotSegment(k), false, k);
  const config = parseConfig(base);
  const client = ossClientFor(undefined, config, {});
  await assert.rejects(presignUploadParts(client, 'uploads/a/../b', 'U', [{ partNumber: 1 }], { expires: 60 }), TypeError);
});

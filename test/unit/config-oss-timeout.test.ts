// OSS_TIMEOUT_MS: the per-attempt timeout of the functions' own OSS calls (shared/config/), and
// that ossClientFor (shared/runtime.ts) hands it to the client, so a hung OSS attempt ends as an
// OssTimeoutError naming that timeout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type Env } from '../../shared/config/index';
import { problemsOf } from '../helpers/config-problems';
import { ossClientFor } from '../../shared/runtime';
import { OssTimeoutError } from '../../shared/oss/errors';
import { hangingFetch } from '../helpers/hanging-fetch';
import { listParts } from '../../shared/oss/multipart';

const BASE: Env = {
  OSS_REGION: 'cn-hangzhou',
  OSS_BUCKET: 'my-bucket',
  AUTH_JWT_SECRET: 'j'.repeat(40),
  UPLOAD_TOKEN_SECRET: 'u'.repeat(32),
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-test',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-secret',
};

describe('OSS_TIMEOUT_MS', () => {
  it('defaults to 30 000 ms, the OSS client default', () => {
    assert.deepEqual(parseConfig(BASE).ossClient, { timeoutMs: 30_000 });
  });

  it('accepts whole milliseconds from 100 to 600 000', () => {
    assert.equal(parseConfig({ ...BASE, OSS_TIMEOUT_MS: '100' }).ossClient.timeoutMs, 100);
    assert.equal(parseConfig({ ...BASE, OSS_TIMEOUT_MS: ' 2500 ' }).ossClient.timeoutMs, 2500);
    assert.equal(parseConfig({ ...BASE, OSS_TIMEOUT_MS: '600000' }).ossClient.timeoutMs, 600_000);
    assert.equal(parseConfig({ ...BASE, OSS_TIMEOUT_MS: '' }).ossClient.timeoutMs, 30_000, 'empty counts as unset');
  });

  for (const bad of ['0', '99', '600001', '1.5', '-1', '5s', 'abc', '1e3']) {
    it(`refuses ${JSON.stringify(bad)} with a message naming the variable and the range`, () => {
      const problems = problemsOf({ ...BASE, OSS_TIMEOUT_MS: bad });
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0], /^OSS_TIMEOUT_MS must be an integer from 100 to 600000 \(got ".*"\)$/);
    });
  }

  // The fake keeps the loop alive until aborted: if the timeout under test broke, node:test's timeout ends it.
  it('ossClientFor gives the client this timeout: a hung attempt ends as OssTimeoutError after it', { timeout: 20_000 }, async () => {
    const config = parseConfig({ ...BASE, OSS_TIMEOUT_MS: '150', OSS_ENDPOINT: 'http://127.0.0.1:9' });
    // A transport that never answers, only gives up when the client's signal fires.
    const hang = hangingFetch();
    const client = ossClientFor(undefined, config, { fetch: hang.fetch });
    assert.equal(client.timeoutMs, 150);
    await assert.rejects(listParts(client, 'uploads/a/key.bin', 'upload-id'), (e: unknown) => {
      assert.ok(e instanceof OssTimeoutError, String(e));
      assert.equal(e.timeoutMs, 150);
      assert.equal(e.operation, 'ListParts');
      return true;
    });
    assert.equal(hang.calls(), 4, 'ListParts is idempotent: a timeout is retried (1 + 3 attempts)');
  });
});

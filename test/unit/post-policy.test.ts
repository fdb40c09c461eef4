// PostObject policy signing (shared/oss/post-policy.ts) against the official ali-oss 6.23.0:
// V4 `signPostObjectPolicyV4` and V1 `calculatePostSignature`, over generated policies, plus the
// fields and conditions the V4 form needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { signPostPolicy, type PostPolicyCondition } from '../../shared/oss/post-policy.ts';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');

const credentials = { accessKeyId: 'LTAI5tExampleKeyId', accessKeySecret: 'example-secret-0123456789abcdef' };

const conditionArb: fc.Arbitrary<PostPolicyCondition> = fc.oneof(
  fc.tuple(fc.constantFrom('eq', 'starts-with'), fc.constantFrom('$key', '$content-type', '$x-oss-meta-a'), fc.string({ unit: 'grapheme', maxLength: 40 })) as fc.Arbitrary<PostPolicyCondition>,
  fc.tuple(fc.constant('content-length-range' as const), fc.nat(1000), fc.nat(5 * 1024 ** 3)) as fc.Arbitrary<PostPolicyCondition>,
  fc.dictionary(fc.constantFrom('success_action_status', 'cache-control'), fc.string({ maxLength: 20 }), { minKeys: 1, maxKeys: 1, noNullPrototype: true }),
);
const dateArb = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true });

test('V4: x-oss-signature equals ali-oss signPostObjectPolicyV4 over the same policy', () => {
  fc.assert(
    fc.property(fc.array(conditionArb, { maxLength: 6 }), dateArb, fc.constantFrom('cn-hangzhou', 'oss-cn-beijing', 'ap-southeast-1'), (conditions, date, region) => {
      const signed = signPostPolicy({ version: 'v4', credentials, region, bucket: 'my-bucket', date, expires: 3600, conditions });
      const client = new OSS({ ...credentials, region, bucket: 'my-bucket', authorizationV4: true });
      const expected = client.signPostObjectPolicyV4(signed.document, date);
      assert.equal(signed.fields['x-oss-signature'], expected);
      // The policy field is exactly the base64 of the document that was signed.
      assert.deepEqual(JSON.parse(Buffer.from(signed.fields.policy, 'base64').toString('utf8')), signed.document);
    }),
    { numRuns: 300 },
  );
});

test('V1: Signature and OSSAccessKeyId equal ali-oss calculatePostSignature', () => {
  fc.assert(
    fc.property(fc.array(conditionArb, { maxLength: 6 }), dateArb, (conditions, date) => {
      const signed = signPostPolicy({ version: 'v1', credentials, region: 'cn-hangzhou', bucket: 'my-bucket', date, expires: 600, conditions });
      const expected = new OSS({ ...credentials, region: 'cn-hangzhou', bucket: 'my-bucket' }).calculatePostSignature(signed.document);
      assert.equal(signed.fields.Signature, expected.Signature);
      assert.equal(signed.fields.OSSAccessKeyId, expected.OSSAccessKeyId);
      assert.equal(signed.fields.policy, expected.policy);
    }),
    { numRuns: 300 },
  );
});

test('V4 form fields and the conditions that bind them', () => {
  const date = new Date('2024-03-15T08:09:10.123Z');
  const signed = signPostPolicy({
    version: 'v4',
    credentials: { ...credentials, securityToken: 'sts-token' },
    region: 'oss-cn-hangzhou',
    bucket: 'my-bucket',
    date,
    expires: 900,
    conditions: [['eq', '$key', 'a/b'], ['content-length-range', 0, 10]],
  });
  assert.deepEqual(Object.keys(signed.fields).sort(), ['policy', 'x-oss-credential', 'x-oss-date', 'x-oss-security-token', 'x-oss-signature', 'x-oss-signature-version']);
  assert.equal(signed.fields['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
  assert.equal(signed.fields['x-oss-credential'], 'LTAI5tExampleKeyId/20240315/cn-hangzhou/oss/aliyun_v4_request');
  assert.equal(signed.fields['x-oss-date'], '20240315T080910Z');
  assert.equal(signed.fields['x-oss-security-token'], 'sts-token');
  assert.equal(signed.document.expiration, '2024-03-15T08:24:10.123Z');
  assert.equal(signed.expiresAt.toISOString(), '2024-03-15T08:24:10.123Z');
  assert.deepEqual(signed.document.conditions, [
    { bucket: 'my-bucket' },
    { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
    { 'x-oss-credential': 'LTAI5tExampleKeyId/20240315/cn-hangzhou/oss/aliyun_v4_request' },
    { 'x-oss-date': '20240315T080910Z' },
    { 'x-oss-security-token': 'sts-token' },
    ['eq', '$key', 'a/b'],
    ['content-length-range', 0, 10],
  ]);
});

test('V1 form fields; expires must be 1..604800 seconds', () => {
  const signed = signPostPolicy({ version: 'v1', credentials, region: 'cn-hangzhou', bucket: 'b-1', date: new Date(0), expires: 1, conditions: [] });
  assert.deepEqual(Object.keys(signed.fields).sort(), ['OSSAccessKeyId', 'Signature', 'policy']);
  assert.deepEqual(signed.document.conditions, [{ bucket: 'b-1' }]);
  for (const expires of [0, -1, 1.5, 604801]) {
    assert.throws(() => signPostPolicy({ version: 'v4', credentials, region: 'cn-hangzhou', bucket: 'b-1', date: new Date(), expires, conditions: [] }), RangeError);
  }
});

// Official and derived vectors (go-v2 signer_test.go, python-v2 test_v4.py,
// the OSS docs), recomputed by hand. Table-driven: each row names its source vector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  signHeaderV1,
  signHeaderV4,
  presignV4,
  presignV1,
  encodePath,
  canonicalResourceV1,
  toQueryString,
  type QueryPairs,
} from '../../shared/oss/signer.ts';

const creds = { accessKeyId: 'ak', accessKeySecret: 'sk' };

test('V1-H1 header signature (go-v2 TestV1AuthHeader)', () => {
  const r = signHeaderV1(
    {
      method: 'PUT',
      bucket: 'examplebucket',
      key: 'nelson',
      headers: {
        'Content-MD5': 'eB5eJF1ptWaXm4bijSPyxw==',
        'Content-Type': 'text/html',
        'x-oss-meta-author': 'alice',
        'x-oss-meta-magic': 'abracadabra',
        'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT',
      },
    },
    { credentials: creds, region: 'cn-hangzhou' },
  );
  assert.equal(
    r.stringToSign,
    'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson',
  );
  assert.equal(r.authorization, 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
  assert.equal(r.headers['Date'], undefined, 'x-oss-date given: no Date header added');
});

test('V1 header without x-oss-date adds a Date header and signs it', () => {
  const date = new Date(Date.UTC(2022, 11, 28, 10, 27, 41));
  const r = signHeaderV1({ method: 'GET', bucket: 'b', key: 'k' }, { credentials: creds, region: 'x', date });
  assert.equal(r.headers['Date'], 'Wed, 28 Dec 2022 10:27:41 GMT');
  assert.equal(r.stringToSign, 'GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\n/b/k');
});

const v4Query: QueryPairs = [
  ['param1', 'value1'],
  ['+param1', 'value3'],
  ['|param1', 'value4'],
  ['+param2', ''],
  ['|param2', ''],
  ['param2', ''],
];

test('V4-H1 header signature (go-v2 TestV4AuthHeader)', () => {
  const r = signHeaderV4(
    {
      method: 'PUT',
      bucket: 'bucket',
      key: '1234+-/123/1.txt',
      query: v4Query,
      headers: {
        'x-oss-head1': 'value',
        abc: 'value',
        ZAbc: 'value',
        XYZ: 'value',
        'content-type': 'text/plain',
        'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      },
    },
    { credentials: creds, region: 'cn-hangzhou', date: new Date(1702743657 * 1000) },
  );
  assert.equal(
    r.canonicalRequest,
    [
      'PUT',
      '/bucket/1234%2B-/123/1.txt',
      '%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2',
      'content-type:text/plain',
      'x-oss-content-sha256:UNSIGNED-PAYLOAD',
      'x-oss-date:20231216T162057Z',
      'x-oss-head1:value',
      '',
      '',
      'UNSIGNED-PAYLOAD',
    ].join('\n'),
  );
  assert.equal(
    r.stringToSign,
    'OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\nf4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4',
  );
  assert.equal(
    r.authorization,
    'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
  );
  assert.equal(r.headers['x-oss-date'], '20231216T162057Z');
});

test('V4 region given as oss-<region> is stripped to the bare id', () => {
  const a = signHeaderV4({ method: 'GET', bucket: 'b' }, { credentials: creds, region: 'oss-cn-hangzhou', date: new Date(0) });
  const b = signHeaderV4({ method: 'GET', bucket: 'b' }, { credentials: creds, region: 'cn-hangzhou', date: new Date(0) });
  assert.equal(a.authorization, b.authorization);
  assert.match(a.authorization, /\/cn-hangzhou\/oss\//);
});

test('V4-Q2 presigned with STS token (go-v2 TestV4AuthQuery)', () => {
  const r = presignV4(
    {
      method: 'PUT',
      bucket: 'bucket',
      key: '1234+-/123/1.txt',
      query: v4Query,
      headers: { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value', 'content-type': 'application/octet-stream' },
    },
    { credentials: { ...creds, securityToken: 'token' }, region: 'cn-hangzhou', date: new Date(1702785388 * 1000), expires: 599 },
  );
  const lines = r.canonicalRequest!.split('\n');
  assert.equal(
    lines[2],
    '%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T035628Z&x-oss-expires=599&x-oss-security-token=token&x-oss-signature-version=OSS4-HMAC-SHA256',
  );
  assert.equal(lines[3], 'content-type:application/octet-stream');
  assert.equal(lines[4], 'x-oss-head1:value');
  assert.equal(
    createHash('sha256').update(r.canonicalRequest!).digest('hex'),
    '458705026c021c95dd317d008cff79df19ce99bf2b241d1ecb20f4d65bb851a5',
  );
  assert.equal(r.signature, '3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5');
  assert.deepEqual(r.query.at(-1), ['x-oss-signature', r.signature]);
  assert.equal(r.expiresAt.getTime(), (1702785388 + 599) * 1000);
});

test('D4 presigned UploadPart with a non-ASCII key and STS (derived vector)', () => {
  const key = 'dir/测试 file+1.bin';
  assert.equal(encodePath(key), 'dir/%E6%B5%8B%E8%AF%95%20file%2B1.bin');
  const r = presignV4(
    { method: 'PUT', bucket: 'examplebucket', key, query: { partNumber: 3, uploadId: '0004B9895DBBB6EC98E36' } },
    { credentials: { ...creds, securityToken: 'tok/en+=' }, region: 'cn-hangzhou', date: new Date(1700000000 * 1000), expires: 3600 },
  );
  assert.equal(
    r.canonicalRequest,
    'PUT\n/examplebucket/dir/%E6%B5%8B%E8%AF%95%20file%2B1.bin\npartNumber=3&uploadId=0004B9895DBBB6EC98E36&x-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-security-token=tok%2Fen%2B%3D&x-oss-signature-version=OSS4-HMAC-SHA256\n\n\nUNSIGNED-PAYLOAD',
  );
  assert.equal(
    createHash('sha256').update(r.canonicalRequest!).digest('hex'),
    'b5746ab89314a1073ae0ea92a1221a8ff9faedefa4d4d990af7fc5bcf4d52112',
  );
  assert.equal(r.signature, 'fca5007fe810ce707cf44a3d969eb4890f72e2f2102a2c083b92b84bda61d4ac');
  assert.match(toQueryString(r.query), /x-oss-security-token=tok%2Fen%2B%3D/);
});

test('V4 presign rejects expiry outside 1..604800', () => {
  for (const expires of [0, -1, 604801, 1.5]) {
    assert.throws(() => presignV4({ method: 'GET', bucket: 'b', key: 'k' }, { credentials: creds, region: 'r', expires }), RangeError);
  }
});

test('V4 additional headers: lower-cased, de-duplicated, sorted, default-signed and absent names dropped', () => {
  const r = signHeaderV4(
    { method: 'GET', bucket: 'b', key: 'k', headers: { Host: 'b.example.com', 'X-Custom': 'v' } },
    { credentials: creds, region: 'r', date: new Date(0), additionalHeaders: ['X-Custom', 'host', 'HOST', 'x-oss-meta-a', 'absent', 'content-type'] },
  );
  assert.match(r.authorization, /,AdditionalHeaders=host;x-custom,Signature=/);
  assert.match(r.canonicalRequest!, /\nhost:b\.example\.com\nx-custom:v\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:19700101T000000Z\n\nhost;x-custom\nUNSIGNED-PAYLOAD$/);
});

// V1 resource rules (docs/oss.md, "Signatures")
const v1Resources: Array<[string, string | undefined, string | undefined, QueryPairs, string]> = [
  ['Initiate', 'b', 'k', [['uploads', '']], '/b/k?uploads'],
  ['UploadPart', 'b', 'k', [['uploadId', 'ID'], ['partNumber', '3']], '/b/k?partNumber=3&uploadId=ID'],
  ['ListParts ignores non-subresources', 'b', 'k', [['uploadId', 'ID'], ['max-parts', '1'], ['encoding-type', 'url']], '/b/k?uploadId=ID'],
  ['ListMultipartUploads', 'b', undefined, [['uploads', ''], ['prefix', 'p/'], ['max-uploads', '10']], '/b/?uploads'],
  ['no bucket', undefined, undefined, [], '/'],
  ['raw non-ASCII key', 'b', 'dir/测试 file+1.bin', [], '/b/dir/测试 file+1.bin'],
  ['decoded sub-resource values (V1-Q3)', 'b', 'k', [['response-content-disposition', 'attachment; filename=example.txt']], '/b/k?response-content-disposition=attachment; filename=example.txt'],
  ['x-oss- query keys are sub-resources', 'b', 'k', [['x-oss-process', 'image/resize,w_100'], ['foo', 'bar']], '/b/k?x-oss-process=image/resize,w_100'],
];
for (const [name, bucket, key, query, expected] of v1Resources) {
  test(`V1 canonical resource: ${name}`, () => assert.equal(canonicalResourceV1(bucket, key, query), expected));
}

test('V1 presign: Date line is Expires, STS token is a raw sub-resource', () => {
  const r = presignV1(
    { method: 'PUT', bucket: 'b', key: 'a b', query: { partNumber: 1, uploadId: 'U' } },
    { credentials: { ...creds, securityToken: 'tok/en+=' }, region: 'r', date: new Date(1700000000 * 1000), expires: 60 },
  );
  assert.equal(r.stringToSign, 'PUT\n\n\n1700000060\n/b/a b?partNumber=1&security-token=tok/en+=&uploadId=U');
  const q = Object.fromEntries(r.query);
  assert.equal(q.Expires, '1700000060');
  assert.equal(q.OSSAccessKeyId, 'ak');
  assert.equal(q['security-token'], 'tok/en+=');
  assert.equal(r.expiresAt.getTime(), 1700000060 * 1000);
});

test('Content-MD5 is base64 of the binary digest, not of the hex string', () => {
  assert.equal(createHash('md5').update('0123456789').digest('base64'), 'eB5eJF1ptWaXm4bijSPyxw==');
});

test('header names that are Object.prototype properties (`constructor`) are ordinary headers', () => {
  // Regression: `k in obj` made `constructor` look present on every object, so it was signed as an
  // additional header without a canonical line, and a real `constructor` header was joined onto
  // `function Object() { [native code] }`. Found by the ali-oss differential test.
  const absent = signHeaderV4({ method: 'GET', bucket: 'b', key: 'k' }, { credentials: creds, region: 'r', date: new Date(0), additionalHeaders: ['constructor'] });
  assert.doesNotMatch(absent.authorization, /AdditionalHeaders/);
  const present = signHeaderV4(
    { method: 'GET', bucket: 'b', key: 'k', headers: { Constructor: 'v' } },
    { credentials: creds, region: 'r', date: new Date(0), additionalHeaders: ['constructor'] },
  );
  assert.match(present.authorization, /,AdditionalHeaders=constructor,/);
  assert.match(present.canonicalRequest!, /\nconstructor:v\n/);
});

// Unit tests of the emulator's pure pieces: request target parsing, query decoding, operation
// identification, callback templating and parameter checks, the callback signature, fault rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { headersFromRaw, parseQuery, parseTarget, splitTarget } from '../../infra/emulator/request';
import { identifyOperation } from '../../infra/emulator/app';
import { CallbackService, expandTemplate, FORM_TYPE, JSON_TYPE, loadOrCreateKey, parseCallbackValues } from '../../infra/emulator/callback';
import { FaultInjector } from '../../infra/emulator/faults';
import { OssError } from '../../infra/emulator/errors';
import { parseCorsXml } from '../../infra/emulator/cors';

const known = (b: string) => b === 'examplebucket';

test('parseTarget: path-style, virtual-hosted by known bucket or *.localhost, IP hosts, one decode', () => {
  assert.deepEqual(parseTarget('127.0.0.1:9000', '/examplebucket/dir/a%20b%2B1.bin', known), { bucket: 'examplebucket', key: 'dir/a b+1.bin', style: 'path' });
  assert.deepEqual(parseTarget('localhost:9000', '/examplebucket/', known), { bucket: 'examplebucket', key: '', style: 'path' });
  assert.deepEqual(parseTarget('localhost:9000', '/examplebucket', known), { bucket: 'examplebucket', key: '', style: 'path' });
  assert.deepEqual(parseTarget('localhost:9000', '/', known), { key: '', style: 'path' });
  assert.deepEqual(parseTarget('examplebucket.oss-cn-hangzhou.aliyuncs.com', '/k%252B', known), { bucket: 'examplebucket', key: 'k%2B', style: 'virtual' });
  assert.deepEqual(parseTarget('other.localhost:9000', '/k', known), { bucket: 'other', key: 'k', style: 'virtual' });
  assert.deepEqual(parseTarget('other.example.com', '/examplebucket/k', known), { bucket: 'examplebucket', key: 'k', style: 'path' });
  assert.deepEqual(parseTarget('10.0.0.1', '/examplebucket/k+', known), { bucket: 'examplebucket', key: 'k+', style: 'path' });
  assert.throws(() => parseTarget('localhost', '/examplebucket/%E0%A4%A', known), (e: OssError) => e.code === 'InvalidURI');
});

test('parseQuery: `+` is literal, %XX decoded once, bare names, order kept', () => {
  assert.deepEqual(parseQuery('uploads'), [['uploads', '']]);
  assert.deepEqual(parseQuery('uploads='), [['uploads', '']]);
  assert.deepEqual(parseQuery('a=1+2&b=%2B&c=%252B&&d'), [['a', '1+2'], ['b', '+'], ['c', '%2B'], ['d', '']]);
  assert.deepEqual(parseQuery('x-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request'), [['x-oss-credential', 'ak/20231114/cn-hangzhou/oss/aliyun_v4_request']]);
  assert.throws(() => parseQuery('a=%ZZ'), (e: OssError) => e.code === 'InvalidURI');
  assert.deepEqual(splitTarget('/b/k?uploads#frag'), { rawPath: '/b/k', rawQuery: 'uploads' });
  assert.deepEqual(splitTarget('http://h:1/b/k?x=1'), { rawPath: '/b/k', rawQuery: 'x=1' });
});

test('headersFromRaw: lower-case names, duplicates joined with ",", UTF-8 bytes restored', () => {
  const utf8AsLatin1 = Buffer.from('测试', 'utf8').toString('latin1');
  const h = headersFromRaw(['Content-Type', 'text/plain', 'X-OSS-Meta-A', ' 1 ', 'x-oss-meta-a', '2', 'x-oss-meta-name', utf8AsLatin1, 'x-oss-meta-latin', 'café']);
  assert.equal(h['content-type'], 'text/plain');
  assert.equal(h['x-oss-meta-a'], '1,2');
  assert.equal(h['x-oss-meta-name'], '测试');
  assert.equal(h['x-oss-meta-latin'], 'café', 'not valid UTF-8: kept as is');
});

test('identifyOperation maps method + sub-resources to OSS operations', () => {
  const op = (method: string, key: string, query: Array<[string, string]>, bucket: string | undefined = 'b') =>
    identifyOperation(method, { target: { bucket, key, style: 'path' }, query });
  assert.equal(op('POST', 'k', [['uploads', '']]), 'InitiateMultipartUpload');
  assert.equal(op('PUT', 'k', [['partNumber', '1'], ['uploadId', 'U']]), 'UploadPart');
  assert.equal(op('POST', 'k', [['uploadId', 'U']]), 'CompleteMultipartUpload');
  assert.equal(op('GET', 'k', [['uploadId', 'U']]), 'ListParts');
  assert.equal(op('DELETE', 'k', [['uploadId', 'U']]), 'AbortMultipartUpload');
  assert.equal(op('GET', '', [['uploads', '']]), 'ListMultipartUploads');
  assert.equal(op('PUT', 'k', []), 'PutObject');
  assert.equal(op('POST', '', []), 'PostObject');
  assert.equal(op('GET', 'k', []), 'GetObject');
  assert.equal(op('HEAD', 'k', []), 'HeadObject');
  assert.equal(op('DELETE', 'k', []), 'DeleteObject');
  assert.equal(op('PUT', '', [['cors', '']]), 'PutBucketCors');
  assert.equal(op('OPTIONS', 'k', []), 'Options');
  assert.equal(identifyOperation('GET', { target: { key: '', style: 'path' }, query: [] }), 'ListBuckets');
  assert.equal((op('PUT', 'k', [['uploadId', 'U']]) as OssError).code, 'InvalidArgument');
  assert.equal((op('PUT', 'k', [['partNumber', '1']]) as OssError).code, 'InvalidArgument');
  assert.equal((op('PUT', 'k', [['acl', '']]) as OssError).code, 'NotImplemented');
  assert.equal((op('PATCH', 'k', []) as OssError).code, 'MethodNotAllowed');
});

test('callback templates: form URL-encodes; JSON follows the Cloudreve capture (docs/oss.md, "Upload callback")', () => {
  const vars = {
    bucket: 'b',
    object: '1/1_hFRtDLgM_2f7b.jpg',
    size: '114020',
    mimeType: 'image/jpeg',
    'imageInfo.width': '810',
    'imageInfo.height': '539',
    'x:fname': '2f7b.jpg',
  };
  assert.equal(
    expandTemplate('{"name":${x:fname},"source_name":${object},"size":${size},"pic_info":"${imageInfo.width},${imageInfo.height}"}', vars, JSON_TYPE),
    '{"name":"2f7b.jpg","source_name":"1/1_hFRtDLgM_2f7b.jpg","size":114020,"pic_info":"810,539"}',
  );
  assert.equal(expandTemplate('bucket=${bucket}&object=${object}&mimeType=${mimeType}&n=${x:none}&s=${unknown}', vars, FORM_TYPE), 'bucket=b&object=1%2F1_hFRtDLgM_2f7b.jpg&mimeType=image%2Fjpeg&n=&s=${unknown}');
  assert.equal(expandTemplate('{"a":"x\\"${bucket}","b":${bucket}}', vars, JSON_TYPE), '{"a":"x\\"b","b":"b"}', 'escaped quotes keep the string open');
  assert.equal(expandTemplate('{"o":${object}}', { object: 'say "hi"' }, JSON_TYPE), '{"o":"say \\"hi\\""}');
});

test('callback parameters: required fields, body type, SNI boolean, var keys, size', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
  const ok = parseCallbackValues(b64({ callbackUrl: 'http://a.test/x;https://b.test/y?z=1', callbackBody: 'a=${bucket}', callbackSNI: true }), b64({ 'x:k': 'v' }))!;
  assert.deepEqual(ok.urls.map((u) => u.href), ['http://a.test/x', 'https://b.test/y?z=1']);
  assert.equal(ok.bodyType, FORM_TYPE);
  assert.deepEqual(ok.vars, { 'x:k': 'v' });
  assert.equal(parseCallbackValues(undefined, undefined), undefined);
  const bad: Array<[string | undefined, string | undefined]> = [
    [b64({ callbackBody: 'a' }), undefined],
    [b64({ callbackUrl: 'ftp://a.test/', callbackBody: 'a' }), undefined],
    [b64({ callbackUrl: 'http://[::1]/', callbackBody: 'a' }), undefined],
    [b64({ callbackUrl: 'http://a.test/', callbackBody: 'a', callbackSNI: 'true' }), undefined],
    [b64({ callbackUrl: 'http://a.test/', callbackBody: 'a', callbackBodyType: 'text/xml' }), undefined],
    [b64({ callbackUrl: 'http://a.test/', callbackBody: 'a' }), b64({ 'X:k': 'v' })],
    [b64({ callbackUrl: 'http://a.test/', callbackBody: 'a' }), b64({ 'x:k': 1 })],
    [b64({ callbackUrl: 'http://a.test/', callbackBody: 'a' }), b64({ 'x:k': 'v'.repeat(6000) })],
    [undefined, 'not json!'],
  ];
  for (const [cb, v] of bad) assert.throws(() => parseCallbackValues(cb, v), (e: OssError) => e.status === 400 && e.code === 'InvalidArgument', `${cb} ${v}`);
  assert.equal(parseCallbackValues(b64({ callbackUrl: 'http://a.test/', callbackBody: 'a', callbackBodyType: 'application/json' }), undefined)!.bodyType, JSON_TYPE);
});

test('callback signature: RSA-MD5 over urldecode(path) + raw query + "\\n" + body', async () => {
  const key = await loadOrCreateKey(undefined);
  const svc = new CallbackService({ key, publicKeyUrl: () => 'http://x/_emulator/callback_pub_key.pem', timeoutMs: 1000, maxResponseBytes: 1000 });
  const url = new URL('http://app.test/a%20b/index.php?id=1&index=%2B2');
  const body = Buffer.from('bucket=yonghu-test');
  const sig = Buffer.from(svc.signFor(url, body), 'base64');
  const msg = Buffer.from('/a b/index.php?id=1&index=%2B2\nbucket=yonghu-test');
  assert.ok(verify('md5', msg, createPublicKey(key.publicKeyPem), sig));
  assert.ok(!verify('md5', Buffer.from('/a%20b/index.php?id=1&index=%2B2\nbucket=yonghu-test'), createPublicKey(key.publicKeyPem), sig));
  assert.equal(createPublicKey(key.publicKeyPem).asymmetricKeyDetails?.modulusLength, 1024);
});

test('fault rules: validation, counts, one terminal fault per request', () => {
  const f = new FaultInjector();
  assert.throws(() => f.add({ action: 'explode' }));
  assert.throws(() => f.add({ action: 'error', status: 200 }));
  assert.throws(() => f.add({ action: 'error', count: 0 }));
  assert.throws(() => f.add({ action: 'delay', ms: -1 }));
  f.add([
    { op: 'UploadPart', action: 'error', status: 503, count: 2 },
    { op: 'UploadPart', action: 'drop-before' },
    { op: '*', action: 'delay', ms: 5, keyPrefix: 'slow/' },
  ]);
  assert.equal(f.take('ListParts', 'b', 'k').error, undefined);
  let plan = f.take('UploadPart', 'b', 'slow/k');
  assert.equal(plan.error?.status, 503);
  assert.equal(plan.dropBefore, false, 'the second terminal rule waits its turn');
  assert.equal(plan.delayMs, 5);
  plan = f.take('UploadPart', 'b', 'k');
  assert.equal(plan.error?.status, 503);
  plan = f.take('UploadPart', 'b', 'k');
  assert.equal(plan.error, undefined);
  assert.equal(plan.dropBefore, true);
  assert.deepEqual(f.list().map((r) => r.action), []);
});

test('PutBucketCors XML: parsing and validation', () => {
  const cfg = parseCorsXml(
    '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>',
  );
  assert.deepEqual(cfg, { rules: [{ allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 60 }], responseVary: true });
  const rule = '<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>';
  assert.throws(() => parseCorsXml(`<CORSConfiguration>${rule.repeat(11)}</CORSConfiguration>`), (e: OssError) => e.code === 'InvalidArgument');
  assert.throws(() => parseCorsXml('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>'), (e: OssError) => e.code === 'InvalidArgument');
  assert.throws(() => parseCorsXml('<CORSConfiguration><CORSRule><AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'), (e: OssError) => e.code === 'InvalidArgument');
  assert.throws(() => parseCorsXml('<CORSConfiguration>'), (e: OssError) => e.code === 'MalformedXML');
});

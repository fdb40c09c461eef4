// Pure pieces of the OSS client: endpoints, XML parsing and building, error parsing, backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { objectUrl, resolveEndpoint, normalizeRegion, validateBucketName, hasDotSegment } from '../../shared/oss/endpoint';
import {
  buildCompleteBody,
  escapeXmlText,
  normalizeCompleteParts,
  parseCompleteResult,
  parseErrorFields,
  parseInitiateResult,
  parseListPartsResult,
  parseListUploadsResult,
  parseXml,
  urlDecode,
} from '../../shared/oss/xml';
import { codeForStatus, describeTransportError, OssError, OssProtocolError, ossErrorFromResponse, redact } from '../../shared/oss/errors';
import { backoffDelay, parseRetryAfter } from '../../shared/oss/retry';
import { encodePath } from '../../shared/oss/signer';

// ---------------------------------------------------------------------------------------------
// Endpoints

test('endpoint: regional public, internal, accelerate, virtual-hosted', () => {
  const pub = resolveEndpoint({ region: 'cn-hangzhou' });
  assert.deepEqual({ ...pub }, { region: 'cn-hangzhou', protocol: 'https:', host: 'oss-cn-hangzhou.aliyuncs.com', basePath: '', style: 'virtual' });
  assert.equal(objectUrl(pub, 'b', 'dir/a b+c.txt'), 'https://b.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc.txt');
  assert.equal(resolveEndpoint({ region: 'oss-cn-beijing', internal: true }).host, 'oss-cn-beijing-internal.aliyuncs.com');
  assert.equal(resolveEndpoint({ region: 'cn-beijing', accelerate: true }).host, 'oss-accelerate.aliyuncs.com');
  assert.equal(resolveEndpoint({ region: 'cn-beijing', accelerate: true }).region, 'cn-beijing', 'region stays the bucket region for signing');
  assert.equal(
    objectUrl(resolveEndpoint({ region: 'cn-beijing', internal: true }), 'bk', 'k', [['uploadId', 'x/y+z'], ['uploads', '']]),
    'https://bk.oss-cn-beijing-internal.aliyuncs.com/k?uploadId=x%2Fy%2Bz&uploads',
  );
});

test('endpoint: custom host, scheme, IP => path style, explicit path style, base path', () => {
  const local = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'http://127.0.0.1:9000' });
  assert.equal(local.style, 'path');
  assert.equal(objectUrl(local, 'bucket', 'a/ü.bin'), 'http://127.0.0.1:9000/bucket/a/%C3%BC.bin');
  assert.equal(objectUrl(local, 'bucket', undefined, [['uploads', '']]), 'http://127.0.0.1:9000/bucket/?uploads');
  const v6 = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'http://[::1]:9000' });
  assert.equal(v6.style, 'path');
  const named = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'localhost:9000', secure: false, pathStyle: true });
  assert.equal(objectUrl(named, 'b', 'k'), 'http://localhost:9000/b/k');
  const custom = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com' });
  assert.equal(objectUrl(custom, 'b', 'k'), 'https://b.oss-cn-hangzhou-internal.aliyuncs.com/k');
  const based = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'http://127.0.0.1:8787/oss/' });
  assert.equal(objectUrl(based, 'b', 'k'), 'http://127.0.0.1:8787/oss/b/k');
  // An endpoint that already names the bucket is not prefixed twice.
  const named2 = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'https://b.oss-cn-hangzhou.aliyuncs.com' });
  assert.equal(objectUrl(named2, 'b', 'k'), 'https://b.oss-cn-hangzhou.aliyuncs.com/k');
});

test('endpoint: CNAME puts /<key> on the bound domain', () => {
  const ep = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'https://files.example.com', cname: true });
  assert.equal(ep.style, 'cname');
  assert.equal(objectUrl(ep, 'bucket', 'x/y z', [['partNumber', '1']]), 'https://files.example.com/x/y%20z?partNumber=1');
  assert.throws(() => resolveEndpoint({ region: 'cn-hangzhou', cname: true }), /cname needs an explicit endpoint/);
});

test('endpoint: validation', () => {
  assert.throws(() => resolveEndpoint({ region: 'cn hangzhou' }), /invalid OSS region/);
  assert.throws(() => resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'ftp://x' }), /http or https/);
  assert.throws(() => resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'http://u:p@x' }), /credentials/);
  assert.equal(normalizeRegion('oss-cn-shanghai'), 'cn-shanghai');
  assert.throws(() => validateBucketName('Bad_Bucket'));
  assert.throws(() => validateBucketName('ab'));
  assert.equal(validateBucketName('my-bucket-1'), 'my-bucket-1');
});

test('endpoint: object paths round-trip for any key without . or .. segments (property)', () => {
  const ep = resolveEndpoint({ region: 'cn-hangzhou', endpoint: 'http://127.0.0.1:1' });
  // Keys with dot segments cannot: URL parsing collapses them, which is why the client and the
  // upload tokens refuse them (hasDotSegment). One example of each kind pins that boundary.
  assert.equal(new URL(objectUrl(ep, 'bkt', 'a/../b')).pathname, '/bkt/b');
  assert.equal(hasDotSegment('a/../b'), true);
  assert.equal(hasDotSegment('a/..b/.c'), false);
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((k) => !hasDotSegment(k)), (key) => {
      const url = new URL(objectUrl(ep, 'bkt', key));
      assert.equal(decodeURIComponent(url.pathname), `/bkt/${key}`);
      assert.equal(url.pathname, `/bkt/${encodePath(key)}`);
    }),
  );
});

// ---------------------------------------------------------------------------------------------
// XML

test('xml: values stay strings (20-digit CRC, numeric-looking upload ids and ETags)', () => {
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult>
  <Bucket>b</Bucket><Key>k</Key><UploadId>0004B9895DBBB6EC98E36</UploadId>
  <PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>1</NextPartNumberMarker>
  <MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>
  <Part>
    <PartNumber>1</PartNumber><LastModified>2012-02-23T07:01:34.000Z</LastModified>
    <ETag>"3349DC700140D7F86A078484278075A9"</ETag><HashCrc64ecma>12066172435287683848</HashCrc64ecma>
    <Size>6291456</Size>
  </Part>
</ListPartsResult>`;
  const page = parseListPartsResult(body);
  assert.equal(page.parts.length, 1, 'one Part is still a list');
  assert.equal(page.parts[0].crc64, 12066172435287683848n);
  assert.equal(page.parts[0].etag, '"3349DC700140D7F86A078484278075A9"');
  assert.equal(page.parts[0].size, 6291456);
  assert.equal(page.parts[0].lastModified.toISOString(), '2012-02-23T07:01:34.000Z');
  assert.equal(page.uploadId, '0004B9895DBBB6EC98E36');
  const raw = parseXml('<A><UploadId>1234567890123456789012</UploadId><ETag>1e5</ETag></A>') as { A: Record<string, unknown> };
  assert.equal(raw.A.UploadId, '1234567890123456789012');
  assert.equal(raw.A.ETag, '1e5');
});

test('xml: entities and character references decode once', () => {
  const r = parseInitiateResult('<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>a &amp;amp; &lt;b&gt; &#x41;&#66; </Key><UploadId>U</UploadId></InitiateMultipartUploadResult>');
  assert.equal(r.key, 'a &amp; <b> AB ', 'no trimming, single decoding');
});

test('xml: encoding-type=url decodes Key/Prefix/markers/Delimiter; `+` is a space, %2B a plus', () => {
  assert.equal(urlDecode('dir%2Fa+b%2Bc%E6%B5%8B'), 'dir/a b+c测');
  assert.equal(urlDecode('bad%zz'), 'bad%zz');
  const body = `<ListMultipartUploadsResult>
  <Bucket>b</Bucket><EncodingType>url</EncodingType>
  <KeyMarker>k%2B1</KeyMarker><UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>%E6%B5%8B%E8%AF%95%20x</NextKeyMarker><NextUploadIdMarker>U2</NextUploadIdMarker>
  <Delimiter>%2F</Delimiter><Prefix>p%2B</Prefix><MaxUploads>2</MaxUploads><IsTruncated>true</IsTruncated>
  <Upload><Key>p%2B/%E6%B5%8B%E8%AF%95%20x</Key><UploadId>U2</UploadId><Initiated>2012-02-23T04:18:23.000Z</Initiated></Upload>
  <CommonPrefixes><Prefix>p%2B/dir+1/</Prefix></CommonPrefixes>
</ListMultipartUploadsResult>`;
  const page = parseListUploadsResult(body);
  assert.equal(page.keyMarker, 'k+1');
  assert.equal(page.nextKeyMarker, '测试 x');
  assert.equal(page.delimiter, '/');
  assert.equal(page.prefix, 'p+');
  assert.equal(page.uploads.length, 1);
  assert.equal(page.uploads[0].key, 'p+/测试 x');
  assert.deepEqual(page.commonPrefixes, ['p+/dir 1/']);
  assert.equal(page.isTruncated, true);
  assert.equal(page.nextUploadIdMarker, 'U2');
  // Without <EncodingType> nothing is decoded.
  const plain = parseListUploadsResult('<ListMultipartUploadsResult><Upload><Key>a%2B+b</Key><UploadId>u</UploadId><Initiated>2012-02-23T04:18:23.000Z</Initiated></Upload></ListMultipartUploadsResult>');
  assert.equal(plain.uploads[0].key, 'a%2B+b');
  assert.deepEqual(plain.commonPrefixes, []);
});

test('xml: the doc-table spelling NextUploadMarker is accepted too', () => {
  const p = parseListUploadsResult('<ListMultipartUploadsResult><NextUploadMarker>U9</NextUploadMarker><IsTruncated>true</IsTruncated></ListMultipartUploadsResult>');
  assert.equal(p.nextUploadIdMarker, 'U9');
});

test('xml: Complete result, wrong root and garbage are protocol errors', () => {
  const r = parseCompleteResult('<CompleteMultipartUploadResult><EncodingType>url</EncodingType><Location>http://b.oss-cn-hangzhou.aliyuncs.com/a%2Bb</Location><Bucket>b</Bucket><Key>a%2Bb</Key><ETag>"E-3"</ETag></CompleteMultipartUploadResult>');
  assert.deepEqual(r, { location: 'http://b.oss-cn-hangzhou.aliyuncs.com/a%2Bb', bucket: 'b', key: 'a+b', etag: '"E-3"' });
  assert.throws(() => parseCompleteResult('<Other/>'), OssProtocolError);
  assert.throws(() => parseCompleteResult('{"json":true}'), OssProtocolError);
  assert.throws(() => parseInitiateResult('<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>'), /no UploadId/);
  assert.throws(() => parseListPartsResult('<ListPartsResult><Part><PartNumber>x</PartNumber></Part></ListPartsResult>'), /bad PartNumber/);
});

test('xml: Complete body is sorted, de-duplicated, quoted, escaped, and exact', () => {
  const body = buildCompleteBody([
    { partNumber: 3, etag: 'CCC' },
    { partNumber: 1, etag: '"AAA"' },
    { partNumber: 3, etag: '"CCC"' },
    { partNumber: 2, etag: 'B&<>' },
  ]);
  assert.equal(
    body,
    '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>' +
      '<Part><PartNumber>1</PartNumber><ETag>"AAA"</ETag></Part>' +
      '<Part><PartNumber>2</PartNumber><ETag>"B&amp;&lt;&gt;"</ETag></Part>' +
      '<Part><PartNumber>3</PartNumber><ETag>"CCC"</ETag></Part>' +
      '</CompleteMultipartUpload>',
  );
  // It parses back to the same parts.
  const parsed = parseXml(body) as { CompleteMultipartUpload: { Part: Array<{ PartNumber: string; ETag: string }> } };
  assert.deepEqual(parsed.CompleteMultipartUpload.Part.map((p) => p.ETag), ['"AAA"', '"B&<>"', '"CCC"']);
  assert.throws(() => normalizeCompleteParts([{ partNumber: 1, etag: 'A' }, { partNumber: 1, etag: 'B' }]), /twice/);
  assert.throws(() => normalizeCompleteParts([{ partNumber: 0, etag: 'A' }]), /outside/);
  assert.throws(() => normalizeCompleteParts([{ partNumber: 10001, etag: 'A' }]), /outside/);
  assert.throws(() => normalizeCompleteParts([{ partNumber: 1, etag: '""' }]), /no ETag/);
  assert.throws(() => buildCompleteBody([]), /at least one part/);
  assert.throws(() => escapeXmlText('a\u0001b'), /cannot represent/);
});

// ---------------------------------------------------------------------------------------------
// Errors

function headersOf(h: Record<string, string>): Headers {
  return new Headers(h);
}

test('errors: from the XML body, with EC, HostId, details and hidden signing fields', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message>
<RequestId>6556E3AED11E553933CCDEDF</RequestId><HostId>b.oss-cn-hangzhou.aliyuncs.com</HostId>
<OSSAccessKeyId>LTAIakid</OSSAccessKeyId><SignatureProvided>c2lnbmF0dXJl</SignatureProvided>
<StringToSign>PUT\n\n\nx-oss-security-token:SECRET-TOKEN-123\n/b/k</StringToSign><StringToSignBytes>50 55</StringToSignBytes>
<EC>0002-00000040</EC><RecommendDoc>https://api.aliyun.com/troubleshoot?q=0002-00000040</RecommendDoc></Error>`;
  const err = ossErrorFromResponse(403, headersOf({ 'x-oss-request-id': '6556E3AED11E553933CCDEDF' }), xml, {
    operation: 'PutObject',
    method: 'PUT',
    secrets: ['SECRET-TOKEN-123'],
    clientStringToSign: 'PUT\n\n\nx-oss-security-token:SECRET-TOKEN-123\n/b/k',
  });
  assert.ok(err instanceof OssError);
  assert.equal(err.code, 'SignatureDoesNotMatch');
  assert.equal(err.status, 403);
  assert.equal(err.requestId, '6556E3AED11E553933CCDEDF');
  assert.equal(err.ec, '0002-00000040');
  assert.equal(err.hostId, 'b.oss-cn-hangzhou.aliyuncs.com');
  assert.equal(err.operation, 'PutObject');
  assert.equal(err.source, 'body');
  assert.equal(err.stringToSign, 'PUT\n\n\nx-oss-security-token:[redacted]\n/b/k');
  assert.equal(err.stringToSign, err.clientStringToSign);
  assert.equal(err.signatureProvided, 'c2lnbmF0dXJl');
  assert.deepEqual(err.details, {}, 'sensitive fields are not in details');
  for (const shown of [err.message, JSON.stringify(err), inspect(err)]) {
    assert.ok(!shown.includes('SECRET-TOKEN-123'));
    assert.ok(!shown.includes('c2lnbmF0dXJl'));
    assert.ok(!shown.includes('x-oss-security-token'));
  }
  assert.match(err.message, /^OSS PutObject failed: 403 SignatureDoesNotMatch: The request signature/);
  assert.match(err.message, /request id 6556E3AED11E553933CCDEDF, ec 0002-00000040/);
});

test('errors: from the base64 x-oss-err header (HEAD), and synthesised from the status', () => {
  const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message><RequestId>R1</RequestId><BucketName>nb</BucketName><EC>0015-00000101</EC></Error>';
  const h = headersOf({ 'x-oss-err': Buffer.from(xml).toString('base64'), 'x-oss-ec': '0015-00000101', 'x-oss-request-id': 'R1' });
  const e1 = ossErrorFromResponse(404, h, '', { operation: 'HeadObject', method: 'HEAD' });
  assert.equal(e1.code, 'NoSuchBucket');
  assert.equal(e1.source, 'header');
  assert.equal(e1.details.BucketName, 'nb');
  const e2 = ossErrorFromResponse(404, headersOf({ 'x-oss-request-id': 'R2', 'x-oss-ec': '0026-00000001' }), '', { operation: 'HeadObject', method: 'HEAD' });
  assert.equal(e2.code, 'NoSuchKey');
  assert.equal(e2.ec, '0026-00000001');
  assert.equal(e2.source, 'status');
  const e3 = ossErrorFromResponse(502, headersOf({}), '<html>bad gateway</html>', { operation: 'ListParts', method: 'GET' });
  assert.equal(e3.code, 'BadGateway');
  assert.equal(e3.requestId, '');
  assert.equal(e3.retryable, true);
  const e4 = ossErrorFromResponse(503, headersOf({}), 'upstream overloaded', { operation: 'ListParts' });
  assert.equal(e4.ossMessage, 'upstream overloaded');
  assert.equal(codeForStatus(404, 'DELETE'), 'NotFound');
  assert.equal(codeForStatus(418), 'HttpStatus418');
  assert.equal(ossErrorFromResponse(400, headersOf({}), '', { operation: 'x' }).retryable, false);
  assert.equal(ossErrorFromResponse(429, headersOf({}), '', { operation: 'x' }).retryable, true);
  assert.deepEqual(parseErrorFields('not xml'), undefined);
  // An upload id or key with control characters, NUL included, comes back as references (the
  // emulator writes them so): the Code must still be read, or NoSuchUpload (404) turns into a 502.
  // Found by the fault campaign's fuzzer (FAULT_SEED=1308421016).
  const echoed = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>&#x7;&#x0;&#x10;</UploadId><RequestId>R</RequestId></Error>`;
  const e5 = ossErrorFromResponse(404, headersOf({}), echoed, { operation: 'ListParts', method: 'GET' });
  assert.equal(e5.code, 'NoSuchUpload');
  assert.equal(e5.source, 'body');
});

test('errors: redact and transport classification', () => {
  assert.equal(redact('a SECRETSECRET b SECRETSECRET', ['SECRETSECRET', undefined, 'x']), 'a [redacted] b [redacted]');
  const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
  assert.deepEqual(describeTransportError(refused), { code: 'ECONNREFUSED', detail: 'connect ECONNREFUSED 127.0.0.1:1', mayHaveReachedServer: false });
  const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
  assert.equal(describeTransportError(reset).mayHaveReachedServer, true);
});

// ---------------------------------------------------------------------------------------------
// Backoff

test('backoff: full jitter, exponential, capped, Retry-After as a floor', () => {
  const o = { max: 5, baseMs: 100, capMs: 1000 };
  assert.equal(backoffDelay(0, o, () => 0.999999), 99);
  assert.equal(backoffDelay(2, o, () => 0.999999), 399);
  assert.equal(backoffDelay(10, o, () => 0.999999), 999);
  assert.equal(backoffDelay(3, o, () => 0), 0);
  assert.equal(backoffDelay(0, o, () => 0, 500), 500);
  assert.equal(backoffDelay(0, o, () => 0, 60_000), 1000, 'Retry-After is capped too');
  fc.assert(fc.property(fc.nat(40), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, r) => {
    const d = backoffDelay(n, o, () => r);
    return d >= 0 && d < Math.min(o.capMs, o.baseMs * 2 ** n);
  }));
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
});

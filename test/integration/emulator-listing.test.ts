// ListMultipartUploads: order (key, then uploadId), prefix, delimiter/CommonPrefixes, paging with
// key-marker/upload-id-marker, encoding-type=url; checked against ali-oss's listUploads too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { signHeader, toQueryString, type QueryPairs } from '../../shared/oss/signer';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');

const BUCKET = 'listing-bucket';
let em: RunningEmulator;
const uploads: Array<[string, string]> = [];

async function bucketGet(query: QueryPairs): Promise<string> {
  const sig = signHeader('v4', { method: 'GET', bucket: BUCKET, query }, { credentials: em.credentials, region: 'cn-hangzhou' });
  const res = await fetch(`${em.url}/${BUCKET}/?${toQueryString(query)}`, { headers: sig.headers });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

function all(xml: string, el: string): string[] {
  return [...xml.matchAll(new RegExp(`<${el}>([^<]*)</${el}>`, 'g'))].map((m) => m[1]);
}

function one(xml: string, el: string): string {
  return new RegExp(`<${el}>([^<]*)</${el}>`).exec(xml)?.[1] ?? '<absent>';
}

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
  const oss = new OSS({
    endpoint: `http://localhost:${em.port}`,
    sldEnable: true,
    region: 'oss-cn-hangzhou',
    bucket: BUCKET,
    accessKeyId: em.credentials.accessKeyId,
    accessKeySecret: em.credentials.accessKeySecret,
  });
  for (const key of ['a/1.bin', 'a/2.bin', 'a/sub/3.bin', 'b/4.bin', 'c.bin', 'c.bin', 'c.bin', 'd e+f/ü.bin']) {
    const r = await oss.initMultipartUpload(key);
    uploads.push([key, r.uploadId]);
  }
  uploads.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : 1));
});
after(() => em.close());

test('sorted by key then uploadId; paging with max-uploads=3 visits every upload once', async () => {
  const xml = await bucketGet([['uploads', '']]);
  assert.deepEqual(all(xml, 'Key'), uploads.map((u) => u[0]));
  assert.deepEqual(all(xml, 'UploadId'), uploads.map((u) => u[1]));
  assert.equal(one(xml, 'IsTruncated'), 'false');
  assert.equal(one(xml, 'MaxUploads'), '1000');
  for (const t of all(xml, 'Initiated')) assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);

  const seen: Array<[string, string]> = [];
  let keyMarker = '';
  let uploadIdMarker = '';
  for (let page = 0; page < 10; page++) {
    const q: QueryPairs = [['uploads', ''], ['max-uploads', '3']];
    if (keyMarker) q.push(['key-marker', keyMarker], ['upload-id-marker', uploadIdMarker]);
    const p = await bucketGet(q);
    const keys = all(p, 'Key');
    const ids = all(p, 'UploadId');
    keys.forEach((k, i) => seen.push([k, ids[i]]));
    if (one(p, 'IsTruncated') !== 'true') break;
    assert.equal(keys.length, 3);
    keyMarker = one(p, 'NextKeyMarker');
    uploadIdMarker = one(p, 'NextUploadIdMarker');
    assert.equal(keyMarker, keys[2]);
    assert.equal(uploadIdMarker, ids[2]);
  }
  assert.deepEqual(seen, uploads);
});

test('prefix and delimiter give CommonPrefixes; key-marker alone skips the whole key', async () => {
  const xml = await bucketGet([['uploads', ''], ['delimiter', '/']]);
  assert.deepEqual(all(xml, 'Key'), ['c.bin', 'c.bin', 'c.bin']);
  assert.deepEqual(all(xml, 'Prefix').slice(1), ['a/', 'b/', 'd e+f/']); // first <Prefix> is the request's
  const sub = await bucketGet([['uploads', ''], ['prefix', 'a/'], ['delimiter', '/']]);
  assert.deepEqual(all(sub, 'Key'), ['a/1.bin', 'a/2.bin']);
  assert.deepEqual(all(sub, 'Prefix'), ['a/', 'a/sub/']);
  const afterC = await bucketGet([['uploads', ''], ['key-marker', 'c.bin']]);
  assert.deepEqual(all(afterC, 'Key'), ['d e+f/ü.bin']);
  // upload-id-marker without key-marker is ignored.
  const ignored = await bucketGet([['uploads', ''], ['upload-id-marker', uploads[5][1]]]);
  assert.equal(all(ignored, 'Key').length, uploads.length);
  // Paging over common prefixes: max 1 per page.
  const p1 = await bucketGet([['uploads', ''], ['delimiter', '/'], ['max-uploads', '1']]);
  assert.deepEqual(all(p1, 'Prefix').slice(1), ['a/']);
  assert.equal(one(p1, 'NextKeyMarker'), 'a/');
  const p2 = await bucketGet([['uploads', ''], ['delimiter', '/'], ['max-uploads', '1'], ['key-marker', 'a/']]);
  assert.deepEqual(all(p2, 'Prefix').slice(1), ['b/']);
});

test('encoding-type=url encodes keys, prefixes and markers', async () => {
  const xml = await bucketGet([['uploads', ''], ['encoding-type', 'url'], ['prefix', 'd e+f/']]);
  assert.equal(one(xml, 'EncodingType'), 'url');
  assert.deepEqual(all(xml, 'Key'), ['d%20e%2Bf%2F%C3%BC.bin']);
  assert.equal(one(xml, 'Prefix'), 'd%20e%2Bf%2F');
  assert.equal(decodeURIComponent(all(xml, 'Key')[0]), 'd e+f/ü.bin');
  const bad = signHeader('v4', { method: 'GET', bucket: BUCKET, query: [['uploads', ''], ['encoding-type', 'base64']] }, { credentials: em.credentials, region: 'cn-hangzhou' });
  const r = await fetch(`${em.url}/${BUCKET}/?uploads&encoding-type=base64`, { headers: bad.headers });
  assert.equal(r.status, 400);
});

test('ListParts and Initiate honour encoding-type=url too', async () => {
  const [key, uploadId] = uploads.find((u) => u[0].startsWith('d e'))!;
  const q: QueryPairs = [['uploadId', uploadId], ['encoding-type', 'url']];
  const sig = signHeader('v4', { method: 'GET', bucket: BUCKET, key, query: q }, { credentials: em.credentials, region: 'cn-hangzhou' });
  const res = await fetch(`${em.url}/${BUCKET}/${encodeURIComponent(key).replace(/%2F/g, '/')}?${toQueryString(q)}`, { headers: sig.headers });
  const xml = await res.text();
  assert.equal(res.status, 200, xml);
  assert.equal(one(xml, 'Key'), 'd%20e%2Bf%2F%C3%BC.bin');
  assert.equal(one(xml, 'IsTruncated'), 'false');
  assert.equal(one(xml, 'StorageClass'), 'Standard');
});

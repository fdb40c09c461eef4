// The emulator's CopyObject (driven by our client and by the official ali-oss as oracle), its OSS
// event notifications for created objects, and our client's ListObjectsV2 paging.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import type { OssEventNotification } from '../../infra/emulator/notifications';
import { OssClient } from '../../shared/oss/client';
import { iterateObjects } from '../../shared/oss/paginators';
import { copyObject, getObject, headObject, listObjects, putObject } from '../../shared/oss/objects';
import { completeMultipartUpload, initiateMultipartUpload } from '../../shared/oss/multipart';
import { presignUploadPart } from '../helpers/oss';
import { OssError } from '../../shared/oss/errors';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');
const BUCKET = 'copy-bucket';

let em: RunningEmulator;
let oss: OssClient;
const seen: OssEventNotification[] = [];

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET, 'other-bucket'] });
  oss = new OssClient({ region: em.region, bucket: BUCKET, credentials: em.credentials, endpoint: em.url, pathStyle: true, retries: { max: 0 } });
  em.admin.notifications.add({ events: ['oss:ObjectCreated:PutObject', 'oss:ObjectCreated:CompleteMultipartUpload', 'oss:ObjectCreated:PostObject'], prefix: 'in/', target: (e) => seen.push(e) });
});
after(() => em.close());

const aliOss = () =>
  new OSS({ endpoint: `http://localhost:${em.port}`, sldEnable: true, region: 'oss-cn-hangzhou', bucket: BUCKET, accessKeyId: em.credentials.accessKeyId, accessKeySecret: em.credentials.accessKeySecret, authorizationV4: true });

async function ossError(p: Promise<unknown>): Promise<OssError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OssError) return e;
    throw e;
  }
  assert.fail('expected an OssError');
}

const waitFor = async (pred: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('CopyObject COPY keeps bytes, type, metadata and ETag; ali-oss agrees', async () => {
  const put = await putObject(oss, 'src/a é.png', 'hello copy', { contentType: 'image/png', metadata: { owner: 'alice' } });
  const r = await copyObject(oss, 'src/a é.png', 'dst/a é.png', { ifMatch: put.etag });
  assert.equal(r.etag, put.etag);
  const got = await getObject(oss, 'dst/a é.png');
  assert.equal(Buffer.from(got.body).toString(), 'hello copy');
  assert.equal(got.contentType, 'image/png');
  assert.deepEqual(got.metadata, { owner: 'alice' });
  // The official client: its copy() parses our answer and the object is there.
  const ali = await aliOss().copy('dst/by-ali.png', 'src/a é.png');
  assert.equal(ali.res.status, 200);
  assert.equal(ali.data.etag, put.etag);
  assert.equal((await headObject(oss, 'dst/by-ali.png'))?.metadata.owner, 'alice');
});

test('CopyObject REPLACE takes the request metadata; a self-copy rewrites metadata only', async () => {
  await putObject(oss, 'src/r.txt', 'replace me', { contentType: 'text/plain', metadata: { a: '1' } });
  await copyObject(oss, 'src/r.txt', 'dst/r.txt', { metadataDirective: 'REPLACE', contentType: 'text/csv', metadata: { b: '2' } });
  const info = await headObject(oss, 'dst/r.txt');
  assert.equal(info?.contentType, 'text/csv');
  assert.deepEqual(info?.metadata, { b: '2' });
  await copyObject(oss, 'src/r.txt', 'src/r.txt', { metadata: { c: '3' } });
  const self = await getObject(oss, 'src/r.txt');
  assert.deepEqual(self.metadata, { c: '3' });
  assert.equal(Buffer.from(self.body).toString(), 'replace me');
});

test('CopyObject errors as OSS answers them', async () => {
  await putObject(oss, 'src/e.bin', 'x');
  let e = await ossError(copyObject(oss, 'src/e.bin', 'dst/e.bin', { ifMatch: '"0000"' }));
  assert.equal(e.status, 412);
  assert.equal(e.code, 'PreconditionFailed');
  e = await ossError(copyObject(oss, 'src/missing', 'dst/m'));
  assert.equal(e.status, 404);
  assert.equal(e.code, 'NoSuchKey');
  await putObject(oss, 'dst/exists', 'y');
  e = await ossError(copyObject(oss, 'src/e.bin', 'dst/exists', { forbidOverwrite: true }));
  assert.equal(e.status, 409);
  assert.equal(e.code, 'FileAlreadyExists');
  assert.equal(Buffer.from((await getObject(oss, 'dst/exists')).body).toString(), 'y', 'nothing overwritten');
  e = await ossError(copyObject(oss, 'src/e.bin', 'dst/e2', { metadataDirective: 'MERGE' as 'COPY' }));
  assert.equal(e.status, 400);
  assert.equal(e.code, 'InvalidArgument');
  e = await ossError(copyObject(oss, 'src/e.bin', 'dst/e3', { headers: { 'x-oss-copy-source': '/no-such-bucket/src/e.bin' } }));
  assert.equal(e.code, 'NoSuchBucket');
  e = await ossError(copyObject(oss, 'src/e.bin', 'dst/e4', { headers: { 'x-oss-copy-source': 'nokey' } }));
  assert.equal(e.code, 'InvalidArgument');
  assert.equal(await headObject(oss, 'dst/e2'), null, 'a refused copy writes nothing');
  // If-None-Match on the source: 304, nothing copied.
  const etag = (await headObject(oss, 'src/e.bin'))!.etag;
  e = await ossError(copyObject(oss, 'src/e.bin', 'dst/e5', { headers: { 'x-oss-copy-source-if-none-match': etag } }));
  assert.equal(e.status, 304);
  assert.equal(await headObject(oss, 'dst/e5'), null);
});

test('notifications: created objects under the rule prefix, event names as OSS sends them', async () => {
  seen.length = 0;
  const put = await putObject(oss, 'in/put.txt', 'one');
  await putObject(oss, 'out/ignored.txt', 'two'); // outside the prefix
  const up = await initiateMultipartUpload(oss, 'in/multi.bin');
  const part = await fetch(
    (await presignUploadPart(oss, 'in/multi.bin', up.uploadId, 1, { expires: 60 })).url,
    { method: 'PUT', body: new Uint8Array(10) },
  );
  await completeMultipartUpload(oss, 'in/multi.bin', up.uploadId, { parts: [{ partNumber: 1, etag: part.headers.get('etag')! }] });
  await copyObject(oss, 'in/put.txt', 'in/copied.txt'); // CopyObject is not in the rule
  await waitFor(() => seen.length >= 2);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen.map((e) => [e.events[0].eventName, e.events[0].oss.object.key]), [
    ['ObjectCreated:PutObject', 'in/put.txt'],
    ['ObjectCreated:CompleteMultipartUpload', 'in/multi.bin'],
  ]);
  const [first] = seen[0].events;
  assert.equal(first.oss.object.eTag, put.etag.replace(/"/g, ''));
  assert.equal(first.oss.object.size, 3);
  assert.equal(first.oss.bucket.name, BUCKET);
  assert.equal(first.eventSource, 'acs:oss');
  assert.match(seen[1].events[0].oss.object.eTag, /^[0-9A-F]{32}-1$/);
});

test('notifications to a URL: POSTed as JSON', async () => {
  const bodies: unknown[] = [];
  const sink = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      bodies.push(JSON.parse(b));
      res.end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const rule = em.admin.notifications.add({ events: ['oss:ObjectCreated:*'], prefix: 'url/', target: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/` });
  try {
    await putObject(oss, 'url/a', 'a');
    await copyObject(oss, 'url/a', 'url/b');
    await waitFor(() => bodies.length === 2);
    assert.deepEqual(bodies.map((b) => (b as OssEventNotification).events[0].eventName).sort(), ['ObjectCreated:CopyObject', 'ObjectCreated:PutObject']);
  } finally {
    em.admin.notifications.remove(rule.id);
    sink.close();
  }
});

test('ListObjectsV2 pages through every object under a prefix', async () => {
  for (let i = 0; i < 7; i++) await putObject(oss, `list/${i}`, String(i));
  const page = await listObjects(oss, { prefix: 'list/', maxKeys: 3 });
  assert.equal(page.objects.length, 3);
  assert.equal(page.isTruncated, true);
  const keys: string[] = [];
  for await (const o of iterateObjects(oss, { prefix: 'list/', maxKeys: 3 })) {
    keys.push(o.key);
    assert.equal(o.size, 1);
    assert.ok(o.lastModified.getTime() > 0);
  }
  assert.deepEqual(keys, ['list/0', 'list/1', 'list/2', 'list/3', 'list/4', 'list/5', 'list/6']);
});

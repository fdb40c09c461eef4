// Fault injection: each action (error, delay, drop-before, drop-after, corrupt-crc, corrupt-part), matching by
// operation and key prefix, counts, the admin HTTP API, the programmatic API and the env variable;
// the request log.
import { test, before, after, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { encodePath, signHeader, toQueryString, type QueryPairs } from '../../shared/oss/signer';
import { crc64 } from '../../shared/oss/crc64';

const BUCKET = 'faults-bucket';

let em: RunningEmulator;

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
});
after(() => em.close());
beforeEach(() => em.admin.faults.clear());

async function signed(method: string, key: string, opts: { query?: QueryPairs; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Response> {
  const sig = signHeader('v4', { method, bucket: BUCKET, key, query: opts.query ?? [], headers: opts.headers ?? {} }, { credentials: em.credentials, region: 'cn-hangzhou' });
  const q = toQueryString(opts.query ?? []);
  return fetch(`${em.url}/${BUCKET}/${encodePath(key)}${q ? `?${q}` : ''}`, { method, headers: sig.headers, body: opts.body as BodyInit | undefined });
}

async function newUpload(key: string): Promise<string> {
  const res = await signed('POST', key, { query: [['uploads', '']] });
  assert.equal(res.status, 200);
  return /<UploadId>([^<]+)<\/UploadId>/.exec(await res.text())![1];
}

function partQuery(uploadId: string, n: number): QueryPairs {
  return [['partNumber', String(n)], ['uploadId', uploadId]];
}

async function partNumbers(key: string, uploadId: string): Promise<number[]> {
  const res = await signed('GET', key, { query: [['uploadId', uploadId]] });
  return [...(await res.text()).matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
}

async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${em.url}/_emulator${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('actions', () => {
  test('error: N injected 500s (InternalError) then success; 503 is ServiceUnavailable', async () => {
    const key = 'f/error.bin';
    const uploadId = await newUpload(key);
    em.admin.faults.add({ op: 'UploadPart', action: 'error', status: 500, count: 2 });
    const body = randomBytes(1000);
    for (let i = 0; i < 2; i++) {
      const r = await signed('PUT', key, { query: partQuery(uploadId, 1), body });
      assert.equal(r.status, 500);
      assert.match(await r.text(), /<Code>InternalError<\/Code>/);
      assert.match(r.headers.get('x-oss-request-id')!, /^[0-9A-F]{24}$/);
    }
    assert.deepEqual(await partNumbers(key, uploadId), [], 'errored requests did not take effect');
    const ok = await signed('PUT', key, { query: partQuery(uploadId, 1), body });
    assert.equal(ok.status, 200);
    assert.equal(em.admin.faults.list().length, 0, 'rule used up');

    em.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'error', status: 503 });
    const r = await signed('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' } });
    assert.equal(r.status, 503);
    assert.match(await r.text(), /<Code>ServiceUnavailable<\/Code>/);
  });

  test('delay: the request waits, then succeeds', async () => {
    em.admin.faults.add({ op: 'PutObject', action: 'delay', ms: 300 });
    const t0 = Date.now();
    const r = await signed('PUT', 'f/delay.txt', { body: Buffer.from('x') });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 290, `took ${Date.now() - t0} ms`);
    assert.equal(em.admin.faults.list().length, 0, 'count 1: used up');
  });

  test('drop-before: the connection is cut and the part is not stored', async () => {
    const key = 'f/drop-before.bin';
    const uploadId = await newUpload(key);
    em.admin.faults.add({ op: 'UploadPart', action: 'drop-before' });
    await assert.rejects(signed('PUT', key, { query: partQuery(uploadId, 1), body: randomBytes(2000) }), TypeError);
    assert.deepEqual(await partNumbers(key, uploadId), []);
    assert.equal((await signed('PUT', key, { query: partQuery(uploadId, 1), body: randomBytes(2000) })).status, 200);
  });

  test('drop-after: Complete takes effect but the answer is lost (object exists, upload gone)', async () => {
    const key = 'f/drop-after.bin';
    const uploadId = await newUpload(key);
    const body = randomBytes(5000);
    assert.equal((await signed('PUT', key, { query: partQuery(uploadId, 1), body })).status, 200);
    em.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-after' });
    await assert.rejects(signed('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' } }), TypeError);
    const head = await signed('HEAD', key);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('x-oss-hash-crc64ecma'), crc64(body).toString());
    const again = await signed('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' } });
    assert.equal(again.status, 404);
    assert.match(await again.text(), /NoSuchUpload/);
  });

  test('corrupt-crc: UploadPart and ListParts report a wrong CRC-64; the data is intact', async () => {
    const key = 'f/crc.bin';
    const uploadId = await newUpload(key);
    const body = randomBytes(3000);
    em.admin.faults.add({ op: 'UploadPart', action: 'corrupt-crc' });
    const r = await signed('PUT', key, { query: partQuery(uploadId, 1), body });
    assert.equal(r.status, 200);
    const reported = r.headers.get('x-oss-hash-crc64ecma')!;
    assert.match(reported, /^\d+$/);
    assert.notEqual(reported, crc64(body).toString());

    em.admin.faults.add({ op: 'ListParts', action: 'corrupt-crc' });
    const list = await (await signed('GET', key, { query: [['uploadId', uploadId]] })).text();
    const listed = /<HashCrc64ecma>(\d+)<\/HashCrc64ecma>/.exec(list)![1];
    assert.notEqual(listed, crc64(body).toString());
    const honest = await (await signed('GET', key, { query: [['uploadId', uploadId]] })).text();
    assert.equal(/<HashCrc64ecma>(\d+)<\/HashCrc64ecma>/.exec(honest)![1], crc64(body).toString());

    em.admin.faults.add({ op: 'HeadObject', action: 'corrupt-crc' });
    await signed('POST', key, { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' } });
    assert.notEqual((await signed('HEAD', key)).headers.get('x-oss-hash-crc64ecma'), crc64(body).toString());
    assert.equal((await signed('HEAD', key)).headers.get('x-oss-hash-crc64ecma'), crc64(body).toString());
  });
});

describe('corrupt-part and the request log', () => {
  test('corrupt-part: the PUT is answered as stored intact, but OSS holds other bytes; Complete shows it', async () => {
    const key = 'f/rot.bin';
    const uploadId = await newUpload(key);
    const body = randomBytes(3000);
    em.admin.faults.add({ op: 'UploadPart', action: 'corrupt-part' });
    const r = await signed('PUT', key, { query: partQuery(uploadId, 1), body });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-oss-hash-crc64ecma'), crc64(body).toString(), 'answered with the CRC-64 of the bytes sent');
    const etag = r.headers.get('etag')!;
    const list = await (await signed('GET', key, { query: [['uploadId', uploadId]] })).text();
    const stored = Buffer.from(body);
    stored[0] ^= 0xff;
    assert.equal(/<HashCrc64ecma>(\d+)<\/HashCrc64ecma>/.exec(list)![1], crc64(stored).toString(), 'ListParts reports the stored bytes');
    assert.equal(/<ETag>([^<]+)<\/ETag>/.exec(list)![1], etag, 'the ETag stays the one answered');
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
    const done = await signed('POST', key, { query: [['uploadId', uploadId]], body: Buffer.from(xml) });
    assert.equal(done.status, 200);
    assert.equal(done.headers.get('x-oss-hash-crc64ecma'), crc64(stored).toString());
    const get = await signed('GET', key);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), stored);
  });

  test('the request log: each OSS request with its operation, part number, upload id and status (0 when dropped)', async () => {
    const key = 'f/log.bin';
    const since = em.admin.requests.last;
    const uploadId = await newUpload(key);
    em.admin.faults.add({ op: 'UploadPart', action: 'drop-before' });
    await signed('PUT', key, { query: partQuery(uploadId, 2), body: randomBytes(10) }).catch(() => undefined);
    await signed('PUT', key, { query: partQuery(uploadId, 2), body: randomBytes(10) });
    const seen = em.admin.requests.list({ keyPrefix: key, since }).map((e) => [e.op, e.partNumber, e.uploadId, e.status]);
    assert.deepEqual(seen, [
      ['InitiateMultipartUpload', undefined, undefined, 200],
      ['UploadPart', 2, uploadId, 0],
      ['UploadPart', 2, uploadId, 200],
    ]);
    const res = await admin('GET', `/requests?op=UploadPart&keyPrefix=${encodeURIComponent(key)}&since=${since}`);
    const body = (await res.json()) as { requests: Array<{ partNumber: number; status: number }>; last: number };
    assert.deepEqual(body.requests.map((e) => e.status), [0, 200]);
    assert.equal(body.last, em.admin.requests.last);
    assert.equal((await admin('DELETE', '/requests')).status, 204);
    assert.deepEqual(em.admin.requests.list({ since }), []);
  });
});

describe('matching and APIs', () => {
  test('keyPrefix and op filters; count -1 until cleared; "*" matches any op', async () => {
    em.admin.faults.add({ op: 'PutObject', action: 'error', status: 500, keyPrefix: 'bad/', count: -1 });
    for (let i = 0; i < 3; i++) assert.equal((await signed('PUT', 'bad/x', { body: Buffer.from('1') })).status, 500);
    assert.equal((await signed('PUT', 'good/x', { body: Buffer.from('1') })).status, 200);
    assert.equal((await signed('GET', 'bad/x')).status, 404, 'other ops not affected');
    assert.equal(em.admin.faults.list()[0].fired, 3);
    em.admin.faults.clear();
    assert.equal((await signed('PUT', 'bad/x', { body: Buffer.from('1') })).status, 200);

    em.admin.faults.add({ op: '*', action: 'error', status: 503 });
    assert.equal((await signed('GET', 'good/x')).status, 503);
    assert.equal((await signed('GET', 'good/x')).status, 200);
  });

  test('faults never hide a signature error', async () => {
    em.admin.faults.add({ op: '*', action: 'error', status: 500 });
    const r = await fetch(`${em.url}/${BUCKET}/f/unsigned`);
    assert.equal(r.status, 403);
    assert.equal(em.admin.faults.list().length, 1, 'rule not consumed by a rejected request');
  });

  test('admin HTTP API: POST adds (one or many), GET lists remaining, DELETE clears', async () => {
    let r = await admin('POST', '/faults', { op: 'UploadPart', action: 'error', status: 500, count: 2 });
    assert.equal(r.status, 201);
    const added = (await r.json()) as { added: Array<{ id: string }> };
    assert.equal(added.added.length, 1);
    r = await admin('POST', '/faults', [
      { op: 'ListParts', action: 'delay', ms: 10 },
      { op: 'GetObject', action: 'drop-after' },
    ]);
    assert.equal(r.status, 201);
    r = await admin('GET', '/faults');
    const listed = (await r.json()) as { rules: Array<{ op: string; remaining: number }> };
    assert.deepEqual(listed.rules.map((x) => [x.op, x.remaining]), [['UploadPart', 2], ['ListParts', 1], ['GetObject', 1]]);
    assert.equal((await admin('DELETE', `/faults/${added.added[0].id}`)).status, 204);
    assert.equal(((await (await admin('GET', '/faults')).json()) as { rules: unknown[] }).rules.length, 2);
    assert.equal((await admin('DELETE', '/faults')).status, 204);
    assert.deepEqual(await (await admin('GET', '/faults')).json(), { rules: [] });
    r = await admin('POST', '/faults', { op: 'UploadPart', action: 'explode' });
    assert.equal(r.status, 400);
    const health = await (await admin('GET', '/health')).json();
    assert.equal((health as { ok: boolean }).ok, true);
  });
});

test('OSS_EMULATOR_FAULTS at start, and an admin token', async () => {
  process.env.OSS_EMULATOR_FAULTS = JSON.stringify([{ op: 'PutObject', action: 'error', status: 503, count: 1 }]);
  const other = await startEmulator({ port: 0, memory: true, buckets: [BUCKET], adminToken: 'sesame' });
  delete process.env.OSS_EMULATOR_FAULTS;
  try {
    assert.equal(other.admin.faults.list().length, 1);
    const noToken = await fetch(`${other.url}/_emulator/faults`);
    assert.equal(noToken.status, 403);
    const withToken = await fetch(`${other.url}/_emulator/faults`, { headers: { 'x-emulator-admin': 'sesame' } });
    assert.equal(withToken.status, 200);
    assert.equal(((await withToken.json()) as { rules: unknown[] }).rules.length, 1);
    assert.equal((await fetch(`${other.url}/_emulator/health`)).status, 200, 'health needs no token');
  } finally {
    await other.close();
  }
});

// Disk storage: data survives a restart (objects, open uploads and their parts, CORS rules or their
// deletion, the callback key); half-written bodies are never visible and leave nothing behind;
// leftovers of a crash (temp files, unreferenced blobs, parts of a vanished upload) are swept at
// start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/index';
import { encodePath, signHeader, toQueryString, type QueryPairs } from '../../shared/oss/signer';
import { crc64 } from '../../shared/oss/crc64';

const BUCKET = 'disk-bucket';
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oss-emu-disk-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Polls until `check` holds (the server works asynchronously; machines may be loaded). */
async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function signer(em: RunningEmulator) {
  return async (method: string, key: string, opts: { query?: QueryPairs; headers?: Record<string, string>; body?: BodyInit; duplex?: 'half'; signal?: AbortSignal } = {}) => {
    const sig = signHeader('v4', { method, bucket: BUCKET, key, query: opts.query ?? [], headers: opts.headers ?? {} }, { credentials: em.credentials, region: 'cn-hangzhou' });
    const q = toQueryString(opts.query ?? []);
    return fetch(`${em.url}/${BUCKET}/${encodePath(key)}${q ? `?${q}` : ''}`, {
      method,
      headers: sig.headers,
      body: opts.body,
      signal: opts.signal,
      ...(opts.duplex ? { duplex: opts.duplex } : {}),
    } as RequestInit);
  };
}

test('objects, open uploads, parts, CORS and the callback key survive a restart', async () => {
  const data = randomBytes(150 * 1024);
  const partA = randomBytes(100 * 1024);
  const partB = randomBytes(10);
  let uploadId: string;
  let pem: string;
  {
    const em = await startEmulator({ port: 0, dataDir: dir, buckets: [BUCKET] });
    const s = signer(em);
    assert.equal((await s('PUT', 'kept/object.bin', { body: data as BodyInit })).status, 200);
    const init = await s('POST', 'kept/upload.bin', { query: [['uploads', '']], headers: { 'Content-Type': 'video/mp4', 'x-oss-meta-a': 'b' } });
    uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await init.text())![1];
    assert.equal((await s('PUT', 'kept/upload.bin', { query: [['partNumber', '1'], ['uploadId', uploadId]], body: partA as BodyInit })).status, 200);
    const cors = '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.test</AllowedOrigin><AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>';
    const sig = signHeader('v4', { method: 'PUT', bucket: BUCKET, query: [['cors', '']] }, { credentials: em.credentials, region: 'cn-hangzhou' });
    assert.equal((await fetch(`${em.url}/${BUCKET}/?cors`, { method: 'PUT', headers: sig.headers, body: Buffer.from(cors) as BodyInit })).status, 200);
    pem = em.admin.callbackPublicKey;
    await em.close();
  }
  {
    const em = await startEmulator({ port: 0, dataDir: dir, buckets: [BUCKET] });
    const s = signer(em);
    assert.equal(em.admin.callbackPublicKey, pem, 'callback key persisted in the data dir');
    const got = await s('GET', 'kept/object.bin');
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(data));
    assert.equal(got.headers.get('x-oss-hash-crc64ecma'), crc64(data).toString());
    const parts = await (await s('GET', 'kept/upload.bin', { query: [['uploadId', uploadId]] })).text();
    assert.match(parts, /<PartNumber>1<\/PartNumber>/);
    assert.equal((await s('PUT', 'kept/upload.bin', { query: [['partNumber', '2'], ['uploadId', uploadId]], body: partB as BodyInit })).status, 200);
    const done = await s('POST', 'kept/upload.bin', { query: [['uploadId', uploadId]], headers: { 'x-oss-complete-all': 'yes' } });
    assert.equal(done.status, 200);
    const head = await s('HEAD', 'kept/upload.bin');
    assert.equal(head.headers.get('content-type'), 'video/mp4');
    assert.equal(head.headers.get('x-oss-meta-a'), 'b');
    assert.equal(head.headers.get('x-oss-hash-crc64ecma'), crc64(Buffer.concat([partA, partB])).toString());
    const pre = await fetch(`${em.url}/${BUCKET}/x`, { method: 'OPTIONS', headers: { Origin: 'https://app.test', 'Access-Control-Request-Method': 'PUT' } });
    assert.equal(pre.status, 200, 'CORS rules persisted');
    // Completed upload's part blobs are gone: blobs = the two objects.
    assert.equal((await readdir(join(dir, 'blobs'))).length, 2);
    // Overwrite frees the old blob.
    assert.equal((await s('PUT', 'kept/object.bin', { body: Buffer.from('new') as BodyInit })).status, 200);
    assert.equal((await readdir(join(dir, 'blobs'))).length, 2);
    await em.close();
  }
});

test('deleted CORS rules stay deleted after a restart (no fallback to the defaults)', async () => {
  const own = await mkdtemp(join(tmpdir(), 'oss-emu-cors-'));
  try {
    const cors = (em: RunningEmulator, method: string) =>
      fetch(`${em.url}/${BUCKET}/?cors`, { method, headers: signHeader('v4', { method, bucket: BUCKET, query: [['cors', '']] }, { credentials: em.credentials, region: 'cn-hangzhou' }).headers });
    const preflight = (em: RunningEmulator) =>
      fetch(`${em.url}/${BUCKET}/x`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'PUT' } });
    let em = await startEmulator({ port: 0, dataDir: own, buckets: [BUCKET] });
    assert.equal((await cors(em, 'GET')).status, 200, 'the default rule');
    assert.equal((await preflight(em)).status, 200);
    assert.equal((await cors(em, 'DELETE')).status, 204);
    await em.close();
    em = await startEmulator({ port: 0, dataDir: own, buckets: [BUCKET] });
    assert.equal((await cors(em, 'GET')).status, 404);
    assert.equal((await preflight(em)).status, 403);
    await em.close();
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});

test('a body still streaming is invisible; an aborted one leaves nothing behind', async () => {
  const em = await startEmulator({ port: 0, dataDir: dir, buckets: [BUCKET] });
  const s = signer(em);
  try {
    const before = (await readdir(join(dir, 'blobs'))).length;
    let push!: (b: Uint8Array | null) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (b) => (b ? controller.enqueue(b) : controller.close());
      },
    });
    const total = 3 * 64 * 1024;
    const putting = s('PUT', 'slow/object.bin', { body, duplex: 'half', headers: { 'Content-Length': String(total) } });
    push(randomBytes(64 * 1024));
    await eventually(async () => (await readdir(join(dir, 'tmp'))).length >= 1, 'the body streams into a temp file');
    assert.equal((await s('HEAD', 'slow/object.bin')).status, 404, 'not visible while streaming');
    push(randomBytes(64 * 1024));
    push(randomBytes(64 * 1024));
    push(null);
    assert.equal((await putting).status, 200);
    assert.equal((await s('HEAD', 'slow/object.bin')).headers.get('content-length'), String(total));

    // Now one the client abandons half-way.
    const ac = new AbortController();
    let push2!: (b: Uint8Array) => void;
    const body2 = new ReadableStream<Uint8Array>({ start: (c) => void (push2 = (b) => c.enqueue(b)) });
    const failing = s('PUT', 'slow/aborted.bin', { body: body2, duplex: 'half', signal: ac.signal, headers: { 'Content-Length': String(total) } });
    push2(randomBytes(64 * 1024));
    await eventually(async () => (await readdir(join(dir, 'tmp'))).length >= 1, 'the second body streams into a temp file');
    ac.abort();
    await failing.catch(() => undefined);
    await eventually(async () => (await readdir(join(dir, 'tmp'))).length === 0, 'the temp file is removed');
    assert.equal((await s('HEAD', 'slow/aborted.bin')).status, 404);
    assert.equal((await readdir(join(dir, 'blobs'))).length, before + 1, 'only the completed object added a blob');
  } finally {
    await em.close();
  }
});

test('crash leftovers are swept at start', async () => {
  await writeFile(join(dir, 'tmp', 'half-written.part'), 'junk');
  await writeFile(join(dir, 'blobs', 'orphan-blob'), 'junk');
  await mkdir(join(dir, 'meta', 'parts', BUCKET, 'VANISHEDUPLOAD'), { recursive: true });
  await writeFile(join(dir, 'meta', 'parts', BUCKET, 'VANISHEDUPLOAD', '1.json'), '{}');
  await writeFile(join(dir, 'meta', 'objects', BUCKET, 'x.json.123.tmp'), '{');
  const em = await startEmulator({ port: 0, dataDir: dir, buckets: [BUCKET] });
  try {
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
    assert.ok(!(await readdir(join(dir, 'blobs'))).includes('orphan-blob'));
    assert.ok(!(await readdir(join(dir, 'meta', 'parts', BUCKET))).includes('VANISHEDUPLOAD'));
    assert.ok(!(await readdir(join(dir, 'meta', 'objects', BUCKET))).some((n) => n.endsWith('.tmp')));
    // Everything else is intact.
    assert.equal((await signer(em)('HEAD', 'kept/upload.bin')).status, 200);
  } finally {
    await em.close();
  }
});

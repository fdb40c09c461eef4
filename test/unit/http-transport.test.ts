// nodeHttpFetch (shared/oss/http-transport.ts), OssClient's default transport: what OssClient
// relies on from fetch, checked against raw sockets and against the global fetch itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HeaderMap, nodeHttpFetch, type Transport } from '../../shared/oss/http-transport';
import { OssClient } from '../../shared/oss/client';
import { initiateMultipartUpload } from '../../shared/oss/multipart';
import { getObject } from '../../shared/oss/objects';
import { OssNetworkError, OssTimeoutError } from '../../shared/oss/errors';

/** A raw TCP server: each request line picks a canned behaviour. */
let server: Server;
let base: string;
const sockets = new Set<Socket>();
const seen: string[] = [];

const INITIATE_XML =
  '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>';

before(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      seen.push(buf.slice(0, end + 4 + len));
      buf = '';
      const path = head.split(' ')[1];
      if (path.includes('/cut')) {
        // Headers and half the body, then the connection drops.
        socket.write('HTTP/1.1 200 OK\r\nx-oss-request-id: REQ-CUT\r\ncontent-length: 100\r\n\r\n0123456789');
        setTimeout(() => socket.destroy(), 20);
      } else if (path.includes('/drop')) {
        socket.destroy();
      } else if (path.includes('/hang')) {
        // never answers
      } else if (path.includes('/empty')) {
        socket.write('HTTP/1.1 204 No Content\r\nx-oss-request-id: REQ-204\r\n\r\n');
      } else {
        const body = path.startsWith('/bkt/k') ? INITIATE_XML : 'hello';
        socket.write(
          `HTTP/1.1 200 OK\r\nx-oss-request-id: REQ-1\r\nx-multi: a\r\nx-multi: b\r\ncontent-type: application/xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const init = (over: Partial<Parameters<Transport>[1]> = {}): Parameters<Transport>[1] => ({
  method: 'GET',
  headers: {},
  signal: AbortSignal.timeout(5000),
  redirect: 'manual',
  ...over,
});

test('status, headers (repeated ones joined as fetch does) and body, like the global fetch', async () => {
  for (const transport of [nodeHttpFetch, fetch as unknown as Transport]) {
    const res = await transport(`${base}/ok`, init());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-oss-request-id'), 'REQ-1');
    assert.equal(res.headers.get('x-multi'), 'a, b');
    assert.equal(Buffer.from(await res.arrayBuffer()).toString(), 'hello');
  }
});

test('HeaderMap reads like fetch Headers: any case, repeats joined, names lower-cased', async () => {
  const raw = ['X-OSS-Request-Id', 'R1', 'x-multi', 'a', 'X-Multi', 'b', 'X-Oss-Meta-Owner', 'Zoë', 'Content-Length', '0'];
  const mine = new HeaderMap(raw);
  const theirs = new Headers();
  for (let i = 0; i < raw.length; i += 2) theirs.append(raw[i], raw[i + 1]);
  for (const name of ['x-oss-request-id', 'X-OSS-REQUEST-ID', 'x-multi', 'x-oss-meta-owner', 'content-length', 'absent']) {
    assert.equal(mine.get(name), theirs.get(name), name);
  }
  const seen = (h: { forEach(cb: (v: string, n: string) => void): void }) => {
    const out: Array<[string, string]> = [];
    h.forEach((v, n) => out.push([n, v]));
    return out.sort((a, b) => a[0].localeCompare(b[0]));
  };
  assert.deepEqual(seen(mine), seen(theirs));
  // The transport hands OssClient one of these, not the global Headers (see bundles.test.ts).
  const res = await nodeHttpFetch(`${base}/ok`, init());
  assert.ok(res.headers instanceof HeaderMap);
  await res.arrayBuffer();
});

test('request: method, headers and body bytes sent; content-length 0 for a body-less POST', async () => {
  seen.length = 0;
  await (await nodeHttpFetch(`${base}/ok`, init({ method: 'POST', headers: { 'x-oss-a': '1' }, body: Buffer.from('abc') }))).arrayBuffer();
  await (await nodeHttpFetch(`${base}/ok`, init({ method: 'POST' }))).arrayBuffer();
  assert.match(seen[0], /^POST \/ok HTTP\/1\.1\r\n/);
  assert.match(seen[0], /\r\nx-oss-a: 1\r\n/i);
  assert.match(seen[0], /\r\ncontent-length: 3\r\n/i);
  assert.ok(seen[0].endsWith('\r\n\r\nabc'));
  assert.match(seen[1], /\r\ncontent-length: 0\r\n/i);
});

test('204 and HEAD: an empty body', async () => {
  const res = await nodeHttpFetch(`${base}/empty`, init({ method: 'DELETE' }));
  assert.equal(res.status, 204);
  assert.equal((await res.arrayBuffer()).byteLength, 0);
  const head = await nodeHttpFetch(`${base}/ok`, init({ method: 'HEAD' }));
  assert.equal(head.status, 200);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
});

test('a body cut off after the headers rejects arrayBuffer(); OssClient keeps the request id and knows OSS got it', async () => {
  const res = await nodeHttpFetch(`${base}/cut`, init());
  assert.equal(res.headers.get('x-oss-request-id'), 'REQ-CUT');
  await assert.rejects(res.arrayBuffer(), (e: NodeJS.ErrnoException) => typeof e.code === 'string');

  const client = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials: { accessKeyId: 'AK', accessKeySecret: 'SK' }, endpoint: `${base}`, pathStyle: true, retries: { max: 0 } });
  const err = await getObject(client, 'cut').catch((e) => e);
  assert.ok(err instanceof OssNetworkError, String(err));
  assert.equal(err.mayHaveReachedServer, true);
  assert.equal(err.requestId, 'REQ-CUT');
});

test('a dropped connection: a network error that may have reached the server; refused: one that cannot have', async () => {
  const client = (endpoint: string) =>
    new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials: { accessKeyId: 'AK', accessKeySecret: 'SK' }, endpoint, pathStyle: true, retries: { max: 0 } });
  const dropped = await initiateMultipartUpload(client(`${base}/drop`), 'k').catch((e) => e);
  assert.ok(dropped instanceof OssNetworkError && !(dropped instanceof OssTimeoutError), String(dropped));
  assert.equal(dropped.mayHaveReachedServer, true);

  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await initiateMultipartUpload(client(`http://127.0.0.1:${port}`), 'k').catch((e) => e);
  assert.ok(refused instanceof OssNetworkError);
  assert.equal(refused.code, 'ECONNREFUSED');
  assert.equal(refused.mayHaveReachedServer, false);
});

test('the signal aborts a request that never answers (OssClient: OssTimeoutError)', async () => {
  const started = Date.now();
  await assert.rejects(nodeHttpFetch(`${base}/hang`, init({ signal: AbortSignal.timeout(50) })));
  assert.ok(Date.now() - started < 2000);
  const client = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials: { accessKeyId: 'AK', accessKeySecret: 'SK' }, endpoint: `${base}/hang`, pathStyle: true, timeoutMs: 50 });
  const err = await initiateMultipartUpload(client, 'k').catch((e) => e);
  assert.ok(err instanceof OssTimeoutError, String(err));
  assert.equal(err.attempts, 1);
});

test('OssClient over the default transport parses a real answer', async () => {
  const client = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials: { accessKeyId: 'AK', accessKeySecret: 'SK' }, endpoint: base, pathStyle: true });
  const r = await initiateMultipartUpload(client, 'k');
  assert.equal(r.uploadId, 'U1');
  assert.equal(r.requestId, 'REQ-1');
});

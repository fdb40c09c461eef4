/**
 * Lean answers through the real functions over HTTP: sign (and list) compressed for callers that
 * accept it, and list paged on request (maxParts, partNumberMarker -> nextPartNumberMarker).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startStack, type TestStack } from '../helpers/stack.ts';
import { initUpload, uploadAllParts } from '../helpers/upload.ts';

const KiB = 1024;

/** A raw POST (Node's fetch would decode and hide the coding): status, headers, body bytes. */
function rawPost(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('lean answers', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack();
  });
  after(() => s?.close());

  test('a 1000-part sign answer: brotli or gzip when accepted, plain JSON otherwise, the same parts', async () => {
    const up = await initUpload(s, 1000 * 100 * KiB, 100 * KiB);
    const partNumbers = Array.from({ length: 1000 }, (_, i) => i + 1);
    const auth = { authorization: `Bearer ${s.jwt('alice')}` };
    const plain = await rawPost(`${s.functions.url}/uploads/sign`, { token: up.token, partNumbers }, auth);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    const json = JSON.parse(plain.body.toString());
    assert.equal(json.parts.length, 1000);
    for (const [coding, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
      const r = await rawPost(`${s.functions.url}/uploads/sign`, { token: up.token, partNumbers }, { ...auth, 'accept-encoding': `${coding}` });
      assert.equal(r.headers['content-encoding'], coding);
      assert.match(String(r.headers.vary), /Accept-Encoding/);
      const decoded = JSON.parse(decode(r.body).toString());
      assert.deepEqual(decoded.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size]), json.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size]));
      assert.ok(r.body.length * 8 < plain.body.length, `${coding}: ${r.body.length} of ${plain.body.length} bytes`);
    }
  });

  test('list pages on request and says where the next page starts', async () => {
    const data = randomBytes(4 * 100 * KiB + 10);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    const page = (body: Record<string, unknown>) => s.post('/uploads/list', { token: up.token, ...body });
    const all = await page({});
    assert.equal(all.body.parts.length, 5);
    assert.equal('nextPartNumberMarker' in all.body, false, 'no paging asked, none answered');
    const p1 = await page({ maxParts: 2 });
    assert.deepEqual(p1.body.parts.map((p: { partNumber: number }) => p.partNumber), [1, 2]);
    assert.equal(p1.body.nextPartNumberMarker, 2);
    assert.equal(p1.body.uploadedBytes, 200 * KiB);
    const p2 = await page({ maxParts: 2, partNumberMarker: 2 });
    assert.deepEqual(p2.body.parts.map((p: { partNumber: number }) => p.partNumber), [3, 4]);
    assert.equal(p2.body.nextPartNumberMarker, 4);
    const p3 = await page({ maxParts: 2, partNumberMarker: 4 });
    assert.deepEqual(p3.body.parts.map((p: { partNumber: number }) => p.partNumber), [5]);
    assert.equal(p3.body.nextPartNumberMarker, null);
    const rest = await page({ partNumberMarker: 3 });
    assert.deepEqual(rest.body.parts.map((p: { partNumber: number }) => p.partNumber), [4, 5]);
    assert.equal(rest.body.nextPartNumberMarker, null);
    for (const bad of [{ maxParts: 0 }, { maxParts: 1001 }, { maxParts: '2' }, { partNumberMarker: -1 }, { partNumberMarker: 1.5 }]) {
      const r = await page(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.equal(r.body.error.details.field, Object.keys(bad)[0]);
    }
  });
});

// POST /uploads with signParts: init answers the first parts' URLs as sign would, within the same
// limits (MAX_PARTS_PER_SIGN, the plan, URL_EXPIRES_SECONDS, sizes pinned); bad values start nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { startStack, putParts, type TestStack } from '../helpers/stack.ts';
import { InitResponse } from '../../shared/api/responses.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';
import { getObject } from '../../shared/oss/objects.ts';

const KiB = 1024;
const PART = 100 * KiB;
let s: TestStack;
before(async () => {
  s = await startStack({ env: { MAX_PARTS_PER_SIGN: '4', URL_EXPIRES_SECONDS: '600' } });
});
after(() => s?.close());

async function uploadsInOss(): Promise<number> {
  let n = 0;
  for await (const _ of iterateMultipartUploads(s.oss)) n++;
  return n;
}

const init = (size: number, signParts?: unknown) => s.post('/uploads', { filename: 'data.bin', size, partSize: PART, signParts });

test('signParts: the first parts signed in the init answer; with sign for the rest, the upload completes', async () => {
  const data = randomBytes(4 * PART + 999);
  const r = await init(data.length, 3);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const up = v.parse(InitResponse, r.body);
  assert.equal(up.partCount, 5);
  assert.ok(up.signed);
  assert.deepEqual(up.signed.parts.map((p) => [p.partNumber, p.size, p.method]), [[1, PART, 'PUT'], [2, PART, 'PUT'], [3, PART, 'PUT']]);
  const left = Date.parse(up.signed.expiresAt) - Date.now();
  assert.ok(left > 500_000 && left <= 600_000, `URLs live URL_EXPIRES_SECONDS (${left} ms left)`);
  assert.ok(Date.parse(up.signed.expiresAt) <= Date.parse(up.expiresAt), 'never after the upload token');
  const rest = await s.post('/uploads/sign', { token: up.token, partNumbers: [4, 5] });
  assert.equal(rest.status, 200, JSON.stringify(rest.body));
  const parts = await putParts([...up.signed.parts, ...rest.body.parts], data, PART);
  const done = await s.post('/uploads/complete', { token: up.token, parts });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.ok(Buffer.from((await getObject(s.oss, up.key)).body).equals(data), 'stored bytes equal the file');
});

test('signParts is capped by MAX_PARTS_PER_SIGN and by the plan', async () => {
  const many = await init(10 * PART, 1000);
  assert.equal(many.status, 201, JSON.stringify(many.body));
  assert.deepEqual(many.body.signed.parts.map((p: { partNumber: number }) => p.partNumber), [1, 2, 3, 4], 'MAX_PARTS_PER_SIGN=4');
  const few = await init(PART + 1, 10);
  assert.equal(few.status, 201, JSON.stringify(few.body));
  assert.deepEqual(few.body.signed.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size]), [[1, PART], [2, 1]]);
  const empty = await init(0, 5);
  assert.equal(empty.status, 201, JSON.stringify(empty.body));
  assert.deepEqual(empty.body.signed.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size]), [[1, 0]]);
});

test('without signParts the answer has no signed field', async () => {
  const r = await init(PART);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal('signed' in r.body, false);
});

test('a URL from init is pinned to its part size, as sign\'s are', async () => {
  const r = await init(2 * PART, 2);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const [p1] = r.body.signed.parts;
  const short = await fetch(p1.url, { method: 'PUT', headers: p1.headers, body: randomBytes(PART - 1) });
  assert.equal(short.status, 403, 'a body of another length is refused');
  assert.match(await short.text(), /SignatureDoesNotMatch/);
});

test('bad signParts values: 400 naming the field, and no upload started', async () => {
  const before = await uploadsInOss();
  for (const bad of [0, -1, 1.5, '3', true, 10_001]) {
    const r = await init(PART, bad);
    assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED');
    assert.equal(r.body.error.details.field, 'signParts');
  }
  assert.equal(await uploadsInOss(), before);
});

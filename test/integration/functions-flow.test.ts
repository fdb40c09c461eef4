// The upload functions end to end over HTTP: functions server -> OSS emulator -> callback function.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startStack, putParts, type TestStack } from '../helpers/stack.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';

const KiB = 1024;
let s: TestStack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.close();
});

async function init(size: number, partSize?: number, extra: Record<string, unknown> = {}) {
  const r = await s.post('/uploads', { filename: 'data.bin', size, partSize, contentType: 'application/octet-stream', ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { uploadId: string; key: string; token: string; partSize: number; partCount: number; bucket: string };
}

async function sign(token: string, partNumbers: number[]) {
  const r = await s.post('/uploads/sign', { token, partNumbers });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.parts as Array<{ partNumber: number; url: string; headers: Record<string, string>; size: number; method: string }>;
}

test('3-part upload: init, one batch sign, PUT parts, complete with parts; bytes equal; callback JSON in the response', async () => {
  const data = randomBytes(2 * 100 * KiB + 12345);
  const up = await init(data.length, 100 * KiB);
  assert.equal(up.partCount, 3);
  assert.match(up.key, /^uploads\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{16}\/data\.bin$/);
  const signed = await sign(up.token, [1, 2, 3]);
  assert.deepEqual(signed.map((p) => [p.partNumber, p.size, p.method]), [[1, 102400, 'PUT'], [2, 102400, 'PUT'], [3, 12345, 'PUT']]);
  const parts = await putParts(signed, data, up.partSize);
  const done = await s.post('/uploads/complete', { token: up.token, parts });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const expectedCrc = crc64(data).toString();
  assert.equal(done.body.key, up.key);
  assert.equal(done.body.size, data.length);
  assert.equal(done.body.crc64, expectedCrc);
  assert.equal(done.body.callbackStatus, 'ok');
  // The callback function's JSON, relayed by OSS: it saw the same object.
  assert.equal(done.body.callback.ok, true);
  assert.equal(done.body.callback.key, up.key);
  assert.equal(done.body.callback.size, data.length);
  assert.equal(done.body.callback.crc64, expectedCrc);
  assert.equal(done.body.callback.uploadId, up.uploadId);
  assert.equal(done.body.callback.sub, 'alice');
  const got = await getObject(s.oss, up.key);
  assert.ok(Buffer.from(got.body).equals(data), 'stored bytes equal the file');
  assert.equal(got.crc64, crc64(data));
});

test('1,001-part upload completed without a parts list (server pages through ListParts)', async () => {
  const partSize = 100 * KiB;
  const data = randomBytes(1000 * partSize + 777);
  const up = await init(data.length, partSize);
  assert.equal(up.partCount, 1001);
  const numbers = Array.from({ length: 1001 }, (_, i) => i + 1);
  const signed = [...(await sign(up.token, numbers.slice(0, 1000))), ...(await sign(up.token, numbers.slice(1000)))];
  await putParts(signed, data, partSize, 16);
  const listed = await s.post('/uploads/list', { token: up.token });
  assert.equal(listed.status, 200);
  assert.equal(listed.body.parts.length, 1001);
  assert.equal(listed.body.uploadedBytes, data.length);
  const done = await s.post('/uploads/complete', { token: up.token });
  assert.equal(done.status, 200, JSON.stringify(done.body).slice(0, 500));
  assert.equal(done.body.crc64, crc64(data).toString());
  const head = await headObject(s.oss, up.key);
  assert.equal(head?.size, data.length);
  assert.equal(head?.crc64, crc64(data));
});

test('resume: some parts, list, the rest, complete without parts', async () => {
  const data = randomBytes(3 * 100 * KiB + 5);
  const up = await init(data.length, 100 * KiB);
  assert.equal(up.partCount, 4);
  await putParts(await sign(up.token, [1, 3]), data, up.partSize);
  // A fresh page load: ask what is there, upload what is not.
  const listed = await s.post('/uploads/list', { token: up.token });
  assert.deepEqual(listed.body.parts.map((p: { partNumber: number }) => p.partNumber), [1, 3]);
  assert.equal(listed.body.uploadedBytes, 2 * 100 * KiB);
  for (const p of listed.body.parts) assert.match(p.crc64, /^\d+$/);
  const early = await s.post('/uploads/complete', { token: up.token });
  assert.equal(early.status, 409);
  assert.equal(early.body.error.code, 'INCOMPLETE_UPLOAD');
  assert.deepEqual(early.body.error.details.missing, [2, 4]);
  await putParts(await sign(up.token, [2, 4]), data, up.partSize);
  const done = await s.post('/uploads/complete', { token: up.token });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.ok(Buffer.from((await getObject(s.oss, up.key)).body).equals(data));
});

test('abort twice (both succeed), then sign and complete answer 404', async () => {
  const up = await init(200 * KiB, 100 * KiB);
  await putParts(await sign(up.token, [1]), randomBytes(200 * KiB), up.partSize);
  const a1 = await s.post('/uploads/abort', { token: up.token });
  assert.equal(a1.status, 200);
  assert.deepEqual(a1.body, { aborted: true, alreadyGone: false });
  const a2 = await s.post('/uploads/abort', { token: up.token });
  assert.equal(a2.status, 200);
  assert.deepEqual(a2.body, { aborted: true, alreadyGone: true });
  const sg = await s.post('/uploads/sign', { token: up.token, partNumbers: [2] });
  assert.equal(sg.status, 404);
  assert.equal(sg.body.error.code, 'UPLOAD_NOT_FOUND');
  const c = await s.post('/uploads/complete', { token: up.token });
  assert.equal(c.status, 404);
  assert.equal(c.body.error.code, 'UPLOAD_NOT_FOUND');
  assert.equal(await headObject(s.oss, up.key), null, 'nothing stored');
});

test('a retried complete after the first one took effect succeeds (recovered)', async () => {
  const data = randomBytes(150 * KiB);
  const up = await init(data.length, 100 * KiB);
  await putParts(await sign(up.token, [1, 2]), data, up.partSize);
  const first = await s.post('/uploads/complete', { token: up.token });
  assert.equal(first.status, 200);
  // The caller never saw `first` (say its connection dropped) and tries again.
  const again = await s.post('/uploads/complete', { token: up.token });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.recovered, true);
  assert.equal(again.body.size, data.length);
  assert.equal(again.body.crc64, crc64(data).toString());
  assert.equal(again.body.callbackStatus, 'unknown');
});

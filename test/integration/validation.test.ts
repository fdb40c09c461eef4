// A 400 VALIDATION_FAILED lists every problem of a request at once (details.problems), over HTTP,
// on the JSON API and the Companion facade; nothing is started in OSS for a refused request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type TestStack } from '../helpers/stack.ts';
import { initUpload } from '../helpers/upload.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';

let s: TestStack;
before(async () => {
  s = await startStack();
});
after(() => s?.close());

/** Every upload OSS holds now (a refused request must add none). */
async function uploadsInOss(): Promise<number> {
  let n = 0;
  for await (const _ of iterateMultipartUploads(s.oss)) n++;
  return n;
}

function expectProblems(r: { status: number; body: any; headers: Headers }, expected: Array<[string, RegExp]>) {
  assert.equal(r.status, 400, JSON.stringify(r.body));
  const { error } = r.body;
  assert.equal(error.code, 'VALIDATION_FAILED');
  assert.equal(r.body.message, error.message);
  assert.equal(r.headers.get('x-request-id'), error.requestId);
  assert.deepEqual(error.details.problems.map((p: any) => p.field), expected.map(([f]) => f));
  for (const [i, [, message]] of expected.entries()) assert.match(error.details.problems[i].message, message);
  assert.equal(error.details.field, expected[0][0], 'details.field: the first problem, as before');
  for (const p of error.details.problems) assert.ok(error.message.includes(p.message), 'the message says them all');
}

test('POST /uploads: every wrong field in one answer, and no upload started', async () => {
  const before = await uploadsInOss();
  const r = await s.post('/uploads', { filename: '', size: 1.5, contentType: 3, partSize: 6 * 1024 ** 3, metadata: { 'x-a': 1, 'x-b': 'ok' } });
  expectProblems(r, [
    ['filename', /^filename must not be empty$/],
    ['size', /^size must be an integer$/],
    ['contentType', /^contentType must be a string$/],
    ['partSize', /^partSize must be at most 5 GiB$/],
    ['metadata.x-a', /^metadata\.x-a must be a string$/],
  ]);
  assert.equal(await uploadsInOss(), before);
});

test('sign, list and complete: the token first (401/403), then every wrong field', async () => {
  const up = await initUpload(s, 1000);
  expectProblems(await s.post('/uploads/sign', { token: up.token, partNumbers: [0, 'a', 2], contentMd5: { 1: 'nope' } }), [
    ['partNumbers[0]', /at least 1/],
    ['partNumbers[1]', /must be a number/],
    ['contentMd5.1', /base64 of a 16-byte MD5/],
  ]);
  expectProblems(await s.post('/uploads/list', { token: up.token, maxParts: 0, partNumberMarker: -1 }), [
    ['maxParts', /at least 1/],
    ['partNumberMarker', /at least 0/],
  ]);
  expectProblems(await s.post('/uploads/complete', { token: up.token, parts: [{ partNumber: 1 }], crc64: 12 }), [
    ['parts[0].etag', /is required/],
    ['crc64', /decimal string/],
  ]);
  // Another caller's token with the same bad fields: 403 before any word about the fields.
  const r = await s.post('/uploads/list', { token: up.token, maxParts: 0 }, { sub: 'mallory' });
  assert.equal(r.status, 403);
});

test('the Companion facade: query parameters and bodies, every problem at once', async () => {
  const create = await s.request('POST', '/s3/multipart', { body: { filename: 5, type: [], metadata: 'x' } });
  expectProblems(create, [
    ['filename', /must be a string/],
    ['type', /must be a string/],
    ['metadata', /must be an object/],
  ]);
  const made = await s.request('POST', '/s3/multipart', { body: { filename: 'a.bin' } });
  const id = encodeURIComponent(made.body.uploadId);
  expectProblems(await s.request('GET', `/s3/multipart/${id}/batch?partNumbers=0,x`), [
    ['key', /is required/],
    ['partNumbers', /like 1,2,3/],
  ]);
  expectProblems(await s.request('POST', `/s3/multipart/${id}/complete?key=${encodeURIComponent(made.body.key)}`, { body: { parts: [{ PartNumber: 0, ETag: '' }] } }), [
    ['parts[0].PartNumber', /from 1 to 10000/],
    ['parts[0].ETag', /the ETag OSS returned/],
  ]);
});

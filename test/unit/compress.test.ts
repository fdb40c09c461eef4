/**
 * shared/http/compress.ts: which coding a caller gets, and the sign function's answer through the
 * FC handler: brotli or gzip as base64 with isBase64Encoded, decoding to the same JSON; small
 * answers, callers that accept nothing, and errors go as they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { compressJson, preferredEncoding, MIN_COMPRESS_BYTES } from '../../shared/http/compress.ts';
import { handle } from '../../shared/http/fc-adapter.ts';
import { httpEvent } from '../helpers/fc-event.ts';

test('preferredEncoding: br over gzip, q=0 refuses, * means gzip, nothing means none', () => {
  assert.equal(preferredEncoding('gzip, deflate, br, zstd'), 'br');
  assert.equal(preferredEncoding('gzip, deflate'), 'gzip');
  assert.equal(preferredEncoding('br;q=0, gzip;q=0.5'), 'gzip');
  assert.equal(preferredEncoding('BR'), 'br');
  assert.equal(preferredEncoding('*'), 'gzip');
  assert.equal(preferredEncoding('identity'), undefined);
  assert.equal(preferredEncoding('gzip;q=0'), undefined);
  assert.equal(preferredEncoding(''), undefined);
  assert.equal(preferredEncoding(undefined), undefined);
});

function app() {
  const a = new Hono();
  a.use('*', compressJson());
  a.post('/big', (c) => c.json({ parts: Array.from({ length: 500 }, (_, i) => ({ partNumber: i + 1, url: `https://b.example/k?partNumber=${i + 1}&x=${'y'.repeat(40)}` })) }));
  a.post('/small', (c) => c.json({ ok: true }));
  a.post('/error', (c) => c.json({ error: { code: 'X', message: 'm'.repeat(2000) } }, 400));
  a.post('/text', (c) => c.text('t'.repeat(5000)));
  return a;
}

test('through the FC handler: big JSON compressed (base64, Vary), small JSON and text not', async () => {
  const handler = handle(app());
  for (const [accept, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
    const out = await handler(httpEvent('POST', '/big', { headers: { 'Accept-Encoding': accept }, body: {} }), { requestId: 'r' });
    assert.equal(out.statusCode, 200);
    assert.equal(out.isBase64Encoded, true);
    assert.equal(out.headers['content-encoding'], accept);
    assert.match(out.headers.vary, /Accept-Encoding/);
    const json = JSON.parse(decode(Buffer.from(out.body, 'base64')).toString('utf8'));
    assert.equal(json.parts.length, 500);
    assert.ok(Buffer.from(out.body, 'base64').length < JSON.stringify(json).length / 5);
  }
  const plain = await handler(httpEvent('POST', '/big', { body: {} }), { requestId: 'r' });
  assert.equal(plain.isBase64Encoded, false);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(JSON.parse(plain.body).parts.length, 500);
  const small = await handler(httpEvent('POST', '/small', { headers: { 'Accept-Encoding': 'br' }, body: {} }), { requestId: 'r' });
  assert.ok(small.body.length < MIN_COMPRESS_BYTES);
  assert.equal(small.headers['content-encoding'], undefined);
  assert.deepEqual(JSON.parse(small.body), { ok: true });
  const err = await handler(httpEvent('POST', '/error', { headers: { 'Accept-Encoding': 'gzip' }, body: {} }), { requestId: 'r' });
  assert.equal(err.statusCode, 400);
  assert.equal(JSON.parse(gunzipSync(Buffer.from(err.body, 'base64')).toString()).error.code, 'X');
  const text = await handler(httpEvent('POST', '/text', { headers: { 'Accept-Encoding': 'gzip' }, body: {} }), { requestId: 'r' });
  assert.equal(text.headers['content-encoding'], undefined, 'only JSON');
});

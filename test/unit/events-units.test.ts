// The pieces of the events function that need no OSS: event ids, the key layout parser, the
// OSS event parser, the content check, and Standard Webhooks signing checked by the official
// library (the oracle) and by the specification's formula computed with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { eventIdFor } from '../../shared/events/event';
import { checkContent } from '../../shared/events/content-check';
import { parseOssEvent, OssEventError } from '../../shared/events/oss-event';
import { signedHeaders } from '../../shared/events/webhook';
import { buildObjectKey, parseObjectKey } from '../../shared/policy/keys';

const PNG = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001080600000000', 'hex');
const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1');
const HTML = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
const ELF = Buffer.concat([Buffer.from('7f454c46020101000000000000000000', 'hex'), Buffer.alloc(64)]);

test('event ids: one per object version, the same however the ETag is written', () => {
  const a = eventIdFor('b', 'uploads/u/2025/01/x/a.png', '"ABCDEF"');
  assert.match(a, /^evt_[0-9a-f]{32}$/);
  assert.equal(eventIdFor('b', 'uploads/u/2025/01/x/a.png', 'abcdef'), a);
  assert.notEqual(eventIdFor('b', 'uploads/u/2025/01/x/a.png', 'ABCDEG'), a);
  assert.notEqual(eventIdFor('b', 'uploads/u/2025/01/x/b.png', 'ABCDEF'), a);
  assert.notEqual(eventIdFor('c', 'uploads/u/2025/01/x/a.png', 'ABCDEF'), a);
});

test('parseObjectKey accepts exactly the keys buildObjectKey makes', () => {
  const key = buildObjectKey({ prefix: 'uploads', sub: 'auth0|42', filename: '../報告 v2.pdf' });
  assert.deepEqual(parseObjectKey(key, 'uploads'), { sub: 'auth0|42' });
  assert.deepEqual(parseObjectKey(buildObjectKey({ prefix: 'a/b', sub: 's', filename: 'f' }), '/a/b/'), { sub: 's' });
  for (const k of ['uploads/u/2025/01/rnd', 'uploads/u/2025/13/rnd/f', 'uploads/u/25/01/rnd/f', 'uploads/../2025/01/rnd/f', 'uploads/u/2025/01/rnd/f/g', 'other/u/2025/01/rnd/f', 'uploads/u/2025/01/r%20d/f', 'uploads/u/2025/01/rnd/..']) {
    assert.equal(parseObjectKey(k, 'uploads'), undefined, k);
  }
});

test('parseOssEvent reads the OSS trigger event and refuses anything else', () => {
  const raw = Buffer.from(JSON.stringify({ events: [{ eventName: 'ObjectCreated:PostObject', eventTime: '2025-01-01T00:00:00.000Z', oss: { bucket: { name: 'b' }, object: { key: 'k', eTag: '"E"', size: 3 } } }] }));
  assert.deepEqual(parseOssEvent(raw), [{ eventName: 'ObjectCreated:PostObject', eventTime: '2025-01-01T00:00:00.000Z', bucket: 'b', key: 'k', etag: 'E', size: 3 }]);
  for (const bad of ['nope', '{}', '{"events":[]}', '{"events":[{"eventName":"x"}]}', '{"events":[{"eventName":"x","oss":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}']) {
    assert.throws(() => parseOssEvent(Buffer.from(bad)), OssEventError, bad);
  }
});

test('content check: bytes that are the declared type pass; a .png of HTML does not', async () => {
  const check = (declared: string, head: Uint8Array, allowed = ['*/*']) => checkContent({ declared, head, allowed });
  assert.deepEqual(await check('image/png', PNG), { result: 'verified', declared: 'image/png', detected: 'image/png' });
  assert.deepEqual(await check('image/png', HTML), { result: 'mismatch', declared: 'image/png', detected: null, reason: 'declared image/png, but the bytes are not image/png' });
  assert.equal((await check('image/jpeg', PDF)).result, 'mismatch');
  assert.equal((await check('image/png', new Uint8Array(0))).result, 'mismatch', 'an empty "PNG"');
  // No magic bytes: the declared type, and the event says so.
  assert.deepEqual(await check('text/csv; charset=utf-8', Buffer.from('a,b\n1,2\n')), { result: 'declared-only', declared: 'text/csv', detected: null });
  assert.equal((await check('application/json', Buffer.from('{"a":1}'))).result, 'declared-only');
  assert.equal((await check('text/plain', new Uint8Array(0))).result, 'declared-only');
  // …unless the bytes are something recognisable.
  assert.equal((await check('text/plain', ELF)).result, 'mismatch');
  // A generic declaration takes what the bytes are.
  assert.deepEqual(await check('application/octet-stream', PDF), { result: 'verified', declared: 'application/octet-stream', detected: 'application/pdf' });
  // Synonyms and containers are naming, not mismatches.
  assert.equal((await check('image/jpg', Buffer.from('ffd8ffe000104a4649460001', 'hex'))).result, 'verified');
  assert.equal((await check('image/svg+xml', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'))).result, 'verified');
});

test('content check: the declared and the detected type must be allowed', async () => {
  assert.equal((await checkContent({ declared: 'image/png', head: PNG, allowed: ['image/*'] })).result, 'verified');
  const pdf = await checkContent({ declared: 'application/octet-stream', head: PDF, allowed: ['image/*', 'application/octet-stream'] });
  assert.deepEqual(pdf, { result: 'not-allowed', declared: 'application/octet-stream', detected: 'application/pdf', reason: 'the bytes are application/pdf, which is not allowed' });
  assert.equal((await checkContent({ declared: 'text/html', head: HTML, allowed: ['image/*'] })).result, 'not-allowed');
});

test('signatures verify in the official Standard Webhooks library; tampered or stale ones do not', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const body = JSON.stringify({ id: 'evt_1', type: 'upload.completed', data: { key: 'k' } });
  const now = new Date();
  const headers = signedHeaders(secret, 'evt_1', now, body);
  assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
  // The specification's formula, computed independently.
  const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`evt_1.${Math.floor(now.getTime() / 1000)}.${body}`).digest('base64');
  assert.equal(headers['webhook-signature'], `v1,${mac}`);
  const wh = new Webhook(secret);
  assert.throws(() => wh.verify(body.replace('"k"', '"K"'), headers), WebhookVerificationError, 'tampered body');
  assert.throws(() => wh.verify(body, { ...headers, 'webhook-id': 'evt_2' }), WebhookVerificationError, 'another id');
  const stale = signedHeaders(secret, 'evt_1', new Date(now.getTime() - 10 * 60_000), body);
  assert.throws(() => wh.verify(body, stale), /too old/, 'stale: outside the 5-minute tolerance');
  assert.throws(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers), WebhookVerificationError, 'another secret');
});

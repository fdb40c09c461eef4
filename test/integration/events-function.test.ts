// functions/events against the emulator with hand-made OSS events (no trigger): the cases the
// stack test does not reach on its own: delete mode, a replaced object, a percent-encoded key in
// the event, other buckets and event names, a malformed event, an unreachable receiver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/server.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../infra/local/webhook-receiver.ts';
import { createHandler } from '../../functions/events/index.ts';
import { OssClient } from '../../shared/oss/client.ts';
import { headObject, putObject } from '../../shared/oss/objects.ts';
import { functionEnv, BUCKET } from '../helpers/stack.ts';
import { quarantineKeys } from '../../shared/events/quarantine.ts';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const HTML = '<html><script>alert(1)</script></html>';
let em: RunningEmulator;
let receiver: WebhookReceiver;
let oss: OssClient;
let env: Record<string, string>;

before(async () => {
  em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
  receiver = await startWebhookReceiver({ secret: SECRET });
  oss = new OssClient({ region: em.region, bucket: BUCKET, credentials: em.credentials, endpoint: em.url, pathStyle: true, retries: { max: 0 } });
  env = functionEnv(em, {}, { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, OSS_TIMEOUT_MS: '2000' });
});
after(async () => {
  await receiver.close();
  await em.close();
});

const ossEvent = (key: string, etag: string, extra: { bucket?: string; eventName?: string } = {}) =>
  Buffer.from(JSON.stringify({ events: [{ eventName: extra.eventName ?? 'ObjectCreated:PutObject', eventTime: new Date().toISOString(), oss: { bucket: { name: extra.bucket ?? BUCKET }, object: { key, eTag: etag.replace(/"/g, ''), size: 1 } } }] }));
const key = (name: string) => `uploads/erin/2025/02/${randomBytes(12).toString('base64url')}/${name}`;
const quiet = { log: () => {} };

test('QUARANTINE_MODE=delete: deleted at its key, no copy kept, the record kept, upload.rejected delivered', async () => {
  const handler = createHandler({ env: { ...env, QUARANTINE_MODE: 'delete' }, ...quiet });
  const k = key('fake.pdf');
  const put = await putObject(oss, k, HTML, { contentType: 'application/pdf' });
  const r = await handler(ossEvent(k, put.etag), { requestId: 't' });
  assert.equal(r.outcomes[0].outcome, 'rejected');
  const id = (r.outcomes[0] as { id: string }).id;
  assert.equal(await headObject(oss, k), null);
  assert.equal(await headObject(oss, quarantineKeys('quarantine', id).object), null, 'no copy in delete mode');
  assert.ok(await headObject(oss, quarantineKeys('quarantine', id).record));
  const d = receiver.deliveries.find((x) => x.id === id)!;
  assert.deepEqual((d.event!.data as any).quarantine, { action: 'deleted' });
});

test('with only what s.yaml gives it (no caller or upload-token secret), it judges and delivers', async () => {
  const { AUTH_MODE: _m, AUTH_JWT_SECRET: _j, UPLOAD_TOKEN_SECRET: _u, ...own } = env;
  const handler = createHandler({ env: own, ...quiet });
  const k = key('notes.txt');
  const put = await putObject(oss, k, 'plain text', { contentType: 'text/plain' });
  const r = await handler(ossEvent(k, put.etag), { requestId: 't' });
  assert.equal(r.outcomes[0].outcome, 'delivered');
  assert.ok(receiver.deliveries.some((d) => (d.event!.data as { key?: string }).key === k), 'signed with WEBHOOK_SECRET and received');
});

test('an event about a replaced object (other ETag) delivers nothing and quarantines nothing', async () => {
  const handler = createHandler({ env, ...quiet });
  const k = key('v.txt');
  const first = await putObject(oss, k, 'one', { contentType: 'text/plain' });
  await putObject(oss, k, HTML, { contentType: 'image/png' });
  const before = receiver.deliveries.length;
  const r = await handler(ossEvent(k, first.etag), { requestId: 't' });
  assert.equal(r.outcomes[0].outcome, 'superseded');
  assert.equal(receiver.deliveries.length, before);
  assert.ok(await headObject(oss, k), 'the newer object is untouched (its own event judges it)');
});

test('a percent-encoded key in the event finds the object (OSS does not document the encoding)', async () => {
  const handler = createHandler({ env, ...quiet });
  const k = key('報告 v2.csv');
  const put = await putObject(oss, k, 'a,b\n', { contentType: 'text/csv' });
  const r = await handler(ossEvent(encodeURIComponent(k).replace(/%2F/g, '/'), put.etag), { requestId: 't' });
  assert.equal(r.outcomes[0].outcome, 'delivered');
  assert.equal(r.outcomes[0].key, k);
});

test('other buckets and other event names are ignored; a malformed event fails the invocation', async () => {
  const handler = createHandler({ env, ...quiet });
  const other = await handler(ossEvent(key('a.txt'), 'E', { bucket: 'someone-else' }), { requestId: 't' });
  assert.deepEqual(other.outcomes[0], { outcome: 'ignored', key: other.outcomes[0].key, reason: 'bucket someone-else is not OSS_BUCKET' });
  const removed = await handler(ossEvent(key('a.txt'), 'E', { eventName: 'ObjectRemoved:DeleteObject' }), { requestId: 't' });
  assert.equal(removed.outcomes[0].outcome, 'ignored');
  await assert.rejects(handler(Buffer.from('{"not":"oss"}'), { requestId: 't' }), /not an OSS trigger event/);
});

test('an unreachable receiver or OSS fails the invocation (FC retries it), naming no secret', async () => {
  const k = key('b.txt');
  const put = await putObject(oss, k, 'hello', { contentType: 'text/plain' });
  const down = createHandler({ env: { ...env, WEBHOOK_URL: 'http://127.0.0.1:9/hook?token=s3cr3t' }, ...quiet });
  await assert.rejects(down(ossEvent(k, put.etag), { requestId: 't' }), (e: Error) => /could not reach http:\/\/127\.0\.0\.1:9: ECONNREFUSED/.test(e.message) && !e.message.includes('s3cr3t'));
  const noOss = createHandler({ env: { ...env, OSS_ENDPOINT: 'http://127.0.0.1:9' }, ...quiet });
  await assert.rejects(noOss(ossEvent(k, put.etag), { requestId: 't' }), /1 of 1 object\(s\) failed/);
});

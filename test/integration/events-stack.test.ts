// The events path over the real local stack (npm start's startLocalStack): the emulator's OSS event
// notifications, the asynchronous invoker with s.yaml's retry settings, the events function, the
// quarantine, and a receiver that verifies every delivery with the official standardwebhooks
// library. The receiver here is the test's own (WEBHOOK_URL passes through, as for a person's app),
// so it can fail on purpose; retries are a few milliseconds apart (eventsRetryBaseMs).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { startWebhookReceiver, type Delivery, type WebhookReceiver } from '../../infra/local/webhook-receiver.ts';
import { EVENTS_ASYNC_INVOKE } from '../../functions/events/trigger.ts';
import { quarantineKeys } from '../../shared/events/quarantine.ts';
import { signedHeaders } from '../../shared/events/webhook.ts';
import { createHandler as createSweepHandler } from '../../functions/sweep/index.ts';
import { main as cli } from '../../infra/cli.ts';
import { openApiDocument } from '../../infra/openapi/document.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteObject, getObject, headObject, putObject } from '../../shared/oss/objects.ts';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** A real 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const HTML = Buffer.from('<!doctype html><html><body><script>document.location="https://evil.example"</script></body></html>');

let stack: LocalStack;
let receiver: WebhookReceiver;
/** The status the receiver answers the n-th verified delivery with (n from 1). */
let respond: (n: number, d: Delivery) => number = () => 204;
let count = 0;

before(async () => {
  receiver = await startWebhookReceiver({ secret: SECRET, respond: (d) => respond(++count, d) });
  stack = await startLocalStack({ port: 0, ossPort: 0, memory: true, eventsRetryBaseMs: 5, env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
});
after(async () => {
  for (const d of receiver?.deliveries ?? []) if (d.verified) assertDocumented(d);
  await stack?.close();
  await receiver?.close();
});
/** Every delivery's body is what the OpenAPI document's `webhooks` section says it is (Ajv, strict, as openapi.test.ts). */
const ajv = addFormats(new Ajv2020({ strict: true, strictTypes: false, allErrors: true }));
ajv.addKeyword({ keyword: 'components' });
const documented = Object.fromEntries(
  Object.entries(openApiDocument().webhooks as Record<string, any>).map(([type, item]) => [
    type,
    ajv.compile({ ...item.post.requestBody.content['application/json'].schema, components: openApiDocument().components }),
  ]),
);
function assertDocumented(d: Delivery) {
  const check = documented[d.event!.type];
  assert.ok(check(JSON.parse(d.body)), `${d.body}\n${JSON.stringify(check.errors)}`);
}

beforeEach(() => {
  for (const d of receiver?.deliveries ?? []) if (d.verified) assertDocumented(d);
  respond = () => 204;
  count = 0;
  receiver.deliveries.length = 0;
});

async function call(path: string, body: unknown) {
  const res = await fetch(stack.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  assert.ok(res.ok, `${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The JSON API: init, sign, PUT the parts straight to OSS, complete (a multipart upload). */
async function multipartUpload(data: Buffer, contentType: string, filename = 'file.bin', partSize?: number): Promise<string> {
  const init = await call('/uploads', { filename, size: data.length, contentType, partSize, metadata: { album: 'summer' } });
  const numbers = Array.from({ length: init.partCount }, (_, i) => i + 1);
  const { parts } = await call('/uploads/sign', { token: init.token, partNumbers: numbers });
  const etags = [];
  for (const p of parts) {
    const start = (p.partNumber - 1) * init.partSize;
    const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: data.subarray(start, start + p.size) as unknown as BodyInit });
    assert.equal(res.status, 200);
    etags.push({ partNumber: p.partNumber, etag: res.headers.get('etag') });
  }
  return (await call('/uploads/complete', { token: init.token, parts: etags })).key;
}

/** The Uppy facade's form upload: GET /s3/params, then one POST to OSS. */
async function formUpload(data: Buffer, type: string, filename: string): Promise<string> {
  const res = await fetch(`${stack.url}/s3/params?${new URLSearchParams({ filename, type, 'metadata[name]': filename })}`);
  const params = await res.json();
  assert.equal(res.status, 200, JSON.stringify(params));
  const form = new FormData();
  for (const [k, v] of Object.entries(params.fields as Record<string, string>)) form.set(k, v);
  form.set('file', new Blob([data as unknown as BlobPart], { type }), filename);
  const post = await fetch(params.url, { method: 'POST', body: form });
  assert.ok(post.status < 300, `form POST: ${post.status}`);
  return params.fields.key;
}

/** Waits until the invoker has settled every invocation about `key`. */
async function settled(key: string) {
  const end = Date.now() + 10_000;
  for (;;) {
    const mine = stack.events.invoker.list().filter((i) => JSON.stringify(i.event).includes(JSON.stringify(key)));
    if (mine.length && mine.every((i) => i.state === 'succeeded' || i.state === 'dead-lettered')) return mine;
    if (Date.now() > end) throw new Error(`events for ${key} did not settle: ${JSON.stringify(mine.map((i) => [i.state, i.attempts, i.lastError]))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const deliveriesFor = (key: string) => receiver.deliveries.filter((d) => d.event?.data.key === key);

test('a multipart upload and a form upload each produce one verified upload.completed', async () => {
  const multi = await multipartUpload(randomBytes(300 * 1024), 'application/octet-stream', 'big.bin', 100 * 1024);
  const form = await formUpload(PNG, 'image/png', 'photo.png');
  for (const key of [multi, form]) {
    const [inv] = await settled(key);
    assert.equal(inv.state, 'succeeded');
    const got = deliveriesFor(key);
    assert.equal(got.length, 1, key);
    assert.ok(got[0].verified);
    assert.equal(got[0].event!.type, 'upload.completed');
  }
  const m = deliveriesFor(multi)[0].event!.data as any;
  const head = (await headObject(stack.oss, multi))!;
  assert.deepEqual(
    { size: m.size, etag: m.etag, crc64: m.crc64, sub: m.sub, metadata: m.metadata, bucket: m.bucket },
    { size: 300 * 1024, etag: head.etag.replace(/"/g, ''), crc64: head.crc64!.toString(), sub: 'anonymous', metadata: { album: 'summer' }, bucket: stack.bucket },
  );
  assert.match(m.etag, /-3$/, 'a multipart ETag');
  const f = deliveriesFor(form)[0].event!.data as any;
  assert.deepEqual(f.check, { result: 'verified', declared: 'image/png', detected: 'image/png' });
  assert.equal(f.contentType, 'image/png');
  const csv = await multipartUpload(Buffer.from('a,b\n1,2\n'), 'text/csv', 'data.csv');
  await settled(csv);
  assert.deepEqual((deliveriesFor(csv)[0].event!.data as any).check, { result: 'declared-only', declared: 'text/csv', detected: null }, 'no magic bytes: says so');
});

test('a receiver that fails twice then answers 200 gets the event on the third attempt, one distinct id', async () => {
  respond = (n) => (n <= 2 ? 503 : 200);
  const key = await multipartUpload(PNG, 'image/png', 'retry.png');
  const [inv] = await settled(key);
  assert.equal(inv.state, 'succeeded');
  assert.equal(inv.attempts, 3);
  const got = deliveriesFor(key);
  assert.equal(got.length, 3);
  assert.ok(got.every((d) => d.verified));
  assert.deepEqual(got.map((d) => d.status), [503, 503, 200]);
  assert.equal(new Set(got.map((d) => d.id)).size, 1, 'one id for every delivery');
  assert.equal(new Set(got.map((d) => d.body)).size, 1, 'the same body every time');
  assert.equal(got[0].id, got[0].event!.id);
});

test('a receiver that always fails: dead letter after the configured attempts, intact, then re-delivered', async () => {
  respond = () => 500;
  const key = await multipartUpload(PNG, 'image/png', 'dead.png');
  const [inv] = await settled(key);
  assert.equal(inv.state, 'dead-lettered');
  assert.equal(inv.attempts, 1 + EVENTS_ASYNC_INVOKE.maxAsyncRetryAttempts);
  assert.equal(deliveriesFor(key).length, 1 + EVENTS_ASYNC_INVOKE.maxAsyncRetryAttempts);
  const letters = await stack.events.deadLetters.list();
  const letter = letters.find((d) => d.invocationId === inv.id)!;
  assert.equal(letter.condition, 'RetriesExhausted');
  assert.deepEqual(letter.event, inv.event, 'the OSS event, intact');
  assert.match(letter.error, /answered HTTP 500/);
  assert.doesNotMatch(letter.error, new RegExp(SECRET.slice(6, 20)));
  // The app is back: re-deliver (what `npm run cli -- redeliver` asks the stack to do).
  respond = () => 204;
  const id = deliveriesFor(key)[0].id;
  const res = await fetch(`${stack.url}/_local/events/redeliver`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invocationIds: [inv.id] }) });
  assert.equal(res.status, 200);
  const again = (await res.json()).redelivered[0].invocationId;
  await settled(key);
  assert.equal(stack.events.invoker.list().find((i) => i.id === again)!.state, 'succeeded');
  assert.equal(deliveriesFor(key).at(-1)!.status, 204);
  assert.equal(deliveriesFor(key).at(-1)!.id, id, 'the same id as before');
  assert.equal((await stack.events.deadLetters.list()).some((d) => d.invocationId === inv.id), false, 'taken out of the dead letters');
});

test('a duplicated OSS event (at-least-once, or a function that failed after delivering) yields the same id and body', async () => {
  const key = await formUpload(PNG, 'image/png', 'twice.png');
  const [inv] = await settled(key);
  stack.events.invoker.invoke(inv.event);
  await stack.events.invoker.idle();
  const got = deliveriesFor(key);
  assert.equal(got.length, 2);
  assert.equal(got[0].id, got[1].id);
  assert.equal(got[0].body, got[1].body);
});

test('declared image/png, bytes HTML: quarantined (moved, not at its key), upload.rejected, never completed; the copy does not trigger again', async () => {
  const key = await formUpload(HTML, 'image/png', 'cat.png');
  await settled(key);
  const got = deliveriesFor(key);
  assert.deepEqual(got.map((d) => d.event!.type), ['upload.rejected']);
  const data = got[0].event!.data as any;
  assert.deepEqual(data.check, { result: 'mismatch', declared: 'image/png', detected: null, reason: 'declared image/png, but the bytes are not image/png' });
  const q = quarantineKeys('quarantine', got[0].id);
  assert.deepEqual(data.quarantine, { action: 'moved', key: q.object });
  assert.equal(await headObject(stack.oss, key), null, 'no longer answers at its key');
  assert.equal(Buffer.from((await getObject(stack.oss, q.object)).body).toString(), HTML.toString(), 'kept under the quarantine prefix');
  assert.equal(JSON.parse(Buffer.from((await getObject(stack.oss, q.record)).body).toString()).id, got[0].id);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(!stack.events.invoker.list().some((i) => JSON.stringify(i.event).includes('"quarantine/')), 'quarantine writes are outside the trigger');
  // Through the demo helper too: the page cannot download it any more.
  assert.equal((await fetch(`${stack.url}/_local/objects?${new URLSearchParams({ key })}`)).status, 404);
});

test('quarantined, then the delivery failed: the retry delivers the same upload.rejected (same id), never upload.completed', async () => {
  respond = (n) => (n === 1 ? 502 : 204);
  const key = await multipartUpload(HTML, 'image/jpeg', 'selfie.jpg');
  const [inv] = await settled(key);
  assert.equal(inv.attempts, 2);
  const got = deliveriesFor(key);
  assert.deepEqual(got.map((d) => [d.event!.type, d.status]), [['upload.rejected', 502], ['upload.rejected', 204]]);
  assert.equal(got[0].id, got[1].id);
  assert.equal(got[0].body, got[1].body, 'the recorded rejection, byte for byte');
  assert.deepEqual((inv.result as any).outcomes.map((o: any) => o.outcome), ['rejection-redelivered']);
  // Replayed later (a duplicated event): still the rejection, still the same id.
  stack.events.invoker.invoke(inv.event);
  await stack.events.invoker.idle();
  assert.deepEqual(deliveriesFor(key).map((d) => d.event!.type), ['upload.rejected', 'upload.rejected', 'upload.rejected']);
});

test('objects that are gone, outside KEY_PREFIX, or not of our key layout deliver nothing', async () => {
  const key = await formUpload(PNG, 'image/png', 'short-lived.png');
  const [inv] = await settled(key);
  await deleteObject(stack.oss, key);
  stack.events.invoker.invoke(inv.event);
  await stack.events.invoker.idle();
  assert.equal(deliveriesFor(key).length, 1, 'a replay for a deleted object delivers nothing more');
  assert.equal((stack.events.invoker.list().at(-1)!.result as any).outcomes[0].outcome, 'gone');
  await putObject(stack.oss, 'uploads/hand-made.png', HTML, { contentType: 'image/png' });
  await putObject(stack.oss, 'elsewhere/x.png', HTML, { contentType: 'image/png' });
  await new Promise((r) => setTimeout(r, 50));
  await stack.events.invoker.idle();
  const last = stack.events.invoker.list().at(-1)!;
  assert.deepEqual((last.result as any).outcomes[0], { outcome: 'ignored', key: 'uploads/hand-made.png', reason: 'not a key our uploads make' });
  assert.ok(await headObject(stack.oss, 'uploads/hand-made.png'), 'not ours: not quarantined either');
  assert.ok(!stack.events.invoker.list().some((i) => JSON.stringify(i.event).includes('elsewhere/')), 'outside KEY_PREFIX: no invocation');
  assert.equal(receiver.deliveries.filter((d) => /hand-made|elsewhere/.test(d.body)).length, 0);
});

test('a tampered or stale delivery fails verification in the official library (and at the receiver)', async () => {
  const key = await formUpload(PNG, 'image/png', 'sig.png');
  await settled(key);
  const [d] = deliveriesFor(key);
  const wh = new Webhook(SECRET);
  assert.ok(wh.verify(d.body, d.headers));
  const tampered = d.body.replace('"image/png"', '"text/html"');
  assert.throws(() => wh.verify(tampered, d.headers), WebhookVerificationError);
  const stale = signedHeaders(SECRET, d.id, new Date(Date.now() - 6 * 60_000), d.body);
  assert.throws(() => wh.verify(d.body, stale), /too old/);
  const replay = await fetch(receiver.url, { method: 'POST', headers: { ...stale, 'content-type': 'application/json' }, body: d.body });
  assert.equal(replay.status, 400);
  const forged = await fetch(receiver.url, { method: 'POST', headers: { ...d.headers, 'content-type': 'application/json' }, body: tampered });
  assert.equal(forged.status, 400);
});

test('the sweeper deletes quarantine older than QUARANTINE_MAX_AGE_HOURS', async () => {
  const key = await formUpload(HTML, 'image/png', 'old.png');
  await settled(key);
  const id = deliveriesFor(key)[0].id;
  await new Promise((r) => setTimeout(r, 100));
  // 0.00001 h = 36 ms: everything quarantined so far is older than that.
  const sweep = createSweepHandler({ env: { ...stack.env, QUARANTINE_MAX_AGE_HOURS: '0.00001' } });
  const report = await sweep(Buffer.from('{"triggerTime":"x","triggerName":"t","payload":""}'), { requestId: 'sweep-test' });
  assert.ok(report.quarantine.deleted >= 2, JSON.stringify(report.quarantine));
  assert.equal(await headObject(stack.oss, quarantineKeys('quarantine', id).object), null);
  assert.equal(await headObject(stack.oss, quarantineKeys('quarantine', id).record), null);
});

test('CLI: redeliver --list and redeliver against the stack; --extract finds the OSS event in an onFailure message', async () => {
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await cli(['redeliver', ...argv], { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {} });
    return { code, out, err };
  };
  respond = () => 500;
  const key = await formUpload(PNG, 'image/png', 'cli.png');
  const [inv] = await settled(key);
  assert.equal(inv.state, 'dead-lettered');
  const listed = await run('--stack', stack.url, '--list');
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, new RegExp(`${inv.id} .* RetriesExhausted  ${key.replace(/[.]/g, '\\.')}`));
  respond = () => 204;
  const r = await run('--stack', stack.url, '--id', inv.id);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /re-delivering 1 event/);
  await stack.events.invoker.idle();
  assert.equal(deliveriesFor(key).at(-1)!.status, 204);

  // Production: FC's onFailure record puts the invocation payload in requestPayload (a string).
  const dir = mkdtempSync(join(tmpdir(), 'redeliver-'));
  try {
    const record = { timestamp: 1, requestContext: { requestId: 'r', condition: 'RetriesExhausted' }, requestPayload: JSON.stringify(inv.event), responseContext: { statusCode: 200 } };
    writeFileSync(join(dir, 'msg.json'), JSON.stringify(record));
    writeFileSync(join(dir, 'msg.b64'), Buffer.from(JSON.stringify(record)).toString('base64'));
    for (const f of ['msg.json', 'msg.b64']) {
      const x = await run('--extract', join(dir, f));
      assert.equal(x.code, 0, x.err);
      assert.deepEqual(JSON.parse(x.out), inv.event, f);
    }
    writeFileSync(join(dir, 'none.json'), '{"hello":"world"}');
    assert.equal((await run('--extract', join(dir, 'none.json'))).code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on disk: a stack stopped while an event waits for its retry keeps it as a dead letter; the next one re-delivers it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'events-disk-'));
  let first: LocalStack | undefined;
  let second: LocalStack | undefined;
  try {
    respond = () => 503;
    // A minute between attempts: the stack stops during the wait.
    first = await startLocalStack({ port: 0, ossPort: 0, dataDir, eventsRetryBaseMs: 60_000, env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
    const init = await (await fetch(`${first.url}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: 'a.csv', size: 4, contentType: 'text/csv' }) })).json();
    const { parts } = await (await fetch(`${first.url}/uploads/sign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: init.token, partNumbers: [1] }) })).json();
    const put = await fetch(parts[0].url, { method: 'PUT', headers: parts[0].headers, body: new TextEncoder().encode('a,b\n') });
    await fetch(`${first.url}/uploads/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: init.token, parts: [{ partNumber: 1, etag: put.headers.get('etag') }] }) });
    const end = Date.now() + 10_000;
    while (!first.events.invoker.list().some((i) => i.state === 'retrying')) {
      if (Date.now() > end) throw new Error('no invocation waiting for a retry');
      await new Promise((r) => setTimeout(r, 10));
    }
    await first.close();
    first = undefined;

    respond = () => 204;
    second = await startLocalStack({ port: 0, ossPort: 0, dataDir, eventsRetryBaseMs: 5, env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
    const { deadLetters } = await (await fetch(`${second.url}/_local/events/dead-letters`)).json();
    assert.equal(deadLetters.length, 1);
    assert.equal(deadLetters[0].condition, 'StackStopped');
    assert.equal(deadLetters[0].event.events[0].oss.object.key, init.key);
    await fetch(`${second.url}/_local/events/redeliver`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await second.events.invoker.idle();
    const got = deliveriesFor(init.key);
    assert.equal(got.at(-1)!.status, 204);
    assert.equal(new Set(got.map((d) => d.id)).size, 1);
    assert.equal((await (await fetch(`${second.url}/_local/events/dead-letters`)).json()).deadLetters.length, 0, 'the file no longer holds it');
  } finally {
    await first?.close();
    await second?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('AUTH_MODE=jwt: /_local/events and the dead letters show a caller only their own uploads', async () => {
  const { signHs256Jwt } = await import('../../shared/auth/jwt.ts');
  const secret = 'events-stack-caller-secret-0123456789abcdef';
  const jwtStack = await startLocalStack({ port: 0, ossPort: 0, memory: true, eventsRetryBaseMs: 5, env: { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: secret, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
  try {
    const tokens = { alice: await signHs256Jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 }, secret), bob: await signHs256Jwt({ sub: 'bob', exp: Math.floor(Date.now() / 1000) + 600 }, secret) };
    const bearer = (sub: 'alice' | 'bob') => ({ authorization: `Bearer ${tokens[sub]}` });
    const post = async (path: string, body: unknown, sub: 'alice' | 'bob') => (await fetch(jwtStack.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(sub) }, body: JSON.stringify(body) })).json();
    const init = await post('/uploads', { filename: 'mine.csv', size: 4, contentType: 'text/csv' }, 'alice');
    const { parts } = await post('/uploads/sign', { token: init.token, partNumbers: [1] }, 'alice');
    const put = await fetch(parts[0].url, { method: 'PUT', headers: parts[0].headers, body: new TextEncoder().encode('a,b\n') });
    await post('/uploads/complete', { token: init.token, parts: [{ partNumber: 1, etag: put.headers.get('etag') }] }, 'alice');
    const end = Date.now() + 10_000;
    while (!jwtStack.events.invoker.list().some((i) => i.state === 'succeeded')) {
      if (Date.now() > end) throw new Error('no event');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((await fetch(`${jwtStack.url}/_local/events`)).status, 401, 'no caller, no view');
    const asBob = await (await fetch(`${jwtStack.url}/_local/events`, { headers: bearer('bob') })).json();
    assert.deepEqual(asBob.events, [], "bob does not see alice's uploads");
    const asAlice = await (await fetch(`${jwtStack.url}/_local/events`, { headers: bearer('alice') })).json();
    assert.deepEqual(asAlice.events.map((e: { key: string }) => e.key), [init.key]);
    assert.equal((await fetch(`${jwtStack.url}/_local/events/dead-letters`)).status, 401);
    assert.equal((await fetch(`${jwtStack.url}/_local/events/redeliver`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);
  } finally {
    await jwtStack.close();
  }
});

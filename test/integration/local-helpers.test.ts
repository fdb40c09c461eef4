// The local stack's /_local/* helpers (infra/local/routes.ts) are no path around the policy: under
// AUTH_MODE=jwt they need a valid caller JWT, and they serve only the caller's own objects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { signHs256 } from '../helpers/jwt.ts';

const SECRET = 'local-helpers-caller-jwt-secret-0123456789';
const jwt = (sub: string) => signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);

let stack: LocalStack;
let aliceKey: string;
const data = randomBytes(2048);

before(async () => {
  stack = await startLocalStack({ port: 0, ossPort: 0, memory: true, env: { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET } });
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt('alice')}` }, body: JSON.stringify(body) });
    assert.ok(res.ok, `${path}: ${res.status}`);
    return res.json() as Promise<any>;
  };
  const init = await call('/uploads', { filename: 'mine.bin', size: data.length });
  const { parts } = await call('/uploads/sign', { token: init.token, partNumbers: [1] });
  const put = await fetch(parts[0].url, { method: 'PUT', headers: parts[0].headers, body: data });
  assert.equal(put.status, 200);
  await call('/uploads/complete', { token: init.token });
  aliceKey = init.key;
});
after(() => stack?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.url}${path}`, { headers });

test('AUTH_MODE=jwt: /_local/objects and its download refuse without a caller (401), serve the owner (200) and no one else (403)', async () => {
  for (const path of [`/_local/objects?key=${encodeURIComponent(aliceKey)}`, `/_local/objects/download?key=${encodeURIComponent(aliceKey)}`]) {
    const none = await get(path);
    assert.equal(none.status, 401, path);
    assert.equal(((await none.json()) as any).error.code, 'UNAUTHENTICATED');
    const forged = await get(path, { authorization: `Bearer ${signHs256({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 }, 'another-secret-of-enough-length-0123456789')}` });
    assert.equal(forged.status, 401, path);
    const bob = await get(path, { authorization: `Bearer ${jwt('bob')}` });
    assert.equal(bob.status, 403, path);
    assert.equal(((await bob.json()) as any).error.code, 'FORBIDDEN');
    const alice = await get(path, { cookie: `oss_upload_token=${jwt('alice')}` });
    assert.equal(alice.status, 200, path);
  }
  const download = await get(`/_local/objects/download?key=${encodeURIComponent(aliceKey)}`, { authorization: `Bearer ${jwt('alice')}` });
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(data));
});

test('AUTH_MODE=jwt: the slow-network switch needs a caller too', async () => {
  const r = await fetch(`${stack.url}/_local/network`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"slow":false}' });
  assert.equal(r.status, 401);
  const ok = await fetch(`${stack.url}/_local/network`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt('alice')}` }, body: '{"slow":false}' });
  assert.equal(ok.status, 200);
});

test('local helpers answer errors in the API envelope (errorBody): code, message, requestId matching x-request-id', async () => {
  const crossOrigin = { 'content-type': 'application/json', origin: 'https://evil.example', authorization: `Bearer ${jwt('alice')}` };
  const answers = [
    await fetch(`${stack.url}/_local/network`, { method: 'POST', headers: crossOrigin, body: '{"slow":true}' }),
    await fetch(`${stack.url}/_local/events/redeliver`, { method: 'POST', headers: crossOrigin, body: '{}' }),
    await get(`/_local/objects?key=${encodeURIComponent(aliceKey.replace(/[^/]+$/, 'gone.bin'))}`, { authorization: `Bearer ${jwt('alice')}` }),
    await get('/_local/objects?key=elsewhere', { authorization: `Bearer ${jwt('alice')}` }),
  ];
  const expected: Array<[number, string]> = [[403, 'FORBIDDEN'], [403, 'FORBIDDEN'], [404, 'NOT_FOUND'], [400, 'VALIDATION_FAILED']];
  for (const [i, res] of answers.entries()) {
    const body = (await res.json()) as any;
    assert.deepEqual([res.status, body.error.code], expected[i], JSON.stringify(body));
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.message, body.error.message);
    assert.ok(body.error.requestId, 'a request id');
    assert.equal(res.headers.get('x-request-id'), body.error.requestId);
  }
});

// The callback verifier's key-URL prefix check cannot be escaped with dot segments or encoded
// separators: `<allowed prefix>../elsewhere/key.pem` must not fetch a key from outside the prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackVerifier, callbackSignedMessage } from '../../shared/oss/callback.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/**
 * A key server (serving the attacker's key on any path, 500 for paths with "broken") and a verifier
 * trusting `<origin>/keys/`, with a signature by that key over a fixed body.
 */
async function keyServerAndVerifier(opts: { now?: () => number } = {}) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const fetched: string[] = [];
  const server = createServer((req, res) => {
    fetched.push(req.url ?? '');
    if (req.url?.includes('broken')) res.statusCode = 500;
    res.end(pem);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const body = Buffer.from('{"bucket":"b"}');
  const authorization = sign('md5', callbackSignedMessage('/oss/callback', '', body), privateKey).toString('base64');
  const v = new CallbackVerifier({ keyUrlPrefixes: [`${origin}/keys/`], now: opts.now });
  const verify = (url: string) => v.verify({ path: '/oss/callback', rawQuery: '', body, authorization, pubKeyUrl: b64(url) });
  return { origin, fetched, verify, close: () => server.close() };
}

test('key URLs that leave the configured prefix (dot segments, encoded separators, credentials) are refused without a fetch', async () => {
  // The server serves the attacker's key anywhere: only the prefix check stands between it and the verifier.
  const { origin, fetched, verify, close } = await keyServerAndVerifier();
  try {
    for (const url of [
      `${origin}/keys/../evil/k.pem`,
      `${origin}/keys/%2e%2e/evil/k.pem`,
      `${origin}/keys/%2E%2E/evil/k.pem`,
      `${origin}/keys/./../evil/k.pem`,
      `${origin}/keys/..%2fevil/k.pem`,
      `${origin}/keys/..%5Cevil/k.pem`,
      `${origin}/keys/k.pem#frag`,
      `${origin.replace('http://', 'http://user:pw@')}/keys/k.pem`,
    ]) {
      assert.deepEqual(await verify(url), { ok: false, reason: 'bad-key-url' }, url);
    }
    assert.deepEqual(fetched, [], 'nothing was fetched');
    // The plain URL under the prefix still works (the key there is trusted by configuration).
    assert.equal((await verify(`${origin}/keys/k.pem`)).ok, true);
    assert.deepEqual(fetched, ['/keys/k.pem']);
  } finally {
    close();
  }
});

test('fetched keys: at most 16 URLs kept (oldest dropped), and a failed fetch is remembered for 30 s', async () => {
  const clock = { t: 0 };
  const { origin, fetched, verify, close } = await keyServerAndVerifier({ now: () => clock.t });
  try {
    const count = (path: string) => fetched.filter((f) => f === path).length;

    // Failures are cached: no refetch within 30 s, one after.
    assert.deepEqual(await verify(`${origin}/keys/broken.pem`), { ok: false, reason: 'key-unavailable' });
    assert.deepEqual(await verify(`${origin}/keys/broken.pem`), { ok: false, reason: 'key-unavailable' });
    assert.equal(count('/keys/broken.pem'), 1);
    clock.t += 30_001;
    assert.deepEqual(await verify(`${origin}/keys/broken.pem`), { ok: false, reason: 'key-unavailable' });
    assert.equal(count('/keys/broken.pem'), 2);

    // 20 distinct URLs: the cache keeps the newest 16, so the first is fetched again, the last is not.
    for (let i = 0; i < 20; i++) assert.equal((await verify(`${origin}/keys/k${i}.pem`)).ok, true);
    assert.equal((await verify(`${origin}/keys/k19.pem`)).ok, true);
    assert.equal(count('/keys/k19.pem'), 1, 'the newest is cached');
    assert.equal((await verify(`${origin}/keys/k0.pem`)).ok, true);
    assert.equal(count('/keys/k0.pem'), 2, 'the oldest was dropped');
  } finally {
    close();
  }
});

// The callback verifier over the vectors of the protocol notes (CB1 from OSS's documentation, CB2
// from a real capture), altered copies of them, and keys generated here for configured prefixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackVerifier, callbackSignedMessage, encodeCallbackVar } from '../../shared/oss/callback.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const CB1 = {
  path: '/index.php',
  rawQuery: '?id=1&index=2',
  body: Buffer.from('bucket=yonghu-test'),
  authorization: 'kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==',
  pubKeyUrl: 'aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ==',
};
const CB2 = {
  path: '/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH',
  rawQuery: '',
  body: Buffer.from('{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}'),
  authorization: 'e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==',
  pubKeyUrl: b64('https://gosspublic.alicdn.com/callback_pub_key_v1.pem'),
};

// A fetch that fails the test if called: the pinned key must never need the network.
const noFetch = (() => {
  throw new Error('unexpected fetch');
}) as unknown as typeof fetch;

test('CB1 message digest matches the documented MD5', () => {
  const msg = callbackSignedMessage(CB1.path, CB1.rawQuery, CB1.body);
  assert.equal(createHash('md5').update(msg).digest('hex'), '5b74fc97cc385b45c6c8b7782d5a2140');
});

test('accepts CB1 and CB2 with the pinned key, without fetching', async () => {
  const v = new CallbackVerifier({ fetch: noFetch });
  assert.deepEqual(await v.verify(CB1), { ok: true, keyUrl: 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem' });
  assert.equal((await v.verify(CB2)).ok, true);
});

const altered: Array<[string, Partial<typeof CB1>, string]> = [
  ['body changed', { body: Buffer.from('bucket=yonghu-tesT') }, 'bad-signature'],
  ['query changed', { rawQuery: '?id=2&index=2' }, 'bad-signature'],
  ['query dropped', { rawQuery: '' }, 'bad-signature'],
  ['path changed', { path: '/index.php2' }, 'bad-signature'],
  ['doc typo: space after ?', { rawQuery: '? id=1&index=2' }, 'bad-signature'],
  ['signature from CB2 negative case', { authorization: 'e3LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==' }, 'bad-signature'],
  ['signature not base64', { authorization: '!!!' }, 'bad-signature'],
  ['no signature', { authorization: '' }, 'missing-signature'],
  ['no key url', { pubKeyUrl: '' }, 'missing-signature'],
  ['key url on another host', { pubKeyUrl: b64('https://evil.example.com/callback_pub_key_v1.pem') }, 'untrusted-key-url'],
  ['look-alike host', { pubKeyUrl: b64('https://gosspublic.alicdn.com.evil.example/k.pem') }, 'untrusted-key-url'],
  ['key url not a URL', { pubKeyUrl: b64('file:///etc/passwd') }, 'bad-key-url'],
];
for (const [name, change, reason] of altered) {
  test(`rejects CB1 altered: ${name}`, async () => {
    const v = new CallbackVerifier({ fetch: noFetch });
    assert.deepEqual(await v.verify({ ...CB1, ...change }), { ok: false, reason });
  });
}

test('configured key-URL prefix: fetches the key once, verifies, and still refuses other hosts', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/x-pem-file');
    res.end(pem);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_emulator/`;
  try {
    const body = Buffer.from('{"object":"a/b.bin"}');
    const path = '/oss/callback';
    const sig = sign('md5', callbackSignedMessage(path, '', body), privateKey).toString('base64');
    const req = { path, rawQuery: '', body, authorization: sig, pubKeyUrl: b64(`${base}callback_pub_key.pem`) };
    const v = new CallbackVerifier({ keyUrlPrefixes: [base] });
    assert.equal((await v.verify(req)).ok, true);
    assert.equal((await v.verify(req)).ok, true);
    assert.equal(fetches, 1, 'key cached after the first fetch');
    assert.deepEqual(await v.verify({ ...req, body: Buffer.from('{"object":"a/c.bin"}') }), { ok: false, reason: 'bad-signature' });
    // Same key, served from a prefix nobody configured: refused before any fetch.
    const other = new CallbackVerifier({ keyUrlPrefixes: ['http://127.0.0.1:1/other/'] });
    assert.deepEqual(await other.verify(req), { ok: false, reason: 'untrusted-key-url' });
    assert.equal(fetches, 1);
    // A configured PEM works without fetching, for a URL on an allowed prefix.
    const byPem = new CallbackVerifier({ trustedKeys: [pem], keyUrlPrefixes: [base], fetch: noFetch });
    assert.equal((await byPem.verify(req)).ok, true);
  } finally {
    server.close();
  }
});

test('encodeCallbackVar rejects keys OSS would refuse', () => {
  assert.equal(Buffer.from(encodeCallbackVar({ 'x:upload_id': 'u' }), 'base64').toString(), '{"x:upload_id":"u"}');
  for (const bad of ['upload', 'x:Upper', 'y:a', 'x:']) assert.throws(() => encodeCallbackVar({ [bad]: 'v' }), RangeError);
});

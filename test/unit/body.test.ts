import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { installErrorHandling } from '../../shared/http/errors';
import { readJson } from '../../shared/http/body';
import { handle, type FcEnv } from '../../shared/http/fc-adapter';

const MAX = 64;

function app(opts: { requireJsonContentType?: boolean } = {}) {
  const a = installErrorHandling(new Hono());
  a.post('/', async (c) => c.json({ got: await readJson(c, { maxBytes: MAX, ...opts }) }));
  return a;
}

async function post(body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }, opts = {}) {
  const res = await app(opts).request('/', { method: 'POST', body, headers });
  return { status: res.status, json: await res.json() };
}

/** A body stream with no Content-Length that counts how many chunks were pulled. */
function stream(chunks: number, chunkSize: number) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pulled >= chunks) return ctrl.close();
      pulled++;
      ctrl.enqueue(new Uint8Array(chunkSize).fill(0x20));
    },
  });
  return { body, pulled: () => pulled };
}

describe('readJson', () => {
  it('parses a JSON object', async () => {
    const r = await post('{"filename":"a.txt","size":3}');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.got, { filename: 'a.txt', size: 3 });
  });

  it('accepts application/json with a charset and +json types', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/vnd.api+json', 'Application/JSON']) {
      const r = await post('{"a":1}', { 'content-type': type });
      assert.equal(r.status, 200, type);
    }
  });

  const rejected: Array<[string, BodyInit | null, Record<string, string>, number, string]> = [
    ['invalid JSON', '{"a":', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['an array', '[1,2]', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['null', 'null', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['a number', '42', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['an empty body', '', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) as BodyInit, { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['text/plain', '{"a":1}', { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', new Uint8Array([0x7b, 0x7d]) as BodyInit, {}, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a form', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a body over the cap', JSON.stringify({ a: 'x'.repeat(MAX) }), { 'content-type': 'application/json' }, 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const [label, body, headers, status, code] of rejected) {
    it(`rejects ${label} -> ${status} ${code}`, async () => {
      const r = await post(body, headers);
      assert.equal(r.status, status);
      assert.equal(r.json.error.code, code);
    });
  }

  it('does not echo the body in a JSON parse error', async () => {
    const r = await post('{"token":"eyJsecret-token-value", oops}');
    assert.equal(r.status, 400);
    assert.doesNotMatch(JSON.stringify(r.json), /secret-token-value/);
  });

  it('a body of exactly maxBytes is accepted', async () => {
    const body = JSON.stringify({ a: 'x'.repeat(MAX - 8) });
    assert.equal(Buffer.byteLength(body), MAX);
    assert.equal((await post(body)).status, 200);
  });

  it('rejects on Content-Length alone, without reading the body', async () => {
    const s = stream(10, 16);
    const a = app();
    const res = await a.request(
      new Request('http://x/', {
        method: 'POST',
        body: s.body,
        headers: { 'content-type': 'application/json', 'content-length': '100000' },
        duplex: 'half',
      } as RequestInit),
    );
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.details.maxBytes, MAX);
    assert.equal(s.pulled() <= 1, true, `pulled ${s.pulled()} chunks`);
  });

  it('caps a body without Content-Length while reading and stops early', async () => {
    const s = stream(1000, 16);
    const res = await app().request(
      new Request('http://x/', {
        method: 'POST',
        body: s.body,
        headers: { 'content-type': 'application/json' },
        duplex: 'half',
      } as RequestInit),
    );
    assert.equal(res.status, 413);
    assert.ok(s.pulled() < 20, `pulled ${s.pulled()} chunks`);
  });

  it('rejects a malformed Content-Length with 400', async () => {
    const res = await app().request('/', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'content-length': '1e3' } });
    assert.equal(res.status, 400);
  });

  it('can skip the content-type requirement', async () => {
    const r = await post('{"a":1}', { 'content-type': 'text/plain' }, { requireJsonContentType: false });
    assert.equal(r.status, 200);
  });
});

describe('readJson under the FC adapter: the bytes come from c.env.body', () => {
  const fcApp = () => {
    const a = installErrorHandling(new Hono<FcEnv>());
    a.post('/', async (c) => c.json({ got: await readJson(c, { maxBytes: MAX }) }));
    return handle(a);
  };
  const event = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) => ({
    rawPath: '/',
    body,
    isBase64Encoded: false,
    headers,
    requestContext: { domainName: 'x.fcapp.run', http: { method: 'POST' } },
  });

  it('reads c.env.body, not the Request stream, when the adapter supplied it', async () => {
    const a = installErrorHandling(new Hono<FcEnv>());
    a.post('/', async (c) => c.json({ got: await readJson(c, { maxBytes: MAX }), streamUnread: !c.req.raw.bodyUsed }));
    const req = new Request('https://x/', { method: 'POST', body: '{"from":"stream"}', headers: { 'content-type': 'application/json' } });
    const res = await a.fetch(req, { body: Buffer.from('{"from":"env"}') } as never);
    assert.deepEqual(await res.json(), { got: { from: 'env' }, streamUnread: true });
  });

  it('parses them', async () => {
    const res = await fcApp()(event('{"a":1}'), { requestId: 'r' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(res.body), { got: { a: 1 } });
  });

  it('counts them against the cap even without a Content-Length (413)', async () => {
    const res = await fcApp()(event(JSON.stringify({ a: 'x'.repeat(MAX) })), { requestId: 'r' });
    assert.equal(res.statusCode, 413);
    assert.equal(JSON.parse(res.body).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('a declared Content-Length over the cap is still refused first (413)', async () => {
    const res = await fcApp()(event('{}', { 'Content-Type': 'application/json', 'Content-Length': String(MAX + 1) }), { requestId: 'r' });
    assert.equal(res.statusCode, 413);
  });

  it('keeps the other checks: not UTF-8, not an object (400)', async () => {
    const bad = { ...event(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64')), isBase64Encoded: true };
    assert.equal(JSON.parse((await fcApp()(bad, { requestId: 'r' })).body).error.code, 'INVALID_JSON');
    assert.equal(JSON.parse((await fcApp()(event('[1]'), { requestId: 'r' })).body).error.code, 'INVALID_JSON');
  });
});

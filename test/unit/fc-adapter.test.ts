import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import {
  handle,
  parseEvent,
  isHttpEvent,
  isTimerEvent,
  eventToRequest,
  responseToFc,
  type FcContext,
  type FcEnv,
  type FcHttpEvent,
} from '../../shared/http/fc-adapter';

/** Fixtures are read as Buffers, exactly what FC hands the handler. */
function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/fc-events/${name}.json`, import.meta.url));
}
function fixtureEvent(name: string): FcHttpEvent {
  return JSON.parse(fixture(name).toString('utf8'));
}

const context: FcContext = {
  requestId: 'fc-req-1',
  credentials: { accessKeyId: 'STS.id', accessKeySecret: 'sts-secret', securityToken: 'sts-token' },
  function: { name: 'init', handler: 'index.handler', memory: 256, timeout: 10 },
  region: 'cn-hangzhou',
};

function testApp() {
  const app = new Hono<FcEnv>();
  app.all('/echo', async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.json({
      method: c.req.method,
      url: c.req.url,
      query: c.req.queries(),
      headers: Object.fromEntries(c.req.raw.headers),
      bodyBase64: Buffer.from(bytes).toString('base64'),
      sourceIp: c.env.event.requestContext.http.sourceIp,
      requestId: c.env.context.requestId,
      accessKeyId: c.env.context.credentials?.accessKeyId,
    });
  });
  app.get('/files/*', (c) => c.json({ path: c.req.path, url: c.req.url, name: c.req.query('name') }));
  app.post('/uploads', async (c) => c.json({ got: await c.req.json(), auth: c.req.header('authorization') }, 201));
  app.get('/cookies', (c) => {
    setCookie(c, 'a', '1', { path: '/', maxAge: 3600 });
    // An Expires date holds a comma: the two cookies must still both be there.
    c.header('set-cookie', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly', { append: true });
    return c.json({ ok: true });
  });
  return app;
}

const handler = handle(testApp());

describe('parseEvent and event guards', () => {
  it('parses a Buffer, a string and an object alike', () => {
    const buf = fixture('timer');
    const fromBuf = parseEvent(buf);
    assert.deepEqual(parseEvent(buf.toString('utf8')), fromBuf);
    assert.deepEqual(parseEvent(fromBuf), fromBuf);
    assert.equal(fromBuf.triggerName, 'timer-trigger');
  });

  it('recognises a timer event and does not take it for HTTP', () => {
    const ev = parseEvent(fixture('timer'));
    assert.ok(isTimerEvent(ev));
    assert.ok(!isHttpEvent(ev));
    assert.deepEqual(JSON.parse((ev as { payload: string }).payload), { dryRun: false });
  });

  it('recognises an HTTP event', () => {
    const ev = parseEvent(fixture('post-json'));
    assert.ok(isHttpEvent(ev));
    assert.ok(!isTimerEvent(ev));
  });

  for (const [label, raw] of [
    ['invalid JSON', Buffer.from('{nope')],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['a JSON string', '"x"'],
  ] as const) {
    it(`rejects ${label} with a TypeError`, () => {
      assert.throws(() => parseEvent(raw), TypeError);
    });
  }
});

describe('handle(app): request translation', () => {
  it('GET with query parameters, FC context and raw event reach the app', async () => {
    const res = await handler(fixture('get-with-query'), context);
    assert.equal(res.statusCode, 200);
    assert.equal(res.isBase64Encoded, false);
    const body = JSON.parse(res.body);
    assert.equal(body.method, 'GET');
    assert.equal(body.url, 'https://abcdefghij.cn-hangzhou.fcapp.run/echo?filename=report+2024.pdf&size=1024');
    assert.deepEqual(body.query, { filename: ['report 2024.pdf'], size: ['1024'] });
    assert.equal(body.sourceIp, '11.11.11.**');
    assert.equal(body.requestId, 'fc-req-1');
    assert.equal(body.accessKeyId, 'STS.id');
  });

  it('POST JSON keeps the body, headers and status', async () => {
    const res = await handler(fixture('post-json'), context);
    assert.equal(res.statusCode, 201);
    const body = JSON.parse(res.body);
    assert.deepEqual(body.got, { filename: 'photo.jpg', size: 1048576, contentType: 'image/jpeg' });
    assert.equal(body.auth, 'Bearer test-token');
    assert.match(res.headers['content-type'], /^application\/json/);
  });

  it('decodes a base64 binary body byte for byte', async () => {
    const res = await handler(fixture('post-base64-binary'), context);
    const body = JSON.parse(res.body);
    assert.deepEqual([...Buffer.from(body.bodyBase64, 'base64')], [0x00, 0xff, 0x10, 0x80, 0xfe, 0x41, 0x0a, 0x00]);
    assert.equal(body.headers['content-type'], 'application/octet-stream');
    assert.equal(body.headers['content-length'], '8');
  });

  it('a text body does not gain an invented content type', async () => {
    const ev = fixtureEvent('post-json');
    delete ev.headers!['Content-Type'];
    const req = eventToRequest(ev);
    assert.equal(req.headers.get('content-type'), null);
    assert.equal(await req.text(), ev.body);
  });

  it('passes comma-joined multi-values through unsplit (they cannot be told apart)', async () => {
    const res = await handler(fixture('multi-values'), context);
    const body = JSON.parse(res.body);
    assert.deepEqual(body.query.partNumbers, ['1,2,3']);
    assert.deepEqual(body.query.tag, ['x,y']);
    assert.equal(body.headers['x-custom'], 'value1,value2');
    assert.equal(body.headers.cookie, 'a=1; oss_upload_token=abc,b=2');
  });

  it('keeps rawPath encoded in the URL; the app sees the decoded non-ASCII path', async () => {
    const res = await handler(fixture('encoded-path-non-ascii'), context);
    const body = JSON.parse(res.body);
    assert.equal(
      body.url,
      'https://abcdefghij.cn-hangzhou.fcapp.run/files/caf%C3%A9%20%E6%96%87%E4%BB%B6/a%2Fb?name=%E6%96%87%E4%BB%B6+%C3%BC',
    );
    // %2F stays an encoded slash inside one segment: the decoded path must not invent a segment
    // boundary before routing, which is why rawPath (not http.path) builds the URL.
    assert.equal(body.path, '/files/café 文件/a%2Fb');
    assert.equal(body.name, '文件 ü');
  });

  it('treats canonical header names case-insensitively', async () => {
    const res = await handler(fixture('canonical-headers'), context);
    const body = JSON.parse(res.body);
    assert.equal(body.headers['accept-encoding'], 'gzip, deflate, br');
    assert.equal(body.headers['x-oss-meta-owner'], 'alice');
    assert.equal(body.headers.authorization, 'Bearer abc.def.ghi');
  });

  it('hands the app the body bytes beside the Request (c.env.body), equal to what the Request holds', async () => {
    const seen: Array<{ env?: number[]; raw: number[] }> = [];
    const app = new Hono<FcEnv>();
    app.all('*', async (c) => {
      const env = c.env.body ? [...c.env.body] : undefined;
      seen.push({ env, raw: [...new Uint8Array(await c.req.arrayBuffer())] });
      return c.body(null, 204);
    });
    const h = handle(app);
    await h(fixture('post-base64-binary'), context);
    await h(fixture('post-json'), context);
    await h(fixture('get-with-stray-body'), context);
    assert.deepEqual(seen[0].env, [0x00, 0xff, 0x10, 0x80, 0xfe, 0x41, 0x0a, 0x00]);
    assert.deepEqual(seen[1].env, [...Buffer.from(fixtureEvent('post-json').body!, 'utf8')]);
    for (const s of seen.slice(0, 2)) assert.deepEqual(s.env, s.raw);
    assert.deepEqual(seen[2], { env: undefined, raw: [] }, 'a dropped GET body is not handed over either');
  });

  it('drops a stray body on GET instead of throwing', async () => {
    const res = await handler(fixture('get-with-stray-body'), context);
    assert.equal(res.statusCode, 200);
    assert.equal(JSON.parse(res.body).bodyBase64, '');
  });

  it('drops a stray body on HEAD and returns no body', async () => {
    const res = await handler(fixture('head-with-stray-body'), context);
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    assert.equal(res.isBase64Encoded, false);
  });

  it('a path like //host cannot change the URL authority', () => {
    const ev = fixtureEvent('get-with-query');
    ev.rawPath = '//evil.example/x';
    const url = new URL(eventToRequest(ev).url);
    assert.equal(url.host, 'abcdefghij.cn-hangzhou.fcapp.run');
  });

  it('falls back to the decoded path when rawPath is missing', () => {
    const ev = fixtureEvent('encoded-path-non-ascii');
    (ev as Partial<FcHttpEvent>).rawPath = undefined;
    ev.queryParameters = {};
    assert.equal(new URL(eventToRequest(ev).url).pathname, '/files/caf%C3%A9%20%E6%96%87%E4%BB%B6/a/b');
  });

  it('a timer event given to the HTTP handler fails with a clear TypeError', async () => {
    await assert.rejects(handler(fixture('timer'), context), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match(err.message, /Not an FC HTTP-trigger event/);
      return true;
    });
  });

  it('an event without requestContext fails with a clear TypeError', async () => {
    await assert.rejects(handler(fixture('missing-request-context'), context), /no requestContext\.http\.method/);
  });
});

describe('handle(app): response translation', () => {
  it('keeps both Set-Cookie values, joined into one set-cookie value', async () => {
    const res = await handler(fixture('set-cookie-route'), context);
    const cookie = res.headers['set-cookie'];
    assert.ok(cookie, 'set-cookie present');
    assert.equal(cookie, 'a=1; Max-Age=3600; Path=/, b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly');
  });

  it('drops headers FC reserves', async () => {
    const res = await responseToFc(
      new Response('{}', {
        headers: { 'content-type': 'application/json', 'content-length': '2', 'x-fc-foo': '1', connection: 'close', 'x-request-id': 'r' },
      }),
    );
    assert.deepEqual(Object.keys(res.headers).sort(), ['content-type', 'x-request-id']);
  });

  const cases: Array<{ type: string | null; encoding?: string; bytes: Uint8Array; base64: boolean }> = [
    { type: 'application/json; charset=utf-8', bytes: Buffer.from('{"a":"ü"}'), base64: false },
    { type: 'application/problem+json', bytes: Buffer.from('{}'), base64: false },
    { type: 'application/xml', bytes: Buffer.from('<a/>'), base64: false },
    { type: 'text/plain', bytes: Buffer.from('héllo'), base64: false },
    { type: 'image/svg+xml', bytes: Buffer.from('<svg/>'), base64: false },
    { type: 'application/octet-stream', bytes: Buffer.from([0, 1, 2, 255]), base64: true },
    { type: 'image/png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47]), base64: true },
    { type: null, bytes: Buffer.from([1, 2, 3]), base64: true },
    { type: 'application/json', encoding: 'gzip', bytes: Buffer.from([0x1f, 0x8b, 8, 0]), base64: true },
    // Declared text but not UTF-8: base64 so no byte is altered.
    { type: 'text/plain', bytes: Buffer.from([0x68, 0xff, 0xfe]), base64: true },
  ];
  for (const { type, encoding, bytes, base64 } of cases) {
    it(`${type ?? 'no content type'}${encoding ? ` + ${encoding}` : ''} -> ${base64 ? 'base64' : 'text'}`, async () => {
      const headers = new Headers();
      if (type) headers.set('content-type', type);
      if (encoding) headers.set('content-encoding', encoding);
      const res = await responseToFc(new Response(bytes as BodyInit, { headers }), 'POST');
      assert.equal(res.isBase64Encoded, base64);
      const back = base64 ? Buffer.from(res.body, 'base64') : Buffer.from(res.body, 'utf8');
      assert.deepEqual([...back], [...bytes]);
    });
  }

  it('an empty body is an empty string, not base64', async () => {
    const res = await responseToFc(new Response(null, { status: 204 }));
    assert.deepEqual(res, { statusCode: 204, headers: {}, isBase64Encoded: false, body: '' });
  });
});

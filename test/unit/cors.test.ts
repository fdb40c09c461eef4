import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { cors, allowedOriginFor } from '../../shared/http/cors';
import { installErrorHandling, httpError } from '../../shared/http/errors';

function app(origins: string[]) {
  const a = installErrorHandling(new Hono());
  a.use('*', cors(origins));
  a.post('/uploads', (c) => c.json({ ok: true }));
  a.post('/fail', () => {
    throw httpError('FORBIDDEN', 'not yours');
  });
  a.get('/raw', () => fetchLikeResponse());
  return a;
}

/** A Response whose headers are immutable, like one returned by fetch(). */
function fetchLikeResponse(): Response {
  const res = new Response('{}', { headers: { 'content-type': 'application/json', vary: 'Accept-Encoding' } });
  Object.defineProperty(res, 'headers', { value: Object.freeze(new Proxy(res.headers, {
    get(target, prop) {
      if (prop === 'set' || prop === 'append' || prop === 'delete') return () => { throw new TypeError('immutable'); };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  })) });
  return res;
}

const APP = 'https://app.example.com';

function preflight(a: Hono, origin?: string) {
  const headers: Record<string, string> = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' };
  if (origin) headers.origin = origin;
  return a.request('/uploads', { method: 'OPTIONS', headers });
}

describe('allowedOriginFor', () => {
  const cases: Array<[string | undefined, string[], string | undefined]> = [
    [APP, [APP], APP],
    [APP, ['https://APP.example.com/'], APP],
    ['https://app.example.com:8443', [APP], undefined],
    ['http://app.example.com', [APP], undefined],
    ['https://evil-app.example.com', [APP], undefined],
    ['https://app.example.com.evil.net', [APP], undefined],
    ['null', ['null'], undefined],
    [undefined, [APP], undefined],
    ['https://anything.example', ['*'], '*'],
    [undefined, ['*'], '*'],
    [APP, [], undefined],
  ];
  for (const [origin, list, want] of cases) {
    it(`${origin} with [${list.join(', ')}] -> ${want}`, () => assert.equal(allowedOriginFor(origin, list), want));
  }
});

describe('cors middleware', () => {
  it('answers a preflight from an allowed origin with 204 and the full header set', async () => {
    const res = await preflight(app([APP, 'https://other.example']), APP);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS');
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization, content-type');
    assert.equal(res.headers.get('access-control-max-age'), '600');
    assert.equal(res.headers.get('vary'), 'Origin');
    assert.equal(await res.text(), '');
  });

  it('answers a preflight from another origin with 204 and no CORS grant', async () => {
    const res = await preflight(app([APP]), 'https://evil.example');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(res.headers.get('access-control-allow-methods'), null);
    assert.equal(res.headers.get('vary'), 'Origin');
  });

  it('adds CORS headers to an actual response, exposing x-request-id', async () => {
    const res = await app([APP]).request('/uploads', { method: 'POST', headers: { origin: APP } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(res.headers.get('access-control-expose-headers'), 'x-request-id');
    assert.equal(res.headers.get('vary'), 'Origin');
    assert.ok(res.headers.get('x-request-id'));
  });

  it('adds CORS headers to error responses too, so the browser can read them', async () => {
    const res = await app([APP]).request('/fail', { method: 'POST', headers: { origin: APP } });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.equal((await res.json()).error.code, 'FORBIDDEN');
  });

  it('adds nothing but Vary for a disallowed origin', async () => {
    const res = await app([APP]).request('/uploads', { method: 'POST', headers: { origin: 'https://evil.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    assert.equal(res.headers.get('vary'), 'Origin');
  });

  it('with * answers any origin with * and never with credentials', async () => {
    const a = app(['*']);
    const pre = await preflight(a, 'https://anyone.example');
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal(pre.headers.get('access-control-allow-credentials'), null);
    const res = await a.request('/uploads', { method: 'POST', headers: { origin: 'https://anyone.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    assert.equal(res.headers.get('vary'), null);
  });

  it('with no origins configured adds no CORS headers and still swallows preflights', async () => {
    const a = app([]);
    const pre = await preflight(a, APP);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const res = await a.request('/uploads', { method: 'POST', headers: { origin: APP } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('a plain OPTIONS (not a preflight) goes to routing, which answers with Allow', async () => {
    const res = await app([APP]).request('/uploads', { method: 'OPTIONS', headers: { origin: APP } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('allow'), 'OPTIONS, POST');
    assert.equal(res.headers.get('access-control-allow-methods'), null, 'not answered as a preflight');
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    const unknown = await app([APP]).request('/nope', { method: 'OPTIONS', headers: { origin: APP } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('access-control-allow-origin'), APP);
  });

  it('merges Vary with an existing value and copes with immutable headers', async () => {
    const res = await app([APP]).request('/raw', { headers: { origin: APP } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('vary'), 'Accept-Encoding, Origin');
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
  });
});

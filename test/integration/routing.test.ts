// Requests for what the API does not serve. An unknown path is a JSON 404 `NOT_FOUND`; a known
// path with another method is a JSON 405 `METHOD_NOT_ALLOWED` with an `Allow` header; both carry
// a real request id (body and `x-request-id`). Checked on each function alone (as FC runs it,
// behind its own trigger), on the functions' composed origin and on the local stack (`npm start`).
// CORS preflights still answer 204 with the CORS headers; a plain OPTIONS answers 204 with `Allow`.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { functionEnv } from '../helpers/stack.ts';
import { startFunctionsServer, type RunningFunctions } from '../../infra/local/functions-server.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { createApp as initApp } from '../../functions/init/index.ts';
import { createApp as signApp } from '../../functions/sign/index.ts';
import { createApp as listApp } from '../../functions/list/index.ts';
import { createApp as completeApp } from '../../functions/complete/index.ts';
import { createApp as abortApp } from '../../functions/abort/index.ts';
import { createApp as callbackApp } from '../../functions/callback/index.ts';
import { createApp as companionApp } from '../../functions/companion/index.ts';

const ORIGIN = 'https://app.example.com';
// No OSS call is made: a placeholder endpoint is enough for a valid configuration.
const env = functionEnv({ region: 'cn-hangzhou', url: 'http://127.0.0.1:9', credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' } }, {}, { CORS_ALLOWED_ORIGINS: ORIGIN });

type Fetch = (req: Request) => Response | Promise<Response>;

async function expectError(res: Response, status: number, code: string) {
  assert.equal(res.status, status);
  const body = (await res.json()) as { error: { code: string; requestId: string; message: string } };
  assert.equal(body.error.code, code);
  assert.match(body.error.requestId, /\S{8,}/, 'a real request id');
  assert.equal(res.headers.get('x-request-id'), body.error.requestId);
  return body;
}

/** 405 for `method path`, with exactly `allow` in the Allow header, and the message saying so. */
async function expect405(fetch: Fetch, base: string, method: string, path: string, allow: string[]) {
  const res = await fetch(new Request(`${base}${path}`, { method, headers: { origin: ORIGIN } }));
  const body = await expectError(res, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(res.headers.get('allow'), allow.join(', '), `${method} ${path}`);
  assert.match(body.error.message, new RegExp(`${method} .*${allow.join(', ')}`));
  // CORS headers on errors too, so a browser can read them.
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
}

async function expectOptions(fetch: Fetch, base: string, path: string, allow: string[]) {
  // A CORS preflight: answered before routing, as before.
  const pre = await fetch(new Request(`${base}${path}`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': allow.find((m) => m !== 'OPTIONS' && m !== 'HEAD')! } }));
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
  // A plain OPTIONS: what the path takes.
  const plain = await fetch(new Request(`${base}${path}`, { method: 'OPTIONS' }));
  assert.equal(plain.status, 204, `OPTIONS ${path}`);
  assert.equal(plain.headers.get('allow'), allow.join(', '));
  assert.ok(plain.headers.get('x-request-id'));
}

const JSON_FUNCTIONS: Array<[string, typeof initApp]> = [
  ['/uploads', initApp],
  ['/uploads/sign', signApp],
  ['/uploads/list', listApp],
  ['/uploads/complete', completeApp],
  ['/uploads/abort', abortApp],
];
/** Companion paths and the methods each takes (GET brings HEAD). */
const COMPANION: Array<[string, string[]]> = [
  ['/s3/params', ['GET', 'HEAD', 'OPTIONS']],
  ['/s3/multipart', ['OPTIONS', 'POST']],
  ['/s3/multipart/u1', ['DELETE', 'GET', 'HEAD', 'OPTIONS']],
  ['/s3/multipart/u1/batch', ['GET', 'HEAD', 'OPTIONS']],
  ['/s3/multipart/u1/7', ['GET', 'HEAD', 'OPTIONS']],
  // Both `/:uploadId/complete` (POST) and `/:uploadId/:partNumber` (GET) match this path.
  ['/s3/multipart/u1/complete', ['GET', 'HEAD', 'OPTIONS', 'POST']],
];
const notIn = (allow: string[]) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !allow.includes(m));

describe('each function alone', () => {
  const base = 'https://fn.example.fcapp.run';
  for (const [path, create] of JSON_FUNCTIONS) {
    test(`${path}: other methods are 405, other paths 404`, async () => {
      const app = create({ env });
      for (const method of notIn(['POST'])) await expect405(app.fetch, base, method, path, ['OPTIONS', 'POST']);
      await expectOptions(app.fetch, base, path, ['OPTIONS', 'POST']);
      await expectError(await app.fetch(new Request(`${base}${path}/nope`, { method: 'POST' })), 404, 'NOT_FOUND');
    });
  }
  test('callback (POST on any path, as its trigger serves only /oss/callback)', async () => {
    const app = callbackApp({ env });
    for (const method of notIn(['POST'])) await expect405(app.fetch, base, method, '/oss/callback', ['OPTIONS', 'POST']);
    await expectOptions(app.fetch, base, '/oss/callback', ['OPTIONS', 'POST']);
  });
  test('companion: each /s3 path with its own methods', async () => {
    const app = companionApp({ env });
    for (const [path, allow] of COMPANION) {
      for (const method of notIn(allow)) await expect405(app.fetch, base, method, path, allow);
      await expectOptions(app.fetch, base, path, allow);
    }
    await expectError(await app.fetch(new Request(`${base}/s3/sts`)), 404, 'NOT_FOUND');
    await expectError(await app.fetch(new Request(`${base}/s3/multipart/u1/7/x`, { method: 'PUT' })), 404, 'NOT_FOUND');
  });
});

describe('the composed origin', () => {
  let fns: RunningFunctions;
  before(async () => {
    fns = await startFunctionsServer({ deps: { env } });
  });
  after(() => fns?.close());
  test('unknown paths are 404 with a request id; known ones with another method 405', async () => {
    for (const [method, path] of [['GET', '/'], ['POST', '/nope'], ['GET', '/uploads/'], ['DELETE', '/oss']]) {
      await expectError(await fetch(`${fns.url}${path}`, { method }), 404, 'NOT_FOUND');
    }
    await expect405(fetch, fns.url, 'GET', '/uploads', ['OPTIONS', 'POST']);
    await expect405(fetch, fns.url, 'PUT', '/oss/callback', ['OPTIONS', 'POST']);
    await expect405(fetch, fns.url, 'DELETE', '/s3/params', ['GET', 'HEAD', 'OPTIONS']);
    await expectOptions(fetch, fns.url, '/uploads/sign', ['OPTIONS', 'POST']);
  });
});

describe('the local stack', () => {
  let stack: LocalStack;
  before(async () => {
    stack = await startLocalStack({ memory: true, port: 0, ossPort: 0, log: false, env: { CORS_ALLOWED_ORIGINS: ORIGIN } });
  });
  after(() => stack?.close());
  test('API, demo and helper paths: 404 and 405 with request ids', async () => {
    await expectError(await fetch(`${stack.url}/nope`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${stack.url}/_local/nope`, { method: 'POST' }), 404, 'NOT_FOUND');
    await expect405(fetch, stack.url, 'GET', '/uploads/complete', ['OPTIONS', 'POST']);
    await expect405(fetch, stack.url, 'PUT', '/s3/multipart', ['OPTIONS', 'POST']);
    const res = await fetch(`${stack.url}/openapi.json`, { method: 'POST' });
    await expectError(res, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });
});

// The OpenAPI 3.1 document (functions/openapi.ts, committed as openapi.json): its structure, that
// every route and error code is documented, and — the real check — that actual responses of the
// functions (successes and errors, against the local stack) match the documented schemas.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { openApiDocument, openApiJson } from '../../functions/openapi.ts';
import { ROUTES, routeFor } from '../../functions/routes.ts';
import { ERROR_CODES } from '../../shared/http/errors.ts';
import { signHs256 } from '../helpers/jwt.ts';
import { startStack, putParts, UPLOAD_SECRET, type TestStack } from '../helpers/stack.ts';
import { initUpload, signParts } from '../helpers/upload.ts';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createApp as initApp } from '../../functions/init/index.ts';
import { createApp as listApp } from '../../functions/list/index.ts';
import { createApp as completeApp } from '../../functions/complete/index.ts';
import { createApp as callbackApp } from '../../functions/callback/index.ts';
import type { Deps } from '../../shared/runtime.ts';

const doc = JSON.parse(JSON.stringify(openApiDocument)) as any;
type JsonSchema = { [key: string]: unknown };

// Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) in strict mode (strictTypes, a style rule
// wanting `type` beside every keyword, is off): an unknown keyword or format, or a required
// property no `properties` defines, is an error, so nothing the document states goes unchecked. The
// only keywords added are annotations: OpenAPI's `example`, our `x-*` extensions, and
// `components`, which carries the document's components beside each schema for its local $refs.
const OPENAPI_ANNOTATIONS = ['example', 'components'];
function makeAjv(extensions: string[]): Ajv2020 {
  const ajv = addFormats(new Ajv2020({ strict: true, strictTypes: false, allErrors: true }));
  for (const keyword of [...OPENAPI_ANNOTATIONS, ...extensions]) ajv.addKeyword({ keyword });
  return ajv;
}
const compiled = new Map<Ajv2020, WeakMap<object, ValidateFunction>>();
/** Every violation of `schema` by `value` (empty when valid); `#/…` $refs resolve in `root`. */
function validate(value: unknown, schema: JsonSchema, root: { components?: unknown }, ajv = documentAjv): string[] {
  let cache = compiled.get(ajv);
  if (!cache) compiled.set(ajv, (cache = new WeakMap()));
  let check = cache.get(schema);
  if (!check) cache.set(schema, (check = ajv.compile({ ...schema, components: root.components })));
  return check(value) ? [] : (check.errors ?? []).map((e) => `$${e.instancePath}: ${e.message} (${e.schemaPath})`);
}
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const KiB = 1024;

type Op = { path: string; method: string; op: any };
const operations: Op[] = Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([m]) => METHODS.includes(m))
    .map(([method, op]) => ({ path, method, op })),
);

function walk(node: unknown, visit: (n: Record<string, unknown>, at: string) => void, at = '#'): void {
  if (node === null || typeof node !== 'object') return;
  if (!Array.isArray(node)) visit(node as Record<string, unknown>, at);
  for (const [k, v] of Object.entries(node)) walk(v, visit, `${at}/${k}`);
}

function resolvePointer(ref: string): unknown {
  let node: any = doc;
  for (const seg of ref.slice(2).split('/')) {
    if (node === null || typeof node !== 'object' || !(seg in node)) return undefined;
    node = node[seg];
  }
  return node;
}

/** Every schema object in the document, with where it is (nested ones included). */
const documentAjv = makeAjv([...new Set(allSchemas().flatMap(([, s]) => Object.keys(s).filter((k) => k.startsWith('x-'))))]);

function allSchemas(): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [];
  const add = (s: unknown, at: string) => {
    if (!s || typeof s !== 'object') return;
    const schema = s as JsonSchema;
    out.push([at, schema]);
    for (const [k, sub] of Object.entries((schema.properties ?? {}) as Record<string, unknown>)) add(sub, `${at}/properties/${k}`);
    if (schema.items) add(schema.items, `${at}/items`);
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') add(schema.additionalProperties, `${at}/additionalProperties`);
    for (const key of ['allOf', 'anyOf'] as const) (schema[key] as unknown[] | undefined)?.forEach((sub, i) => add(sub, `${at}/${key}/${i}`));
  };
  for (const [name, s] of Object.entries(doc.components.schemas)) add(s, `#/components/schemas/${name}`);
  for (const [name, h] of Object.entries(doc.components.headers ?? {})) add((h as any).schema, `#/components/headers/${name}/schema`);
  for (const [name, item] of Object.entries((doc as any).webhooks ?? {})) {
    add((item as any).post.requestBody.content['application/json'].schema, `webhooks ${name}`);
  }
  for (const { path, method, op } of operations) {
    for (const p of op.parameters ?? []) add(p.schema, `${path} ${method} parameter ${p.name}`);
    for (const [type, c] of Object.entries(op.requestBody?.content ?? {})) add((c as any).schema, `${path} ${method} request ${type}`);
    for (const [status, r] of Object.entries(op.responses)) {
      for (const [type, c] of Object.entries((r as any).content ?? {})) add((c as any).schema, `${path} ${method} ${status} ${type}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('structure', () => {
  test('OpenAPI 3.1 top level: version, info, paths, components, security schemes', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(Object.keys(doc.paths).length > 0);
    assert.equal(typeof doc.components.schemas, 'object');
    for (const req of doc.security) for (const name of Object.keys(req)) assert.ok(doc.components.securitySchemes[name], `security scheme ${name}`);
  });

  test('every $ref resolves', () => {
    const refs: string[] = [];
    walk(doc, (n, at) => {
      if (typeof n.$ref === 'string') {
        refs.push(n.$ref);
        assert.ok(n.$ref.startsWith('#/'), `${at}: only local refs`);
        assert.notEqual(resolvePointer(n.$ref), undefined, `${at}: unresolved ${n.$ref}`);
      }
    });
    assert.ok(refs.length > 20);
  });

  test('paths and operations: unique operationIds, responses with descriptions, path parameters declared', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
      assert.match(path, /^\//);
      for (const key of Object.keys(item)) assert.ok(METHODS.includes(key) || key === 'parameters' || key === 'summary' || key === 'description', `${path}: ${key}`);
    }
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.equal(typeof op.operationId, 'string', where);
      assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      assert.ok(Object.keys(op.responses).length > 0, where);
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        assert.match(status, /^[1-5]\d\d$/, where);
        assert.equal(typeof r.description, 'string', `${where} ${status}`);
        if (status !== '204') assert.ok(r.content?.['application/json']?.schema, `${where} ${status}: a JSON schema`);
      }
      const declared = new Set((op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name));
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        assert.ok(declared.has(name), `${where}: path parameter ${name} declared`);
        assert.equal(op.parameters.find((p: any) => p.name === name).required, true);
      }
      for (const p of op.parameters ?? []) assert.ok(['path', 'query', 'header', 'cookie'].includes(p.in), `${where}: parameter ${p.name}`);
      for (const req of op.security ?? []) for (const name of Object.keys(req)) assert.ok(doc.components.securitySchemes[name]);
    }
  });

  test('every schema compiles under Ajv strict mode (no keyword or format the validator would ignore)', () => {
    const schemas = allSchemas();
    assert.ok(schemas.length > 50);
    for (const [at, s] of schemas) assert.doesNotThrow(() => validate(null, s, doc), at);
    // Strict mode is on: an unknown keyword or format throws instead of passing everything.
    assert.throws(() => validate(1, { type: 'integer', maximun: 2 }, {}), /unknown keyword/);
    assert.throws(() => validate('x', { type: 'string', format: 'no-such-format' }, {}), /unknown format/);
  });

  test('openapi.json is the module\'s output (regenerate: npx tsx infra/write-openapi.ts)', () => {
    const committed = readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8');
    assert.ok(committed === openApiJson(), 'openapi.json is stale: run `npx tsx infra/write-openapi.ts`');
  });
});

describe('the response validator', () => {
  test('catches each enforced keyword', () => {
    const root = { components: { schemas: { N: { type: 'integer', minimum: 1 } } } };
    const bad: Array<[unknown, JsonSchema]> = [
      ['x', { type: 'integer' }],
      [1.5, { type: 'integer' }],
      [null, { type: 'string' }],
      [0, { $ref: '#/components/schemas/N' }],
      ['c', { enum: ['a', 'b'] }],
      [2, { const: 1 }],
      [{}, { type: 'object', required: ['a'], properties: { a: {} } }],
      [{ a: 1, b: 2 }, { type: 'object', properties: { a: {} }, additionalProperties: false }],
      [{ a: 1 }, { type: 'object', additionalProperties: { type: 'string' } }],
      [{ a: 'x' }, { type: 'object', properties: { a: { type: 'integer' } } }],
      [[1, 'x'], { type: 'array', items: { type: 'integer' } }],
      [[1, 1], { type: 'array', uniqueItems: true }],
      [[], { type: 'array', minItems: 1 }],
      [[1, 2], { type: 'array', maxItems: 1 }],
      [0, { type: 'integer', minimum: 1 }],
      [3, { type: 'integer', maximum: 2 }],
      ['', { type: 'string', minLength: 1 }],
      ['abc', { type: 'string', maxLength: 2 }],
      ['abc', { type: 'string', pattern: '^\\d+$' }],
      ['yesterday', { type: 'string', format: 'date-time' }],
      ['not a url', { type: 'string', format: 'uri' }],
      [1, { allOf: [{ type: 'integer' }, { minimum: 2 }] }],
      [true, { anyOf: [{ type: 'integer' }, { type: 'string' }] }],
    ];
    for (const [value, schema] of bad) assert.notDeepEqual(validate(value, schema, root), [], `${JSON.stringify(value)} vs ${JSON.stringify(schema)}`);
    assert.deepEqual(validate({ a: [1, 2], b: null, c: '2024-01-01T00:00:00.000Z' }, {
      type: 'object',
      required: ['a'],
      additionalProperties: false,
      properties: { a: { type: 'array', items: { $ref: '#/components/schemas/N' }, uniqueItems: true }, b: { type: ['string', 'null'] }, c: { type: 'string', format: 'date-time' } },
    }, root), []);
  });
});

describe('coverage', () => {
  test('every route of functions/routes.ts is documented with its methods, and nothing else is', () => {
    for (const route of ROUTES) {
      if (route.path.endsWith('/*')) {
        const prefix = route.path.slice(0, -1);
        const methods = new Set(operations.filter((o) => o.path.startsWith(prefix)).map((o) => o.method.toUpperCase()));
        for (const m of route.methods) assert.ok(methods.has(m), `${m} ${route.path}`);
      } else {
        for (const m of route.methods) assert.ok(doc.paths[route.path]?.[m.toLowerCase()], `${m} ${route.path} is documented`);
      }
    }
    for (const { path, method } of operations) {
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      const route = routeFor(concrete);
      assert.ok(route, `${path} is served by a route`);
      assert.ok(route.methods.includes(method.toUpperCase()), `${method.toUpperCase()} ${path} is a method of ${route.path}`);
    }
  });

  test('ErrorCode lists exactly ERROR_CODES with their statuses; every operation\'s codes sit under their status', () => {
    const codeSchema = doc.components.schemas.ErrorCode;
    assert.deepEqual([...codeSchema.enum].sort(), Object.keys(ERROR_CODES).sort());
    assert.deepEqual(codeSchema['x-status'], ERROR_CODES);
    const used = new Set<string>();
    for (const { path, method, op } of operations) {
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        if (Number(status) < 400) continue;
        const codes: string[] = r.content['application/json'].schema.allOf[1].properties.error.properties.code.enum;
        assert.ok(codes.length > 0);
        for (const code of codes) {
          assert.equal(ERROR_CODES[code as keyof typeof ERROR_CODES], Number(status), `${method} ${path}: ${code} under ${status}`);
          used.add(code);
        }
      }
    }
    // NOT_FOUND and METHOD_NOT_ALLOWED are for paths and methods that are not operations; ErrorCode documents them.
    for (const code of Object.keys(ERROR_CODES)) if (code !== 'NOT_FOUND' && code !== 'METHOD_NOT_ALLOWED') assert.ok(used.has(code), `${code} appears in some operation`);
  });
});

// ---------------------------------------------------------------------------------------------
// Real responses against the documented schemas

const emulatorKey = generateKeyPairSync('rsa', { modulusLength: 1024 });
const EMULATOR_PRIVATE_PEM = emulatorKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The documented operation for a concrete request path (literal segments win over templates). */
function operationFor(method: string, url: string): Op | undefined {
  const path = url.split('?')[0];
  const candidates = operations.filter((o) => {
    if (o.method !== method.toLowerCase()) return false;
    const re = new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return re.test(path);
  });
  return candidates.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0))[0];
}

describe('real responses match the documented schemas', () => {
  let s: TestStack;
  const seen = new Map<string, Set<string>>(); // operationId -> statuses seen
  const codesSeen = new Set<string>();

  before(async () => {
    s = await startStack({ emulator: { callbackPrivateKey: EMULATOR_PRIVATE_PEM } });
  });
  after(() => s?.close());

  /** Validates one response against the document; returns the body. */
  function check(method: string, url: string, status: number, body: unknown, headers: Headers): any {
    const o = operationFor(method, url);
    assert.ok(o, `${method} ${url} is documented`);
    const response = o.op.responses[String(status)];
    assert.ok(response, `${method} ${o.path}: status ${status} is documented (body ${JSON.stringify(body).slice(0, 300)})`);
    const schema = response.content['application/json'].schema;
    const errors = validate(body, schema, doc);
    assert.deepEqual(errors, [], `${method} ${o.path} ${status}: ${JSON.stringify(body).slice(0, 600)}`);
    assert.ok(headers.get('x-request-id'), 'x-request-id header');
    if (!seen.has(o.op.operationId)) seen.set(o.op.operationId, new Set());
    seen.get(o.op.operationId)!.add(String(status));
    if (status >= 400) codesSeen.add((body as any).error.code);
    return body;
  }

  async function call(method: string, url: string, opts: Parameters<TestStack['request']>[2] = {}) {
    const r = await s.request(method, url, opts);
    return check(method, url, r.status, r.body, r.headers) && r;
  }

  /** In process, with another environment (policy or configuration variants). */
  async function callApp(create: (deps: Deps) => { request: (p: string, i?: RequestInit) => Response | Promise<Response> }, env: Record<string, string | undefined>, url: string, init: RequestInit) {
    const res = await create({ env }).request(url, init);
    const body = await res.json();
    check(init.method ?? 'GET', url, res.status, body, res.headers);
    return { status: res.status, body };
  }
  const jsonInit = (body: unknown, jwt: string, extra: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}`, ...extra },
    body: JSON.stringify(body),
  });

  test('the JSON API: successes', async () => {
    const data = randomBytes(250 * KiB);
    const init = await call('POST', '/uploads', { body: { filename: 'a.bin', size: data.length, partSize: 100 * KiB, contentType: 'application/octet-stream', metadata: { k: 'v' } } });
    assert.equal(init.status, 201);
    const token = init.body.token;
    const signed = await call('POST', '/uploads/sign', { body: { token, partNumbers: [1, 2, 3], contentMd5: {} } });
    await putParts(signed.body.parts, data, 100 * KiB);
    const listed = await call('POST', '/uploads/list', { body: { token } });
    assert.equal(listed.body.parts.length, 3);
    const done = await call('POST', '/uploads/complete', { body: { token } });
    assert.equal(done.body.callbackStatus, 'ok');
    // The relayed callback JSON is the callback function's documented 200 body.
    assert.deepEqual(validate(done.body.callback, doc.paths['/oss/callback'].post.responses['200'].content['application/json'].schema, doc), []);
    const again = await call('POST', '/uploads/complete', { body: { token } });
    assert.equal(again.body.recovered, true);

    // A failed callback (OSS cannot reach CALLBACK_URL): still a documented 200.
    const up2 = await initUpload(s, 10);
    await putParts(await signParts(s, up2.token, [1]), randomBytes(10), up2.partSize);
    const failed = await callApp(completeApp, { ...s.env, CALLBACK_URL: 'http://127.0.0.1:1/cb' }, '/uploads/complete', jsonInit({ token: up2.token }, s.jwt('alice')));
    assert.equal(failed.body.callbackStatus, 'failed');

    const up3 = await initUpload(s, 10);
    assert.deepEqual((await call('POST', '/uploads/abort', { body: { token: up3.token } })).body, { aborted: true, alreadyGone: false });
    assert.deepEqual((await call('POST', '/uploads/abort', { body: { token: up3.token } })).body, { aborted: true, alreadyGone: true });
  });

  test('the JSON API: errors', async () => {
    const jwt = s.jwt('alice');
    const up = await initUpload(s, 250 * KiB, 100 * KiB);
    await call('POST', '/uploads', { sub: null, body: { filename: 'a', size: 1 } }); // UNAUTHENTICATED
    await call('POST', '/uploads/sign', { jwt: 'a.b.c', body: { token: up.token, partNumbers: [1] } }); // TOKEN_INVALID
    await call('POST', '/uploads/list', { sub: 'bob', body: { token: up.token } }); // FORBIDDEN
    await call('POST', '/uploads', { raw: '{"filename":' }); // INVALID_JSON
    await call('POST', '/uploads/sign', { body: { token: up.token, partNumbers: [0] } }); // VALIDATION_FAILED
    await call('POST', '/uploads', { body: { filename: 'a', size: 1 }, headers: { 'content-type': 'text/plain' } }); // UNSUPPORTED_MEDIA_TYPE
    await call('POST', '/uploads', { body: { filename: 'a', size: 6 * 2 ** 30 } }); // FILE_TOO_LARGE
    await call('POST', '/uploads/abort', { body: { token: up.token, pad: 'x'.repeat(1024 * KiB) } }); // PAYLOAD_TOO_LARGE
    await call('POST', '/uploads/complete', { body: { token: up.token } }); // INCOMPLETE_UPLOAD
    await putParts(await signParts(s, up.token, [1, 2, 3]), randomBytes(250 * KiB), 100 * KiB);
    const parts = [1, 2, 3].map((partNumber) => ({ partNumber, etag: '"00000000000000000000000000000000"' }));
    await call('POST', '/uploads/complete', { body: { token: up.token, parts } }); // CONFLICT
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'corrupt-crc', count: 1 });
    await call('POST', '/uploads/complete', { body: { token: up.token } }); // INTEGRITY_MISMATCH
    await call('POST', '/uploads/sign', { body: { token: (await initUpload(s, 10).then(async (u) => (await s.post('/uploads/abort', { token: u.token }), u))).token, partNumbers: [1] } }); // UPLOAD_NOT_FOUND
    const up2 = await initUpload(s, 10);
    s.emulator.admin.faults.add({ op: 'ListParts', action: 'error', status: 503, count: -1 });
    await call('POST', '/uploads/list', { body: { token: up2.token } }); // OSS_ERROR
    s.emulator.admin.faults.clear();

    // In process, for what needs another environment or raw headers.
    await callApp(initApp, s.env, '/uploads', jsonInit({ filename: 'a', size: 1 }, jwt, { 'content-length': 'abc' })); // BAD_REQUEST
    await callApp(initApp, { ...s.env, ALLOWED_CONTENT_TYPES: 'image/*' }, '/uploads', jsonInit({ filename: 'a', size: 1, contentType: 'text/html' }, jwt)); // UNSUPPORTED_MEDIA_TYPE (policy)
    await callApp(initApp, { ...s.env, MAX_ACTIVE_UPLOADS: '1' }, '/uploads', jsonInit({ filename: 'a', size: 1 }, jwt)); // TOO_MANY_UPLOADS (alice has uploads open)
    await callApp(listApp, { ...s.env, UPLOAD_TOKEN_SECRET: undefined }, '/uploads/list', jsonInit({ token: up2.token }, jwt)); // MISCONFIGURED
    const rs256 = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from(`{"sub":"alice","aud":"uploads","exp":${Math.floor(Date.now() / 1000) + 600}}`).toString('base64url')}.c2ln`;
    await callApp(initApp, { ...s.env, AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks.json', AUTH_AUDIENCE: 'uploads' }, '/uploads', jsonInit({ filename: 'a', size: 1 }, rs256)); // AUTH_UNAVAILABLE
    // A conflict on initiate: OSS says an object exists (forbid-overwrite).
    s.emulator.admin.faults.add({ op: 'InitiateMultipartUpload', action: 'error', status: 409, code: 'FileAlreadyExists', count: 1 });
    await call('POST', '/uploads', { body: { filename: 'a', size: 1 } }); // CONFLICT on init
    s.emulator.admin.faults.clear();
  });

  test('the OSS callback: success and errors', async () => {
    const up = await initUpload(s, 10);
    await putParts(await signParts(s, up.token, [1]), randomBytes(10), up.partSize);
    await s.post('/uploads/complete', { token: up.token });
    const rec = s.emulator.admin.callbacks.log.findLast((l) => JSON.parse(l.body).key === up.key)!;
    const headers = { 'content-type': 'application/json', authorization: rec.headers.authorization, 'x-oss-pub-key-url': rec.headers['x-oss-pub-key-url'] };
    const post = async (body: string, h: Record<string, string>) => {
      const res = await fetch(`${s.functions.url}/oss/callback`, { method: 'POST', headers: h, body });
      return check('POST', '/oss/callback', res.status, await res.json(), res.headers);
    };
    assert.equal((await post(rec.body, headers)).ok, true);
    await post(rec.body.replace('"size":10', '"size":11'), headers); // CALLBACK_SIGNATURE_INVALID
    await post('x'.repeat(17 * KiB), headers); // PAYLOAD_TOO_LARGE
    const { sign } = await import('node:crypto');
    const { callbackSignedMessage } = await import('../../shared/oss/callback.ts');
    const foreign = JSON.stringify({ ...JSON.parse(rec.body), bucket: 'other-bucket' });
    await post(foreign, { ...headers, authorization: sign('md5', callbackSignedMessage('/oss/callback', '', Buffer.from(foreign)), EMULATOR_PRIVATE_PEM).toString('base64') }); // VALIDATION_FAILED
    await callApp(callbackApp, { ...s.env, AUTH_MODE: 'bogus' }, '/oss/callback', { method: 'POST', headers, body: rec.body }); // MISCONFIGURED
  });

  test('the Companion facade: successes and errors', async () => {
    const q = (p: Record<string, string>) => new URLSearchParams(p).toString();
    const params = await call('GET', `/s3/params?${q({ filename: 'small.txt', type: 'text/plain', 'metadata[name]': 'small.txt' })}`);
    assert.equal(params.body.method, 'POST');
    const created = (await call('POST', '/s3/multipart', { body: { filename: 'big.bin', type: 'application/octet-stream', metadata: { name: 'big.bin', relativePath: null } } })).body;
    const base = `/s3/multipart/${encodeURIComponent(created.uploadId)}`;
    const key = q({ key: created.key });
    const batch = await call('GET', `${base}/batch?${key}&partNumbers=1,2`);
    const one = await call('GET', `${base}/1?${key}`);
    assert.ok(one.body.url);
    const data = randomBytes(150 * KiB);
    const etags: Array<{ PartNumber: number; ETag: string }> = [];
    for (const n of [1, 2]) {
      const res = await fetch(batch.body.presignedUrls[String(n)], { method: 'PUT', body: data.subarray((n - 1) * 100 * KiB, n * 100 * KiB) });
      assert.equal(res.status, 200);
      etags.push({ PartNumber: n, ETag: res.headers.get('etag')! });
    }
    const listed = await call('GET', `${base}?${key}`);
    assert.equal(listed.body.length, 2);
    const done = await call('POST', `${base}/complete?${key}`, { body: { parts: etags } });
    assert.equal(done.body.key, created.key);

    const other = (await call('POST', '/s3/multipart', { body: { filename: 'x.bin' } })).body;
    const otherBase = `/s3/multipart/${encodeURIComponent(other.uploadId)}`;
    await call('DELETE', `${otherBase}?${q({ key: other.key })}`);
    await call('GET', `${otherBase}/batch?${q({ key: other.key, partNumbers: '1' })}`); // UPLOAD_NOT_FOUND
    await call('GET', `${otherBase}?${q({ key: other.key })}`); // UPLOAD_NOT_FOUND (list)
    await call('GET', `${otherBase}?${q({ key: other.key.replace('/alice/', '/bob/') })}`); // FORBIDDEN
    await call('GET', `/s3/multipart/bad%20id?${q({ key: other.key })}`); // UPLOAD_ID_INVALID
    await call('GET', `${otherBase}?key=`); // VALIDATION_FAILED
    const claims = JSON.parse(Buffer.from(other.uploadId.split('.')[1], 'base64url').toString('utf8'));
    const expired = signHs256({ ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 }, UPLOAD_SECRET);
    await call('GET', `/s3/multipart/${expired}?${q({ key: other.key })}`); // UPLOAD_EXPIRED
    await call('GET', `/s3/params?${q({ filename: 'a' })}`, { sub: null }); // UNAUTHENTICATED
  });

  test('unknown paths (NOT_FOUND) and other methods on known ones (METHOD_NOT_ALLOWED) answer the documented Error body', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['GET', '/uploads', 405, 'METHOD_NOT_ALLOWED'],
      ['PUT', '/s3/multipart', 405, 'METHOD_NOT_ALLOWED'],
      ['POST', '/nope', 404, 'NOT_FOUND'],
      ['GET', '/s3/sts', 404, 'NOT_FOUND'],
    ];
    for (const [method, path, status, code] of cases) {
      const r = await s.request(method, path);
      assert.equal(r.status, status, `${method} ${path}`);
      assert.equal(r.body.error.code, code);
      assert.equal(ERROR_CODES[code as keyof typeof ERROR_CODES], status);
      assert.deepEqual(validate(r.body, { $ref: '#/components/schemas/Error' }, doc), []);
      assert.equal(r.headers.get('x-request-id'), r.body.error.requestId);
      codesSeen.add(code);
    }
  });

  test('coverage: every operation answered its success status, and every error code was seen', () => {
    for (const { path, method, op } of operations) {
      const success = Object.keys(op.responses).find((st) => Number(st) < 300)!;
      assert.ok(seen.get(op.operationId)?.has(success), `${method.toUpperCase()} ${path} ${success} was checked against a real response`);
    }
    // INTERNAL is the one code no request can provoke on purpose (it means a bug).
    const missing = Object.keys(ERROR_CODES).filter((c) => c !== 'INTERNAL' && !codesSeen.has(c));
    assert.deepEqual(missing, [], 'error codes never checked against a real response');
  });
});

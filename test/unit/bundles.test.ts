// The deployable artefacts themselves: builds every function with infra/build.ts into a temp
// folder, then loads each dist/<name>/index.js in a FRESH Node process (no tsx, no loader, only the
// function's own environment) and answers synthetic FC 3.0 events with it, as the nodejs20
// runtime would: `handler(eventBuffer, context)`.
//
// The temp folder has a package.json with "type":"module" above dist/, like the repo root, so a
// bundle missing its own {"type":"commonjs"} would fail to load here too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { build, checkInputs, BuildError, BUNDLE_BUDGET_BYTES, type BuildResult } from '../../infra/build.ts';
import { ROUTES, HTTP_FUNCTIONS } from '../../functions/routes.ts';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/server.ts';
import { OssClient } from '../../shared/oss/client.ts';
import { headObject, putObject } from '../../shared/oss/objects.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';
import { initiateMultipartUpload } from '../../shared/oss/multipart.ts';
import { signHs256 } from '../helpers/jwt.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { CONFIG_TABLE } from '../../shared/config/variables.ts';
import { httpEvent } from '../helpers/fc-event.ts';
import fc from 'fast-check';
import { handle, type FcHttpResponse } from '../../shared/http/fc-adapter.ts';
import { createApp as initApp } from '../../functions/init/index.ts';
import { createApp as signApp } from '../../functions/sign/index.ts';
import { createApp as listApp } from '../../functions/list/index.ts';
import { createApp as completeApp } from '../../functions/complete/index.ts';
import { createApp as abortApp } from '../../functions/abort/index.ts';
import { createApp as callbackApp } from '../../functions/callback/index.ts';
import { createApp as companionApp } from '../../functions/companion/index.ts';

const BUCKET = 'bundle-bucket';
const JWT_SECRET = 'bundle-test-caller-secret-0123456789abcdef';
const UPLOAD_SECRET = 'bundle-test-upload-secret-0123456789abcdef';
const ORIGIN = 'https://app.example.com';

let tmp: string;
let built: BuildResult;
let emulator: RunningEmulator;
let oss: OssClient;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'bundles-'));
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ type: 'module' }));
  built = await build({ outDir: join(tmp, 'dist'), log: () => {} });
  emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
  oss = new OssClient({ region: emulator.region, bucket: BUCKET, credentials: emulator.credentials, endpoint: emulator.url, pathStyle: true, retries: { max: 0 } });
});

after(async () => {
  await emulator?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const bundlePath = (name: string) => join(tmp, 'dist', name, 'index.js');
const isBuilt = (name: string) => built.bundles.some((b) => b.name === name);

/** What the child process reports. */
interface Invocation {
  handlerType: string;
  exports: string[];
  /** Files in require.cache after loading: only the bundle itself when it is self-contained. */
  loaded: string[];
  result?: any;
  error?: { name: string; message: string };
  undiciLoaded: boolean;
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** In a child script: whether Node's bundled undici was loaded (the global Headers/Request/fetch pull it in). */
const UNDICI_LOADED = "process.moduleLoadList.some((m) => m.includes('internal/deps/undici'))";

// Runs as CommonJS under plain `node -e`. Reads {bundle, event, context} from stdin, prints the
// outcome after a marker (the functions log JSON lines to stdout themselves).
const CHILD = `
const fs = require('node:fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const mod = require(input.bundle);
const out = { handlerType: typeof mod.handler, exports: Object.keys(mod).sort(), loaded: Object.keys(require.cache) };
const event = Buffer.from(input.event === undefined ? '' : JSON.stringify(input.event), 'utf8');
Promise.resolve()
  .then(() => input.event === undefined ? undefined : mod.handler(event, input.context))
  .then((r) => { out.result = r; }, (e) => { out.error = { name: e && e.name, message: String(e && e.message) }; })
  .then(() => {
    out.undiciLoaded = ${UNDICI_LOADED};
    process.stdout.write('\\n@@RESULT@@' + JSON.stringify(out) + '\\n');
  });
`;

function invoke(name: string, event: unknown, env: Record<string, string> = {}, context: Record<string, unknown> = {}): Promise<Invocation> {
  return new Promise((resolve, reject) => {
    // Only the function's own variables (FC gives a function nothing else of ours), and no
    // NODE_OPTIONS: no tsx loader can help the bundle.
    const child = spawn(process.execPath, ['-e', CHILD], {
      cwd: tmp,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const i = stdout.lastIndexOf('\n@@RESULT@@');
      if (i < 0) return reject(new Error(`no result from ${name} (exit ${exitCode})\nstdout: ${stdout}\nstderr: ${stderr}`));
      const out = JSON.parse(stdout.slice(i + '\n@@RESULT@@'.length));
      resolve({ ...out, stdout: stdout.slice(0, i), stderr, exitCode });
    });
    child.stdin.end(JSON.stringify({ bundle: bundlePath(name), event, context: { requestId: `req-${name}-1`, ...context } }));
  });
}

const timerEvent = (payload = '') => ({ triggerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), triggerName: 'hourly', payload });

/** A complete, valid configuration against the emulator. Credentials come from context (the FC role). */
function fnEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    OSS_REGION: emulator.region,
    OSS_BUCKET: BUCKET,
    OSS_ENDPOINT: emulator.url,
    OSS_FORCE_PATH_STYLE: 'true',
    AUTH_JWT_SECRET: JWT_SECRET,
    UPLOAD_TOKEN_SECRET: UPLOAD_SECRET,
    CORS_ALLOWED_ORIGINS: ORIGIN,
    MAX_ACTIVE_UPLOADS: '0',
    ...extra,
  };
}

/** FC's context with the role's STS-style credentials (here the emulator's key). */
const roleContext = () => ({ credentials: { accessKeyId: emulator.credentials.accessKeyId, accessKeySecret: emulator.credentials.accessKeySecret } });

const jwt = (sub: string) => signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET);

function json(r: Invocation): any {
  assert.equal(r.error, undefined, `handler threw: ${JSON.stringify(r.error)}\n${r.stderr}`);
  assert.equal(typeof r.result?.statusCode, 'number', JSON.stringify(r.result));
  assert.equal(r.result.isBase64Encoded, false);
  assert.match(r.result.headers['content-type'] ?? '', /^application\/json/);
  return JSON.parse(r.result.body);
}

function assertErrorShape(body: any, code: string, requestId: string) {
  assert.equal(typeof body.error, 'object', JSON.stringify(body));
  assert.equal(body.error.code, code, JSON.stringify(body));
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(body.error.requestId, requestId, 'the FC request id is the error requestId');
  assert.equal(body.message, body.error.message);
}

/** A concrete path for a route (`/s3/*` -> `/s3/multipart`). */
const pathOf = (fn: string) => ROUTES.find((r) => r.fn === fn)!.path.replace(/\*$/, 'multipart');

test('the build produced a bundle, package.json {"type":"commonjs"} and notices for every function with a source', () => {
  assert.ok(built.bundles.length >= 7, `built: ${built.bundles.map((b) => b.name).join(', ')}`);
  for (const b of built.bundles) {
    assert.ok(existsSync(b.file), b.file);
    assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'dist', b.name, 'package.json'), 'utf8')), { type: 'commonjs' });
    assert.ok(existsSync(join(tmp, 'dist', b.name, 'THIRD-PARTY-NOTICES.txt')));
    assert.ok(!existsSync(`${b.file}.map`), 'no source map unless asked for');
    assert.ok(b.bytes > 1000 && b.bytes <= BUNDLE_BUDGET_BYTES, `${b.name}: ${b.bytes} bytes`);
    assert.ok(b.gzipBytes < b.bytes);
    // Runtime dependencies only; the dev tools never ride along.
    for (const p of b.packages) assert.doesNotMatch(p, /^(ali-oss|@hono\/node-server|fast-check|esbuild|tsx|playwright-core|urllib|@uppy\/)/, `${b.name} bundles ${p}`);
    assert.ok(b.packages.some((p) => p.startsWith('hono@')) || b.name === 'sweep' || b.name === 'events', `${b.name} bundles hono`);
    const code = readFileSync(b.file, 'utf8');
    assert.doesNotMatch(code, /sourceMappingURL/);
    assert.doesNotMatch(code, /\n\s*\/\/ (shared|functions|infra)\//, 'no per-file comments (minified)');
  }
  const sizes = JSON.parse(readFileSync(join(tmp, 'dist', 'sizes.json'), 'utf8'));
  for (const b of built.bundles) {
    assert.equal(sizes.functions[b.name].bytes, b.bytes);
    assert.equal(sizes.functions[b.name].gzipBytes, b.gzipBytes);
  }
  assert.deepEqual(sizes.skipped, built.skipped);
  for (const s of built.skipped) assert.ok(!existsSync(join('functions', s, 'index.ts')), `${s} has a source but was skipped`);
});

test('every bundle loads in a fresh CommonJS process, exports handler, and needs no other file', async () => {
  for (const b of built.bundles) {
    const r = await invoke(b.name, undefined);
    assert.equal(r.handlerType, 'function', `${b.name}: handler is ${r.handlerType}`);
    assert.deepEqual(r.loaded, [bundlePath(b.name)], `${b.name} required other files: ${r.loaded.join(', ')}`);
    assert.equal(r.stderr, '', `${b.name} wrote to stderr while loading (cold start must be quiet):\n${r.stderr}`);
  }
});

test('HTTP bundles answer a CORS preflight (OPTIONS) from an allowed origin with 204', async () => {
  for (const fn of HTTP_FUNCTIONS.filter(isBuilt)) {
    const r = await invoke(
      fn,
      httpEvent('OPTIONS', pathOf(fn), { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } }),
      fnEnv(),
    );
    assert.equal(r.error, undefined, `${fn}: ${JSON.stringify(r.error)}`);
    assert.equal(r.result.statusCode, 204, `${fn}: ${JSON.stringify(r.result)}`);
    assert.equal(r.result.headers['access-control-allow-origin'], ORIGIN, fn);
    assert.match(r.result.headers['access-control-allow-methods'] ?? '', /POST/, fn);
    assert.match(r.result.headers['access-control-allow-headers'] ?? '', /authorization/i, fn);
    assert.equal(r.result.body, '');
  }
});

test('upload API and companion bundles answer a POST without credentials with the JSON 401 error', async () => {
  for (const fn of ['init', 'sign', 'list', 'complete', 'abort', 'companion'].filter(isBuilt)) {
    const r = await invoke(fn, httpEvent('POST', pathOf(fn), { headers: { 'Content-Type': 'application/json', Origin: ORIGIN }, body: { token: 'x' } }), fnEnv());
    assert.equal(r.result?.statusCode, 401, `${fn}: ${JSON.stringify(r.result ?? r.error)}`);
    assertErrorShape(json(r), 'UNAUTHENTICATED', `req-${fn}-1`);
    // CORS headers on errors too, so the browser can read the JSON.
    assert.equal(r.result.headers['access-control-allow-origin'], ORIGIN);
  }
});

test('a bundle without configuration fails closed: 500 MISCONFIGURED naming the missing variables', async () => {
  const r = await invoke('init', httpEvent('POST', '/uploads', { headers: { 'Content-Type': 'application/json' }, body: { filename: 'a.txt', size: 1 } }), {});
  assert.equal(r.result?.statusCode, 500, JSON.stringify(r.result ?? r.error));
  const body = json(r);
  assertErrorShape(body, 'MISCONFIGURED', 'req-init-1');
  for (const v of ['OSS_REGION', 'OSS_BUCKET', 'UPLOAD_TOKEN_SECRET']) assert.match(body.error.message, new RegExp(v));
});

test('callback bundle rejects an unsigned callback with 403 CALLBACK_SIGNATURE_INVALID', async () => {
  const r = await invoke(
    'callback',
    httpEvent('POST', '/oss/callback', { headers: { 'Content-Type': 'application/json' }, body: { bucket: BUCKET, key: 'uploads/a/b', size: 1 } }),
    fnEnv(),
  );
  assert.equal(r.result?.statusCode, 403, JSON.stringify(r.result ?? r.error));
  assertErrorShape(json(r), 'CALLBACK_SIGNATURE_INVALID', 'req-callback-1');
});

test('an HTTP bundle given a timer event fails the invocation with a clear TypeError', async () => {
  const r = await invoke('init', timerEvent(), fnEnv());
  assert.equal(r.result, undefined);
  assert.equal(r.error?.name, 'TypeError');
  assert.match(r.error!.message, /Not an FC HTTP-trigger event/);
});

test('init -> sign -> PUT -> complete through the bundles against the emulator, with the role credentials from context', async () => {
  const data = randomBytes(150 * 1024);
  const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${jwt('bob')}` };
  const ctx = roleContext();

  const init = await invoke('init', httpEvent('POST', '/uploads', { headers: auth, body: { filename: 'b.bin', size: data.length, partSize: 100 * 1024 } }), fnEnv(), ctx);
  const up = json(init);
  assert.equal(init.result.statusCode, 201, JSON.stringify(up));
  assert.equal(up.partCount, 2);
  assert.match(up.key, /^uploads\/bob\//);

  const sign = await invoke('sign', httpEvent('POST', '/uploads/sign', { headers: auth, body: { token: up.token, partNumbers: [1, 2] } }), fnEnv(), ctx);
  const signed = json(sign);
  assert.equal(sign.result.statusCode, 200, JSON.stringify(signed));
  const parts = [];
  for (const p of signed.parts) {
    assert.ok(p.url.startsWith(`${emulator.url}/${BUCKET}/`), p.url);
    const body = data.subarray((p.partNumber - 1) * up.partSize, (p.partNumber - 1) * up.partSize + p.size);
    const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: body as unknown as BodyInit });
    assert.equal(res.status, 200, await res.text());
    parts.push({ partNumber: p.partNumber, etag: res.headers.get('etag')! });
  }

  const done = await invoke('complete', httpEvent('POST', '/uploads/complete', { headers: auth, body: { token: up.token, parts } }), fnEnv(), ctx);
  const result = json(done);
  assert.equal(done.result.statusCode, 200, JSON.stringify(result));
  assert.equal(result.key, up.key);
  assert.equal(result.size, data.length);
  assert.equal(result.crc64, crc64(data).toString());
  const head = await headObject(oss, up.key);
  assert.equal(head?.size, data.length);
  // The upload is gone now: the bundle reads OSS's NoSuchUpload error document (not the status alone).
  const gone = await invoke('sign', httpEvent('POST', '/uploads/sign', { headers: auth, body: { token: up.token, partNumbers: [1] } }), fnEnv(), ctx);
  assert.equal(gone.result.statusCode, 404);
  assert.deepEqual(json(gone).error.details?.ossCode, 'NoSuchUpload');
  // A third of a cold start: the bundles answer through shared/http/fetch-lite.ts, so Node's own
  // Headers/Request/Response, and with them undici, are never loaded.
  for (const r of [init, sign, done]) assert.equal(r.undiciLoaded, false, "an HTTP bundle's cold start does not load Node's undici");
});

test('sweep bundle answers a timer event with a real report: dry run from the payload, then aborts', async () => {
  const stale = await initiateMultipartUpload(oss, 'uploads/carol/2020/01/abcdefghijklmnop/old.bin');
  const other = await initiateMultipartUpload(oss, 'elsewhere/not-ours.bin');
  await new Promise((r) => setTimeout(r, 400));
  // 0.0001 h = 0.36 s: the uploads above are "stale" by now.
  const env = fnEnv({ SWEEP_MAX_AGE_HOURS: '0.0001' });

  const dry = await invoke('sweep', timerEvent('{"dryRun":true}'), env, roleContext());
  assert.equal(dry.error, undefined, JSON.stringify(dry.error) + dry.stderr);
  assert.equal(dry.result.dryRun, true);
  assert.equal(dry.result.prefix, 'uploads/');
  assert.ok(dry.result.scanned >= 1);
  assert.ok(dry.result.uploads.some((u: any) => u.uploadId === stale.uploadId && u.result === 'would-abort'));
  assert.ok(!dry.result.uploads.some((u: any) => u.uploadId === other.uploadId), 'only uploads under KEY_PREFIX');
  assert.match(dry.stdout, /"fn":"sweep"/, 'the report is logged as one JSON line');
  // ~35 ms of a cold start: the OSS transport's HeaderMap keeps the sweeper from touching Node's
  // Headers.
  assert.equal(dry.undiciLoaded, false, "the sweeper's cold start does not load Node's undici");

  const real = await invoke('sweep', timerEvent(''), env, roleContext());
  assert.equal(real.error, undefined, JSON.stringify(real.error) + real.stderr);
  assert.equal(real.result.dryRun, false);
  assert.ok(real.result.aborted >= 1);
  assert.equal(real.result.failed, 0);
  const left = [];
  for await (const u of iterateMultipartUploads(oss)) left.push(u.uploadId);
  assert.ok(!left.includes(stale.uploadId), 'the stale upload is gone');
  assert.ok(left.includes(other.uploadId), 'uploads outside KEY_PREFIX are left alone');
});

test('sweep bundle with an unreachable OSS endpoint fails the invocation (FC records the error)', async () => {
  const r = await invoke('sweep', timerEvent(''), fnEnv({ OSS_ENDPOINT: 'http://127.0.0.1:9' }), roleContext());
  assert.equal(r.result, undefined);
  assert.ok(r.error, 'the handler rejects');
  assert.match(r.error!.message, /ListMultipartUploads|ECONNREFUSED|connect/i);
});

test('events bundle: a real OSS event, content check, quarantine, signed deliveries verified by the official library', async () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const received: Array<{ headers: Record<string, string>; body: string }> = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const env = fnEnv({ WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, WEBHOOK_SECRET: secret });
    const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001080600000000', 'hex');
    const good = await putObject(oss, 'uploads/dana/2025/03/abcdefghijklmnop/pic.png', png, { contentType: 'image/png', metadata: { album: 'x' } });
    const bad = await putObject(oss, 'uploads/dana/2025/03/qrstuvwxyzabcdef/pic.png', '<html><script>alert(1)</script></html>', { contentType: 'image/png' });
    const ossEvent = (key: string, etag: string) => ({
      events: [{ eventName: 'ObjectCreated:PutObject', eventTime: new Date().toISOString(), oss: { bucket: { name: BUCKET }, object: { key, eTag: etag.replace(/"/g, ''), size: 1 } } }],
    });
    const ok = await invoke('events', ossEvent('uploads/dana/2025/03/abcdefghijklmnop/pic.png', good.etag), env, roleContext());
    assert.equal(ok.error, undefined, JSON.stringify(ok.error) + ok.stderr);
    assert.equal(ok.result.outcomes[0].outcome, 'delivered');
    const rej = await invoke('events', ossEvent('uploads/dana/2025/03/qrstuvwxyzabcdef/pic.png', bad.etag), env, roleContext());
    assert.equal(rej.result.outcomes[0].outcome, 'rejected');
    assert.equal(await headObject(oss, 'uploads/dana/2025/03/qrstuvwxyzabcdef/pic.png'), null, 'quarantined: gone from its key');
    const wh = new Webhook(secret);
    const events = received.map((r) => wh.verify(r.body, r.headers) as any);
    assert.deepEqual(events.map((e) => e.type), ['upload.completed', 'upload.rejected']);
    assert.equal(events[0].data.sub, 'dana');
    assert.deepEqual(events[0].data.metadata, { album: 'x' });
    assert.equal(events[0].data.check.detected, 'image/png');
    assert.equal(ok.stderr, '');
    assert.equal(ok.undiciLoaded, false, "the events bundle's cold start does not load Node's undici");
    // Without a webhook the function fails (FC retries, then dead-letters the event intact).
    const off = await invoke('events', ossEvent('uploads/dana/2025/03/abcdefghijklmnop/pic.png', good.etag), fnEnv(), roleContext());
    assert.match(off.error?.message ?? '', /WEBHOOK_URL and WEBHOOK_SECRET/);
  } finally {
    receiver.close();
  }
});

test('each bundle holds only the OSS operations its function calls', () => {
  // Every operation function names itself to the client's pipeline: `invoke({operation:"X", …})`.
  const ALL = ['InitiateMultipartUpload', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts', 'ListMultipartUploads', 'HeadObject', 'GetObject', 'PutObject', 'DeleteObject', 'CopyObject', 'ListObjectsV2'];
  const calls: Record<string, string[]> = {
    init: ['InitiateMultipartUpload', 'ListMultipartUploads', 'AbortMultipartUpload'],
    sign: ['ListParts'],
    list: ['ListParts'],
    complete: ['ListParts', 'CompleteMultipartUpload', 'HeadObject'],
    abort: ['AbortMultipartUpload'],
    callback: [],
    companion: ['InitiateMultipartUpload', 'ListMultipartUploads', 'AbortMultipartUpload', 'ListParts', 'CompleteMultipartUpload', 'HeadObject'],
    sweep: ['ListMultipartUploads', 'AbortMultipartUpload', 'ListObjectsV2', 'DeleteObject'],
    events: ['HeadObject', 'GetObject', 'PutObject', 'CopyObject', 'DeleteObject'],
  };
  for (const b of built.bundles) {
    assert.ok(calls[b.name], `${b.name}: say which OSS operations it calls`);
    const code = readFileSync(b.file, 'utf8');
    const present = ALL.filter((op) => new RegExp(`\\boperation:\\s*"${op}"`).test(code));
    assert.deepEqual(present.sort(), [...calls[b.name]].sort(), `${b.name} carries ${present.join(', ')}`);
  }
});

test('no bundle carries OpenAPI code: the document, its words, the converter or the answer schemas', () => {
  // Strings only the document has: operation words (infra/openapi/), the error-code meanings, and
  // descriptions of answer schemas (shared/api/responses.ts), which the functions import as types only.
  const documentOnly = ['operationId', 'openapi', 'components/schemas', 'Presign part uploads', 'The multipart upload no longer exists in OSS', 'Upload token for sign, list, complete and abort.', 'toJsonSchema'];
  for (const b of built.bundles) {
    const code = readFileSync(b.file, 'utf8');
    for (const s of documentOnly) assert.ok(!code.includes(s), `${b.name} carries "${s}"`);
    assert.ok(!b.packages.some((p) => p.startsWith('@valibot/to-json-schema')), `${b.name}: ${b.packages.join(', ')}`);
  }
  // The request schemas are there: the JSON functions validate with valibot.
  for (const name of ['init', 'sign', 'list', 'complete', 'abort', 'callback', 'companion'].filter(isBuilt)) {
    assert.ok(built.bundles.find((b) => b.name === name)!.packages.some((p) => p.startsWith('valibot@')), `${name} validates with valibot`);
  }
});

test('no bundle carries the configuration table (shared/config/variables.ts is for docs and tooling)', () => {
  const meanings = CONFIG_TABLE.map((v) => v.meaning);
  for (const b of built.bundles) {
    const code = readFileSync(b.file, 'utf8');
    assert.deepEqual(meanings.filter((m) => code.includes(m)), [], `${b.name} carries the table`);
  }
});

test("fast-xml-parser rides along without what it never calls as we configure it (infra/build.ts alias)", () => {
  for (const b of built.bundles) {
    const xml = b.packages.some((p) => p.startsWith('fast-xml-parser@'));
    assert.equal(xml, b.name !== 'callback', `${b.name}: ${b.packages.join(', ')}`);
    for (const p of b.packages) assert.doesNotMatch(p, /^(strnum|anynum|is-unsafe|@nodable\/entities)@/, `${b.name} bundles ${p}`);
    if (xml) assert.match(readFileSync(b.file, 'utf8'), /which infra\/build\.ts aliases away/, `${b.name}: the stand-in is there`);
  }
  // The flows above (Initiate, ListParts, Complete and error documents read in the bundles) show
  // that the stand-ins are never reached: each throws when called.
});

test('the build refuses test code, the emulator, dev-only packages and unknown functions', async () => {
  assert.throws(() => checkInputs('x', ['infra/emulator/server.ts']), (e: Error) => e instanceof BuildError && /infra\/ \(emulator/.test(e.message));
  assert.throws(() => checkInputs('x', ['test/helpers/stack.ts']), /test code/);
  assert.throws(() => checkInputs('x', ['node_modules/ali-oss/lib/client.js']), /ali-oss is a test oracle only/);
  assert.throws(() => checkInputs('x', ['node_modules/@hono/node-server/dist/index.mjs']), /@hono\/node-server/);
  assert.throws(() => checkInputs('x', ['node_modules/fast-check/lib/fast-check.js']), /not a runtime dependency/);
  assert.throws(() => checkInputs('x', ['node_modules/yaml/dist/index.js']), /yaml is not a runtime dependency/);
  // Runtime dependencies and their own dependencies are fine (fast-xml-parser brings path-expression-matcher).
  checkInputs('x', ['functions/init/index.ts', 'shared/config/index.ts', 'node_modules/hono/dist/hono.js', 'node_modules/fast-xml-parser/src/fxp.js', 'node_modules/path-expression-matcher/src/Matcher.js']);
  await assert.rejects(build({ outDir: join(tmp, 'other'), only: ['nope'], log: () => {} }), /unknown function\(s\): nope/);
});

// ---------------------------------------------------------------------------------------------
// The bundles run on shared/http/fetch-lite.ts (injected by the build) instead of Node's
// Headers/Request/Response. Here each HTTP bundle, in one long-lived child, answers a few hundred
// generated events, and the same events go through the source app on Node's own classes: the FC
// answers must be the same.

/** Reads `{event, context}` lines from stdin, answers each with a marked result line. */
const HOST = `
const mod = require(process.argv[1]);
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const msg = JSON.parse(line);
  let out;
  if (msg.end) out = { undiciLoaded: ${UNDICI_LOADED} };
  else {
    try { out = { result: await mod.handler(Buffer.from(JSON.stringify(msg.event), 'utf8'), msg.context) }; }
    catch (e) { out = { error: { name: e && e.name, message: String(e && e.message) } }; }
  }
  process.stdout.write('@@RESULT@@' + JSON.stringify(out) + '\\n');
});
`;

interface Answer {
  result?: FcHttpResponse;
  error?: { name: string; message: string };
}

/** One child per bundle; `ask` sends an event and waits for its answer (one at a time). */
function host(name: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['-e', HOST, bundlePath(name)], { cwd: tmp, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let buffer = '';
  let stderr = '';
  const waiting: ((line: string) => void)[] = [];
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    buffer += d;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line.startsWith('@@RESULT@@')) waiting.shift()!(line.slice('@@RESULT@@'.length));
    }
  });
  const send = (msg: unknown): Promise<any> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no answer in 10 s\n${stderr}`)), 10_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      });
      child.stdin.write(JSON.stringify(msg) + '\n');
    });
  return {
    ask: (event: unknown, context: Record<string, unknown>): Promise<Answer> => send({ event, context }),
    finish: async (): Promise<boolean> => {
      const { undiciLoaded } = await send({ end: true });
      child.stdin.end();
      child.kill();
      return undiciLoaded;
    },
    /** Ends the child whatever happened (a failed assertion must not leave it keeping the run alive). */
    kill: () => child.kill(),
  };
}

const SOURCE_APPS = { init: initApp, sign: signApp, list: listApp, complete: completeApp, abort: abortApp, callback: callbackApp, companion: companionApp };

/** Paths each function is asked on: its own routes, neighbours and odd spellings. */
const PATHS: Record<string, string[]> = {
  companion: ['/s3/params', '/s3/multipart', '/s3/multipart/abc', '/s3/multipart/abc/batch', '/s3/multipart/abc/3', '/s3/multipart/abc/complete', '/s3/multipart/a%20b/x', '/s3/', '/s3/nope'],
};
const pathsOf = (fn: string) => PATHS[fn] ?? [pathOf(fn), `${pathOf(fn)}/`, `${pathOf(fn)}/x`, '/uploads%2Fsign', '/'];

/** Generated FC events: methods, headers, queries and bodies, both well-formed and not. */
function eventsFor(fn: string, count: number, seed: number) {
  const token = fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/);
  const headerValue = fc.oneof(
    fc.constantFrom('', ' padded\\t', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'multipart/form-data; boundary=x', '*/*', 'gzip', 'é', '\u2603', 'a\u0000b', 'x\r\ny'),
    fc.string({ maxLength: 30 }),
  );
  const headers = fc.record(
    {
      Origin: fc.constantFrom(ORIGIN, 'https://evil.example', 'null', ''),
      'Content-Type': headerValue,
      Authorization: fc.oneof(fc.constant(`Bearer ${jwt('dora')}`), token.map((t) => `Bearer ${t}`), headerValue),
      'Access-Control-Request-Method': fc.constantFrom('POST', 'GET', 'DELETE', 'PUT', ''),
      'Access-Control-Request-Headers': fc.constantFrom('authorization,content-type', 'x-custom', ''),
      'Content-Length': fc.constantFrom('0', '5', '99999999', 'abc'),
      'Set-Cookie': headerValue,
      'X-Forwarded-Proto': fc.constantFrom('http', 'https', 'ftp'),
      Odd: headerValue,
    },
    { requiredKeys: [] },
  );
  const jsonBody = fc.oneof(
    fc.record(
      {
        filename: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('a.txt'), fc.integer()),
        size: fc.oneof(fc.integer({ min: -1, max: 1e10 }), fc.double(), fc.string({ maxLength: 5 })),
        partSize: fc.oneof(fc.constant(5 * 1024 * 1024), fc.integer()),
        contentType: headerValue,
        token,
        partNumbers: fc.array(fc.oneof(fc.integer({ min: -2, max: 10_001 }), fc.string({ maxLength: 3 })), { maxLength: 5 }),
        parts: fc.array(fc.record({ partNumber: fc.integer({ min: 0, max: 3 }), etag: fc.string({ maxLength: 10 }) }), { maxLength: 3 }),
        type: fc.constantFrom('image/png', 'text/plain', ''),
        metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        bucket: fc.constantFrom(BUCKET, 'other'),
        key: fc.string({ maxLength: 20 }),
      },
      { requiredKeys: [] },
    ).map((o) => JSON.stringify(o)),
    fc.json({ maxDepth: 2 }),
    fc.string({ maxLength: 40 }),
    fc.constant('{"filename":'),
  );
  const event = fc.record({
    method: fc.constantFrom('POST', 'POST', 'GET', 'OPTIONS', 'HEAD', 'DELETE', 'PUT', 'PATCH', 'post'),
    path: fc.constantFrom(...pathsOf(fn)),
    headers,
    query: fc.dictionary(fc.constantFrom('key', 'uploadId', 'partNumbers', 'filename', 'type', 'x'), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
    body: fc.oneof(jsonBody, fc.constant('')),
    base64: fc.option(fc.uint8Array({ maxLength: 64 }), { freq: 5 }),
  });
  return fc.sample(event, { numRuns: count, seed }).map((e) => {
    const ev = httpEvent(e.method, e.path, { headers: e.headers, body: e.body, query: e.query });
    if (e.base64) Object.assign(ev, { body: Buffer.from(e.base64).toString('base64'), isBase64Encoded: true });
    return ev;
  });
}

/** Answers that carry fresh upload ids, keys and tokens: compared by shape, not by value. */
function comparable(a: Answer): unknown {
  const r = a.result;
  if (!r || r.statusCode >= 300 || !/json/.test(r.headers['content-type'] ?? '')) return a;
  const shape = (v: unknown): unknown => (Array.isArray(v) ? v.map(shape) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v);
  return { ...r, body: shape(JSON.parse(r.body)) };
}

test("each HTTP bundle (fetch-lite) answers generated events exactly as its source app on Node's classes", async () => {
  const env = fnEnv();
  const context = { requestId: 'req-diff-1', ...roleContext() };
  const perFunction = 150;
  let compared = 0;
  for (const fn of HTTP_FUNCTIONS.filter(isBuilt)) {
    const source = handle(SOURCE_APPS[fn as keyof typeof SOURCE_APPS]({ env }));
    const bundle = host(fn, env);
    try {
      // A seed per function: each gets its own sequence of events, not its neighbour's.
      for (const [i, event] of eventsFor(fn, perFunction, 0x5eed + HTTP_FUNCTIONS.indexOf(fn)).entries()) {
        const fromBundle = await bundle.ask(event, context);
        let fromSource: Answer;
        try {
          fromSource = { result: await source(Buffer.from(JSON.stringify(event)), context) };
        } catch (e) {
          fromSource = { error: { name: (e as Error).name, message: (e as Error).message } };
        }
        assert.deepEqual(comparable(fromBundle), comparable(fromSource), `${fn} event #${i}: ${JSON.stringify(event).slice(0, 600)}`);
        compared++;
      }
      assert.equal(await bundle.finish(), false, `${fn}: undici stayed unloaded through ${perFunction} varied requests`);
    } finally {
      bundle.kill();
    }
  }
  assert.ok(compared >= 7 * perFunction);
});

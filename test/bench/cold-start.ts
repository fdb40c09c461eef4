/**
 * Section `cold-start`: every function's deployable bundle (infra/build.ts `build()` into a temp
 * dir, the same minified CJS FC runs) loaded by a FRESH Node process that answers its first
 * synthetic FC event, as the nodejs20 runtime would: `require(bundle).handler(eventBuffer, ctx)`.
 *
 * Measured inside the child: `performance.now()` at its first line (Node's own boot, from the
 * process's time origin), after `require` (bundle load), and at the response: "to response" is
 * process start -> handler resolved. Measured by the parent: spawn -> the response line on its
 * stdout, and spawn -> exit (the child calls process.exit right after answering; after a global
 * `fetch()` that exit itself takes a few hundred ms, undici's teardown, which FC never waits for). Median of `runs` fresh processes per variant; the variants are
 * interleaved run by run, one process at a time.
 *
 * Variants:
 *  - hello-node: a Hono hello-world through the same adapter, bundled with the same esbuild
 *    options except the fetch-lite inject, so Hono runs on Node's own Request/Response and Node
 *    loads undici on the first request, as in a stock Hono build: the goal's baseline;
 *  - hello: the same hello-world given our fetch-lite too (shared/http/fetch-lite.ts), the least
 *    any function of our build costs;
 *  - floor: that hello-world plus one HMAC and one node:http request to the emulator, the least a
 *    function that calls OSS does (test/bench/cold/hello-oss.ts); the share of each operation's
 *    time above it is our own code's;
 *  - ali-oss init: Hono + the adapter + ali-oss doing InitiateMultipartUpload + signatureUrlV4,
 *    bundled with esbuild (platform node, `proxy-agent` external: urllib only requires it when a
 *    proxy is configured); once as a stock build (the goal's comparison) and once given our
 *    fetch-lite too (flattered);
 *  - each function answering a CORS preflight (load + adapter + config, no OSS), and doing a real
 *    operation against the in-process emulator: init (InitiateMultipartUpload), sign (10 parts,
 *    SIGN_CHECKS_UPLOAD default: one ListParts), list (ListParts), complete (a fresh 1-part upload
 *    per run: ListParts + Complete), abort (a fresh upload per run), companion (POST
 *    /s3/multipart: InitiateMultipartUpload), callback (an unsigned POST: 403 after the signature
 *    check, it needs OSS's key to do more), sweep (timer event, dry run: ListMultipartUploads),
 *    events (an OSS trigger event for a stored PNG: HEAD, 64 KiB ranged GET, file-type, a signed
 *    delivery to a local receiver);
 *  - the events function's two libraries alone, each in an otherwise empty bundle (file-type/core
 *    with one detection, standardwebhooks with one signature), and request validation (valibot,
 *    two of our schemas and shared/http/validate.ts, test/bench/cold/lib-valibot.ts), against an
 *    empty handler: their bytes and what they add to a cold start.
 *
 * Goals: each function's real operation within 1.3x of the stock hello-world's time to response
 * (not the events function's: FC invokes it asynchronously, nobody waits on it, and it makes three
 * requests, HEAD, a ranged GET and the delivery, where the others make one; its ratio is printed);
 * our init at least 2x faster than the stock ali-oss init. The ratios to the fetch-lite
 * hello-world and to the flattered ali-oss build are printed beside them.
 *
 * For work on one function: `BENCH_COLD_FUNCTIONS=complete,sign` measures only those (hello-world
 * and the ali-oss init always run), `BENCH_COLD_RUNS=40` sets the number of runs. For an A/B of a
 * change: `BENCH_COLD_COMPARE=DIR` also runs each function's operation on DIR/<fn>/index.js
 * (another `npm run build -- --out DIR`, e.g. of main), interleaved with ours under the same load.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { build, FUNCTION_BUNDLE_OPTIONS } from '../../infra/build.ts';
import { startEmulator } from '../../infra/emulator/server.ts';
import { createApp as createInitApp } from '../../functions/init/index.ts';
import { createApp as createSignApp } from '../../functions/sign/index.ts';
import { startWebhookReceiver } from '../../infra/local/webhook-receiver.ts';
import { OssClient } from '../../shared/oss/client.ts';
import { putObject } from '../../shared/oss/objects.ts';
import { randomBytes } from 'node:crypto';
import { handle } from '../../shared/http/fc-adapter.ts';
import { callerJwt, functionEnv, goal, httpEvent, median, round, percentile, type BenchOptions, type Row, type Section, type SectionResult, BUCKET } from './lib.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ORIGIN = 'https://app.example.com';

/** The child: CommonJS under plain `node`, no loader. argv: bundle, input JSON file. */
const CHILD = `'use strict';
const t0 = performance.now();
const mod = require(process.argv[2]);
const t1 = performance.now();
const input = JSON.parse(require('node:fs').readFileSync(process.argv[3], 'utf8'));
const event = Buffer.from(JSON.stringify(input.event), 'utf8');
Promise.resolve()
  .then(() => mod.handler(event, input.context))
  .then((r) => ({ result: r }), (e) => ({ error: String((e && e.message) || e) }))
  .then((out) => {
    const t2 = performance.now();
    const r = out.result;
    const line = JSON.stringify({
      boot: t0, load: t1 - t0, handler: t2 - t1, toResponse: t2,
      status: r && typeof r === 'object' ? (r.statusCode ?? 'report') : null,
      error: out.error, body: r && typeof r.body === 'string' ? r.body.slice(0, 300) : undefined,
    });
    process.stdout.write('\\n@@COLD@@' + line + '\\n', () => process.exit(0));
  });
`;

interface ChildReport {
  boot: number;
  load: number;
  handler: number;
  toResponse: number;
  status: number | 'report' | null;
  error?: string;
  body?: string;
}

interface Variant {
  name: string;
  label: string;
  bundle: string;
  env: Record<string, string>;
  /** Builds this run's event (may create an upload first; not timed). */
  event(): Promise<unknown>;
  expect: number | 'report';
  /** One of our functions doing its real operation: gets a goal row against the stock hello-world. */
  op?: true;
  /** Asynchronous (events): nobody waits on its cold start, so its ratio is reported without the goal. */
  async?: true;
  fn?: string;
}

type Sample = ChildReport & { wall: number; wallToResponse: number };

function runChild(dir: string, childFile: string, v: Variant, event: unknown, i: number): Promise<Sample> {
  const inputFile = join(dir, `input-${v.name}.json`);
  writeFileSync(inputFile, JSON.stringify({ event, context: { requestId: `cold-${v.name}-${i}`, function: { name: v.fn ?? v.name } } }));
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [childFile, v.bundle, inputFile], {
      cwd: dir,
      // Only the function's own variables, as on FC: no NODE_OPTIONS, no tsx.
      env: { PATH: process.env.PATH ?? '', ...v.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let wallToResponse = NaN;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (Number.isNaN(wallToResponse) && stdout.includes('\n@@COLD@@')) wallToResponse = performance.now() - t0;
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', () => {
      const wall = performance.now() - t0;
      clearTimeout(timer);
      const at = stdout.lastIndexOf('\n@@COLD@@');
      if (at < 0) return reject(new Error(`${v.name}: no report\nstdout: ${stdout.slice(-500)}\nstderr: ${stderr.slice(-1000)}`));
      const report = JSON.parse(stdout.slice(at + '\n@@COLD@@'.length)) as ChildReport;
      if (report.status !== v.expect) {
        return reject(new Error(`${v.name}: expected ${v.expect}, got ${report.status} ${report.error ?? ''} ${report.body ?? ''}\nstderr: ${stderr.slice(-500)}`));
      }
      resolvePromise({ ...report, wall, wallToResponse });
    });
  });
}

/**
 * Bundles a baseline with the functions' esbuild options. `nodeClasses`: without the fetch-lite
 * inject, so Hono runs on Node's own Headers/Request/Response, as a stock Hono build does.
 */
async function bundleEntry(entry: string, outfile: string, opts: { external?: string[]; nodeClasses?: boolean; ourAliases?: boolean } = {}) {
  const { inject, alias, ...rest } = FUNCTION_BUNDLE_OPTIONS;
  await esbuild.build({ ...rest, inject: opts.nodeClasses ? [] : inject, alias: opts.ourAliases ? alias : {}, entryPoints: [join(ROOT, entry)], outfile, external: opts.external ?? [] });
  writeFileSync(join(dirname(outfile), 'package.json'), '{"type":"commonjs"}\n');
}

function sizes(file: string) {
  const buf = readFileSync(file);
  return { bytes: statSync(file).size, gzipBytes: gzipSync(buf).length };
}

export const coldStartSection: Section = {
  name: 'cold-start',
  title: 'Cold start: fresh Node process, load the bundle, answer the first FC event',
  async run(opts: BenchOptions): Promise<SectionResult> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
    const emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
    const receiver = await startWebhookReceiver({ secret: `whsec_${randomBytes(32).toString('base64')}` });
    try {
      // Like the repo root: a "type":"module" above dist/, so each bundle needs its own package.json.
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
      const childFile = join(dir, 'child.cjs');
      writeFileSync(childFile, CHILD);
      const chosen = process.env.BENCH_COLD_FUNCTIONS?.split(',').map((s) => s.trim()).filter(Boolean);
      const onlyFns = chosen?.length ? [...new Set(['init', ...chosen])] : opts.quick ? ['init', 'sign'] : undefined;
      const built = await build({ outDir: join(dir, 'dist'), log: () => {}, only: onlyFns });
      const bundleSizes: Record<string, { bytes: number; gzipBytes: number }> = {};
      for (const b of built.bundles) bundleSizes[b.name] = { bytes: b.bytes, gzipBytes: b.gzipBytes };
      const baselines: Array<[name: string, entry: string, opts?: { external?: string[]; nodeClasses?: boolean; ourAliases?: boolean }]> = [
        ['hello', 'test/bench/cold/hello.ts'],
        ['hello-node', 'test/bench/cold/hello.ts', { nodeClasses: true }],
        ['hello-oss', 'test/bench/cold/hello-oss.ts'],
        ['jwt-jose', 'test/bench/cold/jwt-jose.ts'],
        ['jwt-node', 'test/bench/cold/jwt-node.ts'],
        // urllib requires proxy-agent only when a proxy is configured.
        ['ali-oss-init', 'test/bench/cold/ali-oss-init.ts', { external: ['proxy-agent'] }],
        ['ali-oss-init-node', 'test/bench/cold/ali-oss-init.ts', { external: ['proxy-agent'], nodeClasses: true }],
        ['empty', 'test/bench/cold/empty.ts', { nodeClasses: true }],
        // As the events bundle ships it (without `debug`, shared/debug-noop.cjs), and stock.
        ['lib-file-type', 'test/bench/cold/lib-file-type.ts', { nodeClasses: true, ourAliases: true }],
        ['lib-file-type-stock', 'test/bench/cold/lib-file-type.ts', { nodeClasses: true }],
        ['lib-standardwebhooks', 'test/bench/cold/lib-standardwebhooks.ts', { nodeClasses: true }],
        ['lib-valibot', 'test/bench/cold/lib-valibot.ts', { nodeClasses: true }],
      ];
      for (const [name, entry, o] of baselines) {
        await bundleEntry(entry, join(dir, 'dist', name, 'index.js'), o);
        bundleSizes[name] = sizes(join(dir, 'dist', name, 'index.js'));
      }
      const bundle = (name: string) => join(dir, 'dist', name, 'index.js');
      opts.log(`cold-start: built ${Object.keys(bundleSizes).length} bundles into ${dir}`);

      const env = functionEnv(emulator, { CORS_ALLOWED_ORIGINS: ORIGIN });
      const eventsEnv = { ...env, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: receiver.secret };
      const oss = new OssClient({ region: emulator.region, bucket: BUCKET, credentials: emulator.credentials, endpoint: emulator.url, pathStyle: true });
      const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
      /** A stored PNG of our key layout and the OSS trigger event announcing it. */
      const storedObjectEvent = async () => {
        const key = `uploads/bench-user/2025/01/${randomBytes(12).toString('base64url')}/cold.png`;
        const put = await putObject(oss, key, PNG, { contentType: 'image/png' });
        return { events: [{ eventName: 'ObjectCreated:PostObject', eventTime: new Date().toISOString(), oss: { bucket: { name: BUCKET }, object: { key, eTag: put.etag.replace(/"/g, ''), size: PNG.length } } }] };
      };
      const headers = { Authorization: `Bearer ${callerJwt()}`, Origin: ORIGIN };
      // In-process functions make the uploads the children work on (not timed).
      const init = handle(createInitApp({ env }));
      const sign = handle(createSignApp({ env }));
      const newUpload = async (size: number) => {
        const r = await init(httpEvent('POST', '/uploads', { headers, body: { filename: 'cold.bin', size } }), { requestId: 'prep' });
        if (r.statusCode !== 201) throw new Error(`prep init: ${r.statusCode} ${r.body}`);
        return JSON.parse(r.body) as { token: string; partCount: number };
      };
      const shared = await newUpload(1024 * 1024 * 1024);
      const uploadedOnePart = async () => {
        const up = await newUpload(1024);
        const s = await sign(httpEvent('POST', '/uploads/sign', { headers, body: { token: up.token, partNumbers: [1] } }), { requestId: 'prep' });
        const [part] = (JSON.parse(s.body) as { parts: Array<{ url: string; headers: Record<string, string> }> }).parts;
        const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: new Uint8Array(1024) });
        if (put.status !== 200) throw new Error(`prep PUT: ${put.status}`);
        return { token: up.token, parts: [{ partNumber: 1, etag: put.headers.get('etag')! }] };
      };

      const preflight = (path: string) => async () =>
        httpEvent('OPTIONS', path, { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
      const post = (path: string, body: () => Promise<unknown> | unknown) => async () => httpEvent('POST', path, { headers, body: await body() });

      const fnOps: Array<{ fn: string; path: string; op: () => Promise<unknown>; expect: number | 'report'; what: string }> = [
        { fn: 'init', path: '/uploads', op: post('/uploads', () => ({ filename: 'cold.bin', size: 64 * 1024 * 1024 })), expect: 201, what: 'InitiateMultipartUpload' },
        { fn: 'sign', path: '/uploads/sign', op: post('/uploads/sign', () => ({ token: shared.token, partNumbers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })), expect: 200, what: '10 parts + ListParts' },
        { fn: 'list', path: '/uploads/list', op: post('/uploads/list', () => ({ token: shared.token })), expect: 200, what: 'ListParts' },
        { fn: 'complete', path: '/uploads/complete', op: post('/uploads/complete', uploadedOnePart), expect: 200, what: 'ListParts + Complete' },
        { fn: 'abort', path: '/uploads/abort', op: post('/uploads/abort', async () => ({ token: (await newUpload(1024)).token })), expect: 200, what: 'AbortMultipartUpload' },
        { fn: 'companion', path: '/s3/multipart', op: post('/s3/multipart', () => ({ filename: 'cold.bin', type: 'application/octet-stream', metadata: {} })), expect: 200, what: 'POST /s3/multipart: Initiate' },
        { fn: 'callback', path: '/oss/callback', op: post('/oss/callback', () => ({ bucket: BUCKET })), expect: 403, what: 'unsigned: 403' },
        {
          fn: 'sweep',
          path: '',
          op: async () => ({ triggerTime: new Date().toISOString(), triggerName: 'sweep', payload: '{"dryRun":true}' }),
          expect: 'report',
          what: 'timer, dry run: ListMultipartUploads',
        },
        { fn: 'events', path: '', op: storedObjectEvent, expect: 'report', what: 'OSS event: HEAD + ranged GET + file-type + signed delivery' },
      ];
      const builtNames = new Set(built.bundles.map((b) => b.name));
      const variants: Variant[] = [
        { name: 'hello-node', label: "hello-world, stock Hono build (Node's Request/Response)", bundle: bundle('hello-node'), env: {}, event: async () => httpEvent('GET', '/'), expect: 200 },
        { name: 'hello', label: 'hello-world, our build (fetch-lite)', bundle: bundle('hello'), env: {}, event: async () => httpEvent('GET', '/'), expect: 200 },
        { name: 'hello-oss', label: 'floor: hello-world (fetch-lite) + 1 HMAC + 1 node:http request to OSS', bundle: bundle('hello-oss'), env, event: async () => httpEvent('GET', '/'), expect: 200 },
        { name: 'jwt-node', label: 'hello-world (fetch-lite) + a caller JWT checked with one node:crypto HMAC', bundle: bundle('jwt-node'), env, event: async () => httpEvent('GET', '/', { headers }), expect: 200 },
        { name: 'jwt-jose', label: 'hello-world (fetch-lite) + a caller JWT verified with jose (shared/auth/jwt.ts)', bundle: bundle('jwt-jose'), env, event: async () => httpEvent('GET', '/', { headers }), expect: 200 },
        { name: 'ali-oss-init-node', label: "ali-oss init, stock build (Node's Request/Response)", bundle: bundle('ali-oss-init-node'), env, event: post('/uploads', () => ({ filename: 'cold.bin' })), expect: 201 },
        { name: 'ali-oss-init', label: 'ali-oss init, given our fetch-lite too', bundle: bundle('ali-oss-init'), env, event: post('/uploads', () => ({ filename: 'cold.bin' })), expect: 201 },
        { name: 'empty', label: 'empty handler (no library)', bundle: bundle('empty'), env: {}, event: async () => ({}), expect: 200 },
        { name: 'lib-file-type', label: 'file-type/core alone: load + 1 detection (as shipped, no debug)', bundle: bundle('lib-file-type'), env: {}, event: async () => ({}), expect: 200 },
        { name: 'lib-file-type-stock', label: 'file-type/core alone, stock (with debug)', bundle: bundle('lib-file-type-stock'), env: {}, event: async () => ({}), expect: 200 },
        { name: 'lib-standardwebhooks', label: 'standardwebhooks alone: load + 1 signature', bundle: bundle('lib-standardwebhooks'), env: {}, event: async () => ({}), expect: 200 },
        { name: 'lib-valibot', label: 'request validation alone: valibot + 2 of our schemas + validate.ts, 1 valid and 1 invalid parse', bundle: bundle('lib-valibot'), env: {}, event: async () => ({}), expect: 200 },
      ];
      const compareDir = process.env.BENCH_COLD_COMPARE ? resolve(process.env.BENCH_COLD_COMPARE) : undefined;
      const compared: string[] = [];
      for (const f of fnOps) {
        if (!builtNames.has(f.fn)) continue;
        const events = f.fn === 'events';
        variants.push({ name: `${f.fn}`, label: `${f.fn}: ${f.what}`, bundle: bundle(f.fn), env: events ? eventsEnv : env, event: f.op, expect: f.expect, op: true, fn: f.fn, ...(events ? { async: true as const } : {}) });
        if (f.path) variants.push({ name: `${f.fn}-preflight`, label: `${f.fn}: CORS preflight`, bundle: bundle(f.fn), env, event: preflight(f.path), expect: 204, fn: f.fn });
        const other = compareDir && join(compareDir, f.fn, 'index.js');
        if (other && existsSync(other)) {
          compared.push(f.fn);
          bundleSizes[`${f.fn}-compare`] = sizes(other);
          variants.push({ name: `${f.fn}-compare`, label: `${f.fn}: ${f.what}, BENCH_COLD_COMPARE's bundle`, bundle: other, env: events ? eventsEnv : env, event: f.op, expect: f.expect, fn: f.fn });
        }
      }

      const runs = Number(process.env.BENCH_COLD_RUNS) > 0 ? Math.ceil(Number(process.env.BENCH_COLD_RUNS)) : opts.quick ? 3 : 20;
      const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
      // One warm-up process each (disk cache, the emulator's first requests).
      for (const v of variants) await runChild(dir, childFile, v, await v.event(), -1);
      for (let r = 0; r < runs; r++) {
        for (let k = 0; k < variants.length; k++) {
          const v = variants[(k + r) % variants.length];
          samples.get(v.name)!.push(await runChild(dir, childFile, v, await v.event(), r));
        }
      }
      opts.log(`cold-start: ${runs} fresh processes per variant, ${variants.length} variants`);

      const med = (name: string, field: keyof ChildReport | 'wall' | 'wallToResponse') => median(samples.get(name)!.map((s) => s[field] as number));
      // Two hello-worlds: `hello-node`, a stock Hono build on Node's classes (undici), what a team
      // would otherwise deploy, is the goal's baseline; `hello`, given our fetch-lite too, is the
      // least any function of our build costs (docs/bench.md, "Which hello-world").
      const hello = med('hello-node', 'toResponse');
      const helloLite = med('hello', 'toResponse');
      const helloWall = med('hello-node', 'wall');
      const rows: Row[] = [];
      const perVariant: Record<string, unknown> = {};
      const toResponseOf = new Map<string, number>();
      for (const v of variants) {
        const s = samples.get(v.name)!;
        const toResponse = med(v.name, 'toResponse');
        toResponseOf.set(v.name, toResponse);
        const bundleName = v.name.replace(/-preflight$/, '');
        const size = bundleSizes[bundleName];
        const ratio = toResponse / hello;
        rows.push({
          metric: v.label,
          value: round(toResponse, 1),
          unit: 'ms',
          note:
            `boot ${round(med(v.name, 'boot'), 1)} + load ${round(med(v.name, 'load'), 1)} + handler ${round(med(v.name, 'handler'), 1)}; ` +
            `spawn->response ${round(med(v.name, 'wallToResponse'), 1)}, spawn->exit ${round(med(v.name, 'wall'), 1)} ms; ${round(ratio, 2)}x hello, ${round(toResponse / helloLite, 2)}x hello (fetch-lite)` +
            (size && !v.name.endsWith('-preflight') ? `; bundle ${round(size.bytes / 1024, 1)} KiB (${round(size.gzipBytes / 1024, 1)} KiB gz)` : ''),
        });
        perVariant[v.name] = {
          label: v.label,
          runs: s.length,
          toResponse: { p50: toResponse, p90: percentile(s.map((x) => x.toResponse), 90) },
          boot: med(v.name, 'boot'),
          load: med(v.name, 'load'),
          handler: med(v.name, 'handler'),
          wallToResponse: { p50: med(v.name, 'wallToResponse'), p90: percentile(s.map((x) => x.wallToResponse), 90) },
          wallToExit: { p50: med(v.name, 'wall'), p90: percentile(s.map((x) => x.wall), 90) },
          ratioToHello: ratio,
          ratioToHelloLite: toResponse / helloLite,
        };
      }
      const floor = med('hello-oss', 'toResponse');
      for (const v of variants.filter((x) => x.op)) {
        const toResponse = toResponseOf.get(v.name)!;
        const ratio = toResponse / hello;
        rows.push({
          metric: `${v.fn} (${v.label.split(': ')[1]}) / hello-world (stock)`,
          value: round(ratio, 2),
          unit: 'x',
          ...(v.async ? {} : { goal: goal(ratio, '<=', 1.3) }),
          note: `process start -> response, medians; ${round(toResponse / helloLite, 2)}x hello-world (fetch-lite), ${round(toResponse / floor, 2)}x the floor`,
        });
      }
      for (const fn of compared) {
        const d = (field: keyof ChildReport) => round(med(fn, field) - med(`${fn}-compare`, field), 1);
        rows.push({
          metric: `${fn}: this build - BENCH_COLD_COMPARE's (to response)`,
          value: d('toResponse'),
          unit: 'ms',
          note: `load ${d('load')}, handler ${d('handler')} ms; bundle ${round((bundleSizes[fn].bytes - bundleSizes[`${fn}-compare`].bytes) / 1024, 1)} KiB`,
        });
      }
      rows.push({
        metric: 'floor (1 HMAC + 1 node:http request) / hello-world (fetch-lite)',
        value: round(floor / helloLite, 2),
        unit: 'x',
        note: `${round(floor - helloLite, 1)} ms: what any function calling OSS pays over the hello-world of the same build before its own code`,
      });
      const jose = med('jwt-jose', 'toResponse');
      const nodeJwt = med('jwt-node', 'toResponse');
      rows.push({
        metric: 'caller JWT on jose: cold start over the same check with node:crypto',
        value: round(jose - nodeJwt, 1),
        unit: 'ms',
        note: `${round(jose, 1)} vs ${round(nodeJwt, 1)} ms to response (${round(jose / nodeJwt, 2)}x); load ${round(med('jwt-jose', 'load'), 1)} vs ${round(med('jwt-node', 'load'), 1)} ms, first verification (WebCrypto) in the handler; bundle ${round((bundleSizes['jwt-jose'].bytes - bundleSizes['jwt-node'].bytes) / 1024, 1)} KiB larger`,
      });
      rows.push({
        metric: 'hello-world (stock) / hello-world (fetch-lite)',
        value: round(hello / helloLite, 2),
        unit: 'x',
        note: `${round(hello - helloLite, 1)} ms: Node loading undici for the global Request/Response`,
      });
      const ali = med('ali-oss-init-node', 'toResponse');
      const aliLite = med('ali-oss-init', 'toResponse');
      const ours = med('init', 'toResponse');
      rows.push({ metric: 'ali-oss init (stock) / our init (to response)', value: round(ali / ours, 2), unit: 'x', goal: goal(ali / ours, '>=', 2) });
      rows.push({ metric: 'ali-oss init given fetch-lite / our init (to response)', value: round(aliLite / ours, 2), unit: 'x', note: 'ali-oss flattered with our fetch-lite' });
      // Node's own boot (process start -> first line of the child) is the same for every variant
      // and nothing a bundle can change: the same ratios over load + first response only.
      const afterBoot = (name: string) => med(name, 'load') + med(name, 'handler');
      rows.push({
        metric: 'after Node boot: our init / hello-world (stock)',
        value: round(afterBoot('init') / afterBoot('hello-node'), 2),
        unit: 'x',
        note: `load + handler: ${round(afterBoot('init'), 1)} vs ${round(afterBoot('hello-node'), 1)} ms (fetch-lite hello-world ${round(afterBoot('hello'), 1)} ms); preflight ${round(afterBoot('init-preflight') / afterBoot('hello-node'), 2)}x`,
      });
      rows.push({
        metric: 'after Node boot: ali-oss init (stock) / our init',
        value: round(afterBoot('ali-oss-init-node') / afterBoot('init'), 2),
        unit: 'x',
        note: `load + handler: ${round(afterBoot('ali-oss-init-node'), 1)} vs ${round(afterBoot('init'), 1)} ms (ali-oss given fetch-lite ${round(afterBoot('ali-oss-init'), 1)} ms)`,
      });
      // The events function's libraries: what each adds to a cold start, and its bytes.
      for (const lib of ['lib-file-type', 'lib-file-type-stock', 'lib-standardwebhooks', 'lib-valibot']) {
        const size = bundleSizes[lib];
        rows.push({
          // After Node's boot (the same for every bundle, and the noisiest part on a busy machine).
          metric: `${lib.slice(4)}: load + first call over an empty handler`,
          value: round(afterBoot(lib) - afterBoot('empty'), 1),
          unit: 'ms',
          note: `load ${round(med(lib, 'load'), 1)} ms (empty ${round(med('empty', 'load'), 1)}) + first call ${round(med(lib, 'handler'), 1)} ms; bundle ${round(size.bytes / 1024, 1)} KiB (${round(size.gzipBytes / 1024, 1)} KiB gz) vs empty ${round(bundleSizes.empty.bytes / 1024, 1)} KiB`,
        });
      }
      rows.push({ metric: 'ali-oss init (stock) / our init (spawn -> response)', value: round(med('ali-oss-init-node', 'wallToResponse') / med('init', 'wallToResponse'), 2), unit: 'x' });
      rows.push({
        metric: 'ali-oss init (stock) / our init (spawn -> exit)',
        value: round(med('ali-oss-init-node', 'wall') / med('init', 'wall'), 2),
        unit: 'x',
        note: `hello ${round(helloWall, 1)} ms; exit after a global fetch() costs extra (undici teardown), not an FC cost`,
      });
      return { rows, data: { runs, bundleSizes, variants: perVariant } };
    } finally {
      await emulator.close();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

#!/usr/bin/env -S npx tsx
/**
 * `npm start`: the local stack. One process runs
 *  - the OSS emulator (bucket `local-bucket`, port `OSS_PORT` or 9000, data under `.data/oss`),
 *  - every HTTP function under one origin (port `PORT` or 8787), wired like production: the
 *    functions call the emulator over HTTP and the emulator POSTs the upload callback to the
 *    callback function (CALLBACK_URL), which trusts the emulator's callback key,
 *  - a demo page at `/` (Uppy Dashboard + `@uppy/aws-s3` with `companionEndpoint`, bundled with
 *    esbuild at startup, in memory), `/openapi.json`, and a few local-only helpers under `/_local/`,
 *  - the events path (infra/local/events.ts): the emulator's OSS event notifications invoke the
 *    events function as FC does asynchronously, deliveries go to WEBHOOK_URL or a local receiver.
 *
 * `startLocalStack()` is the same thing for tests (`memory: true`, ports 0).
 * Busy default ports are replaced by free ones (and said so); a data folder serves one stack at a
 * time (a second stack on it refuses to start).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { startEmulator, DEFAULT_BUCKET, type RunningEmulator } from './emulator/server.ts';
import { composeFunctions } from './local/functions-server.ts';
import { bundleBrowser, type BrowserBundle } from './local/bundle.ts';
import { renderPage, FAVICON_SVG, type PageConfig } from './local/demo/page.ts';
import { onStopRequest } from './local/stop-signals.ts';
import { lockDataDir } from './local/data-lock.ts';
import { DEAD_LETTER_FILE, startLocalEvents, type LocalEvents } from './local/events.ts';
import { createApp as createCallbackApp } from '../functions/callback/index.ts';
import { OssClient } from '../shared/oss/client.ts';
import { CONFIG_VARIABLES, loadConfig } from '../shared/config/index.ts';
import { OssError } from '../shared/oss/errors.ts';
import { errorResponse, HttpError, jsonErrorResponse as jsonError, redactSecrets, routeMiss } from '../shared/http/errors.ts';
import { authenticate } from '../shared/auth/caller.ts';
import { keyBelongsTo } from '../shared/policy/keys.ts';

export const DEFAULT_PORT = 8787;
export const DEFAULT_OSS_PORT = 9000;
export const DEFAULT_DATA_DIR = '.data';
const MiB = 1024 * 1024;
/** The demo's Uppy: files over this go multipart, in parts of CHUNK_SIZE (S3/Uppy minimum 5 MiB). */
export const DEMO_MULTIPART_THRESHOLD = 5 * MiB;
export const DEMO_CHUNK_SIZE = 5 * MiB;
/** "Simulate a slow network": the emulator's delay before each part PUT and form POST. */
export const SLOW_NETWORK_MS = 1500;

/** What the stack wires itself: the emulator's address, credentials and callback plumbing. */
const WIRED_ENV = new Set([
  'OSS_REGION',
  'OSS_BUCKET',
  'OSS_ENDPOINT',
  'OSS_PUBLIC_ENDPOINT',
  'OSS_FORCE_PATH_STYLE',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'CALLBACK_URL',
  'CALLBACK_PUBLIC_KEYS',
  'CALLBACK_KEY_URL_PREFIXES',
]);

/** Configuration variables a person may set for `npm start`: every one the functions read, less the wiring. */
export const PASSTHROUGH_ENV: readonly string[] = CONFIG_VARIABLES.filter((v) => !WIRED_ENV.has(v));

export interface LocalStackOptions {
  /** Functions + demo port; 0 = random. Default 8787. */
  port?: number;
  /** OSS emulator port; 0 = random. Default 9000. */
  ossPort?: number;
  /** Listen address for both. Default 127.0.0.1. */
  host?: string;
  /** Data folder (emulator data in `<dataDir>/oss`, the generated upload-token secret). Default `.data`. */
  dataDir?: string;
  /** Keep everything in memory (tests). */
  memory?: boolean;
  /** Function configuration over the stack's defaults (see shared/config/). */
  env?: Record<string, string>;
  /** Log each function request: true = console, or a function. Default off. */
  log?: boolean | ((line: string) => void);
  /** Log each emulator request. Default off. */
  ossLog?: boolean | ((line: string) => void);
  /** The demo's "slow network" delay per part PUT / form POST, ms. Default SLOW_NETWORK_MS. */
  slowNetworkMs?: number;
  /** First retry delay of a failed events invocation, doubling (infra/local/async-invoker.ts). Default 2000. */
  eventsRetryBaseMs?: number;
  /**
   * Your own pages under the stack's origin (same-origin, as Uppy v6 Companion mode needs for
   * cookies; and a page Chromium loaded from loopback may call the loopback emulator). Asked
   * before the demo routes, after the functions; answer 404 to fall through. The e2e tests serve
   * their Uppy test page this way.
   */
  app?: Fetch;
}

export interface LocalStack {
  /** `http://host:port`: the demo, the JSON API, the Companion facade and /openapi.json. */
  url: string;
  port: number;
  demoUrl: string;
  openapiUrl: string;
  ossUrl: string;
  ossPort: number;
  bucket: string;
  emulator: RunningEmulator;
  /** The functions' environment. */
  env: Record<string, string>;
  /** An OSS client on the emulator with the functions' credentials. */
  oss: OssClient;
  /** Absolute data folder, or undefined in memory mode. */
  dataDir?: string;
  /** Things worth telling a person (busy ports replaced). */
  notes: string[];
  /** The demo bundle (built at startup). */
  bundle: Promise<BrowserBundle>;
  /** The last callback answers our callback function gave, by object key (newest last). */
  callbacks: Map<string, CallbackSeen>;
  /** The events path: invocations, dead letters, the local receiver (when WEBHOOK_URL was not given). */
  events: LocalEvents;
  /** The demo's "slow network" switch (an emulator delay on every part PUT and form POST). */
  setSlowNetwork(on: boolean): void;
  close(): Promise<void>;
}

export interface CallbackSeen {
  status: number;
  at: string;
  response: unknown;
}

type Fetch = (req: Request) => Response | Promise<Response>;

const here = fileURLToPath(new URL('.', import.meta.url));

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const host = opts.host ?? '127.0.0.1';
  const dataDir = opts.memory === true ? undefined : resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const notes: string[] = [];

  // One stack per data folder (infra/local/data-lock.ts).
  const lock = dataDir ? await lockDataDir(dataDir) : undefined;
  // Bundle the demo while the servers start.
  const bundle = bundleBrowser(join(here, 'local/demo/client.ts'));
  bundle.catch(() => undefined); // reported when served
  const emulator = await startEmulator({
    port: await portOrFree(opts.ossPort ?? DEFAULT_OSS_PORT, host, 'OSS emulator port', notes),
    host,
    memory: dataDir === undefined,
    dataDir: dataDir && join(dataDir, 'oss'),
    buckets: [DEFAULT_BUCKET],
    log: logger(opts.ossLog, '[oss]'),
  }).catch(async (e: unknown) => {
    await lock?.release();
    throw e;
  });
  try {
    const env: Record<string, string> = {}; // filled once the URL is known, before the first request
    const callbacks = new Map<string, CallbackSeen>();
    const oss = emulatorClient(emulator);
    const slow = slowNetwork(emulator, opts.slowNetworkMs ?? SLOW_NETWORK_MS);
    let url = '';
    let events: LocalEvents | undefined;
    const local = localRoutes({
      bundle,
      oss,
      emulator,
      env,
      callbacks,
      page: () => pageConfig(env, emulator, url, slow, dataDir),
      slow,
      events: () => events,
    });
    const gate = deferred();
    const handler = logRequests(
      composeFunctions({
        deps: { env },
        extra: { callback: recordCallbacks(createCallbackApp({ env }).fetch, callbacks) },
        fallback: opts.app ? fallThrough(opts.app, local) : local,
      }),
      logger(opts.log, '[api]'),
    );
    const server = await listen(
      async (req) => {
        await gate.promise;
        return handler(req);
      },
      await portOrFree(opts.port ?? DEFAULT_PORT, host, 'port', notes),
      host,
    );
    const port = (server.address() as AddressInfo).port;
    url = `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    try {
      Object.assign(env, await stackEnv(url, emulator, dataDir), opts.env);
      // Before the first loadConfig: it adds WEBHOOK_URL/SECRET of a local receiver when none is given.
      events = await startLocalEvents({ env, emulator, dataDir, retryBaseMs: opts.eventsRetryBaseMs, log: logger(opts.log, '[events]') });
      loadConfig(env); // fail now, with every problem listed, rather than on the first request
      await lock?.update({ api: url, oss: emulator.url });
    } catch (e) {
      await events?.close();
      await closeServer(server);
      throw e;
    }
    const localEvents = events;
    gate.resolve();

    let closed = false;
    return {
      url,
      port,
      demoUrl: `${url}/`,
      openapiUrl: `${url}/openapi.json`,
      ossUrl: emulator.url,
      ossPort: emulator.port,
      bucket: DEFAULT_BUCKET,
      emulator,
      env,
      oss,
      dataDir,
      notes,
      bundle,
      callbacks,
      events: localEvents,
      setSlowNetwork: (on) => void slow.set(on),
      async close() {
        if (closed) return;
        closed = true;
        await localEvents.close();
        await closeServer(server);
        await emulator.close();
        await lock?.release();
      },
    };
  } catch (e) {
    await emulator.close();
    await lock?.release();
    throw e;
  }
}

/** `port` when it can be bound on `host`; otherwise 0 (any free port), with a note saying so. */
async function portOrFree(port: number, host: string, label: string, notes: string[]): Promise<number> {
  if (port === 0) return 0;
  const free = await new Promise<boolean>((res) => {
    const srv = createNetServer();
    srv.once('error', () => res(false));
    srv.listen(port, host, () => srv.close(() => res(true)));
  });
  if (free) return port;
  notes.push(`${label} ${port} is busy; using a free one instead`);
  return 0;
}

function logger(o: boolean | ((line: string) => void) | undefined, prefix: string): ((line: string) => void) | undefined {
  return o === true ? (line) => console.log(`${prefix} ${line}`) : o || undefined;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** An OSS client on the emulator with its credentials (the demo's helpers and tests read through it). */
function emulatorClient(emulator: RunningEmulator): OssClient {
  return new OssClient({
    region: emulator.region,
    bucket: DEFAULT_BUCKET,
    credentials: emulator.credentials,
    endpoint: emulator.url,
    pathStyle: true,
    retries: { max: 0 },
  });
}

/** The functions' configuration for a stack at `url`: the emulator's wiring and the local defaults. */
async function stackEnv(url: string, emulator: RunningEmulator, dataDir: string | undefined): Promise<Record<string, string>> {
  const port = new URL(url).port;
  const selfOrigins = [url, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const devOrigins = [3000, 4200, 5173, 8080].flatMap((p) => [`http://localhost:${p}`, `http://127.0.0.1:${p}`]);
  return {
    OSS_REGION: emulator.region,
    OSS_BUCKET: DEFAULT_BUCKET,
    OSS_ENDPOINT: emulator.url,
    OSS_PUBLIC_ENDPOINT: emulator.url,
    OSS_FORCE_PATH_STYLE: 'true',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.credentials.accessKeySecret,
    AUTH_MODE: 'none',
    UPLOAD_TOKEN_SECRET: dataDir ? await persistentSecret(dataDir) : randomBytes(32).toString('hex'),
    CALLBACK_URL: `${url}/oss/callback`,
    CALLBACK_KEY_URL_PREFIXES: `${emulator.url}/_emulator/`,
    CORS_ALLOWED_ORIGINS: [...new Set([...selfOrigins, ...devOrigins])].join(','),
    // One anonymous caller and no sweeper locally: do not cap unfinished uploads.
    MAX_ACTIVE_UPLOADS: '0',
  };
}

/** A generated upload-token secret kept in the data folder, so tokens survive restarts. */
async function persistentSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'upload-token-secret');
  try {
    const s = (await readFile(file, 'utf8')).trim();
    if (s.length >= 32) return s;
  } catch {
    /* first run */
  }
  const s = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${s}\n`, { mode: 0o600 });
  return s;
}

/** The callback function, recording its answers so the demo can show them per object key. */
function recordCallbacks(callback: Fetch, seen: Map<string, CallbackSeen>): Fetch {
  return async (req) => {
    const res = await callback(req);
    try {
      const body = (await res.clone().json()) as { key?: unknown };
      const key = typeof body?.key === 'string' && body.key ? body.key : undefined;
      if (key) {
        seen.delete(key);
        seen.set(key, { status: res.status, at: new Date().toISOString(), response: body });
        if (seen.size > 500) seen.delete(seen.keys().next().value!);
      }
    } catch {
      /* not JSON: nothing to show */
    }
    return res;
  };
}

interface SlowNetwork {
  get(): boolean;
  set(on: boolean): boolean;
  ms: number;
}

/** The demo's "slow network" switch: emulator delay rules on every part PUT and form POST. */
function slowNetwork(emulator: RunningEmulator, ms: number): SlowNetwork {
  let ruleIds: string[] = [];
  return {
    ms,
    get: () => ruleIds.length > 0,
    set(on) {
      for (const id of ruleIds) emulator.admin.faults.remove(id);
      ruleIds = on
        ? emulator.admin.faults
            .add([
              { op: 'UploadPart', action: 'delay', ms, count: -1 },
              { op: 'PostObject', action: 'delay', ms, count: -1 },
            ])
            .map((r) => r.id)
        : [];
      return on;
    },
  };
}

/** What the demo page shows and hands its script. */
function pageConfig(env: Record<string, string>, emulator: RunningEmulator, apiUrl: string, slow: SlowNetwork, dataDir: string | undefined): PageConfig {
  const config = loadConfig(env);
  return {
    bucket: config.oss.bucket,
    region: config.oss.region,
    ossUrl: emulator.url,
    apiUrl,
    keyPrefix: config.policy.keyPrefix,
    authMode: config.auth.mode,
    maxFileSize: config.policy.maxFileSize,
    allowedContentTypes: config.policy.allowedContentTypes,
    multipartThreshold: DEMO_MULTIPART_THRESHOLD,
    chunkSize: DEMO_CHUNK_SIZE,
    callbackUrl: config.callback.url ?? null,
    slowNetwork: slow.get(),
    slowNetworkMs: slow.ms,
    storage: dataDir ? `on disk in ${join(dataDir, 'oss')}` : 'in memory',
  };
}

/** `first`, falling through to `then` when it answers 404. */
function fallThrough(first: Fetch, then: Fetch): Fetch {
  return async (req) => {
    const res = await first(req);
    return res.status === 404 ? then(req) : res;
  };
}

function logRequests(handler: Fetch, log: ((line: string) => void) | undefined): Fetch {
  if (!log) return handler;
  return async (req) => {
    const started = performance.now();
    const res = await handler(req);
    // redactSecrets: the facade's upload ids (signed tokens) travel in /s3/multipart paths.
    log(redactSecrets(`${req.method} ${new URL(req.url).pathname} ${res.status} ${Math.round(performance.now() - started)}ms`));
    return res;
  };
}

async function listen(handler: Fetch, port: number, host: string): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 5_000 }, getRequestListener(handler, { overrideGlobalObjects: false }));
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => {
      server.off('error', rej);
      res();
    });
  });
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}

interface LocalRouteDeps {
  bundle: Promise<BrowserBundle>;
  oss: OssClient;
  emulator: RunningEmulator;
  env: Record<string, string>;
  callbacks: Map<string, CallbackSeen>;
  page: () => PageConfig;
  slow: SlowNetwork;
  events: () => LocalEvents | undefined;
}

/** The demo page, its assets, /openapi.json and the local-only helpers. */
function localRoutes(d: LocalRouteDeps): Fetch {
  const app = new Hono();
  const noStore = { 'cache-control': 'no-store' };

  app.get('/', (c) => c.html(renderPage(d.page()), 200, noStore));
  app.get('/index.html', (c) => c.redirect('/'));
  app.get('/assets/demo.js', async (c) => {
    try {
      return c.body((await d.bundle).js, 200, { 'content-type': 'text/javascript; charset=utf-8', ...noStore });
    } catch (e) {
      return c.text(`demo bundle failed: ${(e as Error).message}`, 500);
    }
  });
  app.get('/assets/demo.css', async (c) => {
    try {
      return c.body((await d.bundle).css, 200, { 'content-type': 'text/css; charset=utf-8', ...noStore });
    } catch (e) {
      return c.text(`/* demo bundle failed: ${(e as Error).message} */`, 500);
    }
  });
  const favicon = (c: { body: (b: string, s: 200, h: Record<string, string>) => Response }) =>
    c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' });
  app.get('/favicon.svg', (c) => favicon(c));
  app.get('/favicon.ico', (c) => favicon(c));
  // Generated from the code on first request (the generator and its converter load then, not at
  // start), as infra/write-openapi.ts writes openapi.json.
  let openapi: Promise<object> | undefined;
  app.get('/openapi.json', async (c) => {
    openapi ??= import('./openapi/document.ts').then((m) => m.openApiDocument());
    return c.json(await openapi, 200, { 'access-control-allow-origin': '*' });
  });

  // --- /_local: helpers for the demo page (not part of the product API). They authenticate the
  // caller as the functions do (under AUTH_MODE=jwt a caller JWT is required, 401 without one) and
  // serve only the caller's own objects (403 otherwise), so no helper opens a path around the policy.
  const callerKey = async (c: Context, raw: string | undefined): Promise<string> => {
    const config = loadConfig(d.env);
    const caller = await authenticate(c, config);
    const prefix = `${config.policy.keyPrefix}/`;
    if (!raw || !raw.startsWith(prefix) || raw.length > 1023) throw new HttpError(400, 'VALIDATION_FAILED', `key must be an object key under ${prefix}`);
    if (!keyBelongsTo(raw, config.policy.keyPrefix, caller.sub)) throw new HttpError(403, 'FORBIDDEN', 'This object is not one of your uploads');
    return raw;
  };
  app.get('/_local/health', (c) => c.json({ ok: true, oss: d.emulator.url, bucket: d.oss.bucket }));
  app.get('/_local/objects', async (c) => {
    const key = await callerKey(c, c.req.query('key'));
    const info = await d.oss.headObject(key);
    if (!info) return jsonError(404, 'NOT_FOUND', 'No such object');
    return c.json({
      key,
      bucket: d.oss.bucket,
      size: info.size,
      crc64: info.crc64 === undefined ? null : info.crc64.toString(),
      etag: info.etag.replace(/"/g, ''),
      contentType: info.contentType,
      objectType: info.objectType,
      lastModified: info.lastModified.toISOString(),
      downloadUrl: `/_local/objects/download?${new URLSearchParams({ key })}`,
      callback: d.callbacks.get(key) ?? null,
    }, 200, noStore);
  });
  app.get('/_local/objects/download', async (c) => {
    const key = await callerKey(c, c.req.query('key'));
    try {
      const obj = await d.oss.getObject(key);
      const name = key.slice(key.lastIndexOf('/') + 1);
      return new Response(obj.body as unknown as BodyInit, {
        headers: {
          'content-type': obj.contentType || 'application/octet-stream',
          'content-length': String(obj.body.byteLength),
          'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
          ...noStore,
        },
      });
    } catch (e) {
      if (e instanceof OssError && e.status === 404) return jsonError(404, 'NOT_FOUND', 'No such object');
      throw e;
    }
  });
  // The events path's view: the caller's own objects only, as for /_local/objects.
  const events = async (c: Context) => {
    const config = loadConfig(d.env);
    const caller = await authenticate(c, config);
    const ev = d.events();
    if (!ev) return jsonError(503, 'NOT_READY', 'Starting');
    return ev.fetch(c.req.raw, (key) => keyBelongsTo(key, config.policy.keyPrefix, caller.sub));
  };
  app.get('/_local/events', events);
  app.get('/_local/events/dead-letters', events);
  app.post('/_local/events/redeliver', events);
  app.get('/_local/network', (c) => c.json({ slow: d.slow.get(), delayMs: d.slow.ms }));
  app.post('/_local/network', async (c) => {
    // Same-origin only: a page elsewhere must not reconfigure the emulator through a browser.
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin) return jsonError(403, 'FORBIDDEN', 'Same-origin only');
    await authenticate(c, loadConfig(d.env));
    let body: { slow?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return jsonError(400, 'INVALID_JSON', 'Body must be JSON {"slow": true|false}');
    }
    if (typeof body?.slow !== 'boolean') return jsonError(400, 'VALIDATION_FAILED', 'slow must be true or false');
    return c.json({ slow: d.slow.set(body.slow), delayMs: d.slow.ms });
  });

  app.notFound((c) => routeMiss(app, c));
  // As the functions answer: an HttpError as itself, anything else 500 INTERNAL (logged, redacted).
  app.onError((err, c) => errorResponse(c, err));
  return app.fetch;
}

// ---------------------------------------------------------------------------------------------
// `npm start`

function envPort(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const env: Record<string, string> = {};
  for (const name of PASSTHROUGH_ENV) if (process.env[name]) env[name] = process.env[name]!;
  const quiet = process.env.LOG === '0' || process.argv.includes('--quiet');
  // Output may go to a terminal or pipe that is gone by the time we stop; that must not crash the stop.
  for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
  // Watch for stop requests from the start: a signal during startup stops the stack once it is up.
  let stopRequest: string | undefined;
  let stopNow: ((reason: string) => void) | undefined;
  onStopRequest((reason) => (stopNow ? stopNow(reason) : (stopRequest = reason)));
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: envPort('PORT', DEFAULT_PORT),
      ossPort: envPort('OSS_PORT', DEFAULT_OSS_PORT),
      host: process.env.HOST || undefined,
      dataDir: process.env.DATA_DIR || DEFAULT_DATA_DIR,
      memory: process.env.MEMORY === '1' || process.argv.includes('--memory'),
      env,
      log: !quiet,
      ossLog: process.env.OSS_LOG === '1',
      eventsRetryBaseMs: Number(process.env.EVENTS_RETRY_BASE_MS) > 0 ? Number(process.env.EVENTS_RETRY_BASE_MS) : undefined,
    });
  } catch (e) {
    console.error(`Could not start the local stack: ${(e as Error).message}`);
    process.exit(1);
  }
  const b = await stack.bundle.catch((e: Error) => {
    console.error(`Demo bundle failed: ${e.message}`);
    return undefined;
  });
  const pad = (s: string) => s.padEnd(13);
  const lines = [
    // Notes first: a busy port explains why the URLs below are not the usual ones.
    ...stack.notes.map((n) => `note: ${n}`),
    '',
    'oss-upload-functions · local stack',
    '',
    `  ${pad('Demo')}${stack.demoUrl}`,
    `  ${pad('API')}${stack.url}   (POST /uploads, /uploads/sign, /uploads/list, /uploads/complete, /uploads/abort)`,
    `  ${pad('Uppy')}companionEndpoint: '${stack.url}'   (/s3/*)`,
    `  ${pad('OpenAPI')}${stack.openapiUrl}`,
    `  ${pad('OSS emulator')}${stack.ossUrl}   bucket ${stack.bucket}, region ${stack.emulator.region}, path-style, key ${stack.emulator.credentials.accessKeyId}`,
    `  ${pad('Data')}${stack.dataDir ? `${stack.dataDir}   (delete it to start over)` : 'in memory'}`,
    `  ${pad('Callers')}AUTH_MODE=${stack.env.AUTH_MODE}`,
    `  ${pad('Events')}${stack.events.receiver ? `local receiver ${stack.events.receiver.url} (verifies every delivery; set WEBHOOK_URL + WEBHOOK_SECRET for your own)` : `WEBHOOK_URL ${new URL(stack.env.WEBHOOK_URL).origin}`}`,
    `  ${pad('Dead letters')}${stack.dataDir ? join(stack.dataDir, DEAD_LETTER_FILE) : 'in memory'}   (re-deliver: npm run --silent cli -- redeliver)`,
    ...(Object.keys(env).length ? [`  ${pad('From env')}${Object.keys(env).join(', ')}`] : []),
    ...(b ? [`  ${pad('Demo bundle')}${Math.round((b.js.length + b.css.length) / 1024)} KiB in ${b.ms} ms`] : []),
    '',
    'Ctrl-C stops it.',
    '',
  ];
  console.log(lines.join('\n'));

  stopNow = (reason) => {
    console.log(`\n${reason}: stopping`);
    setTimeout(() => {
      console.error('Shutdown took over 5 s; exiting anyway');
      process.exit(1);
    }, 5000).unref();
    void stack.close().then(() => process.exit(0));
  };
  if (stopRequest) stopNow(stopRequest);
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) await main();

/**
 * What the local stack serves besides the functions: the demo page and its assets, /openapi.json,
 * and the /_local/* helpers the demo page uses (not part of the product API).
 */
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import type { RunningEmulator } from '../emulator/server.ts';
import type { OssClient } from '../../shared/oss/client.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { OssError } from '../../shared/oss/errors.ts';
import { loadConfig } from '../../shared/config/index.ts';
import { errorResponse, HttpError, jsonErrorResponse as jsonError, routeMiss } from '../../shared/http/errors.ts';
import { authenticate } from '../../shared/auth/caller.ts';
import { keyBelongsTo } from '../../shared/policy/keys.ts';
import type { BrowserBundle } from './bundle.ts';
import type { CallbackSeen } from './callbacks.ts';
import type { LocalEvents } from './events.ts';
import type { Fetch } from './http-server.ts';
import type { SlowNetwork } from './slow-network.ts';
import { renderPage, FAVICON_SVG, type PageConfig } from './demo/page.ts';

const MiB = 1024 * 1024;
/** The demo's Uppy: files over this go multipart, in parts of CHUNK_SIZE (S3/Uppy minimum 5 MiB). */
export const DEMO_MULTIPART_THRESHOLD = 5 * MiB;
export const DEMO_CHUNK_SIZE = 5 * MiB;

export interface LocalRouteDeps {
  bundle: Promise<BrowserBundle>;
  oss: OssClient;
  emulator: RunningEmulator;
  env: Record<string, string>;
  callbacks: Map<string, CallbackSeen>;
  page: () => PageConfig;
  slow: SlowNetwork;
  events: () => LocalEvents | undefined;
}

export function localRoutes(d: LocalRouteDeps): Fetch {
  const app = new Hono();
  demoRoutes(app, d);
  helperRoutes(app, d);
  app.notFound((c) => routeMiss(app, c));
  // As the functions answer: an HttpError as itself, anything else 500 INTERNAL (logged, redacted).
  app.onError((err, c) => errorResponse(c, err));
  return app.fetch;
}

const noStore = { 'cache-control': 'no-store' };

/** The demo page, its bundle, the favicon and /openapi.json. */
function demoRoutes(app: Hono, d: LocalRouteDeps): void {
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
    openapi ??= import('../openapi/document.ts').then((m) => m.openApiDocument());
    return c.json(await openapi, 200, { 'access-control-allow-origin': '*' });
  });
}

/**
 * /_local/*: they authenticate the caller as the functions do (under AUTH_MODE=jwt a caller JWT
 * is required, 401 without one) and serve only the caller's own objects (403 otherwise), so no
 * helper opens a path around the policy.
 */
function helperRoutes(app: Hono, d: LocalRouteDeps): void {
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
    const info = await headObject(d.oss, key);
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
      const obj = await getObject(d.oss, key);
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
}

/** What the demo page shows and hands its script. */
export function pageConfig(env: Record<string, string>, emulator: RunningEmulator, apiUrl: string, slow: SlowNetwork, dataDir: string | undefined): PageConfig {
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

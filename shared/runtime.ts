/**
 * Wiring only: per request, the validated config, the caller, an OSS client with this invocation's
 * credentials and the upload service over it, built lazily (a bundle's load does no work; a
 * misconfigured function answers 500 MISCONFIGURED on every request).
 */
import { Hono, type Context } from 'hono';
import { isIP } from 'node:net';
import { loadConfig, credentialsFrom, uploadSettings, type Config, type Env } from './config/index';
import { installErrorHandling } from './http/errors';
import { cors } from './http/cors';
import type { FcContext, FcEnv } from './http/fc-adapter';
import { authenticate, type Caller } from './auth/caller';
import { OssClient } from './oss/client';
import type { UploadService } from './upload/service';

/** Injection points for tests and the local stack; production uses the defaults. */
export interface Deps {
  /** Environment to read configuration from; default `process.env`. */
  env?: Env;
  /** Transport for OSS calls. */
  fetch?: typeof fetch;
  now?: () => Date;
}

export type FunctionApp = Hono<FcEnv>;

export function configOf(deps: Deps): Config {
  return loadConfig(deps.env ?? process.env);
}

/** A Hono app with JSON errors, request ids and CORS from `CORS_ALLOWED_ORIGINS`. */
export function createFunctionApp(deps: Deps, register: (app: FunctionApp) => void): FunctionApp {
  const app = new Hono<FcEnv>();
  installErrorHandling(app);
  const corsByConfig = new WeakMap<Config, ReturnType<typeof cors>>();
  app.use('*', async (c, next) => {
    const config = configOf(deps);
    let mw = corsByConfig.get(config);
    if (!mw) corsByConfig.set(config, (mw = cors(config.http.corsAllowedOrigins)));
    return mw(c, next);
  });
  register(app);
  return app;
}

/** A client with this invocation's credentials (`context.credentials` rotate; never cache them). */
export function ossClientFor(context: FcContext | undefined, config: Config, deps: Deps): OssClient {
  const credentials = credentialsFrom(context, config);
  return new OssClient({
    region: config.oss.region,
    bucket: config.oss.bucket,
    credentials,
    endpoint: config.oss.endpoint,
    pathStyle: config.oss.forcePathStyle,
    publicEndpoint: publicEndpointOptions(config),
    signatureVersion: config.oss.signatureVersion,
    timeoutMs: config.ossClient.timeoutMs,
    fetch: deps.fetch,
    now: deps.now,
  });
}

/**
 * How browser URLs address the bucket. A host outside `*.aliyuncs.com` (and not an IP or
 * localhost) is a custom domain bound to the bucket (CNAME): `https://files.example.com/<key>`,
 * the bucket implied by the domain. OSS endpoints get the bucket as a subdomain; the emulator
 * (OSS_FORCE_PATH_STYLE) gets it as the first path segment.
 */
export function publicEndpointOptions(config: Config): { endpoint: string; pathStyle?: boolean; cname?: boolean } {
  const endpoint = config.oss.publicEndpoint;
  if (config.oss.forcePathStyle) return { endpoint, pathStyle: true };
  const host = new URL(endpoint).hostname.toLowerCase();
  const isOssHost = host === 'aliyuncs.com' || host.endsWith('.aliyuncs.com');
  const isLocal = host === 'localhost' || host.endsWith('.localhost') || isIP(host.replace(/^\[|\]$/g, '')) !== 0;
  return isOssHost || isLocal ? { endpoint } : { endpoint, cname: true };
}

export interface Scope {
  config: Config;
  caller: Caller;
  service: UploadService;
  oss: OssClient;
}

/** Config, then the caller (401 before any OSS work), then the service for this invocation. */
export async function requestScope(c: Context<FcEnv>, deps: Deps): Promise<Scope> {
  const config = configOf(deps);
  const caller = await authenticate(c, config);
  const oss = ossClientFor(c.env?.context, config, deps);
  const service: UploadService = { oss, settings: uploadSettings(config), now: deps.now ?? (() => new Date()) };
  return { config, caller, service, oss };
}

/**
 * Wiring only: per request, the validated config, the caller, an OSS client with this invocation's
 * credentials and the upload service over it, built lazily (a bundle's load does no work; a
 * misconfigured function answers 500 MISCONFIGURED on every request).
 */
import { Hono, type Context } from 'hono';
import { loadConfig, credentialsFrom, uploadSettings, CALLER_FACING, type Config, type ConfigNeeds, type Env } from './config/index';
import { installErrorHandling } from './http/errors';
import { cors } from './http/cors';
import type { FcContext, FcEnv } from './http/fc-adapter';
import { authenticate, type Caller } from './auth/caller';
import { OssClient } from './oss/client';
import { publicEndpointOptions } from './oss/endpoint';
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

/** `needs`: INTERNAL for the functions that serve no caller (callback, sweep, events). */
export function configOf(deps: Deps, needs: ConfigNeeds = CALLER_FACING): Config {
  return loadConfig(deps.env ?? process.env, needs);
}

/** A Hono app with JSON errors, request ids and CORS from `CORS_ALLOWED_ORIGINS`. */
export function createFunctionApp(deps: Deps, register: (app: FunctionApp) => void, needs: ConfigNeeds = CALLER_FACING): FunctionApp {
  const app = new Hono<FcEnv>();
  installErrorHandling(app);
  const corsByConfig = new WeakMap<Config, ReturnType<typeof cors>>();
  app.use('*', async (c, next) => {
    const config = configOf(deps, needs);
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
    publicEndpoint: publicEndpointOptions(config.oss.publicEndpoint, config.oss.forcePathStyle),
    signatureVersion: config.oss.signatureVersion,
    timeoutMs: config.ossClient.timeoutMs,
    fetch: deps.fetch,
    now: deps.now,
  });
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

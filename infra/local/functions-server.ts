/**
 * Every HTTP function under one origin, dispatched by the same route table a custom domain uses.
 * The local stack serves this; integration tests start it on a random port so OSS (the emulator)
 * can reach the callback function over real HTTP.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { routeFor, type FunctionName } from '../../functions/routes';
import type { Deps } from '../../shared/runtime';
import { jsonErrorResponse } from '../../shared/http/errors';
import { createApp as initApp } from '../../functions/init/index';
import { createApp as signApp } from '../../functions/sign/index';
import { createApp as listApp } from '../../functions/list/index';
import { createApp as completeApp } from '../../functions/complete/index';
import { createApp as abortApp } from '../../functions/abort/index';
import { createApp as callbackApp } from '../../functions/callback/index';
import { createApp as companionApp } from '../../functions/companion/index';

import type { Fetch } from './http-server';

export interface ComposeOptions {
  deps?: Deps;
  /** Functions added by the caller (e.g. the companion facade), or overrides. */
  extra?: Partial<Record<FunctionName, Fetch>>;
  /** Served when no function route matches (the demo page, say). */
  fallback?: Fetch;
}

export function composeFunctions(opts: ComposeOptions = {}): Fetch {
  const deps = opts.deps ?? {};
  const apps: Partial<Record<FunctionName, Fetch>> = {
    init: initApp(deps).fetch,
    sign: signApp(deps).fetch,
    list: listApp(deps).fetch,
    complete: completeApp(deps).fetch,
    abort: abortApp(deps).fetch,
    callback: callbackApp(deps).fetch,
    companion: companionApp(deps).fetch,
    ...opts.extra,
  };
  return (req) => {
    const route = routeFor(new URL(req.url).pathname);
    const app = route && apps[route.fn];
    if (app) return app(req);
    if (opts.fallback) return opts.fallback(req);
    return jsonErrorResponse(404, 'NOT_FOUND', `No route for ${req.method} ${new URL(req.url).pathname.slice(0, 200)}`);
  };
}

export interface RunningFunctions {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startFunctionsServer(opts: ComposeOptions & { port?: number; host?: string } = {}): Promise<RunningFunctions> {
  const fetch = composeFunctions(opts);
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: opts.port ?? 0, hostname: host }, (info: AddressInfo) => {
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
    server.on('error', reject);
  });
}

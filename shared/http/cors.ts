/**
 * CORS for the upload API from CORS_ALLOWED_ORIGINS: exact origins with credentials, `*` only when
 * listed and then without, preflights answered here. The rules and why: docs/http.md.
 */
import type { MiddlewareHandler } from 'hono';
import { setResponseHeader } from './errors';

export const CORS_ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
export const CORS_ALLOWED_HEADERS = 'authorization, content-type';
export const CORS_EXPOSED_HEADERS = 'x-request-id';
/** Preflight cache time in seconds (Chrome caps at 7200). */
export const CORS_MAX_AGE = 600;

/** Lower-cases and drops a trailing slash, the form browsers send in `Origin`. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

/** The `Access-Control-Allow-Origin` value for `origin`, or undefined when not allowed. */
export function allowedOriginFor(origin: string | undefined, allowed: readonly string[]): string | undefined {
  if (allowed.includes('*')) return '*';
  if (!origin) return undefined;
  const o = normalizeOrigin(origin);
  // `null` is the origin of sandboxed iframes and file:// pages; it can never be allow-listed.
  if (o === 'null') return undefined;
  return allowed.some((a) => normalizeOrigin(a) === o) ? origin.trim().replace(/\/+$/, '') : undefined;
}

export function cors(allowedOrigins: readonly string[]): MiddlewareHandler {
  const wildcard = allowedOrigins.includes('*');
  const enabled = allowedOrigins.length > 0;

  return async (c, next) => {
    const origin = c.req.header('origin');
    const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;

    if (!enabled) {
      if (preflight) return c.body(null, 204);
      return next();
    }

    const allowOrigin = allowedOriginFor(origin, allowedOrigins);

    if (preflight) {
      const headers: Record<string, string> = {};
      if (!wildcard) headers['vary'] = 'Origin';
      if (allowOrigin) {
        headers['access-control-allow-origin'] = allowOrigin;
        if (!wildcard) headers['access-control-allow-credentials'] = 'true';
        headers['access-control-allow-methods'] = CORS_ALLOWED_METHODS;
        headers['access-control-allow-headers'] = CORS_ALLOWED_HEADERS;
        headers['access-control-max-age'] = String(CORS_MAX_AGE);
      }
      return c.body(null, 204, headers);
    }

    await next();

    if (!wildcard && !/(^|,)\s*(origin|\*)\s*(,|$)/i.test(c.res.headers.get('vary') ?? '')) {
      setResponseHeader(c, 'vary', 'Origin', true);
    }
    if (allowOrigin) {
      setResponseHeader(c, 'access-control-allow-origin', allowOrigin);
      if (!wildcard) setResponseHeader(c, 'access-control-allow-credentials', 'true');
      setResponseHeader(c, 'access-control-expose-headers', CORS_EXPOSED_HEADERS);
    }
  };
}

/**
 * Who is calling: `authenticate(c, config)` -> `{ sub }`, from a caller JWT (Bearer header, else
 * the AUTH_COOKIE_NAME cookie) or, under `AUTH_MODE=none`, AUTH_ANONYMOUS_SUB. The rules, the
 * answers (401, 403, 500, 503) and why cookies are safe from CSRF: docs/auth.md.
 */
import type { Context } from 'hono';
import { httpError } from '../http/errors';
import { isSafeSegment, SAFE_SEGMENT_HINT } from '../policy/keys';
import type { AuthConfig } from '../config/index';
import { JwksUnavailableError, JwtError, jwksKeysFor, verifyCallerJwt } from './jwt';
import { OWN_TOKEN_TYPES } from './own-tokens';

export interface Caller {
  sub: string;
}

/** The caller's token: the Bearer header first, then the cookie. */
export function tokenFromRequest(c: Context, cookieName: string): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization !== undefined && authorization.trim() !== '') {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization.trim());
    if (!m) throw httpError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
    return m[1];
  }
  return readCookie(c.req.header('cookie'), cookieName);
}

/**
 * One cookie's value. FC joins repeated `Cookie` headers with commas (HTTP/2 sends cookies as
 * separate headers), so both `;` and `,` separate pairs; a cookie value cannot contain either.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(/[;,]/)) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value === '' ? undefined : value;
  }
  return undefined;
}

export async function authenticate(c: Context, config: { auth: AuthConfig }): Promise<Caller> {
  const auth = config.auth;
  if (auth.mode === 'none') return { sub: auth.anonymousSub || 'anonymous' };
  if (auth.mode !== 'jwt' || (!auth.jwtSecret && !auth.jwksUrl)) {
    throw httpError('MISCONFIGURED', 'Caller authentication is not configured (AUTH_JWT_SECRET or AUTH_JWKS_URL)');
  }

  const token = tokenFromRequest(c, auth.cookieName);
  if (!token) throw httpError('UNAUTHENTICATED', 'Authentication required: send an Authorization header with a Bearer token');

  let claims;
  try {
    claims = await verifyCallerJwt(token, {
      ...(auth.jwtSecret ? { secret: auth.jwtSecret } : {}),
      ...(auth.jwksUrl ? { jwks: { getKey: jwksKeysFor(auth.jwksUrl).getKey, algorithms: auth.jwksAlgorithms } } : {}),
      issuer: auth.issuer,
      audience: auth.audience,
      typ: auth.typ,
      clockToleranceSeconds: auth.clockToleranceSeconds,
      maxTokenAgeSeconds: auth.maxTokenAgeSeconds,
    });
  } catch (e) {
    if (e instanceof JwtError) throw httpError('TOKEN_INVALID', `Invalid token: ${e.message}`);
    if (e instanceof JwksUnavailableError) throw httpError('AUTH_UNAVAILABLE', 'Cannot verify the token right now: the identity provider keys are unavailable');
    throw e;
  }
  if (OWN_TOKEN_TYPES.includes(claims.typ as never)) throw httpError('TOKEN_INVALID', 'Invalid token: an upload token cannot identify a caller');

  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw httpError('TOKEN_INVALID', 'Invalid token: it has no sub claim');
  if (!isSafeSegment(sub)) {
    throw httpError('FORBIDDEN', `The token's subject cannot scope uploads: it must be 1-128 characters of ${SAFE_SEGMENT_HINT}`);
  }
  return { sub };
}

/**
 * Every JWT we verify or sign, through `jose`: callers' JWTs (AUTH_JWT_SECRET or the provider's
 * JWKS, each with its own algorithm allow-list) and our own HS256 tokens (no clock tolerance).
 * Errors never contain the token. The rules and the JWKS fetch policy: docs/auth.md.
 */
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify, SignJWT, type FetchImplementation, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export const MAX_TOKEN_LENGTH = 8192;
const SECRET_ALGORITHMS = ['HS256'];

export type JwtFailure = 'malformed' | 'algorithm' | 'signature' | 'unknown_key' | 'expired' | 'claims';

export class JwtError extends Error {
  override readonly name = 'JwtError';
  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The JWKS could not be fetched (network, timeout, bad response) and no keys are cached. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export type Claims = JWTPayload & Record<string, unknown>;

// HMAC keys by secret: jose would import the raw bytes again on every call.
const hmacKeys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= 8) hmacKeys.clear();
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

/** jose's errors as ours; anything else (a bug, a key that could not be fetched) passes through. */
function asJwtError(e: unknown): unknown {
  if (e instanceof JwksUnavailableError || e instanceof JwtError) return e;
  if (e instanceof errors.JWTExpired) return new JwtError('expired', 'token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) return new JwtError('claims', `token ${e.claim} claim is not accepted (${e.reason})`);
  if (e instanceof errors.JOSEAlgNotAllowed) return new JwtError('algorithm', 'token algorithm is not accepted');
  if (e instanceof errors.JWSSignatureVerificationFailed) return new JwtError('signature', 'token signature is invalid');
  if (e instanceof errors.JWKSNoMatchingKey) return new JwtError('unknown_key', 'token key is not in the identity provider key set');
  if (e instanceof errors.JOSENotSupported) return new JwtError('algorithm', 'token uses an unsupported algorithm or header');
  if (e instanceof errors.JOSEError || e instanceof TypeError) return new JwtError('malformed', 'token is malformed');
  return e;
}

function checkLength(token: unknown): asserts token is string {
  if (typeof token !== 'string' || token.length === 0) throw new JwtError('malformed', 'token is empty');
  if (token.length > MAX_TOKEN_LENGTH) throw new JwtError('malformed', `token is longer than ${MAX_TOKEN_LENGTH} characters`);
}

// ---------------------------------------------------------------------------------------------
// Our own tokens

/** Signs `claims` (which carry their own `iat` and `exp`) as an HS256 JWT: our own tokens, and `cli jwt`. */
export async function signHs256Jwt(claims: Record<string, unknown>, secret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(await hmacKey(secret));
}

/**
 * Verifies one of our own HS256 tokens: signature, `iat` present, `exp` with no tolerance. With
 * `allowExpired`, a token whose only fault is its expiry is returned with `expired: true` (jose
 * checks the signature and every other claim before `exp`).
 */
export async function verifyOwnToken(token: unknown, secret: string, nowMs = Date.now(), opts: { allowExpired?: boolean } = {}): Promise<{ claims: Claims; expired: boolean }> {
  checkLength(token);
  try {
    const { payload } = await jwtVerify(token, await hmacKey(secret), {
      algorithms: SECRET_ALGORITHMS,
      clockTolerance: 0,
      requiredClaims: ['exp', 'iat'],
      currentDate: new Date(nowMs),
    });
    return { claims: payload as Claims, expired: false };
  } catch (e) {
    if (opts.allowExpired && e instanceof errors.JWTExpired && e.claim === 'exp') return { claims: e.payload as Claims, expired: true };
    throw asJwtError(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Caller JWTs

export interface CallerJwtRules {
  /** HS256 shared secret (AUTH_JWT_SECRET). */
  secret?: string;
  /** The identity provider's keys (AUTH_JWKS_URL) and the algorithms they may sign with. */
  jwks?: { getKey: JWTVerifyGetKey; algorithms: readonly string[] };
  issuer?: string;
  audience?: string;
  /** Required header `typ`, when set. */
  typ?: string;
  clockToleranceSeconds: number;
  /** Refuse tokens issued longer ago than this (and tokens without `iat`); 0 or absent: no limit. */
  maxTokenAgeSeconds?: number;
  /** Clock for tests, ms. */
  now?: number;
}

/** Verifies a caller's JWT with whichever key source its algorithm belongs to, then its claims. */
export async function verifyCallerJwt(token: unknown, rules: CallerJwtRules): Promise<Claims> {
  checkLength(token);
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new JwtError('malformed', 'token is not a compact JWS');
  }
  let key: Parameters<typeof jwtVerify>[1];
  let algorithms: string[];
  if (typeof alg === 'string' && SECRET_ALGORITHMS.includes(alg) && rules.secret !== undefined) {
    key = await hmacKey(rules.secret);
    algorithms = SECRET_ALGORITHMS;
  } else if (typeof alg === 'string' && rules.jwks?.algorithms.includes(alg)) {
    key = rules.jwks.getKey;
    algorithms = [...rules.jwks.algorithms];
  } else {
    throw new JwtError('algorithm', `token algorithm ${String(alg).slice(0, 16)} is not accepted`);
  }
  try {
    const { payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
      algorithms,
      clockTolerance: rules.clockToleranceSeconds,
      requiredClaims: ['exp'],
      ...(rules.issuer !== undefined ? { issuer: rules.issuer } : {}),
      ...(rules.audience !== undefined ? { audience: rules.audience } : {}),
      ...(rules.typ !== undefined ? { typ: rules.typ } : {}),
      ...(rules.maxTokenAgeSeconds ? { maxTokenAge: rules.maxTokenAgeSeconds } : {}),
      ...(rules.now !== undefined ? { currentDate: new Date(rules.now) } : {}),
    });
    return payload as Claims;
  } catch (e) {
    throw asJwtError(e);
  }
}

// ---------------------------------------------------------------------------------------------
// JWKS

export interface JwksOptions {
  /** Keys are refreshed this often (a failed refresh keeps them). Default 10 minutes. */
  refreshMs?: number;
  /** A token with an unknown `kid` triggers a refetch at most this often. Default 60 s. */
  cooldownMs?: number;
  /** After a failed fetch, no new fetch for this long. Default 5 s. */
  failureBackoffMs?: number;
  /** Per-fetch timeout. Default 3 s (the functions run with ~10 s timeouts). */
  timeoutMs?: number;
  /** Largest JWKS document read. Default 256 KiB. */
  maxBytes?: number;
  fetch?: typeof fetch;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/** The keys of one JWKS URL for the life of the instance (a cold start). */
export class JwksKeys {
  readonly #set: ReturnType<typeof createRemoteJWKSet>;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #refreshedAt = -Infinity;
  #failedAt = -Infinity;

  constructor(
    readonly url: string,
    options: JwksOptions = {},
  ) {
    const fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
    const maxBytes = options.maxBytes ?? 256 * 1024;
    const backoffMs = options.failureBackoffMs ?? 5_000;
    this.#refreshMs = options.refreshMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
    const bounded: FetchImplementation = async (href, init) => {
      if (this.#now() - this.#failedAt < backoffMs) throw new Error('the last fetch failed moments ago');
      try {
        const headers: Record<string, string> = {};
        init.headers.forEach((v, k) => (headers[k] = v));
        const res = await fetchImpl(href, { method: 'GET', headers, redirect: 'manual', signal: init.signal });
        if (res.status !== 200) {
          await res.body?.cancel().catch(() => undefined);
          throw new Error(`HTTP ${res.status}`);
        }
        const text = await readCapped(res, maxBytes);
        this.#refreshedAt = this.#now();
        return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
      } catch (e) {
        this.#failedAt = this.#now();
        console.error(JSON.stringify({ level: 'warn', msg: 'JWKS fetch failed', url: this.url, error: (e as Error).message }));
        throw e;
      }
    };
    this.#set = createRemoteJWKSet(new URL(url), {
      // We refresh on our own schedule (below) so that a failed refresh keeps the keys we have.
      cacheMaxAge: Infinity,
      cooldownDuration: options.cooldownMs ?? 60_000,
      timeoutDuration: options.timeoutMs ?? 3_000,
      [customFetch]: bounded,
    });
  }

  /** A jose key resolver: the key the token's header names, or `JwtError` / `JwksUnavailableError`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.#set.jwks() !== undefined && this.#now() - this.#refreshedAt > this.#refreshMs && !this.#set.reloading) {
      await this.#set.reload().catch(() => undefined); // logged by the fetch; the keys we have stay
    }
    try {
      return await this.#set(header, token);
    } catch (e) {
      if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) throw e;
      if (this.#set.jwks() === undefined) throw new JwksUnavailableError(`could not fetch the identity provider's keys from ${this.url}`);
      throw e;
    }
  };
}

/** The body as text, refusing more than `max` bytes without reading them all. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error('JWKS document too large');
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error('JWKS document too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const jwksByUrl = new Map<string, JwksKeys>();

/** The instance-wide key set for `url` (one per cold start). */
export function jwksKeysFor(url: string): JwksKeys {
  let keys = jwksByUrl.get(url);
  if (!keys) {
    keys = new JwksKeys(url);
    jwksByUrl.set(url, keys);
  }
  return keys;
}

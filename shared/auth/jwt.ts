/**
 * JSON Web Tokens with Node's `crypto` only: HS256 sign/verify, RS256/ES256 verify against a
 * JWKS fetched from the identity provider.
 *
 * Rules that keep the classic JWT mistakes out:
 *  - the algorithm comes from the *key*, not the token: HS256 is tried only with the shared
 *    secret, RS256/ES256 only with JWKS keys of the matching type, so a token cannot pick
 *    `none` or turn a public key into an HMAC secret;
 *  - an unsigned token (empty signature), a `crit` header, or non-canonical base64url is malformed;
 *  - HMAC signatures are compared with `timingSafeEqual`;
 *  - exp/nbf/iat are checked with a 60 s leeway for clock skew; issuer/audience when configured;
 *  - tokens longer than 8 KB are refused before any parsing.
 * Errors are `JwtError` with a `reason`; their messages never contain the token.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export const CLOCK_LEEWAY_SECONDS = 60;
export const MAX_TOKEN_LENGTH = 8192;

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [name: string]: unknown;
}

export interface JwtClaims {
  sub?: unknown;
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  nbf?: unknown;
  iat?: unknown;
  [name: string]: unknown;
}

export type JwtFailure =
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'issuer'
  | 'audience'
  | 'claims';

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

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtClaims;
  /** `base64url(header) + "." + base64url(payload)`: the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function b64urlDecode(part: string, what: string): Buffer {
  if (!B64URL.test(part)) throw new JwtError('malformed', `token ${what} is not base64url`);
  const bytes = Buffer.from(part, 'base64url');
  // Buffer.from ignores stray trailing bits; insisting on the canonical form gives every token
  // exactly one spelling.
  if (bytes.toString('base64url') !== part) throw new JwtError('malformed', `token ${what} is not canonical base64url`);
  return bytes;
}

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new JwtError('malformed', `token ${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new JwtError('malformed', `token ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Splits and decodes a compact JWS without verifying it. Throws `JwtError('malformed')`. */
export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string' || token.length === 0) throw new JwtError('malformed', 'token is empty');
  if (token.length > MAX_TOKEN_LENGTH) throw new JwtError('malformed', `token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('malformed', 'token is not a compact JWS (three dot-separated parts)');
  const [h, p, s] = parts;
  if (s === '') throw new JwtError('malformed', 'token is unsigned');
  const header = jsonObject(b64urlDecode(h, 'header'), 'header');
  const payload = jsonObject(b64urlDecode(p, 'payload'), 'payload');
  const signature = b64urlDecode(s, 'signature');
  if (typeof header.alg !== 'string') throw new JwtError('malformed', 'token header has no alg');
  if (header.crit !== undefined) throw new JwtError('malformed', 'token header has unsupported critical extensions');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new JwtError('malformed', 'token header kid is not a string');
  return { header: header as JwtHeader, payload, signingInput: `${h}.${p}`, signature };
}

function hmac(secret: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

const b64urlJson = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Signs `claims` as an HS256 JWT. */
export function signHs256(claims: Record<string, unknown>, secret: string | Uint8Array, header: { kid?: string; typ?: string } = {}): string {
  const signingInput = `${b64urlJson({ alg: 'HS256', typ: 'JWT', ...header })}.${b64urlJson(claims)}`;
  return `${signingInput}.${hmac(secret, signingInput).toString('base64url')}`;
}

export interface ClaimChecks {
  issuer?: string;
  audience?: string;
  leewaySeconds?: number;
  /** Current time in seconds; default the clock. */
  now?: number;
  /** Refuse tokens without `exp` (a token that never expires). Default true. */
  requireExp?: boolean;
}

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks exp/nbf/iat/iss/aud. Throws `JwtError`. */
export function checkClaims(payload: JwtClaims, checks: ClaimChecks = {}): void {
  const { leewaySeconds = CLOCK_LEEWAY_SECONDS, requireExp = true } = checks;
  const now = checks.now ?? Math.floor(Date.now() / 1000);
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    if (payload[name] !== undefined && !isNumericDate(payload[name])) throw new JwtError('claims', `token ${name} is not a number`);
  }
  if (payload.exp === undefined) {
    if (requireExp) throw new JwtError('claims', 'token has no exp');
  } else if (now - leewaySeconds >= (payload.exp as number)) {
    throw new JwtError('expired', 'token has expired');
  }
  if (payload.nbf !== undefined && now + leewaySeconds < (payload.nbf as number)) throw new JwtError('not_yet_valid', 'token is not valid yet');
  if (payload.iat !== undefined && (payload.iat as number) > now + leewaySeconds) throw new JwtError('issued_in_future', 'token was issued in the future');
  if (checks.issuer !== undefined && payload.iss !== checks.issuer) throw new JwtError('issuer', 'token issuer is not accepted');
  if (checks.audience !== undefined) {
    const aud = payload.aud;
    const ok = aud === checks.audience || (Array.isArray(aud) && aud.includes(checks.audience));
    if (!ok) throw new JwtError('audience', 'token audience is not accepted');
  }
}

/** Verifies an HS256 token with `secret` and checks its claims. Synchronous. */
export function verifyHs256(token: string, secret: string | Uint8Array, checks: ClaimChecks = {}): JwtClaims {
  const jwt = decodeJwt(token);
  if (jwt.header.alg !== 'HS256') throw new JwtError('algorithm', `token algorithm ${String(jwt.header.alg).slice(0, 16)} is not accepted`);
  if (!hmacMatches(jwt, secret)) throw new JwtError('signature', 'token signature is invalid');
  checkClaims(jwt.payload, checks);
  return jwt.payload;
}

function hmacMatches(jwt: DecodedJwt, secret: string | Uint8Array): boolean {
  const expected = hmac(secret, jwt.signingInput);
  // Lengths differ only for garbage signatures; the length of an HMAC is no secret.
  return jwt.signature.length === expected.length && timingSafeEqual(jwt.signature, expected);
}

export interface VerifyKeys {
  /** HS256 shared secret. */
  secret?: string | Uint8Array;
  /** RS256/ES256 keys. */
  jwks?: Pick<JwksCache, 'keysFor'>;
}

/** Verifies a token with whichever keys are configured, then checks its claims. */
export async function verifyJwt(token: string, keys: VerifyKeys, checks: ClaimChecks = {}): Promise<JwtClaims> {
  const jwt = decodeJwt(token);
  const alg = jwt.header.alg;
  if (alg === 'HS256' && keys.secret !== undefined) {
    if (!hmacMatches(jwt, keys.secret)) throw new JwtError('signature', 'token signature is invalid');
  } else if ((alg === 'RS256' || alg === 'ES256') && keys.jwks) {
    const candidates = await keys.jwks.keysFor(alg, jwt.header.kid);
    if (candidates.length === 0) throw new JwtError('unknown_key', 'token key id is not in the identity provider key set');
    if (!candidates.some((key) => signatureMatches(alg, key, jwt))) throw new JwtError('signature', 'token signature is invalid');
  } else {
    throw new JwtError('algorithm', `token algorithm ${alg.slice(0, 16)} is not accepted`);
  }
  checkClaims(jwt.payload, checks);
  return jwt.payload;
}

function signatureMatches(alg: 'RS256' | 'ES256', key: KeyObject, jwt: DecodedJwt): boolean {
  const data = Buffer.from(jwt.signingInput);
  try {
    if (alg === 'RS256') return cryptoVerify('sha256', data, key, jwt.signature);
    // JWS ES256 signatures are raw r||s (64 bytes), not DER.
    return jwt.signature.length === 64 && cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// JWKS

interface JwkEntry {
  kid?: string;
  alg: JwtAlgorithm;
  key: KeyObject;
}

export interface JwksOptions {
  /** Keys are reused this long before a refetch. Default 10 minutes. */
  ttlMs?: number;
  /** A token with an unknown `kid` triggers a refetch at most this often. Default 60 s. */
  minRefetchIntervalMs?: number;
  /** After a failed fetch, wait this long before trying again. Default 5 s. */
  failureBackoffMs?: number;
  /** Per-fetch timeout. Default 3 s (FC functions here run with ~10 s timeouts). */
  timeoutMs?: number;
  /** Largest JWKS document accepted. Default 256 KiB. */
  maxBytes?: number;
  fetch?: typeof fetch;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * Keys from one JWKS URL, cached for the life of the instance. Refetched after `ttlMs`, or
 * early when a token names a `kid` we do not have (key rotation) but at most once per
 * `minRefetchIntervalMs`, so random kids cannot make us hammer the identity provider. When a
 * refetch fails, the keys we already have stay in use.
 */
export class JwksCache {
  private keys: JwkEntry[] | undefined;
  private fetchedAt = -Infinity;
  private lastAttempt = -Infinity;
  private inflight: Promise<void> | undefined;
  private readonly opts: Required<Omit<JwksOptions, 'fetch' | 'now'>> & { fetch: typeof fetch; now: () => number };

  constructor(
    readonly url: string,
    options: JwksOptions = {},
  ) {
    this.opts = {
      ttlMs: options.ttlMs ?? 10 * 60_000,
      minRefetchIntervalMs: options.minRefetchIntervalMs ?? 60_000,
      failureBackoffMs: options.failureBackoffMs ?? 5_000,
      timeoutMs: options.timeoutMs ?? 3_000,
      maxBytes: options.maxBytes ?? 256 * 1024,
      fetch: options.fetch ?? ((...args) => fetch(...args)),
      now: options.now ?? Date.now,
    };
  }

  /** Keys usable for `alg` (and `kid`, when the token names one). Throws `JwksUnavailableError`. */
  async keysFor(alg: 'RS256' | 'ES256', kid: string | undefined): Promise<KeyObject[]> {
    // Concurrent callers share a fetch already under way instead of seeing "no keys yet".
    if (this.inflight) await this.inflight;
    const now = this.opts.now();
    const sinceAttempt = now - this.lastAttempt;
    const stale = this.keys === undefined || now - this.fetchedAt > this.opts.ttlMs;
    if (stale && sinceAttempt >= this.opts.failureBackoffMs) await this.refresh();
    if (this.keys === undefined) throw new JwksUnavailableError(`could not fetch the identity provider's keys from ${this.url}`);

    let found = this.match(alg, kid);
    if (found.length === 0 && kid !== undefined && this.opts.now() - this.lastAttempt >= this.opts.minRefetchIntervalMs) {
      await this.refresh();
      found = this.match(alg, kid);
    }
    return found;
  }

  private match(alg: JwtAlgorithm, kid: string | undefined): KeyObject[] {
    return (this.keys ?? []).filter((k) => k.alg === alg && (kid === undefined || k.kid === kid)).map((k) => k.key);
  }

  /** One fetch at a time; failures are logged (without the response body) and swallowed. */
  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.lastAttempt = this.opts.now();
      try {
        this.keys = await this.download();
        this.fetchedAt = this.opts.now();
      } catch (e) {
        console.error(JSON.stringify({ level: 'warn', msg: 'JWKS fetch failed', url: this.url, error: (e as Error).message }));
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private async download(): Promise<JwkEntry[]> {
    const res = await this.opts.fetch(this.url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > this.opts.maxBytes) throw new Error('JWKS document too large');
    const doc = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(doc?.keys)) throw new Error('JWKS document has no keys array');
    return doc.keys.flatMap((jwk) => importJwk(jwk) ?? []);
  }
}

/** A verification key from a JWK, or undefined when it is not one we can use. */
export function importJwk(jwk: unknown): JwkEntry | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const j = jwk as Record<string, unknown>;
  if (j.use !== undefined && j.use !== 'sig') return undefined;
  let alg: JwtAlgorithm;
  if (j.kty === 'RSA') alg = 'RS256';
  else if (j.kty === 'EC' && j.crv === 'P-256') alg = 'ES256';
  else return undefined;
  if (j.alg !== undefined && j.alg !== alg) return undefined;
  let key: KeyObject;
  try {
    // Only the public members, so a JWKS that wrongly publishes private keys still yields public ones.
    const pub = j.kty === 'RSA' ? { kty: 'RSA', n: j.n, e: j.e } : { kty: 'EC', crv: j.crv, x: j.x, y: j.y };
    key = createPublicKey({ key: pub as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
  // RSA keys under 2048 bits are too weak to trust.
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return undefined;
  return { ...(typeof j.kid === 'string' ? { kid: j.kid } : {}), alg, key };
}

const jwksCaches = new Map<string, JwksCache>();

/** The instance-wide cache for `url` (one per cold start). */
export function jwksCacheFor(url: string): JwksCache {
  let cache = jwksCaches.get(url);
  if (!cache) {
    cache = new JwksCache(url);
    jwksCaches.set(url, cache);
  }
  return cache;
}

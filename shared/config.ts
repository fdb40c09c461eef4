/**
 * Configuration from environment variables, read and validated once per cold start.
 *
 * Every problem is collected, then thrown together as one `ConfigError`; the functions' error
 * handler turns it into 500 `MISCONFIGURED` (shared/http/errors.ts), so a misconfigured function
 * refuses every request instead of serving with a gap (fail closed). Messages name variables
 * and rules, and echo a value only for variables that are not secret.
 *
 * FC limits all variables together to 4 KB and values are strings (quote numbers in s.yaml).
 * Byte sizes accept a plain number of bytes or a binary unit: `8MiB`, `5GiB`, `100KiB`.
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | `OSS_REGION` | required | Bare region id, e.g. `cn-hangzhou` (not `oss-cn-hangzhou`). |
 * | `OSS_BUCKET` | required | Bucket name (3-63 of `a-z0-9-`). |
 * | `OSS_ENDPOINT` | `https://oss-<region>.aliyuncs.com` | Endpoint for the functions' own OSS calls; in production the internal one (`oss-<region>-internal.aliyuncs.com`). A bare host gets `https://`. |
 * | `OSS_PUBLIC_ENDPOINT` | `OSS_ENDPOINT` unless that is an `-internal` host, else the public regional endpoint | Endpoint in URLs given to browsers: regional or accelerate (`https://oss-accelerate.aliyuncs.com`: bucket as subdomain), or a custom domain bound to the bucket (`https://files.example.com`: any host outside `*.aliyuncs.com` is treated as such a CNAME, URLs are `https://files.example.com/<key>`). |
 * | `OSS_FORCE_PATH_STYLE` | `false` | `https://host/bucket/key` instead of `https://bucket.host/key` (local emulator). |
 * | `OSS_SIGNATURE_VERSION` | `v4` | `v4` (OSS4-HMAC-SHA256) or `v1` (HMAC-SHA1). |
 * | `OSS_TIMEOUT_MS` | `30000` | Per-attempt timeout of the functions' own OSS calls (response headers and body), 100..600000 ms. A timed-out attempt counts as a network error and is retried as shared/oss/client.ts describes (Initiate is not); keep 4 x this plus backoff within the function's timeout. |
 * | `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, `ALIBABA_CLOUD_SECURITY_TOKEN` | none | OSS credentials when the invocation's `context.credentials` (function role) has none; id and secret go together. See `credentialsFrom`. |
 * | `AUTH_MODE` | `jwt` | `jwt`: callers need a JWT. `none`: every caller is `AUTH_ANONYMOUS_SUB`; only when set explicitly (local stack, demos). |
 * | `AUTH_JWT_SECRET` | none | HS256 secret shared with the identity provider, at least 32 bytes. |
 * | `AUTH_JWKS_URL` | none | JWKS URL of the identity provider (https, or http on localhost); needs `AUTH_AUDIENCE`. With `AUTH_MODE=jwt`, this or `AUTH_JWT_SECRET` is required. |
 * | `AUTH_JWKS_ALGORITHMS` | `RS256,ES256` | Comma list of the algorithms JWKS keys may sign with: RS256/384/512, PS256/384/512, ES256/384/512, EdDSA. `AUTH_JWT_SECRET` verifies HS256 only. |
 * | `AUTH_ISSUER` | none | Required `iss` claim, when set. |
 * | `AUTH_AUDIENCE` | none | Required `aud` claim (one of). Required with `AUTH_JWKS_URL`: an identity provider issues tokens to other applications too, and without an audience check any of them would be accepted here. |
 * | `AUTH_CLOCK_TOLERANCE_SECONDS` | `30` | Clock skew allowed on a caller JWT's `exp`, `nbf` and `iat`, 0..300. (Our own upload tokens get none.) |
 * | `AUTH_MAX_TOKEN_AGE_SECONDS` | none | When set, caller JWTs need `iat` and must be younger than this, 1..2592000. |
 * | `AUTH_TOKEN_TYP` | none | Required JWT header `typ` (e.g. `at+jwt`), when set. |
 * | `AUTH_COOKIE_NAME` | `oss_upload_token` | Cookie holding the caller JWT when there is no `Authorization: Bearer` header. |
 * | `AUTH_ANONYMOUS_SUB` | `anonymous` | The caller id under `AUTH_MODE=none`; a safe key segment. |
 * | `UPLOAD_TOKEN_SECRET` | required | HS256 secret for upload tokens, at least 32 bytes, different from `AUTH_JWT_SECRET`. |
 * | `UPLOAD_TOKEN_TTL_SECONDS` | `86400` | Upload token lifetime, 60..604800. |
 * | `KEY_PREFIX` | `uploads` | First key segment(s); every upload and the sweeper stay under it. |
 * | `MAX_FILE_SIZE` | `5GiB` | Largest declared file size; at most 10,000 x 5 GiB (OSS). 5 GiB is a generous default for browser uploads that still bounds storage per upload. |
 * | `ALLOWED_CONTENT_TYPES` | `*\/*` | Comma list of `*\/*`, `type/*` or exact types. |
 * | `DEFAULT_PART_SIZE` | `8MiB` | Part size when the client does not ask; 100 KiB..5 GiB. |
 * | `URL_EXPIRES_SECONDS` | `3600` | Presigned URL lifetime, 1..604800. |
 * | `MAX_PARTS_PER_SIGN` | `1000` | Part numbers per sign call, 1..1000. |
 * | `MAX_ACTIVE_UPLOADS` | `10` | Unfinished uploads per caller; `0` = unlimited. |
 * | `SIGN_CHECKS_UPLOAD` | `true` | sign makes one ListParts call per batch so a completed, aborted or swept upload answers 404 at once; `false`: sign makes no OSS call and a dead upload surfaces as OSS's 404 on the part PUT. |
 * | `MAX_BODY_BYTES` | `1MiB` | Largest request body; 1 MiB holds a 10,000-part complete body (~0.6 MB). 1 KiB..32 MiB (FC's own limit). |
 * | `CORS_ALLOWED_ORIGINS` | none | Comma list of origins (`https://app.example.com`) or `*`. Empty: same-origin only. |
 * | `CALLBACK_URL` | none | OSS upload callback target (http or https, no query string: FC passes no raw query, so it could not be verified). |
 * | `CALLBACK_PUBLIC_KEYS` | none | Extra PEM public keys trusted for callback signatures (e.g. the emulator's); PEM blocks one after another, any separator; `\n` escapes allowed. |
 * | `CALLBACK_KEY_URL_PREFIXES` | none | Comma list of extra URL prefixes a callback's public key may be fetched from; each must end its host with `/`. |
 * | `SWEEP_MAX_AGE_HOURS` | `24` | The sweeper aborts uploads older than this; > 0, at most 8760. |
 * | `SWEEP_DRY_RUN` | `false` | The sweeper only reports what it would abort. |
 * | `WEBHOOK_URL` | none | Where the events function POSTs each `upload.completed` / `upload.rejected` event (Standard Webhooks); https, or http on localhost. The events function refuses to run without it. |
 * | `WEBHOOK_SECRET` | none | The signing secret, `whsec_` + base64 of 24-64 random bytes (the Standard Webhooks form); required with `WEBHOOK_URL`. |
 * | `WEBHOOK_TIMEOUT_MS` | `10000` | Per delivery, 100..60000 ms; a timeout or a non-2xx answer fails the invocation, so FC retries it. |
 * | `QUARANTINE_MODE` | `move` | An object that fails the content check is `move`d under `QUARANTINE_PREFIX` (copied, then deleted at its key) or `delete`d; either way a JSON record of the rejection is kept there. |
 * | `QUARANTINE_PREFIX` | `quarantine` | Key prefix of quarantined objects and rejection records; must not overlap `KEY_PREFIX` (the OSS trigger must never see them). |
 * | `QUARANTINE_MAX_AGE_HOURS` | `168` | The sweeper deletes what is under `QUARANTINE_PREFIX` after this long; > 0, at most 87600. |
 */
import { createPublicKey } from 'node:crypto';
import { httpError } from './http/errors';
import type { FcContext, FcCredentials } from './http/fc-adapter';
import { isSafeSegment, normalizeKeyPrefix, SAFE_SEGMENT_HINT } from './policy/keys';
import { parseContentTypePatterns } from './policy/content-type';
import { GiB, KiB, MAX_PART_SIZE, MAX_PARTS, MiB, MIN_PART_SIZE } from './policy/parts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Asymmetric algorithms a JWKS may be configured with (AUTH_JWKS_ALGORITHMS); the secret verifies HS256 only. */
export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const DEFAULT_JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

/**
 * Every variable `parseConfig` reads, in the order of the table above. s.yaml must give each
 * function all of them except the ALIBABA_CLOUD_* credentials (FC sets those from the role);
 * test/unit/s-yaml.test.ts checks both this list (against what parseConfig actually reads) and s.yaml.
 */
export const CONFIG_VARIABLES = [
  'OSS_REGION',
  'OSS_BUCKET',
  'OSS_ENDPOINT',
  'OSS_PUBLIC_ENDPOINT',
  'OSS_FORCE_PATH_STYLE',
  'OSS_SIGNATURE_VERSION',
  'OSS_TIMEOUT_MS',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'AUTH_MODE',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_JWKS_ALGORITHMS',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_CLOCK_TOLERANCE_SECONDS',
  'AUTH_MAX_TOKEN_AGE_SECONDS',
  'AUTH_TOKEN_TYP',
  'AUTH_COOKIE_NAME',
  'AUTH_ANONYMOUS_SUB',
  'UPLOAD_TOKEN_SECRET',
  'UPLOAD_TOKEN_TTL_SECONDS',
  'KEY_PREFIX',
  'MAX_FILE_SIZE',
  'ALLOWED_CONTENT_TYPES',
  'DEFAULT_PART_SIZE',
  'URL_EXPIRES_SECONDS',
  'MAX_PARTS_PER_SIGN',
  'MAX_ACTIVE_UPLOADS',
  'SIGN_CHECKS_UPLOAD',
  'MAX_BODY_BYTES',
  'CORS_ALLOWED_ORIGINS',
  'CALLBACK_URL',
  'CALLBACK_PUBLIC_KEYS',
  'CALLBACK_KEY_URL_PREFIXES',
  'SWEEP_MAX_AGE_HOURS',
  'SWEEP_DRY_RUN',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
  'WEBHOOK_TIMEOUT_MS',
  'QUARANTINE_MODE',
  'QUARANTINE_PREFIX',
  'QUARANTINE_MAX_AGE_HOURS',
] as const;

export interface OssConfig {
  region: string;
  bucket: string;
  /** `scheme://host[:port]`, no trailing slash. */
  endpoint: string;
  publicEndpoint: string;
  forcePathStyle: boolean;
  signatureVersion: 'v4' | 'v1';
}

/** The functions' OSS client (shared/runtime.ts `ossClientFor`). */
export interface OssClientConfig {
  /** Per attempt, ms (`OSS_TIMEOUT_MS`). */
  timeoutMs: number;
}

export interface AuthConfig {
  mode: 'jwt' | 'none';
  jwtSecret?: string;
  jwksUrl?: string;
  /** What JWKS keys may sign with (the secret: HS256 only). */
  jwksAlgorithms: string[];
  issuer?: string;
  audience?: string;
  clockToleranceSeconds: number;
  /** 0 = no limit. */
  maxTokenAgeSeconds: number;
  typ?: string;
  cookieName: string;
  anonymousSub: string;
}

export interface Config {
  oss: OssConfig;
  ossClient: OssClientConfig;
  /** From ALIBABA_CLOUD_* variables; `credentialsFrom` prefers the invocation's own. */
  envCredentials?: FcCredentials;
  auth: AuthConfig;
  uploadToken: { secret: string; ttlSeconds: number };
  policy: {
    keyPrefix: string;
    maxFileSize: number;
    allowedContentTypes: string[];
    defaultPartSize: number;
    urlExpiresSeconds: number;
    maxPartsPerSign: number;
    /** 0 = unlimited. */
    maxActiveUploads: number;
    /** sign checks the upload still exists (one ListParts call per batch). */
    signChecksUpload: boolean;
  };
  http: { maxBodyBytes: number; corsAllowedOrigins: string[] };
  callback: { url?: string; publicKeys: string[]; keyUrlPrefixes: string[] };
  sweep: { maxAgeHours: number; dryRun: boolean };
  events: EventsConfig;
}

/** The events function (functions/events) and the quarantine the sweeper owns. */
export interface EventsConfig {
  /** Unset: the events function fails every invocation (fail closed; FC keeps the events). */
  webhookUrl?: string;
  webhookSecret?: string;
  webhookTimeoutMs: number;
  quarantine: { mode: 'move' | 'delete'; prefix: string; maxAgeHours: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`${problems.length} configuration problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
  }
}

/** Variables whose values never appear in a message. */
const SECRET_VARS = new Set([
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'AUTH_JWT_SECRET',
  'UPLOAD_TOKEN_SECRET',
  'WEBHOOK_SECRET',
  // A receiver URL may carry a token in its query.
  'WEBHOOK_URL',
]);

const MIN_SECRET_BYTES = 32;

/** Reads variables and records problems instead of stopping at the first one. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** Trimmed value; empty counts as unset. */
  str(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v ? v : undefined;
  }

  required(name: string): string | undefined {
    const v = this.str(name);
    if (v === undefined) this.problem(`${name} is required`);
    return v;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** A problem about a value; the value is quoted unless the variable is secret. */
  bad(name: string, rule: string): void {
    const v = this.str(name) ?? '';
    const shown = SECRET_VARS.has(name) ? '' : ` (got "${v.length > 60 ? `${v.slice(0, 60)}…` : v}")`;
    this.problem(`${name} ${rule}${shown}`);
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.str(name);
    if (v === undefined) return def;
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.bad(name, `must be an integer from ${min} to ${max}`);
      return def;
    }
    return n;
  }

  /** Bytes, plain or with a binary unit (KiB, MiB, GiB, TiB). */
  bytes(name: string, def: number, min: number, max: number): number {
    const v = this.str(name);
    if (v === undefined) return def;
    const m = /^(\d+)\s*(B|KiB|MiB|GiB|TiB)?$/i.exec(v);
    const unit = { b: 1, kib: KiB, mib: MiB, gib: GiB, tib: 1024 * GiB }[(m?.[2] ?? 'b').toLowerCase()] ?? NaN;
    const n = m ? Number(m[1]) * unit : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.bad(name, `must be a byte size from ${min} to ${max} (a number of bytes, or with KiB/MiB/GiB/TiB)`);
      return def;
    }
    return n;
  }

  positive(name: string, def: number, max: number): number {
    const v = this.str(name);
    if (v === undefined) return def;
    const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    if (!(n > 0 && n <= max)) {
      this.bad(name, `must be a number above 0 and at most ${max}`);
      return def;
    }
    return n;
  }

  bool(name: string, def: boolean): boolean {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return def;
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    this.bad(name, 'must be true or false');
    return def;
  }

  oneOf<T extends string>(name: string, values: readonly T[], def: T): T {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return def;
    if ((values as readonly string[]).includes(v)) return v as T;
    this.bad(name, `must be one of ${values.join(', ')}`);
    return def;
  }

  list(name: string): string[] {
    return (this.str(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  }

  secret(name: string, required: boolean): string | undefined {
    const v = required ? this.required(name) : this.str(name);
    if (v !== undefined && Buffer.byteLength(v, 'utf8') < MIN_SECRET_BYTES) {
      this.bad(name, `must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    return v;
  }
}

/** `scheme://host[:port]` from an endpoint setting; a bare host gets https. */
function endpointOrigin(r: EnvReader, name: string, raw: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    r.bad(name, 'must be a URL or host name');
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search || url.hash || url.username) {
    r.bad(name, 'must be http(s)://host[:port] with no path, query or credentials');
    return undefined;
  }
  return url.origin;
}

const isLocalHost = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

function httpUrl(r: EnvReader, name: string, raw: string, { httpsUnlessLocal }: { httpsUnlessLocal: boolean }): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    r.bad(name, 'must be an absolute URL');
    return undefined;
  }
  const okScheme = url.protocol === 'https:' || (url.protocol === 'http:' && (!httpsUnlessLocal || isLocalHost(url.hostname)));
  if (!okScheme) {
    r.bad(name, httpsUnlessLocal ? 'must be an https URL (http only for localhost)' : 'must be an http or https URL');
    return undefined;
  }
  return url;
}

/** Splits PEM blocks out of one variable; returns them or records a problem. */
function publicKeys(r: EnvReader, name: string): string[] {
  const raw = r.str(name);
  if (raw === undefined) return [];
  const text = raw.replace(/\\n/g, '\n');
  const blocks = text.match(/-----BEGIN (?:RSA )?PUBLIC KEY-----[\s\S]*?-----END (?:RSA )?PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) {
    r.problem(`${name} must hold one or more PEM public keys (-----BEGIN PUBLIC KEY----- …)`);
    return [];
  }
  blocks.forEach((pem, i) => {
    try {
      createPublicKey(pem);
    } catch {
      r.problem(`${name} key ${i + 1} is not a valid public key`);
    }
  });
  return blocks;
}

/** Parses and validates `env` without memoising. Throws `ConfigError` listing every problem. */
export function parseConfig(env: Env): Config {
  const r = new EnvReader(env);

  // --- OSS
  const region = r.required('OSS_REGION');
  if (region !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(region)) r.bad('OSS_REGION', 'must be a region id like cn-hangzhou');
  else if (region?.startsWith('oss-')) r.bad('OSS_REGION', 'must be the bare region id, e.g. cn-hangzhou (not oss-cn-hangzhou)');
  const bucket = r.required('OSS_BUCKET');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
    r.bad('OSS_BUCKET', 'must be 3-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit');
  }
  const regional = `https://oss-${region ?? 'invalid'}.aliyuncs.com`;
  const endpointRaw = r.str('OSS_ENDPOINT');
  const endpoint = (endpointRaw && endpointOrigin(r, 'OSS_ENDPOINT', endpointRaw)) || regional;
  const publicRaw = r.str('OSS_PUBLIC_ENDPOINT');
  const publicEndpoint =
    (publicRaw && endpointOrigin(r, 'OSS_PUBLIC_ENDPOINT', publicRaw)) ||
    (endpointRaw && !/-internal\./.test(endpoint) ? endpoint : regional);
  const oss: OssConfig = {
    region: region ?? '',
    bucket: bucket ?? '',
    endpoint,
    publicEndpoint,
    forcePathStyle: r.bool('OSS_FORCE_PATH_STYLE', false),
    signatureVersion: r.oneOf('OSS_SIGNATURE_VERSION', ['v4', 'v1'] as const, 'v4'),
  };
  const ossClient: OssClientConfig = { timeoutMs: r.int('OSS_TIMEOUT_MS', 30_000, 100, 600_000) };

  // --- Credentials (optional: the function role's context.credentials usually supplies them)
  const akId = r.str('ALIBABA_CLOUD_ACCESS_KEY_ID');
  const akSecret = r.str('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const stsToken = r.str('ALIBABA_CLOUD_SECURITY_TOKEN');
  let envCredentials: FcCredentials | undefined;
  if (akId && akSecret) envCredentials = { accessKeyId: akId, accessKeySecret: akSecret, ...(stsToken ? { securityToken: stsToken } : {}) };
  else if (akId || akSecret || stsToken) {
    r.problem('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set together');
  }

  // --- Callers
  const mode = r.oneOf('AUTH_MODE', ['jwt', 'none'] as const, 'jwt');
  const jwtSecret = r.secret('AUTH_JWT_SECRET', false);
  const jwksRaw = r.str('AUTH_JWKS_URL');
  const jwksUrl = jwksRaw ? httpUrl(r, 'AUTH_JWKS_URL', jwksRaw, { httpsUnlessLocal: true })?.toString() : undefined;
  if (mode === 'jwt' && !jwtSecret && !jwksRaw) {
    r.problem('AUTH_MODE=jwt needs AUTH_JWT_SECRET or AUTH_JWKS_URL (set AUTH_MODE=none explicitly to run without authentication)');
  }
  const audience = r.str('AUTH_AUDIENCE');
  if (jwksRaw && !audience) {
    r.problem('AUTH_JWKS_URL needs AUTH_AUDIENCE: an identity provider signs tokens for other applications with the same keys, and without an audience check any of them would be accepted here');
  }
  const jwksAlgorithms = r.list('AUTH_JWKS_ALGORITHMS');
  const badAlgs = jwksAlgorithms.filter((a) => !(JWKS_ALGORITHMS as readonly string[]).includes(a));
  if (badAlgs.length > 0) r.bad('AUTH_JWKS_ALGORITHMS', `must list only ${JWKS_ALGORITHMS.join(', ')} (HS256 belongs to AUTH_JWT_SECRET)`);
  const typ = r.str('AUTH_TOKEN_TYP');
  const cookieName = r.str('AUTH_COOKIE_NAME') ?? 'oss_upload_token';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(cookieName)) r.bad('AUTH_COOKIE_NAME', 'must be a valid cookie name');
  const anonymousSub = r.str('AUTH_ANONYMOUS_SUB') ?? 'anonymous';
  if (!isSafeSegment(anonymousSub)) r.bad('AUTH_ANONYMOUS_SUB', `must be a safe key segment: ${SAFE_SEGMENT_HINT}`);
  const auth: AuthConfig = {
    mode,
    ...(jwtSecret ? { jwtSecret } : {}),
    ...(jwksUrl ? { jwksUrl } : {}),
    jwksAlgorithms: jwksAlgorithms.length > 0 && badAlgs.length === 0 ? jwksAlgorithms : [...DEFAULT_JWKS_ALGORITHMS],
    ...(r.str('AUTH_ISSUER') ? { issuer: r.str('AUTH_ISSUER') } : {}),
    ...(audience ? { audience } : {}),
    clockToleranceSeconds: r.int('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    maxTokenAgeSeconds: r.int('AUTH_MAX_TOKEN_AGE_SECONDS', 0, 1, 2_592_000),
    ...(typ ? { typ } : {}),
    cookieName,
    anonymousSub,
  };

  // --- Upload tokens
  const tokenSecret = r.secret('UPLOAD_TOKEN_SECRET', true);
  if (tokenSecret && jwtSecret && tokenSecret === jwtSecret) {
    r.problem('UPLOAD_TOKEN_SECRET must differ from AUTH_JWT_SECRET (whoever holds the caller secret could otherwise mint upload tokens)');
  }
  const uploadToken = { secret: tokenSecret ?? '', ttlSeconds: r.int('UPLOAD_TOKEN_TTL_SECONDS', 86_400, 60, 604_800) };

  // --- Policy
  let keyPrefix = 'uploads';
  const prefixRaw = r.str('KEY_PREFIX');
  if (prefixRaw !== undefined) {
    try {
      keyPrefix = normalizeKeyPrefix(prefixRaw);
    } catch (e) {
      r.bad('KEY_PREFIX', (e as Error).message);
    }
  }
  let allowedContentTypes = ['*/*'];
  const typesRaw = r.str('ALLOWED_CONTENT_TYPES');
  if (typesRaw !== undefined) {
    try {
      allowedContentTypes = parseContentTypePatterns(typesRaw);
      if (allowedContentTypes.length === 0) r.problem('ALLOWED_CONTENT_TYPES must list at least one type');
    } catch (e) {
      r.problem(`ALLOWED_CONTENT_TYPES ${(e as Error).message}`);
    }
  }
  const policy: Config['policy'] = {
    keyPrefix,
    maxFileSize: r.bytes('MAX_FILE_SIZE', 5 * GiB, 1, MAX_PARTS * MAX_PART_SIZE),
    allowedContentTypes,
    defaultPartSize: r.bytes('DEFAULT_PART_SIZE', 8 * MiB, MIN_PART_SIZE, MAX_PART_SIZE),
    urlExpiresSeconds: r.int('URL_EXPIRES_SECONDS', 3600, 1, 604_800),
    maxPartsPerSign: r.int('MAX_PARTS_PER_SIGN', 1000, 1, 1000),
    maxActiveUploads: r.int('MAX_ACTIVE_UPLOADS', 10, 0, 1_000_000),
    signChecksUpload: r.bool('SIGN_CHECKS_UPLOAD', true),
  };

  // --- HTTP
  const corsAllowedOrigins: string[] = [];
  for (const o of r.list('CORS_ALLOWED_ORIGINS')) {
    if (o === '*') {
      corsAllowedOrigins.push('*');
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== o.replace(/\/+$/, '').toLowerCase()) {
      r.problem(`CORS_ALLOWED_ORIGINS entry "${o.slice(0, 100)}" must be * or an origin like https://app.example.com (no path)`);
    } else corsAllowedOrigins.push(url.origin);
  }
  const http = { maxBodyBytes: r.bytes('MAX_BODY_BYTES', MiB, KiB, 32 * MiB), corsAllowedOrigins };

  // --- Callback
  let callbackUrl: string | undefined;
  const cbRaw = r.str('CALLBACK_URL');
  if (cbRaw !== undefined) {
    const url = httpUrl(r, 'CALLBACK_URL', cbRaw, { httpsUnlessLocal: false });
    if (url && (url.search || url.hash)) {
      r.bad('CALLBACK_URL', 'must not have a query string or fragment (FC passes no raw query string, so the OSS signature could not be verified)');
    } else if (url) callbackUrl = url.toString();
  }
  const keyUrlPrefixes: string[] = [];
  for (const p of r.list('CALLBACK_KEY_URL_PREFIXES')) {
    let url: URL | undefined;
    try {
      url = new URL(p);
    } catch {
      /* reported below */
    }
    // The host must be closed by a `/`, or `https://keys.example` would also match `https://keys.example.evil.net/`.
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !p.startsWith(`${url.origin}/`)) {
      r.problem(`CALLBACK_KEY_URL_PREFIXES entry "${p.slice(0, 100)}" must be an http(s) URL prefix with a path, e.g. http://127.0.0.1:9000/keys/`);
    } else keyUrlPrefixes.push(p);
  }
  const callback = { ...(callbackUrl ? { url: callbackUrl } : {}), publicKeys: publicKeys(r, 'CALLBACK_PUBLIC_KEYS'), keyUrlPrefixes };

  // --- Sweep
  const sweep = { maxAgeHours: r.positive('SWEEP_MAX_AGE_HOURS', 24, 8760), dryRun: r.bool('SWEEP_DRY_RUN', false) };

  const events = eventsConfig(r, keyPrefix);

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze({ oss, ossClient, ...(envCredentials ? { envCredentials } : {}), auth, uploadToken, policy, http, callback, sweep, events });
}

/** `whsec_` + base64 of the key (Standard Webhooks); 24-64 bytes, as the specification recommends. */
const WEBHOOK_SECRET_FORM = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

function eventsConfig(r: EnvReader, keyPrefix: string): EventsConfig {
  let webhookUrl: string | undefined;
  const urlRaw = r.str('WEBHOOK_URL');
  if (urlRaw !== undefined) {
    const url = httpUrl(r, 'WEBHOOK_URL', urlRaw, { httpsUnlessLocal: true });
    if (url && (url.username || url.password || url.hash)) r.bad('WEBHOOK_URL', 'must not hold credentials or a fragment');
    else if (url) webhookUrl = url.toString();
  }
  const secret = r.str('WEBHOOK_SECRET');
  if (secret !== undefined) {
    const b64 = WEBHOOK_SECRET_FORM.exec(secret)?.[1];
    const bytes = b64 && b64.length % 4 === 0 ? Buffer.from(b64, 'base64').length : 0;
    if (bytes < 24 || bytes > 64) r.bad('WEBHOOK_SECRET', 'must be whsec_ followed by the base64 of 24 to 64 random bytes (Standard Webhooks)');
  }
  if (urlRaw !== undefined && secret === undefined) r.problem('WEBHOOK_URL needs WEBHOOK_SECRET (deliveries are always signed)');
  if (secret !== undefined && urlRaw === undefined) r.problem('WEBHOOK_SECRET is set without WEBHOOK_URL');

  let prefix = 'quarantine';
  const prefixRaw = r.str('QUARANTINE_PREFIX');
  if (prefixRaw !== undefined) {
    try {
      prefix = normalizeKeyPrefix(prefixRaw);
    } catch (e) {
      r.bad('QUARANTINE_PREFIX', (e as Error).message);
    }
  }
  // Under KEY_PREFIX the OSS trigger would see quarantine copies; KEY_PREFIX under it would be swept.
  if (`${prefix}/`.startsWith(`${keyPrefix}/`) || `${keyPrefix}/`.startsWith(`${prefix}/`)) {
    r.bad('QUARANTINE_PREFIX', `must not overlap KEY_PREFIX (${keyPrefix})`);
  }
  return {
    ...(webhookUrl ? { webhookUrl } : {}),
    ...(secret ? { webhookSecret: secret } : {}),
    webhookTimeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    quarantine: {
      mode: r.oneOf('QUARANTINE_MODE', ['move', 'delete'] as const, 'move'),
      prefix,
      maxAgeHours: r.positive('QUARANTINE_MAX_AGE_HOURS', 168, 87_600),
    },
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

// One parse per environment object per instance (cold start). A failed parse is remembered too:
// the environment cannot change within an instance, and every request must fail the same way.
let memo = new WeakMap<object, { config: Config } | { error: ConfigError }>();

/** The validated configuration; memoised per `env` object. Throws `ConfigError`. */
export function loadConfig(env: Env = process.env): Config {
  let entry = memo.get(env);
  if (!entry) {
    try {
      entry = { config: parseConfig(env) };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      entry = { error: e };
    }
    memo.set(env, entry);
  }
  if ('error' in entry) throw entry.error;
  return entry.config;
}

/** Forgets memoised configurations (tests change the environment between cases). */
export function resetConfigForTests(): void {
  memo = new WeakMap();
}

/**
 * OSS credentials for this invocation: the function role's STS credentials from
 * `context.credentials` when present (read per invocation, they rotate), else the ALIBABA_CLOUD_*
 * variables. Neither -> 500 `MISCONFIGURED`.
 */
export function credentialsFrom(context: Pick<FcContext, 'credentials'> | undefined, config: Pick<Config, 'envCredentials'>): FcCredentials {
  const c = context?.credentials;
  if (c?.accessKeyId && c.accessKeySecret) {
    return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) };
  }
  if (config.envCredentials) return config.envCredentials;
  throw httpError(
    'MISCONFIGURED',
    'No OSS credentials: give the function a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  );
}

/**
 * JSON errors for every function: the error codes, the one wire format (`errorBody`), and the two
 * rules for what leaves (unknown errors become 500 INTERNAL; text passes `redactSecrets`).
 * Wire format and why: docs/http.md.
 */
import type { Context, Hono } from 'hono';
import { METHOD_NAME_ALL } from 'hono/router';
import { HTTPException } from 'hono/http-exception';
import { randomUUID } from 'node:crypto';

/** Every error code the API uses, with its HTTP status. Clients switch on `code`, not on text. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  /** A facade (`/s3/multipart`) upload id this service did not issue, or one that was altered. */
  UPLOAD_ID_INVALID: 400,
  UNAUTHENTICATED: 401,
  TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  CALLBACK_SIGNATURE_INVALID: 403,
  /** Unknown route. Not in the original list; routing needs a 404 that is not about uploads. */
  NOT_FOUND: 404,
  /** A known path asked with a method it does not take; `Allow` lists those it does. */
  METHOD_NOT_ALLOWED: 405,
  UPLOAD_NOT_FOUND: 404,
  CONFLICT: 409,
  /** A facade upload past its expiry (UPLOAD_TOKEN_TTL_SECONDS): start it again. */
  UPLOAD_EXPIRED: 410,
  INCOMPLETE_UPLOAD: 409,
  /** The request body itself is over MAX_BODY_BYTES. */
  PAYLOAD_TOO_LARGE: 413,
  /** The declared file size is over the MAX_FILE_SIZE policy. */
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_UPLOADS: 429,
  INTERNAL: 500,
  MISCONFIGURED: 500,
  OSS_ERROR: 502,
  /**
   * OSS stored the object but reported a CRC-64 that does not match the combined CRC-64 of its
   * parts. The object is kept (nothing is deleted on a suspicion); the caller decides.
   */
  INTEGRITY_MISMATCH: 502,
  /**
   * The identity provider's JWKS could not be fetched. Not in the original list: answering 401
   * would tell a client its (possibly valid) token is bad and make it log the user out.
   */
  AUTH_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Safe, client-facing extra facts (e.g. `{field: 'size'}`). Never put secrets here. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** `HttpError` with the status taken from `ERROR_CODES`, so code and status cannot disagree. */
export function httpError(code: ErrorCode, message: string, details?: Record<string, unknown>): HttpError {
  if (code === 'VALIDATION_FAILED' && !Array.isArray(details?.problems)) {
    const field = typeof details?.field === 'string' ? details.field : '';
    return validationFailed([{ field, message }], details);
  }
  return new HttpError(ERROR_CODES[code], code, message, details);
}

/** One problem with the input: `field` is a path like `parts[3].etag` ('' for the input as a whole). */
export interface Problem {
  field: string;
  /** A sentence that names the field, e.g. `size must be an integer`. */
  message: string;
}

/**
 * 400 `VALIDATION_FAILED` listing every problem: the message joins them, `details.problems` lists
 * them, and `details.field` names the first (what clients written for one problem read).
 */
export function validationFailed(problems: Problem[], extra?: Record<string, unknown>): HttpError {
  const message = problems.map((p) => p.message).join('; ');
  return new HttpError(400, 'VALIDATION_FAILED', message, { ...extra, field: problems[0]?.field ?? '', problems });
}

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
  message: string;
}

export function errorBody(
  code: string,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorBody {
  const safe = redactSecrets(message);
  const error: ErrorBody['error'] = { code, message: safe, requestId };
  // Details can echo the client's own keys (a field path): masked like the message.
  if (details && Object.keys(details).length > 0) error.details = redactDeep(details) as Record<string, unknown>;
  return { error, message: safe };
}

function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  return value;
}

// Things that must never reach a client or a log line. Each pattern keeps the name and masks the value.
const REDACTIONS: Array<[RegExp, string]> = [
  // Presigned URL query parameters (V1, V4 and STS) and their header twins.
  [/((?:x-oss-signature|signature|x-oss-security-token|security-token|x-oss-credential|ossaccesskeyid|accesskeysecret|access_key_secret|secret)["']?\s*[=:]\s*["']?)[^&\s"',;]+/gi, '$1[REDACTED]'],
  // Authorization header values: "OSS4-HMAC-SHA256 Credential=…", "OSS ak:sig", "Bearer …".
  [/\b(authorization["']?\s*[=:]\s*["']?)[^"'\n]+/gi, '$1[REDACTED]'],
  // (16+ characters: real tokens are long, and prose like "a Bearer token" stays readable.)
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/g, '$1[REDACTED]'],
  [/\b(OSS4-HMAC-SHA256\s+)[^"'\n]+/g, '$1[REDACTED]'],
  // Anything shaped like a JWT (three base64url segments, the first a JSON header).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED_JWT]'],
  // PEM private keys.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[REDACTED_PRIVATE_KEY]'],
];

/** Masks signatures, tokens, credentials and private keys in free text. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of REDACTIONS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * The request id of this invocation: FC's `context.requestId` when running on FC (so a client's
 * report can be matched with FC logs), else a generated UUID. Cached on the context so every
 * caller in one request sees the same id.
 */
export function requestIdOf(c: Context): string {
  const cached = c.get('requestId') as unknown;
  if (typeof cached === 'string' && cached) return cached;
  const fromFc = (c.env as { context?: { requestId?: unknown } } | undefined)?.context?.requestId;
  const id = typeof fromFc === 'string' && fromFc ? fromFc : randomUUID();
  c.set('requestId', id);
  return id;
}

/** Maps anything thrown to `{status, code, message, details}` that is safe to send. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  // Duck-typed so this module does not import shared/config/ (which imports this module).
  if (err instanceof Error && err.name === 'ConfigError') {
    return httpError('MISCONFIGURED', `The service is misconfigured: ${err.message}`);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = CODE_FOR_HONO_STATUS[status];
    if (code) return new HttpError(status, code, err.message || code);
  }
  // OSS failures become API errors here and only here: the upload service lets them rise untouched.
  if (err instanceof Error && err.name.startsWith('Oss')) return fromOss(err);
  return httpError('INTERNAL', 'Internal error');
}

/**
 * An OSS or transport failure (shared/oss/errors.ts, duck-typed so every function does not load
 * the OSS client) as what a caller can act on: 404 upload gone, 409 conflict or refused parts,
 * 502 OSS failed; OSS's code and request id as details.
 */
function fromOss(err: Error): HttpError {
  if (err.name !== 'OssError') return httpError('OSS_ERROR', 'OSS could not be reached.', { reason: err.name });
  const { code, status, requestId } = err as Error & { code: string; status: number; requestId: string };
  const details = { ossCode: code, ossRequestId: requestId };
  switch (code) {
    case 'NoSuchUpload':
      return httpError('UPLOAD_NOT_FOUND', 'The upload no longer exists in OSS (completed, aborted or swept).', details);
    case 'FileAlreadyExists':
      return httpError('CONFLICT', 'An object already exists at this key.', details);
    case 'InvalidPart':
    case 'InvalidPartOrder':
    case 'EntityTooSmall':
      return httpError('INCOMPLETE_UPLOAD', `OSS refused the parts: ${code}.`, details);
    default:
      return httpError('OSS_ERROR', `OSS answered ${status} ${code}.`, details);
  }
}

// Statuses Hono's own middleware may throw, mapped to our codes. Anything else becomes INTERNAL.
const CODE_FOR_HONO_STATUS: Record<number, ErrorCode | undefined> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_UPLOADS',
};

/** A JSON error response outside a function's Hono app (the local stack's dispatch), with a fresh request id. */
export function jsonErrorResponse(status: number, code: string, message: string): Response {
  const requestId = randomUUID();
  return Response.json(errorBody(code, message, requestId), { status, headers: { 'x-request-id': requestId } });
}

/** The JSON error response for `err`, with the `x-request-id` header. */
export function errorResponse(c: Context, err: unknown): Response {
  const requestId = requestIdOf(c);
  const httpErr = toHttpError(err);
  if (httpErr.status >= 500) logError(requestId, err, httpErr);
  c.header('x-request-id', requestId);
  return c.json(errorBody(httpErr.code, httpErr.message, requestId, httpErr.details), httpErr.status as 500);
}

/**
 * Sets a header on `c.res`. A Response from `fetch()` has immutable headers; such a response is
 * copied first (headers and body stream move over, nothing is buffered).
 */
export function setResponseHeader(c: Context, name: string, value: string, append = false): void {
  const apply = (headers: Headers) => (append ? headers.append(name, value) : headers.set(name, value));
  try {
    apply(c.res.headers);
  } catch {
    // Hono's `res` setter copies the response (and merges the old headers into the copy), so
    // assign first and mutate afterwards: mutating before would be overwritten by that merge.
    c.res = new Response(c.res.body, c.res);
    apply(c.res.headers);
  }
}

/** One JSON line on stderr (FC collects it into the function's log). Redacted. */
function logError(requestId: string, err: unknown, mapped: HttpError): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const line = {
    level: 'error',
    requestId,
    code: mapped.code,
    status: mapped.status,
    error: e.name,
    message: redactSecrets(e.message),
    stack: e.stack ? redactSecrets(e.stack) : undefined,
  };
  console.error(JSON.stringify(line));
}

/**
 * The methods `app`'s routes answer on `path` (HEAD with GET, as Hono serves it, and OPTIONS,
 * which a function always answers); empty when no route matches the path. Middleware
 * (`app.use`, method ALL) does not count.
 */
export function allowedMethods(app: Hono<any, any, any>, path: string): string[] {
  const allowed = new Set<string>();
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    const [matches] = app.router.match(method, path);
    if (matches.some(([[, route]]) => route.method !== METHOD_NAME_ALL)) allowed.add(method);
  }
  if (allowed.size === 0) return [];
  if (allowed.has('GET')) allowed.add('HEAD');
  allowed.add('OPTIONS');
  return [...allowed].sort();
}

/**
 * What `app` answers when no route took the request: 405 `METHOD_NOT_ALLOWED` with `Allow` when
 * the path is served with other methods (204 with `Allow` for a plain OPTIONS: RFC 9110 §9.3.7;
 * CORS preflights are answered before routing), else 404 `NOT_FOUND`.
 */
export function routeMiss(app: Hono<any, any, any>, c: Context): Response {
  const path = c.req.path;
  const allow = allowedMethods(app, path);
  if (allow.length === 0) return errorResponse(c, httpError('NOT_FOUND', `No route for ${c.req.method} ${path.slice(0, 200)}`));
  c.header('allow', allow.join(', '));
  if (c.req.method === 'OPTIONS') {
    c.header('x-request-id', requestIdOf(c));
    return c.body(null, 204);
  }
  return errorResponse(c, httpError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${path.slice(0, 200)}; it takes ${allow.join(', ')}`));
}

/**
 * Installs, on `app`:
 *  - a middleware that fixes the request id and puts it in `x-request-id` on every response;
 *  - `onError`, mapping `HttpError` to its status and anything else to 500 `INTERNAL`;
 *  - `notFound`: `routeMiss`, a JSON 405 with `Allow` for a known path, else a JSON 404.
 * Call it before registering routes: Hono runs middleware in registration order.
 */
export function installErrorHandling<A extends Hono<any, any, any>>(app: A): A {
  app.use('*', async (c, next) => {
    const id = requestIdOf(c);
    await next();
    // Set after `next` so responses built directly with `new Response` get it too.
    if (!c.res.headers.has('x-request-id')) setResponseHeader(c, 'x-request-id', id);
  });
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => routeMiss(app, c));
  return app;
}

/**
 * Errors of the OSS client.
 *
 * - `OssError`: OSS answered with an error status. Built from the `<Error>` XML body, from the
 *   base64 `x-oss-err` header (HEAD has no body), or synthesised from the status when neither is
 *   there. Keeps code, status, request id, EC and host id. On SignatureDoesNotMatch it also keeps
 *   OSS's StringToSign (and ours, `clientStringToSign`) so a signing mismatch can be diagnosed.
 * - `OssNetworkError`: the request failed below HTTP (refused, reset, dropped, DNS…);
 *   `OssTimeoutError` (a subclass): the per-request timeout fired.
 * - `OssProtocolError` (./protocol-error.ts, re-exported here): OSS (or something pretending to
 *   be it) answered 2xx with a body we could not understand.
 *
 * Secrets: messages never contain the Authorization header, signatures, secrets or security
 * tokens. Fields that can contain them (StringToSign holds the STS token in V1, CanonicalRequest
 * holds it in V4, SignatureProvided is a signature) are non-enumerable, so `console.log(err)` and
 * `JSON.stringify(err)` leave them out, and the client blanks the token and secret inside them.
 */
import { parseErrorFields } from './xml';

export { OssProtocolError } from './protocol-error';

export const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret (strings of 8+ characters) in `s`. */
export function redact(s: string, secrets: readonly (string | undefined)[] | undefined): string {
  if (!secrets) return s;
  let out = s;
  for (const secret of secrets) {
    if (secret && secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

const MAX_MESSAGE = 500;

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

/** Error fields that must stay out of messages and out of enumerable properties. */
const SENSITIVE_FIELDS = new Set([
  'StringToSign',
  'StringToSignBytes',
  'CanonicalRequest',
  'CanonicalRequestBytes',
  'SignatureProvided',
  'OSSAccessKeyId',
  'Authorization',
]);

function isSensitiveField(name: string): boolean {
  return SENSITIVE_FIELDS.has(name) || /signature|token|secret|authorization/i.test(name);
}

/** Error codes synthesised when OSS sent no error document. */
export function codeForStatus(status: number, method?: string): string {
  switch (status) {
    case 304:
      return 'NotModified';
    case 400:
      return 'BadRequest';
    case 403:
      return 'AccessDenied';
    case 404:
      // HEAD and GET on an object: the only common 404 without a body is a missing key.
      return method === 'HEAD' || method === 'GET' ? 'NoSuchKey' : 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 412:
      return 'PreconditionFailed';
    case 416:
      return 'InvalidRange';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 502:
      return 'BadGateway';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'GatewayTimeout';
    default:
      return status >= 500 ? 'InternalError' : `HttpStatus${status}`;
  }
}

export interface OssErrorInit {
  code: string;
  /** OSS's own message (already redacted by the caller, or redacted here via `secrets`). */
  ossMessage?: string;
  status: number;
  operation: string;
  requestId?: string;
  ec?: string;
  hostId?: string;
  method?: string;
  bucket?: string;
  key?: string;
  recommendDoc?: string;
  /** Other non-sensitive fields of the error document (ArgumentName, ArgumentValue, …). */
  details?: Record<string, string>;
  stringToSign?: string;
  stringToSignBytes?: string;
  canonicalRequest?: string;
  signatureProvided?: string;
  ossAccessKeyId?: string;
  /** What this client signed (StringToSign), for comparison with `stringToSign`. */
  clientStringToSign?: string;
  /** Whether the error document came from the body, the `x-oss-err` header, or nowhere. */
  source?: 'body' | 'header' | 'status';
  attempts?: number;
  secrets?: readonly (string | undefined)[];
}

function hidden(target: object, name: string, value: unknown): void {
  if (value === undefined) return;
  Object.defineProperty(target, name, { value, enumerable: false, writable: true, configurable: true });
}

export class OssError extends Error {
  override readonly name = 'OssError';
  /** OSS error code (`NoSuchUpload`, `SignatureDoesNotMatch`…), or one synthesised from the status. */
  readonly code: string;
  readonly status: number;
  /** `x-oss-request-id` ('' when the response had none). */
  readonly requestId: string;
  /** OSS's error number (`0026-00000001`), from `<EC>` or `x-oss-ec`. */
  readonly ec?: string;
  readonly hostId?: string;
  readonly operation: string;
  readonly method?: string;
  readonly bucket?: string;
  readonly key?: string;
  /** OSS's message, redacted. */
  readonly ossMessage: string;
  readonly recommendDoc?: string;
  readonly details: Record<string, string>;
  readonly source: 'body' | 'header' | 'status';
  /** Attempts made, this one included. */
  attempts: number;
  /**
   * Complete only: a NoSuchUpload (or FileAlreadyExists) that arrived on a RETRY, after an earlier
   * attempt's outcome was unknown (lost response, timeout, 5xx). The earlier attempt may well have
   * completed the upload: HEAD the object and compare size/CRC-64 before treating it as a failure.
   */
  maybeCompleted = false;

  // Non-enumerable (see the module comment). Declared for the type checker only.
  declare readonly stringToSign?: string;
  declare readonly stringToSignBytes?: string;
  declare readonly canonicalRequest?: string;
  declare readonly signatureProvided?: string;
  declare readonly ossAccessKeyId?: string;
  declare readonly clientStringToSign?: string;

  constructor(init: OssErrorInit) {
    const ossMessage = clip(redact(init.ossMessage ?? '', init.secrets));
    const where = [init.requestId ? `request id ${init.requestId}` : '', init.ec ? `ec ${init.ec}` : ''].filter(Boolean).join(', ');
    super(`OSS ${init.operation} failed: ${init.status} ${init.code}${ossMessage ? `: ${ossMessage}` : ''}${where ? ` (${where})` : ''}`);
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId ?? '';
    if (init.ec) this.ec = init.ec;
    if (init.hostId) this.hostId = init.hostId;
    this.operation = init.operation;
    if (init.method) this.method = init.method;
    if (init.bucket !== undefined) this.bucket = init.bucket;
    if (init.key !== undefined) this.key = init.key;
    this.ossMessage = ossMessage;
    if (init.recommendDoc) this.recommendDoc = init.recommendDoc;
    const details: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.details ?? {})) if (!isSensitiveField(k)) details[k] = clip(redact(v, init.secrets));
    this.details = details;
    this.source = init.source ?? 'status';
    this.attempts = init.attempts ?? 1;
    const scrub = (v: string | undefined) => (v === undefined ? undefined : redact(v, init.secrets));
    hidden(this, 'stringToSign', scrub(init.stringToSign));
    hidden(this, 'stringToSignBytes', init.stringToSignBytes);
    hidden(this, 'canonicalRequest', scrub(init.canonicalRequest));
    hidden(this, 'signatureProvided', init.signatureProvided);
    hidden(this, 'ossAccessKeyId', init.ossAccessKeyId);
    hidden(this, 'clientStringToSign', scrub(init.clientStringToSign));
  }

  /** 5xx and 429: worth retrying when the operation allows it. */
  get retryable(): boolean {
    return isRetryableStatus(this.status);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      message: this.message,
      requestId: this.requestId,
      ec: this.ec,
      hostId: this.hostId,
      operation: this.operation,
      attempts: this.attempts,
      maybeCompleted: this.maybeCompleted || undefined,
    };
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

export interface ResponseErrorContext {
  operation: string;
  method?: string;
  bucket?: string;
  key?: string;
  secrets?: readonly (string | undefined)[];
  clientStringToSign?: string;
  attempts?: number;
}

function decodeErrHeader(value: string | null): string | undefined {
  if (!value) return undefined;
  try {
    const s = Buffer.from(value.trim(), 'base64').toString('utf8');
    return s.includes('<Error') ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds an OssError from a response: the XML body, else the base64 `x-oss-err` header (HEAD),
 * else the status alone. `headers` is a fetch Headers (or anything with `get`).
 */
export function ossErrorFromResponse(
  status: number,
  headers: { get(name: string): string | null },
  body: string,
  ctx: ResponseErrorContext,
): OssError {
  let source: 'body' | 'header' | 'status' = 'status';
  let fields = parseErrorFields(body);
  if (fields) source = 'body';
  else {
    const fromHeader = decodeErrHeader(headers.get('x-oss-err'));
    fields = fromHeader ? parseErrorFields(fromHeader) : undefined;
    if (fields) source = 'header';
  }
  const f = fields ?? {};
  const pick = (name: string) => (f[name] !== undefined && f[name].trim() !== '' ? f[name].trim() : undefined);
  const requestId = headers.get('x-oss-request-id') ?? pick('RequestId') ?? '';
  const known = new Set(['Code', 'Message', 'RequestId', 'HostId', 'EC', 'RecommendDoc']);
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (!known.has(k)) details[k] = v;
  return new OssError({
    code: pick('Code') ?? codeForStatus(status, ctx.method),
    ossMessage: f['Message']?.trim() ?? (source === 'status' && body && !body.trimStart().startsWith('<') ? body.trim().slice(0, 200) : ''),
    status,
    operation: ctx.operation,
    requestId,
    ec: pick('EC') ?? headers.get('x-oss-ec') ?? undefined,
    hostId: pick('HostId'),
    method: ctx.method,
    bucket: ctx.bucket,
    key: ctx.key,
    recommendDoc: pick('RecommendDoc'),
    details,
    stringToSign: f['StringToSign'],
    stringToSignBytes: f['StringToSignBytes'],
    canonicalRequest: f['CanonicalRequest'],
    signatureProvided: f['SignatureProvided'],
    ossAccessKeyId: f['OSSAccessKeyId'],
    clientStringToSign: ctx.clientStringToSign,
    source,
    attempts: ctx.attempts,
    secrets: ctx.secrets,
  });
}

/** Transport-level failure: no HTTP response was received (or its body was cut off). */
export class OssNetworkError extends Error {
  override name = 'OssNetworkError';
  /** `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `ECONNECTTIMEOUT`, `RequestTimeout` (`UND_ERR_*` over the global fetch)… */
  readonly code: string;
  readonly operation: string;
  /**
   * False only when the failure happened before the request could have reached OSS (connection
   * refused, DNS failure, connect timeout). True means OSS may have received and executed it.
   */
  readonly mayHaveReachedServer: boolean;
  attempts: number;
  /** x-oss-request-id, when the headers arrived but the body was cut off. */
  requestId: string;

  constructor(init: { operation: string; code: string; detail?: string; mayHaveReachedServer: boolean; attempts?: number; requestId?: string; cause?: unknown }) {
    super(`OSS ${init.operation} failed: network error ${init.code}${init.detail ? `: ${clip(init.detail)}` : ''}`, { cause: init.cause });
    this.code = init.code;
    this.operation = init.operation;
    this.mayHaveReachedServer = init.mayHaveReachedServer;
    this.attempts = init.attempts ?? 1;
    this.requestId = init.requestId ?? '';
  }
}

export class OssTimeoutError extends OssNetworkError {
  override name = 'OssTimeoutError';
  readonly timeoutMs: number;

  constructor(init: { operation: string; timeoutMs: number; attempts?: number; requestId?: string; cause?: unknown }) {
    super({
      operation: init.operation,
      code: 'RequestTimeout',
      detail: `no complete response within ${init.timeoutMs} ms`,
      mayHaveReachedServer: true,
      attempts: init.attempts,
      requestId: init.requestId,
      cause: init.cause,
    });
    this.timeoutMs = init.timeoutMs;
  }
}

/** Codes of errors that happen before a request leaves this machine or reaches a server. */
const PRE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNECTTIMEOUT', // http-transport.ts: the TCP/TLS connection was never established
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

/** The most specific `code` and message along an error's `cause` chain (undici nests them). */
export function describeTransportError(e: unknown): { code: string; detail: string; mayHaveReachedServer: boolean } {
  let code: string | undefined;
  let detail = '';
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const err = cur as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof err.code === 'string') code = err.code;
    if (typeof err.message === 'string' && err.message) detail = err.message;
    // AggregateError (happy eyeballs): take the first.
    cur = err.cause ?? (Array.isArray(err.errors) ? err.errors[0] : undefined);
  }
  const c = code ?? 'NetworkError';
  return { code: c, detail, mayHaveReachedServer: !PRE_SEND_CODES.has(c) };
}

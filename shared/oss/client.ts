/**
 * The OSS client's pipeline: options, credentials, endpoints, and `invoke(spec)`, which signs
 * (V4 default, V1) every attempt, sends it over a `fetch`-shaped transport (default
 * `nodeHttpFetch`, http-transport.ts), retries, and turns a non-2xx answer into an `OssError`.
 * The operations are functions over it, grouped by what they do: multipart.ts, objects.ts,
 * presign.ts, paginators.ts. Which failures each operation retries: docs/oss.md "Retries".
 */
import { createHash } from 'node:crypto';
import { signHeader, type Credentials, type QueryPairs, type SignatureVersion } from './signer';
import { objectKeyProblem, objectUrl, resolveEndpoint, validateBucketName, type EndpointOptions, type ResolvedEndpoint } from './endpoint';
import { describeTransportError, OssNetworkError, OssProtocolError, OssTimeoutError, ossErrorFromResponse } from './errors';
import { backoffDelay, normalizeRetry, parseRetryAfter, sleep, type RetryOptions } from './retry';
import { nodeHttpFetch, type Transport, type TransportResponse, type ResponseHeaders } from './http-transport';

type CredentialsProvider = Credentials | (() => Credentials | Promise<Credentials>);

/** An endpoint given as a host/URL string (resolved with the client's region and path style), options, or resolved. */
export type EndpointLike = string | (Omit<EndpointOptions, 'region'> & { region?: string }) | ResolvedEndpoint;

export interface OssClientOptions {
  /** Bare region id (`cn-hangzhou`); a leading `oss-` is stripped. */
  region: string;
  bucket: string;
  /** Static credentials, or a provider called before every request attempt (STS rotation). */
  credentials: CredentialsProvider;
  /** Host or URL of the endpoint this client calls. Default `https://oss-<region>.aliyuncs.com`. */
  endpoint?: string;
  pathStyle?: boolean;
  cname?: boolean;
  internal?: boolean;
  accelerate?: boolean;
  /** Scheme for an `endpoint` without one. Default true. */
  secure?: boolean;
  /** Endpoint of presigned URLs (what browsers reach, `OSS_PUBLIC_ENDPOINT`). Default: the client's own. */
  publicEndpoint?: EndpointLike;
  signatureVersion?: SignatureVersion;
  /** Per attempt, headers and body included. Default 30 000 ms. */
  timeoutMs?: number;
  retries?: Partial<RetryOptions>;
  /** Transport; default `nodeHttpFetch` (node:http(s), http-transport.ts). The global `fetch` works too. */
  fetch?: typeof fetch | Transport;
  userAgent?: string;
  /** Jitter source (tests). Default Math.random. */
  random?: () => number;
  /** Clock for signing (tests). Default `new Date()`. */
  now?: () => Date;
}

export interface CallOptions {
  /** Cancels the call (no retry after it fires); the signal's reason is thrown. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
}

/**
 * `idempotent`: 5xx, 429 and network errors are retried. `initiate`: network errors only when the
 * request cannot have reached OSS (each success creates a new upload; docs/oss.md "Retries").
 */
type RetryPolicy = 'idempotent' | 'initiate';

/** One OSS request, as an operation describes it. */
export interface RequestSpec {
  operation: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  key?: string;
  query?: QueryPairs;
  headers?: Record<string, string>;
  body?: Uint8Array;
  retry: RetryPolicy;
  /** Error codes that, on a retry after an uncertain attempt, mean "an earlier attempt took effect". */
  maybeCompletedCodes?: readonly string[];
  call?: CallOptions;
}

export interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  body: Uint8Array;
  requestId: string;
  attempts: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_USER_AGENT = 'oss-upload-functions/0.1';

/** Object key rules (UTF-8, 1–1023 bytes, …): throws the error `objectKeyProblem` (endpoint.ts) names. */
export function validateObjectKey(key: string): string {
  const problem = objectKeyProblem(key);
  if (problem) throw problem;
  return key;
}

export function validateUploadId(uploadId: string): string {
  if (typeof uploadId !== 'string' || uploadId.trim() === '') throw new TypeError('uploadId must be a non-empty string');
  return uploadId;
}

// Header values we send are signed as UTF-8 but fetch sends them as Latin-1 bytes; above 0x7E the
// two differ and the signature breaks. So every value must be printable ASCII (or tab).
const HEADER_VALUE_OK = /^[\t\x20-\x7e]*$/;
const HEADER_NAME_OK = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME_OK.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || !HEADER_VALUE_OK.test(value)) {
      throw new TypeError(`header ${name} must be printable ASCII (encode non-ASCII values, e.g. RFC 5987 or percent-encoding)`);
    }
  }
}

/** `x-oss-meta-<name>` headers (names lower-cased) into `into`. */
export function metadataHeaders(metadata: Record<string, string> | undefined, into: Record<string, string>): void {
  if (!metadata) return;
  for (const [name, value] of Object.entries(metadata)) {
    const n = name.trim().toLowerCase();
    if (!n || !HEADER_NAME_OK.test(n)) throw new TypeError(`invalid metadata name ${JSON.stringify(name)}`);
    into[`x-oss-meta-${n}`] = String(value);
  }
}

export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/** A list's page size (`max-parts`, `max-uploads`, `max-keys`): OSS takes 1..1000. */
export function pushPageSize(query: QueryPairs, param: string, option: string, n: number | undefined): void {
  if (n === undefined) return;
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new RangeError(`${option} must be 1..1000`);
  query.push([param, String(n)]);
}

export function utf8(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

function isResolvedEndpoint(e: unknown): e is ResolvedEndpoint {
  return typeof e === 'object' && e !== null && 'style' in e && 'protocol' in e && 'basePath' in e;
}

export class OssClient {
  readonly region: string;
  readonly bucket: string;
  readonly endpoint: ResolvedEndpoint;
  readonly publicEndpoint: ResolvedEndpoint;
  readonly signatureVersion: SignatureVersion;
  readonly timeoutMs: number;
  readonly retries: RetryOptions;
  /** The signing clock. */
  readonly now: () => Date;
  private readonly credentialsProvider: CredentialsProvider;
  private readonly fetchImpl: Transport;
  private readonly userAgent: string;
  private readonly random: () => number;
  private readonly pathStyle?: boolean;

  constructor(opts: OssClientOptions) {
    this.bucket = validateBucketName(opts.bucket);
    this.endpoint = resolveEndpoint({
      region: opts.region,
      endpoint: opts.endpoint,
      internal: opts.internal,
      accelerate: opts.accelerate,
      pathStyle: opts.pathStyle,
      cname: opts.cname,
      secure: opts.secure,
    });
    this.region = this.endpoint.region;
    this.pathStyle = opts.pathStyle;
    this.publicEndpoint = opts.publicEndpoint === undefined ? this.endpoint : this.resolveEndpointLike(opts.publicEndpoint);
    const version = opts.signatureVersion ?? 'v4';
    if (version !== 'v4' && version !== 'v1') throw new TypeError(`signatureVersion must be v4 or v1, got ${String(version)}`);
    this.signatureVersion = version;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.retries = normalizeRetry(opts.retries);
    if (!opts.credentials) throw new TypeError('credentials are required');
    this.credentialsProvider = opts.credentials;
    // Default: node:http(s) rather than the global fetch, for cold starts (http-transport.ts).
    // (The cast: TS 5.9's BodyInit wants Uint8Array<ArrayBuffer>; fetch takes our bytes at run time.)
    this.fetchImpl = (opts.fetch as Transport | undefined) ?? nodeHttpFetch;
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => new Date());
  }

  /** `e` resolved, or the client's public endpoint when `e` is undefined. */
  publicEndpointOr(e: EndpointLike | undefined): ResolvedEndpoint {
    return e === undefined ? this.publicEndpoint : this.resolveEndpointLike(e);
  }

  private resolveEndpointLike(e: EndpointLike): ResolvedEndpoint {
    if (isResolvedEndpoint(e)) return e;
    if (typeof e === 'string') return resolveEndpoint({ region: this.region, endpoint: e, pathStyle: this.pathStyle });
    return resolveEndpoint({ ...e, region: e.region ?? this.region });
  }

  /** The credentials to sign with now (a provider is asked every time: STS rotation). */
  async credentials(): Promise<Credentials> {
    const c = typeof this.credentialsProvider === 'function' ? await this.credentialsProvider() : this.credentialsProvider;
    if (!c || typeof c.accessKeyId !== 'string' || !c.accessKeyId || typeof c.accessKeySecret !== 'string' || !c.accessKeySecret) {
      throw new TypeError('OSS credentials need a non-empty accessKeyId and accessKeySecret');
    }
    return c;
  }

  /**
   * Sends `spec` (signed afresh on every attempt, retried by its policy) and returns the 2xx answer,
   * read by `parse` when given; a `parse` failure becomes an OssProtocolError naming the request.
   */
  async invoke(spec: RequestSpec): Promise<RawResponse>;
  async invoke<T>(spec: RequestSpec, parse: (raw: RawResponse) => T): Promise<T>;
  async invoke<T>(spec: RequestSpec, parse?: (raw: RawResponse) => T): Promise<T | RawResponse> {
    const userSignal = spec.call?.signal;
    const timeoutMs = spec.call?.timeoutMs ?? this.timeoutMs;
    const query = spec.query ?? [];
    const url = objectUrl(this.endpoint, this.bucket, spec.key, query);
    // An earlier attempt may have taken effect (lost response, timeout, 5xx).
    let uncertain = false;

    for (let attempt = 0; ; attempt++) {
      const attempts = attempt + 1;
      userSignal?.throwIfAborted();
      const credentials = await this.credentials();
      const date = this.now();
      // Lower-case names, later wins: `Content-Type` and `content-type` must not both be sent
      // (fetch would join them with ", ", the signer with ",").
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
      // V1: a date the browser/fetch cannot overwrite, signed as both the Date line and an x-oss-* header.
      if (this.signatureVersion === 'v1') headers['x-oss-date'] = date.toUTCString();
      checkHeaders(headers);
      const signed = signHeader(
        this.signatureVersion,
        { method: spec.method, bucket: this.bucket, key: spec.key, query, headers },
        { credentials, region: this.region, date },
      );
      const signature = signed.authorization.replace(/^.*Signature=|^OSS [^:]*:/, '');
      const secrets = [credentials.accessKeySecret, credentials.securityToken, signature, signed.authorization];
      // identity: OSS gzips some text types on request, and a compressed HEAD/GET would lose the
      // object's Content-Length. Neither header is signed.
      const sendHeaders: Record<string, string> = { ...signed.headers, 'user-agent': this.userAgent, 'accept-encoding': 'identity' };

      const timeoutSignal = AbortSignal.timeout(timeoutMs);
      const signal = userSignal ? AbortSignal.any([userSignal, timeoutSignal]) : timeoutSignal;
      let res: TransportResponse | undefined;
      let body: Uint8Array;
      try {
        res = await this.fetchImpl(url, { method: spec.method, headers: sendHeaders, body: spec.body, signal, redirect: 'manual' });
        body = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        if (userSignal?.aborted) throw userSignal.reason;
        const requestId = res?.headers.get('x-oss-request-id') ?? '';
        let err: OssNetworkError;
        if (timeoutSignal.aborted) {
          err = new OssTimeoutError({ operation: spec.operation, timeoutMs, attempts, requestId, cause: e });
        } else {
          const d = describeTransportError(e);
          err = new OssNetworkError({
            operation: spec.operation,
            code: d.code,
            detail: d.detail,
            // Headers arrived: OSS certainly got the request.
            mayHaveReachedServer: d.mayHaveReachedServer || res !== undefined,
            attempts,
            requestId,
            cause: e,
          });
        }
        const retryable = spec.retry === 'idempotent' || !err.mayHaveReachedServer;
        if (!retryable || attempt >= this.retries.max) throw err;
        if (err.mayHaveReachedServer) uncertain = true;
        await sleep(backoffDelay(attempt, this.retries, this.random), userSignal);
        continue;
      }

      const requestId = res.headers.get('x-oss-request-id') ?? '';
      if (res.status >= 200 && res.status < 300) {
        const raw: RawResponse = { status: res.status, headers: res.headers, body, requestId, attempts };
        return parse ? parsed(raw, spec.operation, parse) : raw;
      }

      const err = ossErrorFromResponse(res.status, res.headers, utf8(body), {
        operation: spec.operation,
        method: spec.method,
        bucket: this.bucket,
        key: spec.key,
        secrets,
        clientStringToSign: signed.stringToSign,
        attempts,
      });
      if (uncertain && spec.maybeCompletedCodes?.includes(err.code)) err.maybeCompleted = true;
      if (!err.retryable || attempt >= this.retries.max) throw err;
      // 429 means throttled before execution; any other 5xx leaves the outcome open.
      if (res.status !== 429) uncertain = true;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      await sleep(backoffDelay(attempt, this.retries, this.random, retryAfter), userSignal);
    }
  }
}

/** `parse(raw)`, its OssProtocolError completed with the request's operation, status and id. */
function parsed<T>(raw: RawResponse, operation: string, parse: (raw: RawResponse) => T): T {
  try {
    return parse(raw);
  } catch (e) {
    if (e instanceof OssProtocolError) {
      e.operation ??= operation;
      e.status = raw.status;
      e.requestId = raw.requestId;
    }
    throw e;
  }
}

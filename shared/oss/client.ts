/**
 * A small OSS REST client for multipart uploads, over a `fetch`-shaped transport (default
 * `nodeHttpFetch`, node:http(s), see http-transport.ts; any `fetch` may be passed), header-signed with
 * V4 (default) or V1 on every attempt.
 *
 * Retry policy (jittered capped exponential backoff, see retry.ts; every attempt is re-signed with a
 * fresh date and freshly fetched credentials, so STS rotation is picked up):
 *
 * | operation                      | 5xx / 429 response | network error / timeout                     |
 * |--------------------------------|--------------------|---------------------------------------------|
 * | ListParts, ListMultipartUploads, ListObjectsV2, HeadObject, GetObject | retried | retried    |
 * | AbortMultipartUpload, PutObject, DeleteObject, CopyObject | retried | retried                    |
 * | CompleteMultipartUpload        | retried            | retried                                     |
 * | InitiateMultipartUpload        | retried            | retried ONLY if the request cannot have reached OSS (refused, DNS, connect timeout) |
 *
 * 4xx responses are never retried, except 429.
 *
 * Initiate is not idempotent: every successful call creates a new upload id. A network error or a
 * timeout after the request was sent may hide a response whose upload OSS did create; retrying
 * would create a second one, an orphan that counts against the caller's active-upload quota
 * (counted with ListMultipartUploads) until the sweeper aborts it. So those are not retried; the
 * caller sees an OssNetworkError and may retry at its own level. A 5xx or 429 RESPONSE is retried:
 * OSS answered with an error, so by its contract it did not create the upload. OSS does not
 * guarantee that for every 5xx; if it ever did create one, the result is the same orphan (an
 * empty upload, no stored bytes), which the sweeper removes. We accept that rare cost.
 *
 * Complete is retried on 5xx and network errors because OSS keeps processing a Complete after the
 * client goes away, and a second Complete of the same parts is harmless. If an earlier attempt's
 * outcome was unknown and a retry gets `NoSuchUpload` (or `FileAlreadyExists`), the earlier attempt
 * probably completed the upload: the OssError then has `maybeCompleted: true`, and the caller should
 * HEAD the object (size, CRC-64) to confirm. Abort treats `NoSuchUpload` on such a retry as success
 * (`alreadyAborted: true`).
 */
import { createHash } from 'node:crypto';
import {
  encodePath,
  encodeRfc3986,
  presign as presignQuery,
  signHeader,
  presignUploadPartsV4,
  toQueryPairs,
  type Credentials,
  type HeaderInput,
  type QueryInput,
  type QueryPairs,
  type SignatureVersion,
} from './signer';
import {
  objectKeyProblem,
  objectUrl,
  resolveEndpoint,
  validateBucketName,
  type EndpointOptions,
  type ResolvedEndpoint,
} from './endpoint';
import {
  buildCompleteBody,
  parseCompleteResult,
  parseCopyObjectResult,
  parseErrorFields,
  parseInitiateResult,
  parseListPartsResult,
  parseListObjectsV2Result,
  parseListUploadsResult,
  type CompletePart,
  type ListObjectsXmlPage,
  type ObjectSummary,
  type ListPartsXmlPage,
  type ListUploadsXmlPage,
  type MultipartUploadInfo,
  type PartInfo,
} from './xml';
import {
  describeTransportError,
  OssError,
  OssNetworkError,
  OssProtocolError,
  OssTimeoutError,
  ossErrorFromResponse,
} from './errors';
import { backoffDelay, normalizeRetry, parseRetryAfter, sleep, type RetryOptions } from './retry';
import { encodeCallbackParam, encodeCallbackVar, type CallbackParam } from './callback';
import { parseCrc64 } from './crc64';
import { signPostPolicy, type PostPolicyCondition } from './post-policy';
import { nodeHttpFetch, type Transport, type TransportResponse, type ResponseHeaders } from './http-transport';

export type { Credentials, SignatureVersion } from './signer';
export type { PartInfo, MultipartUploadInfo, CompletePart, ObjectSummary } from './xml';
export type { RetryOptions } from './retry';
export type { CallbackParam } from './callback';
export type { PostPolicyCondition } from './post-policy';

export type CredentialsProvider = Credentials | (() => Credentials | Promise<Credentials>);

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

export interface InitiateOptions extends CallOptions {
  contentType?: string;
  /** Becomes `x-oss-meta-<name>` (names lower-cased). Values must be printable ASCII: encode them yourself. */
  metadata?: Record<string, string>;
  forbidOverwrite?: boolean;
  storageClass?: 'Standard' | 'IA' | 'Archive' | 'ColdArchive' | 'DeepColdArchive' | (string & {});
  /** Becomes `x-oss-tagging: k1=v1&k2=v2`, URL-encoded. */
  tagging?: Record<string, string>;
  serverSideEncryption?: 'AES256' | 'KMS' | 'SM4' | (string & {});
  serverSideDataEncryption?: string;
  sseKeyId?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  /** Any other headers (signed like the rest when they are x-oss-*). */
  headers?: Record<string, string>;
}

export interface InitiateResult {
  bucket: string;
  key: string;
  uploadId: string;
  requestId: string;
}

export interface CompleteOptions extends CallOptions {
  /** The parts to assemble; sorted, de-duplicated and quoted here. Exclusive with `completeAll`. */
  parts?: readonly CompletePart[];
  /** `x-oss-complete-all: yes`: OSS assembles every uploaded part (empty body). */
  completeAll?: boolean;
  callback?: CallbackParam;
  /** `x-oss-callback-var`; keys `x:` + lower case. */
  callbackVar?: Record<string, string>;
  forbidOverwrite?: boolean;
  /** Any other headers (e.g. `x-oss-object-acl`). */
  headers?: Record<string, string>;
}

interface CompleteCommon {
  bucket: string;
  key: string;
  /** `x-oss-request-id` of the attempt that produced this result. */
  requestId: string;
  /** x-oss-hash-crc64ecma of the whole object, when every part had one. */
  crc64?: bigint;
  versionId?: string;
}

export type CompleteResult =
  | (CompleteCommon & { kind: 'completed'; etag: string; location: string })
  /** A callback was requested and succeeded: `callbackBody` is the callback server's JSON (raw text if not JSON). */
  | (CompleteCommon & { kind: 'callback'; etag: string; callbackBody: unknown })
  /** 203 CallbackFailed: the object IS stored and the upload is complete; only the callback failed. */
  | (CompleteCommon & { kind: 'callback-failed'; etag?: string; code: string; message: string; ec: string });

export interface ListPartsOptions extends CallOptions {
  /** 1..1000 (OSS default 1000). */
  maxParts?: number;
  partNumberMarker?: number;
}

export interface ListPartsPage extends ListPartsXmlPage {
  requestId: string;
}

export interface ListUploadsOptions extends CallOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  /** 1..1000 (OSS default 1000). */
  maxUploads?: number;
}

export interface ListUploadsPage extends ListUploadsXmlPage {
  requestId: string;
}

export interface AbortResult {
  requestId: string;
  /** A retry found the upload gone after an earlier attempt's outcome was unknown. */
  alreadyAborted?: boolean;
}

export interface ObjectInfo {
  size: number;
  /** As OSS sends it, quotes included. Opaque for multipart objects. */
  etag: string;
  contentType: string;
  crc64?: bigint;
  /** `Normal`, `Multipart`, `Appendable`, `Symlink`. */
  objectType: string;
  lastModified: Date;
  /** `x-oss-meta-*` headers, names without the prefix. */
  metadata: Record<string, string>;
  storageClass?: string;
  versionId?: string;
  requestId: string;
}

export interface PutObjectOptions extends CallOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  forbidOverwrite?: boolean;
  /** Send Content-MD5 of the body (OSS then rejects a corrupted upload). Default true. */
  contentMd5?: boolean;
  cacheControl?: string;
  contentDisposition?: string;
  headers?: Record<string, string>;
}

export interface PutObjectResult {
  etag: string;
  crc64?: bigint;
  versionId?: string;
  requestId: string;
}

export interface GetObjectOptions extends CallOptions {
  /** `bytes=0-99` */
  range?: string;
  /** Any other headers (e.g. `If-Match`). */
  headers?: Record<string, string>;
}

export interface GetObjectResult extends ObjectInfo {
  body: Uint8Array;
  status: number;
}

export interface CopyObjectOptions extends CallOptions {
  /** `x-oss-copy-source-if-match`: copy only this version of the source (412 otherwise). */
  ifMatch?: string;
  /** `COPY` (default): the source's Content-Type and x-oss-meta-*; `REPLACE`: the options' own. */
  metadataDirective?: 'COPY' | 'REPLACE';
  /** With REPLACE. */
  contentType?: string;
  /** With REPLACE. */
  metadata?: Record<string, string>;
  forbidOverwrite?: boolean;
  headers?: Record<string, string>;
}

export interface CopyObjectResult {
  etag: string;
  lastModified: Date;
  requestId: string;
}

export interface ListObjectsOptions extends CallOptions {
  prefix?: string;
  continuationToken?: string;
  /** 1..1000 (OSS default 100). */
  maxKeys?: number;
}

export interface ListObjectsPage extends ListObjectsXmlPage {
  requestId: string;
}

export interface PresignOptions {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  key?: string;
  query?: QueryInput;
  /** Headers the URL is signed for; the user agent must send exactly these. */
  headers?: Record<string, string>;
  /** Seconds (V4: 1..604800). */
  expires: number;
  /** Where the URL points. Default: `publicEndpoint`, else the client's endpoint. */
  endpoint?: EndpointLike;
  /** V4 only: extra header names to sign (e.g. `host`). */
  additionalHeaders?: string[];
}

export interface PresignedRequest {
  url: string;
  method: string;
  /** Headers the caller must send with the URL (they are signed). Never includes Content-Type. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignedPost {
  /** Where the form is POSTed: the bucket's URL. */
  url: string;
  /** Authentication fields (policy, signature, credential, date, token); add the conditioned ones. */
  fields: Record<string, string>;
  expiresAt: Date;
}

export interface PresignPartOptions {
  expires: number;
  /** base64 MD5 of the part; signed, so the browser must send exactly this Content-MD5. */
  contentMd5?: string;
  /** Where the URL points. Default: `publicEndpoint`, else the client's endpoint. */
  publicEndpoint?: EndpointLike;
}

type RetryPolicy = 'idempotent' | 'initiate';
type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

interface RequestSpec {
  operation: string;
  method: Method;
  key?: string;
  query?: QueryPairs;
  headers?: Record<string, string>;
  body?: Uint8Array;
  retry: RetryPolicy;
  /** Error codes that, on a retry after an uncertain attempt, mean "an earlier attempt took effect". */
  maybeCompletedCodes?: readonly string[];
  call?: CallOptions;
}

interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  body: Uint8Array;
  requestId: string;
  attempts: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_USER_AGENT = 'oss-upload-functions/0.1';
const CALLBACK_MAX_BYTES = 5 * 1024;

/** Object key rules (UTF-8, 1–1023 bytes, …): throws the error `objectKeyProblem` (endpoint.ts) names. */
export function validateObjectKey(key: string): string {
  const problem = objectKeyProblem(key);
  if (problem) throw problem;
  return key;
}

function validateUploadId(uploadId: string): string {
  if (typeof uploadId !== 'string' || uploadId.trim() === '') throw new TypeError('uploadId must be a non-empty string');
  return uploadId;
}

// Header values we send are signed as UTF-8 but fetch sends them as Latin-1 bytes; above 0x7E the
// two differ and the signature breaks. So every value must be printable ASCII (or tab).
const HEADER_VALUE_OK = /^[\t\x20-\x7e]*$/;
const HEADER_NAME_OK = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME_OK.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || !HEADER_VALUE_OK.test(value)) {
      throw new TypeError(`header ${name} must be printable ASCII (encode non-ASCII values, e.g. RFC 5987 or percent-encoding)`);
    }
  }
}

function metadataHeaders(metadata: Record<string, string> | undefined, into: Record<string, string>): void {
  if (!metadata) return;
  for (const [name, value] of Object.entries(metadata)) {
    const n = name.trim().toLowerCase();
    if (!n || !HEADER_NAME_OK.test(n)) throw new TypeError(`invalid metadata name ${JSON.stringify(name)}`);
    into[`x-oss-meta-${n}`] = String(value);
  }
}

function readMetadata(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.startsWith('x-oss-meta-')) out[name.slice('x-oss-meta-'.length)] = value;
  });
  return out;
}

function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

function utf8(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

function isResolvedEndpoint(e: unknown): e is ResolvedEndpoint {
  return typeof e === 'object' && e !== null && 'style' in e && 'protocol' in e && 'basePath' in e;
}

function validateCallback(cb: CallbackParam): CallbackParam {
  if (!cb || typeof cb.url !== 'string' || cb.url.trim() === '') throw new TypeError('callback.url is required');
  if (typeof cb.body !== 'string' || cb.body === '') throw new TypeError('callback.body is required');
  const urls = cb.url.split(';').map((u) => u.trim());
  if (urls.length > 5) throw new RangeError('callback.url holds at most 5 URLs separated by ";"');
  const normalised = urls.map((u) => {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new TypeError(`callback URL ${JSON.stringify(u)} is not a valid URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('callback URLs must be http or https');
    // `href` percent-encodes what must be (non-ASCII, spaces) without double-encoding escapes.
    return parsed.href;
  });
  if (cb.bodyType !== undefined && cb.bodyType !== 'application/json' && cb.bodyType !== 'application/x-www-form-urlencoded') {
    throw new TypeError('callback.bodyType must be application/json or application/x-www-form-urlencoded');
  }
  if (cb.sni !== undefined && typeof cb.sni !== 'boolean') throw new TypeError('callback.sni must be a boolean');
  return { ...cb, url: normalised.join(';') };
}

function validateCallbackVar(vars: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(vars)) {
    if (!/^x:[a-z0-9_-]+$/.test(k)) throw new TypeError(`callback variable ${JSON.stringify(k)} must be "x:" followed by lower-case letters, digits, _ or -`);
    if (typeof v !== 'string') throw new TypeError(`callback variable ${k} must be a string`);
  }
  return vars;
}

export class OssClient {
  readonly region: string;
  readonly bucket: string;
  readonly endpoint: ResolvedEndpoint;
  readonly publicEndpoint: ResolvedEndpoint;
  readonly signatureVersion: SignatureVersion;
  readonly timeoutMs: number;
  readonly retries: RetryOptions;
  private readonly credentials: CredentialsProvider;
  private readonly fetchImpl: Transport;
  private readonly userAgent: string;
  private readonly random: () => number;
  private readonly now: () => Date;
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
    this.credentials = opts.credentials;
    // Default: node:http(s) rather than the global fetch, for cold starts (http-transport.ts).
    // (The cast: TS 5.9's BodyInit wants Uint8Array<ArrayBuffer>; fetch takes our bytes at run time.)
    this.fetchImpl = (opts.fetch as Transport | undefined) ?? nodeHttpFetch;
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => new Date());
  }

  /** The URL of `key` (or of the bucket) on the client's endpoint. Query pairs raw. */
  url(key?: string, query?: QueryPairs): string {
    return objectUrl(this.endpoint, this.bucket, key, query);
  }

  private resolveEndpointLike(e: EndpointLike): ResolvedEndpoint {
    if (isResolvedEndpoint(e)) return e;
    if (typeof e === 'string') return resolveEndpoint({ region: this.region, endpoint: e, pathStyle: this.pathStyle });
    return resolveEndpoint({ ...e, region: e.region ?? this.region });
  }

  /** `e` resolved, or the client's public endpoint when `e` is undefined. */
  private publicEndpointOr(e: EndpointLike | undefined): ResolvedEndpoint {
    return e === undefined ? this.publicEndpoint : this.resolveEndpointLike(e);
  }

  private async resolveCredentials(): Promise<Credentials> {
    const c = typeof this.credentials === 'function' ? await this.credentials() : this.credentials;
    if (!c || typeof c.accessKeyId !== 'string' || !c.accessKeyId || typeof c.accessKeySecret !== 'string' || !c.accessKeySecret) {
      throw new TypeError('OSS credentials need a non-empty accessKeyId and accessKeySecret');
    }
    return c;
  }

  // -------------------------------------------------------------------------------------------
  // Transport

  private async send(spec: RequestSpec): Promise<RawResponse> {
    const userSignal = spec.call?.signal;
    const timeoutMs = spec.call?.timeoutMs ?? this.timeoutMs;
    const query = spec.query ?? [];
    const url = objectUrl(this.endpoint, this.bucket, spec.key, query);
    // An earlier attempt may have taken effect (lost response, timeout, 5xx).
    let uncertain = false;

    for (let attempt = 0; ; attempt++) {
      const attempts = attempt + 1;
      userSignal?.throwIfAborted();
      const credentials = await this.resolveCredentials();
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
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body, requestId, attempts };

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

  private protocolError(e: unknown, operation: string, raw: RawResponse): never {
    if (e instanceof OssProtocolError) {
      e.operation ??= operation;
      e.status = raw.status;
      e.requestId = raw.requestId;
    }
    throw e;
  }

  // -------------------------------------------------------------------------------------------
  // Multipart

  async initiateMultipartUpload(key: string, opts: InitiateOptions = {}): Promise<InitiateResult> {
    validateObjectKey(key);
    const headers: Record<string, string> = {};
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    if (opts.cacheControl) headers['Cache-Control'] = opts.cacheControl;
    if (opts.contentDisposition) headers['Content-Disposition'] = opts.contentDisposition;
    if (opts.contentEncoding) headers['Content-Encoding'] = opts.contentEncoding;
    metadataHeaders(opts.metadata, headers);
    if (opts.forbidOverwrite !== undefined) headers['x-oss-forbid-overwrite'] = String(opts.forbidOverwrite);
    if (opts.storageClass) headers['x-oss-storage-class'] = opts.storageClass;
    if (opts.tagging && Object.keys(opts.tagging).length > 0) headers['x-oss-tagging'] = toQueryStringForm(opts.tagging);
    if (opts.serverSideEncryption) headers['x-oss-server-side-encryption'] = opts.serverSideEncryption;
    if (opts.serverSideDataEncryption) headers['x-oss-server-side-data-encryption'] = opts.serverSideDataEncryption;
    if (opts.sseKeyId) headers['x-oss-server-side-encryption-key-id'] = opts.sseKeyId;
    Object.assign(headers, opts.headers ?? {});
    const op = 'InitiateMultipartUpload';
    const raw = await this.send({
      operation: op,
      method: 'POST',
      key,
      query: [['uploads', ''], ['encoding-type', 'url']],
      headers,
      retry: 'initiate',
      call: opts,
    });
    try {
      const r = parseInitiateResult(utf8(raw.body));
      return { bucket: r.bucket || this.bucket, key: r.key || key, uploadId: r.uploadId, requestId: raw.requestId };
    } catch (e) {
      this.protocolError(e, op, raw);
    }
  }

  async completeMultipartUpload(key: string, uploadId: string, opts: CompleteOptions = {}): Promise<CompleteResult> {
    validateObjectKey(key);
    validateUploadId(uploadId);
    const hasParts = opts.parts !== undefined;
    if (hasParts === !!opts.completeAll) throw new TypeError('completeMultipartUpload needs exactly one of parts or completeAll');
    const headers: Record<string, string> = {};
    let body: Uint8Array | undefined;
    if (opts.completeAll) {
      headers['x-oss-complete-all'] = 'yes';
    } else {
      body = Buffer.from(buildCompleteBody(opts.parts!), 'utf8');
      headers['Content-Type'] = 'application/xml';
      headers['Content-MD5'] = md5Base64(body);
    }
    if (opts.forbidOverwrite !== undefined) headers['x-oss-forbid-overwrite'] = String(opts.forbidOverwrite);
    if (opts.callback) {
      const json = encodeCallbackParam(validateCallback(opts.callback));
      if (Buffer.from(json, 'base64').length > CALLBACK_MAX_BYTES) throw new RangeError('callback parameter exceeds 5 KB');
      headers['x-oss-callback'] = json;
    }
    if (opts.callbackVar && Object.keys(opts.callbackVar).length > 0) {
      const v = encodeCallbackVar(validateCallbackVar(opts.callbackVar));
      if (Buffer.from(v, 'base64').length > CALLBACK_MAX_BYTES) throw new RangeError('callback variables exceed 5 KB');
      headers['x-oss-callback-var'] = v;
    }
    Object.assign(headers, opts.headers ?? {});
    const op = 'CompleteMultipartUpload';
    const raw = await this.send({
      operation: op,
      method: 'POST',
      key,
      query: [['uploadId', uploadId], ['encoding-type', 'url']],
      headers,
      body,
      retry: 'idempotent',
      maybeCompletedCodes: ['NoSuchUpload', 'FileAlreadyExists'],
      call: opts,
    });
    const common: CompleteCommon = { bucket: this.bucket, key, requestId: raw.requestId };
    const crc = parseCrc64(raw.headers.get('x-oss-hash-crc64ecma')?.trim());
    if (crc !== undefined) common.crc64 = crc;
    const versionId = raw.headers.get('x-oss-version-id');
    if (versionId) common.versionId = versionId;
    const headerEtag = raw.headers.get('etag') ?? undefined;
    const text = utf8(raw.body);

    if (raw.status === 203) {
      const f = parseErrorFields(text) ?? {};
      return {
        ...common,
        kind: 'callback-failed',
        ...(headerEtag ? { etag: headerEtag } : {}),
        code: f['Code']?.trim() || 'CallbackFailed',
        message: f['Message']?.trim() || (text.trimStart().startsWith('<') ? '' : text.trim().slice(0, 500)),
        ec: f['EC']?.trim() || raw.headers.get('x-oss-ec') || '',
      };
    }
    if (opts.callback) {
      let callbackBody: unknown = text;
      try {
        callbackBody = JSON.parse(text);
      } catch {
        // not JSON: keep the raw text
      }
      return { ...common, kind: 'callback', etag: headerEtag ?? '', callbackBody };
    }
    try {
      const r = parseCompleteResult(text);
      return { ...common, kind: 'completed', etag: r.etag || headerEtag || '', location: r.location, bucket: r.bucket || this.bucket, key: r.key || key };
    } catch (e) {
      this.protocolError(e, op, raw);
    }
  }

  async abortMultipartUpload(key: string, uploadId: string, opts: CallOptions = {}): Promise<AbortResult> {
    validateObjectKey(key);
    validateUploadId(uploadId);
    try {
      const raw = await this.send({
        operation: 'AbortMultipartUpload',
        method: 'DELETE',
        key,
        query: [['uploadId', uploadId]],
        retry: 'idempotent',
        maybeCompletedCodes: ['NoSuchUpload'],
        call: opts,
      });
      return { requestId: raw.requestId };
    } catch (e) {
      if (e instanceof OssError && e.maybeCompleted) return { requestId: e.requestId, alreadyAborted: true };
      throw e;
    }
  }

  async listParts(key: string, uploadId: string, opts: ListPartsOptions = {}): Promise<ListPartsPage> {
    validateObjectKey(key);
    validateUploadId(uploadId);
    const query: QueryPairs = [['uploadId', uploadId], ['encoding-type', 'url']];
    if (opts.maxParts !== undefined) {
      if (!Number.isInteger(opts.maxParts) || opts.maxParts < 1 || opts.maxParts > 1000) throw new RangeError('maxParts must be 1..1000');
      query.push(['max-parts', String(opts.maxParts)]);
    }
    if (opts.partNumberMarker !== undefined && opts.partNumberMarker > 0) {
      if (!Number.isInteger(opts.partNumberMarker)) throw new RangeError('partNumberMarker must be an integer');
      query.push(['part-number-marker', String(opts.partNumberMarker)]);
    }
    const op = 'ListParts';
    const raw = await this.send({ operation: op, method: 'GET', key, query, retry: 'idempotent', call: opts });
    try {
      return { ...parseListPartsResult(utf8(raw.body)), requestId: raw.requestId };
    } catch (e) {
      this.protocolError(e, op, raw);
    }
  }

  /** Every page of ListParts, following NextPartNumberMarker while IsTruncated. */
  async *listPartPages(key: string, uploadId: string, opts: ListPartsOptions = {}): AsyncGenerator<ListPartsPage, void, undefined> {
    let marker = opts.partNumberMarker ?? 0;
    for (;;) {
      const page = await this.listParts(key, uploadId, { ...opts, partNumberMarker: marker });
      yield page;
      if (!page.isTruncated) return;
      if (!(page.nextPartNumberMarker > marker)) {
        const err = new OssProtocolError(`ListParts: truncated page without an advancing NextPartNumberMarker (${page.nextPartNumberMarker})`);
        err.operation = 'ListParts';
        err.requestId = page.requestId;
        throw err;
      }
      marker = page.nextPartNumberMarker;
    }
  }

  /** Every uploaded part, in ascending part-number order, across all pages. */
  async *listAllParts(key: string, uploadId: string, opts: ListPartsOptions = {}): AsyncGenerator<PartInfo, void, undefined> {
    for await (const page of this.listPartPages(key, uploadId, opts)) yield* page.parts;
  }

  async listMultipartUploads(opts: ListUploadsOptions = {}): Promise<ListUploadsPage> {
    const query: QueryPairs = [['uploads', ''], ['encoding-type', 'url']];
    if (opts.prefix) query.push(['prefix', opts.prefix]);
    if (opts.delimiter) query.push(['delimiter', opts.delimiter]);
    if (opts.keyMarker) query.push(['key-marker', opts.keyMarker]);
    // OSS only honours upload-id-marker together with key-marker.
    if (opts.keyMarker && opts.uploadIdMarker) query.push(['upload-id-marker', opts.uploadIdMarker]);
    if (opts.maxUploads !== undefined) {
      if (!Number.isInteger(opts.maxUploads) || opts.maxUploads < 1 || opts.maxUploads > 1000) throw new RangeError('maxUploads must be 1..1000');
      query.push(['max-uploads', String(opts.maxUploads)]);
    }
    const op = 'ListMultipartUploads';
    const raw = await this.send({ operation: op, method: 'GET', query, retry: 'idempotent', call: opts });
    try {
      return { ...parseListUploadsResult(utf8(raw.body)), requestId: raw.requestId };
    } catch (e) {
      this.protocolError(e, op, raw);
    }
  }

  /** Every page of ListMultipartUploads, following NextKeyMarker/NextUploadIdMarker while IsTruncated. */
  async *listMultipartUploadPages(opts: ListUploadsOptions = {}): AsyncGenerator<ListUploadsPage, void, undefined> {
    let keyMarker = opts.keyMarker ?? '';
    let uploadIdMarker = opts.uploadIdMarker ?? '';
    for (;;) {
      const page = await this.listMultipartUploads({ ...opts, keyMarker, uploadIdMarker });
      yield page;
      if (!page.isTruncated) return;
      if (page.nextKeyMarker === keyMarker && page.nextUploadIdMarker === uploadIdMarker) {
        const err = new OssProtocolError('ListMultipartUploads: truncated page without advancing markers');
        err.operation = 'ListMultipartUploads';
        err.requestId = page.requestId;
        throw err;
      }
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker;
    }
  }

  /** Every in-progress multipart upload (under `prefix`), across all pages. Common prefixes are skipped. */
  async *iterateMultipartUploads(opts: ListUploadsOptions = {}): AsyncGenerator<MultipartUploadInfo, void, undefined> {
    for await (const page of this.listMultipartUploadPages(opts)) yield* page.uploads;
  }

  // -------------------------------------------------------------------------------------------
  // Objects

  /** Object metadata, or null when the object does not exist (404 NoSuchKey). */
  async headObject(key: string, opts: CallOptions = {}): Promise<ObjectInfo | null> {
    validateObjectKey(key);
    let raw: RawResponse;
    try {
      raw = await this.send({ operation: 'HeadObject', method: 'HEAD', key, retry: 'idempotent', call: opts });
    } catch (e) {
      if (e instanceof OssError && e.status === 404 && e.code === 'NoSuchKey') return null;
      throw e;
    }
    return objectInfo(raw, 'HeadObject');
  }

  async getObject(key: string, opts: GetObjectOptions = {}): Promise<GetObjectResult> {
    validateObjectKey(key);
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.range) headers['Range'] = opts.range;
    const raw = await this.send({ operation: 'GetObject', method: 'GET', key, headers, retry: 'idempotent', call: opts });
    return { ...objectInfo(raw, 'GetObject'), body: raw.body, status: raw.status };
  }

  /** A single-request upload (small objects: tests, tools). Retried: a PUT of the full body is idempotent. */
  async putObject(key: string, body: Uint8Array | string, opts: PutObjectOptions = {}): Promise<PutObjectResult> {
    validateObjectKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const headers: Record<string, string> = {};
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    if (opts.cacheControl) headers['Cache-Control'] = opts.cacheControl;
    if (opts.contentDisposition) headers['Content-Disposition'] = opts.contentDisposition;
    if (opts.contentMd5 !== false) headers['Content-MD5'] = md5Base64(bytes);
    metadataHeaders(opts.metadata, headers);
    if (opts.forbidOverwrite !== undefined) headers['x-oss-forbid-overwrite'] = String(opts.forbidOverwrite);
    Object.assign(headers, opts.headers ?? {});
    const raw = await this.send({
      operation: 'PutObject',
      method: 'PUT',
      key,
      headers,
      body: bytes,
      retry: 'idempotent',
      maybeCompletedCodes: ['FileAlreadyExists'],
      call: opts,
    });
    const r: PutObjectResult = { etag: raw.headers.get('etag') ?? '', requestId: raw.requestId };
    const crc = parseCrc64(raw.headers.get('x-oss-hash-crc64ecma')?.trim());
    if (crc !== undefined) r.crc64 = crc;
    const v = raw.headers.get('x-oss-version-id');
    if (v) r.versionId = v;
    return r;
  }

  async deleteObject(key: string, opts: CallOptions = {}): Promise<{ requestId: string }> {
    validateObjectKey(key);
    const raw = await this.send({ operation: 'DeleteObject', method: 'DELETE', key, retry: 'idempotent', call: opts });
    return { requestId: raw.requestId };
  }

  /**
   * CopyObject within this bucket (`x-oss-copy-source: /bucket/key`). Retried: a second copy of the
   * same source is the same object. Same-bucket copies have no size limit (docs/oss.md).
   */
  async copyObject(sourceKey: string, key: string, opts: CopyObjectOptions = {}): Promise<CopyObjectResult> {
    validateObjectKey(sourceKey);
    validateObjectKey(key);
    const headers: Record<string, string> = { 'x-oss-copy-source': `/${this.bucket}/${encodePath(sourceKey)}` };
    if (opts.ifMatch) headers['x-oss-copy-source-if-match'] = opts.ifMatch;
    if (opts.metadataDirective) headers['x-oss-metadata-directive'] = opts.metadataDirective;
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    metadataHeaders(opts.metadata, headers);
    if (opts.forbidOverwrite !== undefined) headers['x-oss-forbid-overwrite'] = String(opts.forbidOverwrite);
    Object.assign(headers, opts.headers ?? {});
    const op = 'CopyObject';
    const raw = await this.send({ operation: op, method: 'PUT', key, headers, retry: 'idempotent', call: opts });
    try {
      return { ...parseCopyObjectResult(utf8(raw.body)), requestId: raw.requestId };
    } catch (e) {
      this.protocolError(e, op, raw);
    }
  }

  /** One page of ListObjectsV2 (keys as OSS sends them: no encoding-type). */
  async listObjects(opts: ListObjectsOptions = {}): Promise<ListObjectsPage> {
    const query: QueryPairs = [['list-type', '2']];
    if (opts.prefix) query.push(['prefix', opts.prefix]);
    if (opts.continuationToken) query.push(['continuation-token', opts.continuationToken]);
    if (opts.maxKeys !== undefined) {
      if (!Number.isInteger(opts.maxKeys) || opts.maxKeys < 1 || opts.maxKeys > 1000) throw new RangeError('maxKeys must be 1..1000');
      query.push(['max-keys', String(opts.maxKeys)]);
    }
    const op = 'ListObjectsV2';
    const raw = await this.send({ operation: op, method: 'GET', query, retry: 'idempotent', call: opts });
    try {
      return { ...parseListObjectsV2Result(utf8(raw.body)), requestId: raw.requestId };
    } catch (e) {
      this.protocolError(e, op, raw);
    }
  }

  /** Every object under `prefix`, across all pages (ListObjectsV2). */
  async *iterateObjects(opts: ListObjectsOptions = {}): AsyncGenerator<ObjectSummary, void, undefined> {
    let token = opts.continuationToken ?? '';
    for (;;) {
      const page = await this.listObjects({ ...opts, continuationToken: token });
      yield* page.objects;
      if (!page.isTruncated) return;
      if (!page.nextContinuationToken || page.nextContinuationToken === token) {
        const err = new OssProtocolError('ListObjectsV2: truncated page without an advancing NextContinuationToken');
        err.operation = 'ListObjectsV2';
        err.requestId = page.requestId;
        throw err;
      }
      token = page.nextContinuationToken;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Presigning

  /**
   * A presigned URL with the configured signature version. The URL's host may differ from the
   * client's own (internal) endpoint: neither V1 nor V4 signs the host.
   */
  async presign(req: PresignOptions): Promise<PresignedRequest> {
    const credentials = await this.resolveCredentials();
    return this.presignWith(credentials, this.now(), req);
  }

  private presignWith(credentials: Credentials, date: Date, req: PresignOptions): PresignedRequest {
    if (req.key !== undefined) validateObjectKey(req.key);
    const headers = { ...(req.headers ?? {}) };
    checkHeaders(headers);
    const ep = this.publicEndpointOr(req.endpoint);
    const signed = presignQuery(
      this.signatureVersion,
      { method: req.method, bucket: this.bucket, key: req.key, query: toQueryPairs(req.query), headers: headers as HeaderInput },
      { credentials, region: this.region, date, expires: req.expires, additionalHeaders: req.additionalHeaders },
    );
    return { url: objectUrl(ep, this.bucket, req.key, signed.query), method: req.method, headers, expiresAt: signed.expiresAt };
  }

  /** The URL (and headers) a browser PUTs one part to. No Content-Type is signed: send none. */
  async presignUploadPart(key: string, uploadId: string, partNumber: number, opts: PresignPartOptions): Promise<PresignedRequest> {
    const [one] = await this.presignUploadParts(key, uploadId, [{ partNumber, contentMd5: opts.contentMd5 }], opts);
    return one;
  }

  /**
   * Many part URLs with one credentials lookup and one signing time. A part's `contentLength` is
   * signed on V4 (OSS then refuses a body of another length; docs/oss.md "Pinning a part's size");
   * V1 cannot sign it and ignores it.
   */
  async presignUploadParts(
    key: string,
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; contentMd5?: string; contentLength?: number }>,
    opts: Omit<PresignPartOptions, 'contentMd5'>,
  ): Promise<PresignedRequest[]> {
    validateObjectKey(key);
    validateUploadId(uploadId);
    for (const { partNumber, contentMd5, contentLength } of parts) {
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new RangeError(`part number ${partNumber} is outside 1..10000`);
      if (contentLength !== undefined && !(Number.isSafeInteger(contentLength) && contentLength >= 0)) throw new RangeError(`part ${partNumber}: contentLength must be a non-negative integer`);
      if (contentMd5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
        throw new TypeError(`part ${partNumber}: contentMd5 must be the base64 of a 16-byte MD5`);
      }
    }
    const credentials = await this.resolveCredentials();
    const date = this.now();
    if (this.signatureVersion === 'v4') {
      // The sign function's hot path: constant parts of every URL built once per batch.
      const ep = this.publicEndpointOr(opts.publicEndpoint);
      const signed = presignUploadPartsV4(
        { bucket: this.bucket, key, uploadId, parts, objectUrl: objectUrl(ep, this.bucket, key) },
        { credentials, region: this.region, date, expires: opts.expires },
      );
      return signed.parts.map((p, i): PresignedRequest => {
        const md5 = parts[i].contentMd5;
        return { url: p.url, method: 'PUT', headers: md5 === undefined ? {} : { 'Content-MD5': md5 }, expiresAt: signed.expiresAt };
      });
    }
    return parts.map(({ partNumber, contentMd5 }) => {
      const headers: Record<string, string> = contentMd5 === undefined ? {} : { 'Content-MD5': contentMd5 };
      return this.presignWith(credentials, date, {
        method: 'PUT',
        key,
        query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
        headers,
        expires: opts.expires,
        endpoint: opts.publicEndpoint,
      });
    });
  }

  /**
   * A PostObject (browser form upload) for `conditions`: the bucket's URL on the public endpoint
   * (no trailing slash; the form is POSTed there) and the fields that authenticate the policy
   * with this client's signature version and current credentials. See post-policy.ts.
   */
  async presignPostObject(opts: { conditions: PostPolicyCondition[]; expires: number; endpoint?: EndpointLike }): Promise<PresignedPost> {
    const credentials = await this.resolveCredentials();
    const ep = this.publicEndpointOr(opts.endpoint);
    const signed = signPostPolicy({
      version: this.signatureVersion,
      credentials,
      region: this.region,
      bucket: this.bucket,
      date: this.now(),
      expires: opts.expires,
      conditions: opts.conditions,
    });
    return { url: objectUrl(ep, this.bucket).replace(/\/+$/, ''), fields: signed.fields, expiresAt: signed.expiresAt };
  }
}

/** `k1=v1&k2=v2`, RFC 3986-encoded (x-oss-tagging). */
function toQueryStringForm(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`)
    .join('&');
}

function objectInfo(raw: RawResponse, operation: string): ObjectInfo {
  const h = raw.headers;
  const length = h.get('content-length');
  let size = raw.body.byteLength;
  if (operation === 'HeadObject') {
    if (length === null || !/^\d+$/.test(length.trim())) {
      const err = new OssProtocolError('HeadObject: response has no Content-Length');
      err.operation = operation;
      err.status = raw.status;
      err.requestId = raw.requestId;
      throw err;
    }
    size = Number(length);
  }
  const info: ObjectInfo = {
    size,
    etag: h.get('etag') ?? '',
    contentType: h.get('content-type') ?? '',
    objectType: h.get('x-oss-object-type') ?? '',
    lastModified: new Date(h.get('last-modified') ?? NaN),
    metadata: readMetadata(h),
    requestId: raw.requestId,
  };
  const crc = parseCrc64(h.get('x-oss-hash-crc64ecma')?.trim());
  if (crc !== undefined) info.crc64 = crc;
  const sc = h.get('x-oss-storage-class');
  if (sc) info.storageClass = sc;
  const v = h.get('x-oss-version-id');
  if (v) info.versionId = v;
  return info;
}

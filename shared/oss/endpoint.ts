/**
 * OSS endpoints: which host and path a request for (bucket, key) goes to.
 *
 * Styles:
 * - `virtual` (default): `https://<bucket>.<host>/<key>`, host = `oss-<region>.aliyuncs.com`,
 *   `oss-<region>-internal.aliyuncs.com`, `oss-accelerate.aliyuncs.com` or any custom host.
 * - `path`: `<scheme>://<host>/<bucket>/<key>`. For the local emulator (`http://127.0.0.1:9000`);
 *   chosen automatically when the host is an IP address (a bucket cannot be a sub-domain of one).
 * - `cname`: the host IS the bucket's domain: `https://files.example.com/<key>`.
 *
 * An endpoint may carry a base path (`http://127.0.0.1:8787/oss`): it is put in front of the
 * object path and is not part of the signature (neither V1 nor V4 signs the host or such a prefix;
 * both sign `/<bucket>/<key>`). The URL path of a key is `encodePath(key)`: RFC 3986, `/` kept.
 */
import { isIP } from 'node:net';
import { bareRegion, encodePath, toQueryString, type QueryPairs } from './signer';

type EndpointStyle = 'virtual' | 'path' | 'cname';

export interface EndpointOptions {
  /** Bare region id (`cn-hangzhou`); a leading `oss-` is stripped. */
  region: string;
  /**
   * A host (`oss-cn-hangzhou-internal.aliyuncs.com`, `files.example.com`) or a URL
   * (`http://127.0.0.1:9000`, `https://files.example.com/base`). Wins over `internal`/`accelerate`.
   */
  endpoint?: string;
  /** `oss-<region>-internal.aliyuncs.com` (same-region VPC traffic). Ignored when `endpoint` is set. */
  internal?: boolean;
  /** `oss-accelerate.aliyuncs.com` (transfer acceleration). Ignored when `endpoint` is set. */
  accelerate?: boolean;
  /** `<endpoint>/<bucket>/<key>`. Default: true for IP-address hosts, else false. */
  pathStyle?: boolean;
  /** `endpoint` is a domain bound to the bucket: path `/<key>`. Requires `endpoint`. */
  cname?: boolean;
  /** Scheme when `endpoint` has none. Default true (https). */
  secure?: boolean;
}

export interface ResolvedEndpoint {
  readonly region: string;
  readonly protocol: 'http:' | 'https:';
  /** `host` or `host:port`, without the bucket. */
  readonly host: string;
  /** Path prefix without a trailing slash (`''` or `/base`). */
  readonly basePath: string;
  readonly style: EndpointStyle;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** OSS bucket names: 3–63 characters, lower-case letters, digits and `-`, not starting or ending with `-`. */
export function validateBucketName(bucket: string): string {
  if (typeof bucket !== 'string' || !BUCKET_RE.test(bucket)) throw new TypeError(`invalid OSS bucket name ${JSON.stringify(bucket)}`);
  return bucket;
}

const REGION_RE = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

/** Bare, validated region id. */
export function normalizeRegion(region: string): string {
  const r = bareRegion(String(region ?? '').trim().toLowerCase());
  if (!REGION_RE.test(r)) throw new TypeError(`invalid OSS region ${JSON.stringify(region)}`);
  return r;
}

function regionalHost(region: string, opts: { internal?: boolean } = {}): string {
  const r = normalizeRegion(region);
  return opts.internal ? `oss-${r}-internal.aliyuncs.com` : `oss-${r}.aliyuncs.com`;
}

const ACCELERATE_HOST = 'oss-accelerate.aliyuncs.com';

function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i >= 0 ? host.slice(0, i) : host;
}

export function resolveEndpoint(opts: EndpointOptions): ResolvedEndpoint {
  const region = normalizeRegion(opts.region);
  const secure = opts.secure ?? true;
  let protocol: 'http:' | 'https:' = secure ? 'https:' : 'http:';
  let host: string;
  let basePath = '';

  if (opts.endpoint !== undefined && opts.endpoint.trim() !== '') {
    const raw = opts.endpoint.trim();
    const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
    let url: URL;
    try {
      url = new URL(hasScheme ? raw : `${protocol}//${raw}`);
    } catch {
      throw new TypeError(`invalid OSS endpoint ${JSON.stringify(raw)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`OSS endpoint must be http or https, got ${url.protocol}`);
    }
    if (url.username || url.password || url.search || url.hash) {
      throw new TypeError('OSS endpoint must not carry credentials, a query or a fragment');
    }
    protocol = url.protocol;
    host = url.host.toLowerCase();
    basePath = url.pathname.replace(/\/+$/, '');
  } else {
    if (opts.cname) throw new TypeError('cname needs an explicit endpoint (the bucket domain)');
    host = opts.accelerate ? ACCELERATE_HOST : regionalHost(region, { internal: opts.internal });
  }

  let style: EndpointStyle;
  if (opts.cname) style = 'cname';
  else if (opts.pathStyle ?? isIP(hostnameOf(host)) !== 0) style = 'path';
  else style = 'virtual';

  return Object.freeze({ region, protocol, host, basePath, style });
}

/**
 * How browser URLs address the bucket at `endpoint` (OSS_PUBLIC_ENDPOINT). A host outside
 * `*.aliyuncs.com` (and not an IP or localhost) is a custom domain bound to the bucket (CNAME):
 * `https://files.example.com/<key>`, the bucket implied by the domain. OSS endpoints get the
 * bucket as a subdomain; the emulator (`forcePathStyle`) gets it as the first path segment.
 */
export function publicEndpointOptions(endpoint: string, forcePathStyle: boolean): { endpoint: string; pathStyle?: boolean; cname?: boolean } {
  if (forcePathStyle) return { endpoint, pathStyle: true };
  const host = new URL(endpoint).hostname.toLowerCase();
  const isOssHost = host === 'aliyuncs.com' || host.endsWith('.aliyuncs.com');
  const isLocal = host === 'localhost' || host.endsWith('.localhost') || isIP(host.replace(/^\[|\]$/g, '')) !== 0;
  return isOssHost || isLocal ? { endpoint } : { endpoint, cname: true };
}

/** The host a request for `bucket` goes to (virtual style prefixes the bucket). */
export function bucketHost(ep: ResolvedEndpoint, bucket: string): string {
  if (ep.style !== 'virtual') return ep.host;
  // An endpoint that already names the bucket (`mybucket.oss-cn-hangzhou.aliyuncs.com`) is kept.
  if (ep.host.startsWith(`${bucket}.`)) return ep.host;
  return `${bucket}.${ep.host}`;
}

/** The URL path (already encoded) of `key` in `bucket`; `key` absent = the bucket itself. */
function objectPath(ep: ResolvedEndpoint, bucket: string, key?: string): string {
  const k = key ? encodePath(key) : '';
  return ep.style === 'path' ? `${ep.basePath}/${bucket}/${k}` : `${ep.basePath}/${k}`;
}

/** The full request URL. Query pairs are raw (unencoded); they are encoded with `toQueryString`. */
export function objectUrl(ep: ResolvedEndpoint, bucket: string, key?: string, query?: QueryPairs): string {
  const qs = query && query.length > 0 ? `?${toQueryString(query)}` : '';
  return `${ep.protocol}//${bucketHost(ep, bucket)}${objectPath(ep, bucket, key)}${qs}`;
}

/**
 * True when a `/`-separated segment of `key` is `.` or `..`. OSS allows such keys, but URL
 * parsing (fetch, WHATWG URL) collapses those segments, so they cannot be addressed by URL.
 */
export function hasDotSegment(key: string): boolean {
  return /(^|\/)\.\.?(\/|$)/.test(key);
}

/** The longest object key OSS accepts, in UTF-8 bytes. */
const MAX_OBJECT_KEY_BYTES = 1023;

/**
 * A lone (unpaired) UTF-16 surrogate: such a string has no UTF-8 form. Not global, so `test` keeps
 * no `lastIndex` state; derive a `g` copy (`new RegExp(LONE_SURROGATE.source, 'g')`) to replace.
 */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `key` cannot be an object key, or undefined when it can. Object key rules: UTF-8, 1–1023
 * bytes, valid UTF-16, not starting with `/` or `\`, no `.` or `..` segment. The OSS client throws
 * this error (`validateObjectKey`); upload tokens refuse such keys. Checks the type too, for JS callers.
 */
export function objectKeyProblem(key: string): Error | undefined {
  if (typeof key !== 'string' || key === '') return new TypeError('object key must be a non-empty string');
  if (Buffer.byteLength(key, 'utf8') > MAX_OBJECT_KEY_BYTES) return new RangeError(`object key is longer than ${MAX_OBJECT_KEY_BYTES} bytes`);
  if (key.startsWith('/') || key.startsWith('\\')) return new TypeError('object key must not start with "/" or "\\"');
  if (LONE_SURROGATE.test(key)) return new TypeError('object key is not valid UTF-16 (lone surrogate)');
  // OSS allows such keys, but URL parsing (fetch, WHATWG URL) collapses `.` and `..` segments
  // before the request is sent, so the key OSS would see is not the one signed.
  if (hasDotSegment(key)) return new TypeError('object key must not have "." or ".." path segments (a URL cannot carry them)');
  return undefined;
}

/**
 * OSS request signing: V4 (OSS4-HMAC-SHA256, the default) and V1 (HMAC-SHA1), each in header form
 * and presigned-URL form. Pure string building over Node's crypto: no I/O, no clock unless you
 * omit `date`. The emulator verifies with the same canonicalisation functions, and the official
 * ali-oss signer checks both in the differential tests (test/unit/signer-diff.test.ts).
 *
 * Canonicalisation, in short (the protocol notes in the README have the long form):
 * - V4 signs `/<bucket>/<key>` RFC 3986-encoded (keeping `/`), ALL query parameters encoded and
 *   sorted, and the headers content-type, content-md5, x-oss-* and any "additional" headers.
 * - V1 signs `/<bucket>/<key>` with the key RAW, only the sub-resource query parameters with RAW
 *   values, and the headers Content-MD5, Content-Type (by position) and x-oss-*.
 * Neither signs the host, so one signature works on public, internal, accelerate and CNAME hosts.
 *
 * Over 400 lines on purpose: both versions share the encoders, and the emulator, the `sign` CLI and
 * the signing-vector tests take each canonicalisation step from here, one module for all of them.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS security token; signed as `x-oss-security-token` (V4, V1 header) or `security-token` (V1 URL). */
  securityToken?: string;
}

/** Decoded query parameters in order; an empty value is a bare name (`uploads`). */
export type QueryPairs = Array<[string, string]>;
export type QueryInput = QueryPairs | Record<string, string | number | null | undefined>;
export type HeaderInput = Record<string, string | number | null | undefined>;

/** What the canonical forms are built from. Header names must already be lower-case. */
export interface CanonicalInput {
  method: string;
  bucket?: string;
  /** The object key, raw (unencoded) UTF-8. */
  key?: string;
  query: QueryPairs;
  headers: Record<string, string>;
}

export interface SignRequest {
  method: string;
  bucket?: string;
  key?: string;
  query?: QueryInput;
  headers?: HeaderInput;
}

export interface SignContext {
  credentials: Credentials;
  /** Bare region id (`cn-hangzhou`); a leading `oss-` is stripped. V1 ignores it. */
  region: string;
  /** Signing time; defaults to now. */
  date?: Date;
  /** V4 only: extra header names to sign (e.g. `host`). Absent and default-signed names are dropped. */
  additionalHeaders?: string[];
  /** V4 product; `oss` unless CloudBox. */
  product?: string;
}

export interface HeaderSignature {
  /** Every header to send: the request's own plus date, token, content-sha256 and Authorization. */
  headers: Record<string, string>;
  authorization: string;
  stringToSign: string;
  /** V4 only. */
  canonicalRequest?: string;
}

export interface PresignedQuery {
  /** The complete query for the URL, auth parameters and signature included. */
  query: QueryPairs;
  signature: string;
  stringToSign: string;
  /** V4 only. */
  canonicalRequest?: string;
  expiresAt: Date;
}

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const MAX_V4_EXPIRES = 604800;

// ---------------------------------------------------------------------------------------------
// Encoding and normalisation

const RFC3986_EXTRA = /[!'()*]/g;
const UNRESERVED_ONLY = /^[A-Za-z0-9._~-]*$/;

// Presigning a batch encodes the same credential and key over and over (canonical request and
// URL, every part): the last string that needed encoding, and the last path, are remembered.
let lastEncoded = { raw: '', encoded: '' };
let lastPath = { raw: '', encoded: '' };

/** RFC 3986 percent-encoding: only A–Z a–z 0–9 - . _ ~ stay; uppercase hex. */
export function encodeRfc3986(s: string): string {
  // Most names and values (partNumber, upload ids, dates, numbers) need no encoding at all.
  if (UNRESERVED_ONLY.test(s)) return s;
  if (s !== lastEncoded.raw) {
    lastEncoded = { raw: s, encoded: encodeURIComponent(s).replace(RFC3986_EXTRA, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) };
  }
  return lastEncoded.encoded;
}

/** Like encodeRfc3986 but keeps `/`: the form of an object key in a URL path. */
export function encodePath(s: string): string {
  if (s !== lastPath.raw) lastPath = { raw: s, encoded: encodeRfc3986(s).replace(/%2F/g, '/') };
  return lastPath.encoded;
}

export function toQueryPairs(query: QueryInput | undefined): QueryPairs {
  if (!query) return [];
  if (Array.isArray(query)) return query.map(([k, v]) => [k, v ?? '']);
  const pairs: QueryPairs = [];
  for (const [k, v] of Object.entries(query)) if (v !== undefined) pairs.push([k, v === null ? '' : String(v)]);
  return pairs;
}

/** Lower-cases names, trims values, joins case-variant duplicates with `,`, drops undefined. */
export function normalizeHeaders(headers: HeaderInput | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || raw === null) continue;
    const k = name.toLowerCase();
    const v = String(raw).trim();
    // Object.hasOwn, not `in`: a header named `constructor` is otherwise "already present" on {}.
    out[k] = Object.hasOwn(out, k) ? `${out[k]},${v}` : v;
  }
  return out;
}

/** Serialises query pairs for a URL, in the given order, the way the signature expects them. */
export function toQueryString(pairs: QueryPairs): string {
  let out = '';
  for (const [k, v] of pairs) {
    if (out !== '') out += '&';
    out += v === '' ? encodeRfc3986(k) : `${encodeRfc3986(k)}=${encodeRfc3986(v)}`;
  }
  return out;
}

// A batch signs every URL with one date: remember the last one formatted.
let lastIso = { time: NaN, basic: '' };

function isoBasic(date: Date): string {
  const time = date.getTime();
  if (time !== lastIso.time) {
    // 2023-12-16T16:20:57.000Z -> 20231216T162057Z
    lastIso = { time, basic: date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') };
  }
  return lastIso.basic;
}

export function bareRegion(region: string): string {
  return region.startsWith('oss-') ? region.slice(4) : region;
}

function hasHeader(headers: HeaderInput | undefined, lowerName: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lowerName && v != null) return String(v);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// V4 canonical forms

function isDefaultSignedV4(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');
}

/** Lower-cased, de-duplicated, sorted; drops default-signed names and names absent from `headers`. */
export function additionalHeadersV4(names: string[] | undefined, headers: Record<string, string>): string[] {
  if (!names || names.length === 0) return [];
  const set = new Set<string>();
  for (const n of names) {
    const k = n.trim().toLowerCase();
    if (k && !isDefaultSignedV4(k) && Object.hasOwn(headers, k)) set.add(k);
  }
  return [...set].sort();
}

export function canonicalUriV4(bucket: string | undefined, key: string | undefined): string {
  if (!bucket) return '/';
  return `/${bucket}/${key ? encodePath(key) : ''}`;
}

/** Orders encoded pairs by name, then value (byte order: the encoded forms are ASCII). */
function compareEncodedPairs(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export function canonicalQueryV4(query: QueryPairs): string {
  const enc: Array<[string, string]> = [];
  for (const [k, v] of query) enc.push([encodeRfc3986(k), encodeRfc3986(v)]);
  enc.sort(compareEncodedPairs);
  let out = '';
  for (const [k, v] of enc) {
    if (out !== '') out += '&';
    out += v === '' ? k : `${k}=${v}`;
  }
  return out;
}

export function canonicalHeadersV4(headers: Record<string, string>, additional: string[]): string {
  const names = Object.keys(headers).filter((n) => isDefaultSignedV4(n) || additional.includes(n));
  names.sort();
  let out = '';
  for (const n of names) out += `${n}:${headers[n].trim()}\n`;
  return out;
}

export function canonicalRequestV4(
  input: CanonicalInput & { additionalHeaders?: string[]; hashedPayload?: string },
): string {
  const additional = additionalHeadersV4(input.additionalHeaders, input.headers);
  const payload = input.hashedPayload ?? input.headers['x-oss-content-sha256'] ?? UNSIGNED_PAYLOAD;
  return (
    `${input.method.toUpperCase()}\n${canonicalUriV4(input.bucket, input.key)}\n${canonicalQueryV4(input.query)}\n` +
    `${canonicalHeadersV4(input.headers, additional)}\n${additional.join(';')}\n${payload}`
  );
}

export function scopeV4(day: string, region: string, product = 'oss'): string {
  return `${day}/${bareRegion(region)}/${product}/aliyun_v4_request`;
}

// One-shot `crypto.hash` (Node >= 20.12) skips the Hash object and stream set-up `createHash`
// costs on every short string; older Node falls back. (@types/node 20.9 does not declare it.)
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string, outputEncoding: 'hex') => string }).hash;

/** Hex SHA-256 of a string's UTF-8 bytes. */
export const sha256Hex: (s: string) => string = oneShotHash
  ? (s) => oneShotHash('sha256', s, 'hex')
  : (s) => createHash('sha256').update(s, 'utf8').digest('hex');

export function stringToSignV4(isoDateTime: string, scope: string, canonicalRequest: string): string {
  return `${V4_ALGORITHM}\n${isoDateTime}\n${scope}\n${sha256Hex(canonicalRequest)}`;
}

// Signing keys depend only on (secret, day, region, product): cache them, since a batch of 1000
// part URLs would otherwise derive the same key 1000 times (four HMACs each). The last one is
// kept aside so a batch does not even build the cache id per URL.
const signingKeys = new Map<string, Buffer>();
const SIGNING_KEY_CACHE_MAX = 64;
let lastSigningKey: { secret: string; day: string; region: string; product: string; key: Buffer } | undefined;

export function signingKeyV4(secret: string, day: string, region: string, product = 'oss'): Buffer {
  const last = lastSigningKey;
  if (last && last.secret === secret && last.day === day && last.region === region && last.product === product) return last.key;
  const id = `${day}\u0000${region}\u0000${product}\u0000${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    const k1 = createHmac('sha256', `aliyun_v4${secret}`).update(day).digest();
    const k2 = createHmac('sha256', k1).update(bareRegion(region)).digest();
    const k3 = createHmac('sha256', k2).update(product).digest();
    key = createHmac('sha256', k3).update('aliyun_v4_request').digest();
    if (signingKeys.size >= SIGNING_KEY_CACHE_MAX) signingKeys.clear();
    signingKeys.set(id, key);
  }
  lastSigningKey = { secret, day, region, product, key };
  return key;
}

export function signatureV4(secret: string, day: string, region: string, stringToSign: string, product = 'oss'): string {
  return createHmac('sha256', signingKeyV4(secret, day, region, product)).update(stringToSign, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// V1 canonical forms

/** Query parameters V1 signs; everything else (max-parts, prefix, encoding-type…) is ignored. */
export const V1_SUBRESOURCES: ReadonlySet<string> = new Set([
  'acl', 'bucketInfo', 'location', 'stat', 'delete', 'append', 'tagging', 'objectMeta', 'uploads',
  'uploadId', 'partNumber', 'security-token', 'position', 'response-content-type',
  'response-content-language', 'response-content-disposition', 'response-content-encoding',
  'response-expires', 'response-cache-control', 'restore', 'callback', 'callback-var', 'versions',
  'versioning', 'versionId', 'sequential', 'continuation-token', 'regionList', 'cloudboxes',
  'symlink', 'resourceGroup', 'cors', 'lifecycle', 'website', 'referer', 'logging', 'qos',
  'policy', 'encryption', 'worm', 'wormId', 'wormExtend', 'replication', 'inventory',
  'inventoryId', 'img', 'style', 'styleName', 'live', 'status', 'vod', 'startTime', 'endTime',
  'processConfiguration', 'comp', 'x-oss-process', 'x-oss-traffic-limit',
]);

export function isSubresourceV1(name: string): boolean {
  return V1_SUBRESOURCES.has(name) || name.startsWith('x-oss-');
}

export function canonicalResourceV1(bucket: string | undefined, key: string | undefined, query: QueryPairs): string {
  let resource = bucket ? `/${bucket}/${key ?? ''}` : '/';
  const subs = query.filter(([k]) => isSubresourceV1(k));
  if (subs.length > 0) {
    subs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    resource += '?' + subs.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  }
  return resource;
}

export function canonicalOssHeadersV1(headers: Record<string, string>): string {
  const names = Object.keys(headers).filter((n) => n.startsWith('x-oss-')).sort();
  let out = '';
  for (const n of names) out += `${n}:${headers[n].trim()}\n`;
  return out;
}

/** `date` is the Date line: the x-oss-date or Date header, or the Expires value of a presigned URL. */
export function stringToSignV1(input: CanonicalInput & { date: string }): string {
  const h = input.headers;
  return (
    `${input.method.toUpperCase()}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${input.date}\n` +
    canonicalOssHeadersV1(h) +
    canonicalResourceV1(input.bucket, input.key, input.query)
  );
}

export function signatureV1(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

// ---------------------------------------------------------------------------------------------
// High-level: header form and presigned form

/** V4 header signing. Adds x-oss-date, x-oss-content-sha256 and the STS token header. */
export function signHeaderV4(req: SignRequest, ctx: SignContext): HeaderSignature {
  const date = ctx.date ?? new Date();
  const dt = isoBasic(date);
  const day = dt.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) if (v != null) headers[k] = String(v);
  // Drop any caller-supplied copies of what we set, whatever their case.
  for (const k of Object.keys(headers)) {
    const l = k.toLowerCase();
    if (l === 'x-oss-date' || l === 'authorization' || (l === 'x-oss-security-token' && ctx.credentials.securityToken)) delete headers[k];
  }
  headers['x-oss-date'] = dt;
  if (!hasHeader(headers, 'x-oss-content-sha256')) headers['x-oss-content-sha256'] = UNSIGNED_PAYLOAD;
  if (ctx.credentials.securityToken) headers['x-oss-security-token'] = ctx.credentials.securityToken;

  const lower = normalizeHeaders(headers);
  const additional = additionalHeadersV4(ctx.additionalHeaders, lower);
  const scope = scopeV4(day, ctx.region, ctx.product);
  const canonicalRequest = canonicalRequestV4({
    method: req.method,
    bucket: req.bucket,
    key: req.key,
    query: toQueryPairs(req.query),
    headers: lower,
    additionalHeaders: additional,
  });
  const stringToSign = stringToSignV4(dt, scope, canonicalRequest);
  const signature = signatureV4(ctx.credentials.accessKeySecret, day, ctx.region, stringToSign, ctx.product);
  const authorization =
    `${V4_ALGORITHM} Credential=${ctx.credentials.accessKeyId}/${scope}` +
    (additional.length ? `,AdditionalHeaders=${additional.join(';')}` : '') +
    `,Signature=${signature}`;
  headers['Authorization'] = authorization;
  return { headers, authorization, stringToSign, canonicalRequest };
}

export interface UploadPartBatch {
  bucket: string;
  key: string;
  uploadId: string;
  /**
   * A Content-MD5 given for a part is signed, so the browser must send exactly that header. A
   * `contentLength` is signed too, as an additional header (`x-oss-additional-headers=content-length`):
   * OSS then refuses a body of any other length (docs/oss.md, "Pinning a part's size"). Browsers
   * set Content-Length themselves, from the body.
   */
  parts: ReadonlyArray<{ partNumber: number; contentMd5?: string; contentLength?: number }>;
  /** The object's URL without a query (`objectUrl(endpoint, bucket, key)`); the host is not signed. */
  objectUrl: string;
}

export interface PresignedPartUrl {
  url: string;
  signature: string;
}

/** A V4 presigned URL lives 1..604800 seconds (`MAX_V4_EXPIRES`). */
function assertV4Expires(expires: number): void {
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_V4_EXPIRES) {
    throw new RangeError(`V4 presign expires must be an integer from 1 to ${MAX_V4_EXPIRES} seconds`);
  }
}

/**
 * V4 presigned UploadPart URLs for many parts of one upload: for each part, exactly the URL that
 * `presignV4` + `objectUrl` would give (the differential test in signer-batch.test.ts holds it to
 * that), but with everything that does not depend on the part number built once per batch: the
 * canonical URI, the encoded upload id, credential and token, the scope, the signing key and
 * the URL around the signature. Per part that leaves two string concatenations, one SHA-256 and
 * one HMAC, which is what the sign function's 1000-URL batches spend their time on.
 */
export function presignUploadPartsV4(batch: UploadPartBatch, ctx: SignContext & { expires: number }): {
  parts: PresignedPartUrl[];
  expiresAt: Date;
} {
  assertV4Expires(ctx.expires);
  const date = ctx.date ?? new Date();
  const dt = isoBasic(date);
  const day = dt.slice(0, 8);
  const scope = scopeV4(day, ctx.region, ctx.product);
  const uploadId = encodeRfc3986(batch.uploadId);
  const credential = encodeRfc3986(`${ctx.credentials.accessKeyId}/${scope}`);
  const token = ctx.credentials.securityToken;
  const tokenParam = token ? `&x-oss-security-token=${encodeRfc3986(token)}` : '';

  // Canonical query in byte order: partNumber < uploadId < x-oss-additional-headers <
  // x-oss-credential < x-oss-date < x-oss-expires < x-oss-security-token <
  // x-oss-signature-version. URL query in presignV4's order. Each has a form with the
  // content-length additional header (`…Pinned`) and one without.
  const canonicalHead = `PUT\n${canonicalUriV4(batch.bucket, batch.key)}\npartNumber=`;
  const queryAfterAdditional = `&x-oss-credential=${credential}&x-oss-date=${dt}&x-oss-expires=${ctx.expires}${tokenParam}&x-oss-signature-version=${V4_ALGORITHM}\n`;
  const canonicalQueryTail = `&uploadId=${uploadId}${queryAfterAdditional}`;
  const canonicalQueryTailPinned = `&uploadId=${uploadId}&x-oss-additional-headers=content-length${queryAfterAdditional}`;
  const canonicalEnd = `\n\n${UNSIGNED_PAYLOAD}`;
  const canonicalEndPinned = `\ncontent-length\n${UNSIGNED_PAYLOAD}`;
  const stringToSignHead = `${V4_ALGORITHM}\n${dt}\n${scope}\n`;
  const urlHead = `${batch.objectUrl}?partNumber=`;
  const urlBeforeCredential = `&uploadId=${uploadId}&x-oss-signature-version=${V4_ALGORITHM}&x-oss-date=${dt}&x-oss-expires=${ctx.expires}&x-oss-credential=${credential}`;
  const urlTail = `${urlBeforeCredential}${tokenParam}&x-oss-signature=`;
  const urlTailPinned = `${urlBeforeCredential}&x-oss-additional-headers=content-length${tokenParam}&x-oss-signature=`;
  const key = signingKeyV4(ctx.credentials.accessKeySecret, day, ctx.region, ctx.product);

  const parts: PresignedPartUrl[] = new Array(batch.parts.length);
  for (let i = 0; i < batch.parts.length; i++) {
    const { partNumber, contentMd5, contentLength } = batch.parts[i];
    const pinned = contentLength !== undefined;
    if (pinned && !(Number.isSafeInteger(contentLength) && contentLength >= 0)) throw new RangeError(`part ${partNumber}: contentLength must be a non-negative integer`);
    // Canonical headers in name order: content-length < content-md5.
    const headers = (pinned ? `content-length:${contentLength}\n` : '') + (contentMd5 === undefined ? '' : `content-md5:${contentMd5.trim()}\n`);
    const canonicalRequest = canonicalHead + partNumber + (pinned ? canonicalQueryTailPinned : canonicalQueryTail) + headers + (pinned ? canonicalEndPinned : canonicalEnd);
    const signature = createHmac('sha256', key).update(stringToSignHead + sha256Hex(canonicalRequest), 'utf8').digest('hex');
    parts[i] = { url: urlHead + partNumber + (pinned ? urlTailPinned : urlTail) + signature, signature };
  }
  return { parts, expiresAt: new Date(date.getTime() + ctx.expires * 1000) };
}

/** V4 presigned URL query. `expires` is seconds after the signing time, 1..604800. */
export function presignV4(req: SignRequest, ctx: SignContext & { expires: number }): PresignedQuery {
  assertV4Expires(ctx.expires);
  const date = ctx.date ?? new Date();
  const dt = isoBasic(date);
  const day = dt.slice(0, 8);
  const lower = normalizeHeaders(req.headers);
  const additional = additionalHeadersV4(ctx.additionalHeaders, lower);
  const scope = scopeV4(day, ctx.region, ctx.product);
  const query = toQueryPairs(req.query).filter(([k]) => k !== 'x-oss-signature');
  query.push(
    ['x-oss-signature-version', V4_ALGORITHM],
    ['x-oss-date', dt],
    ['x-oss-expires', String(ctx.expires)],
    ['x-oss-credential', `${ctx.credentials.accessKeyId}/${scope}`],
  );
  if (additional.length) query.push(['x-oss-additional-headers', additional.join(';')]);
  if (ctx.credentials.securityToken) query.push(['x-oss-security-token', ctx.credentials.securityToken]);
  const canonicalRequest = canonicalRequestV4({
    method: req.method,
    bucket: req.bucket,
    key: req.key,
    query,
    headers: lower,
    additionalHeaders: additional,
    hashedPayload: UNSIGNED_PAYLOAD,
  });
  const stringToSign = stringToSignV4(dt, scope, canonicalRequest);
  const signature = signatureV4(ctx.credentials.accessKeySecret, day, ctx.region, stringToSign, ctx.product);
  query.push(['x-oss-signature', signature]);
  return { query, signature, stringToSign, canonicalRequest, expiresAt: new Date(date.getTime() + ctx.expires * 1000) };
}

/**
 * V1 header signing. The Date line is the x-oss-date header if given, else the Date header;
 * with neither, a `Date` header is added (Node's fetch sends it; browsers need x-oss-date).
 */
export function signHeaderV1(req: SignRequest, ctx: SignContext): HeaderSignature {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) if (v != null) headers[k] = String(v);
  for (const k of Object.keys(headers)) {
    const l = k.toLowerCase();
    if (l === 'authorization' || (l === 'x-oss-security-token' && ctx.credentials.securityToken)) delete headers[k];
  }
  if (ctx.credentials.securityToken) headers['x-oss-security-token'] = ctx.credentials.securityToken;
  let dateLine = hasHeader(headers, 'x-oss-date') ?? hasHeader(headers, 'date');
  if (dateLine === undefined) {
    dateLine = (ctx.date ?? new Date()).toUTCString();
    headers['Date'] = dateLine;
  }
  const stringToSign = stringToSignV1({
    method: req.method,
    bucket: req.bucket,
    key: req.key,
    query: toQueryPairs(req.query),
    headers: normalizeHeaders(headers),
    date: dateLine.trim(),
  });
  const authorization = `OSS ${ctx.credentials.accessKeyId}:${signatureV1(ctx.credentials.accessKeySecret, stringToSign)}`;
  headers['Authorization'] = authorization;
  return { headers, authorization, stringToSign };
}

/** V1 presigned URL query. `Expires` = signing time + `expires` seconds (absolute unix time). */
export function presignV1(req: SignRequest, ctx: SignContext & { expires: number }): PresignedQuery {
  if (!Number.isInteger(ctx.expires) || ctx.expires < 1) throw new RangeError('V1 presign expires must be a positive integer');
  const date = ctx.date ?? new Date();
  const expiresUnix = Math.floor(date.getTime() / 1000) + ctx.expires;
  const query = toQueryPairs(req.query).filter(([k]) => k !== 'OSSAccessKeyId' && k !== 'Expires' && k !== 'Signature');
  if (ctx.credentials.securityToken) query.push(['security-token', ctx.credentials.securityToken]);
  const stringToSign = stringToSignV1({
    method: req.method,
    bucket: req.bucket,
    key: req.key,
    query,
    headers: normalizeHeaders(req.headers),
    date: String(expiresUnix),
  });
  const signature = signatureV1(ctx.credentials.accessKeySecret, stringToSign);
  const full: QueryPairs = [
    ...query.filter(([k]) => k !== 'security-token'),
    ['OSSAccessKeyId', ctx.credentials.accessKeyId],
    ['Expires', String(expiresUnix)],
    ['Signature', signature],
  ];
  if (ctx.credentials.securityToken) full.push(['security-token', ctx.credentials.securityToken]);
  return { query: full, signature, stringToSign, expiresAt: new Date(expiresUnix * 1000) };
}

export type SignatureVersion = 'v4' | 'v1';

export function signHeader(version: SignatureVersion, req: SignRequest, ctx: SignContext): HeaderSignature {
  return version === 'v1' ? signHeaderV1(req, ctx) : signHeaderV4(req, ctx);
}

export function presign(version: SignatureVersion, req: SignRequest, ctx: SignContext & { expires: number }): PresignedQuery {
  return version === 'v1' ? presignV1(req, ctx) : presignV4(req, ctx);
}

/** Formats a date as V4's ISO 8601 basic form (`20231216T162057Z`). */
export { isoBasic as formatV4Date };

/**
 * Simple object operations: PutObject, GetObject (with Range), HeadObject, DeleteObject, plus the
 * header validation and response headers they share with the multipart operations.
 */
import { encodePath } from '../../shared/oss/signer';
import { parseCrc64 } from '../../shared/oss/crc64';
import { declaredLength, receiveBody, type ReceivedBody } from './body';
import { parseCallbackParams, type CallbackParams } from './callback';
import { EC, Errors, OssError } from './errors';
import { queryGet } from './request';
import type { ObjectRecord, StoredHeaders } from './storage';
import type { OpContext, OssResponse } from './types';

export const STORAGE_CLASSES = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];
const SSE_ALGORITHMS = ['AES256', 'KMS', 'SM4'];

/** Object keys: UTF-8, 1..1023 bytes, not starting with `/` or `\`. */
export function validateKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  const ec = bytes < 1 ? EC.OBJECT_NAME_EMPTY : bytes > 1023 ? EC.OBJECT_NAME_TOO_LONG : key.startsWith('/') || key.startsWith('\\') ? EC.OBJECT_NAME_LEADING_SLASH : undefined;
  if (ec) throw new OssError(400, 'InvalidObjectName', 'The specified object is not valid.', { ObjectName: key }, ec);
}

export function isTrue(v: string | undefined): boolean {
  return v !== undefined && v.toLowerCase() === 'true';
}

/** Reads and validates the headers an object keeps (Put, Initiate). */
export function storedHeadersFrom(ctx: OpContext, opts: { defaultContentType?: string } = {}): StoredHeaders {
  const h = ctx.req.headers;
  const storageClass = h['x-oss-storage-class'] ?? 'Standard';
  if (!STORAGE_CLASSES.includes(storageClass)) {
    throw Errors.invalidArgument(`Invalid storage class ${storageClass}.`, 'x-oss-storage-class', storageClass);
  }
  const sse: Record<string, string> = {};
  const alg = h['x-oss-server-side-encryption'];
  if (alg !== undefined) {
    if (!SSE_ALGORITHMS.includes(alg)) {
      throw new OssError(400, 'InvalidEncryptionAlgorithmError', 'The encryption request you specified is not valid. Supported value: AES256/KMS/SM4', { ArgumentName: 'x-oss-server-side-encryption', ArgumentValue: alg });
    }
    sse['x-oss-server-side-encryption'] = alg;
    const dataEnc = h['x-oss-server-side-data-encryption'];
    if (dataEnc !== undefined) {
      if (alg !== 'KMS' || dataEnc !== 'SM4') throw Errors.invalidArgument('x-oss-server-side-data-encryption is only valid as SM4 with KMS.', 'x-oss-server-side-data-encryption', dataEnc);
      sse['x-oss-server-side-data-encryption'] = dataEnc;
    }
    const keyId = h['x-oss-server-side-encryption-key-id'];
    if (keyId !== undefined) {
      if (alg !== 'KMS') throw Errors.invalidArgument('x-oss-server-side-encryption-key-id is only valid with KMS.', 'x-oss-server-side-encryption-key-id', keyId);
      sse['x-oss-server-side-encryption-key-id'] = keyId;
    }
  } else if (h['x-oss-server-side-data-encryption'] !== undefined || h['x-oss-server-side-encryption-key-id'] !== undefined) {
    throw Errors.invalidArgument('SSE options need x-oss-server-side-encryption.', 'x-oss-server-side-encryption');
  }
  const tagging = h['x-oss-tagging'];
  if (tagging !== undefined) validateTagging(tagging);
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) if (name.startsWith('x-oss-meta-')) meta[name] = value;
  const metaBytes = Object.entries(meta).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (metaBytes > 8 * 1024) throw Errors.invalidArgument('User metadata (x-oss-meta-*) must be at most 8 KB in total.', 'x-oss-meta-*');
  return {
    contentType: h['content-type'] || opts.defaultContentType || 'application/octet-stream',
    cacheControl: h['cache-control'],
    contentDisposition: h['content-disposition'],
    contentEncoding: h['content-encoding'],
    expires: h['expires'],
    meta,
    sse,
    storageClass,
    tagging,
  };
}

function validateTagging(tagging: string): void {
  const pairs = tagging === '' ? [] : tagging.split('&');
  const bad = (msg: string) => new OssError(400, 'InvalidTag', msg, { ArgumentName: 'x-oss-tagging', ArgumentValue: tagging });
  if (pairs.length > 10) throw bad('Object tags cannot be greater than 10.');
  const seen = new Set<string>();
  for (const p of pairs) {
    const eq = p.indexOf('=');
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent(eq === -1 ? p : p.slice(0, eq));
      v = decodeURIComponent(eq === -1 ? '' : p.slice(eq + 1));
    } catch {
      throw bad('The tag is not URL-encoded properly.');
    }
    if (k === '' || k.length > 128 || v.length > 256) throw bad('A tag key must be 1..128 characters and a value at most 256.');
    if (seen.has(k)) throw bad(`Duplicate tag key ${k}.`);
    seen.add(k);
  }
}

/** Base64 MD5 from the Content-MD5 header; InvalidDigest if it is not 16 bytes of base64. */
export function parseContentMd5(value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  const buf = /^[A-Za-z0-9+/]{22}==$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  if (!buf || buf.length !== 16) {
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', { 'Content-MD5': value }, EC.CONTENT_MD5_MALFORMED);
  }
  return buf;
}

/** Client-sent x-oss-hash-crc64ecma; InvalidArgument if it is not an unsigned 64-bit decimal. */
export function parseClientCrc(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const crc = parseCrc64(value);
  if (crc === undefined) throw Errors.invalidArgument('x-oss-hash-crc64ecma must be an unsigned 64-bit decimal.', 'x-oss-hash-crc64ecma', value);
  return crc;
}

/** Checks Content-MD5 and CRC-64 of a received body; frees the blob and throws on mismatch. */
export async function verifyDigests(ctx: OpContext, body: ReceivedBody, md5: Buffer | undefined, crc: bigint | undefined): Promise<void> {
  if (md5 && !md5.equals(body.md5)) {
    await ctx.core.storage.blobs.delete(body.blob.id);
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified did not match what we received.', {
      'Content-MD5': md5.toString('base64'),
      CalculatedContentMD5: body.md5.toString('base64'),
    });
  }
  if (crc !== undefined && crc !== body.crc64) {
    await ctx.core.storage.blobs.delete(body.blob.id);
    throw new OssError(400, 'InvalidCRC64', 'The CRC64 you specified did not match what we received.', {
      ClientCRC64: crc.toString(),
      ServerCRC64: body.crc64.toString(),
    });
  }
}

/** The object's public URL as OSS reports it in Location. */
export function objectLocation(ctx: OpContext): string {
  const host = ctx.req.host || 'localhost';
  return ctx.req.target.style === 'virtual'
    ? `http://${host}/${encodePath(ctx.key)}`
    : `http://${host}/${ctx.bucket}/${encodePath(ctx.key)}`;
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** The headers GET and HEAD return for an object. */
export function objectHeaders(rec: ObjectRecord): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': rec.contentType,
    ETag: rec.etag,
    'Last-Modified': httpDate(rec.lastModified),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': rec.objectType,
    'x-oss-storage-class': rec.storageClass,
  };
  if (rec.crc64 !== undefined) h['x-oss-hash-crc64ecma'] = rec.crc64;
  if (rec.contentMd5) h['Content-MD5'] = rec.contentMd5;
  if (rec.cacheControl) h['Cache-Control'] = rec.cacheControl;
  if (rec.contentDisposition) h['Content-Disposition'] = rec.contentDisposition;
  if (rec.contentEncoding) h['Content-Encoding'] = rec.contentEncoding;
  if (rec.expires) h['Expires'] = rec.expires;
  if (rec.tagging) h['x-oss-tagging-count'] = String(rec.tagging.split('&').filter(Boolean).length);
  Object.assign(h, rec.meta, rec.sse);
  return h;
}

/** Rechecks forbid-overwrite for a key; FileAlreadyExists if set and the object exists. */
export function checkForbidOverwrite(ctx: OpContext, forbid: boolean, ec?: string): void {
  if (forbid && ctx.core.storage.getObject(ctx.bucket, ctx.key)) {
    throw new OssError(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.', { Key: ctx.key }, ec);
  }
}

/** The record fields a single-request upload (PutObject, PostObject) takes from its received body. */
export function uploadedBodyFields(body: ReceivedBody): Pick<ObjectRecord, 'blob' | 'size' | 'etag' | 'crc64' | 'contentMd5' | 'lastModified' | 'objectType'> {
  return {
    blob: body.blob.id,
    size: body.size,
    etag: `"${body.md5.toString('hex').toUpperCase()}"`,
    crc64: body.crc64.toString(),
    contentMd5: body.md5.toString('base64'),
    lastModified: Date.now(),
    objectType: 'Normal',
  };
}

/**
 * Stores an object received in one request (PutObject, PostObject): forbid-overwrite is checked
 * again under the key lock, since another upload may have stored the key while this body
 * streamed in; when it refuses, the received blob is discarded so nothing is half-written.
 */
export async function storeUploadedObject(ctx: OpContext, rec: ObjectRecord, forbid: boolean, operation: 'PutObject' | 'PostObject'): Promise<void> {
  const { storage } = ctx.core;
  const previousSize = await storage.withKeyLock(rec.bucket, rec.key, async () => {
    try {
      checkForbidOverwrite(ctx, forbid);
    } catch (err) {
      await storage.blobs.delete(rec.blob);
      throw err;
    }
    const previous = storage.getObject(rec.bucket, rec.key)?.size ?? 0;
    await storage.putObject(rec);
    return previous;
  });
  notifyCreated(ctx, rec, operation, previousSize);
}

/** The OSS event notification for an object this request created (notifications.ts). */
export function notifyCreated(ctx: OpContext, rec: ObjectRecord, operation: string, previousSize: number): void {
  ctx.core.notifications.created({
    operation,
    bucket: rec.bucket,
    key: rec.key,
    etag: rec.etag,
    size: rec.size,
    previousSize,
    requestId: ctx.req.requestId,
    sourceIp: ctx.req.remoteAddress ?? '',
    principal: ctx.principal.accessKeyId ?? 'anonymous',
  });
}

// --- PutObject ---------------------------------------------------------------------------------

export async function putObject(ctx: OpContext): Promise<OssResponse> {
  const { req, core } = ctx;
  const headers = storedHeadersFrom(ctx);
  const forbid = isTrue(req.headers['x-oss-forbid-overwrite']);
  checkForbidOverwrite(ctx, forbid);
  const md5 = parseContentMd5(req.headers['content-md5']);
  const clientCrc = parseClientCrc(req.headers['x-oss-hash-crc64ecma']);
  const callback = parseCallbackParams(ctx);
  const body = await receiveBody(req, core.storage.blobs, { maxSize: core.limits.maxObjectSize });
  await verifyDigests(ctx, body, md5, clientCrc);
  const rec: ObjectRecord = { ...headers, bucket: ctx.bucket, key: ctx.key, ...uploadedBodyFields(body) };
  await storeUploadedObject(ctx, rec, forbid, 'PutObject');
  const resHeaders: Record<string, string> = {
    ETag: rec.etag,
    'Content-MD5': rec.contentMd5!,
    'x-oss-hash-crc64ecma': rec.crc64!,
    ...headers.sse,
  };
  if (callback) return core.callbacks.respond(ctx, callback, rec, resHeaders, 'PutObject');
  return { status: 200, headers: resHeaders };
}

// --- GetObject / HeadObject --------------------------------------------------------------------

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === etag || v.replace(/^W\//, '') === etag || `"${v.replace(/"/g, '')}"` === etag;
  });
}

/** If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since: 304 or 412. */
function checkConditions(ctx: OpContext, rec: ObjectRecord): OssResponse | undefined {
  const h = ctx.req.headers;
  const lastModifiedSec = Math.floor(rec.lastModified / 1000) * 1000;
  const failed = (name: string) => new OssError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.', { Condition: name });
  if (h['if-match'] !== undefined && !etagMatches(h['if-match'], rec.etag)) throw failed('If-Match');
  if (h['if-unmodified-since'] !== undefined) {
    const t = Date.parse(h['if-unmodified-since']);
    if (!Number.isNaN(t) && lastModifiedSec > t) throw failed('If-Unmodified-Since');
  }
  const notModified: OssResponse = { status: 304, headers: { ETag: rec.etag, 'Last-Modified': httpDate(rec.lastModified) } };
  if (h['if-none-match'] !== undefined) {
    if (etagMatches(h['if-none-match'], rec.etag)) return notModified;
  } else if (h['if-modified-since'] !== undefined) {
    const t = Date.parse(h['if-modified-since']);
    if (!Number.isNaN(t) && lastModifiedSec <= t) return notModified;
  }
  return undefined;
}

/**
 * What GetObject serves for a `Range` header (docs/oss.md, "Range requests"): a byte range, the
 * whole object, or 416. OSS supports one range. By default anything it cannot serve exactly (bad
 * syntax, a bound past the end, a suffix longer than the object) is ignored: 200, whole object;
 * of several ranges only the first counts. With `x-oss-range-behavior: standard` an end past the
 * object is cut to its size, and a start past it, an empty suffix or several ranges are 416.
 */
export function rangeFor(value: string | undefined, size: number, standard: boolean): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=([^,]*)(,.*)?$/.exec(value.trim());
  if (!m) return undefined;
  if (m[2] !== undefined && standard) return 'unsatisfiable';
  const r = /^\s*(\d*)-(\d*)\s*$/.exec(m[1]);
  if (!r || (r[1] === '' && r[2] === '')) return undefined;
  if (r[1] === '') {
    const n = Number(r[2]);
    if (n === 0 || size === 0) return standard ? 'unsatisfiable' : undefined;
    if (n > size) return standard ? { start: 0, end: size - 1 } : undefined;
    return { start: size - n, end: size - 1 };
  }
  const start = Number(r[1]);
  if (r[2] !== '' && Number(r[2]) < start) return undefined;
  if (start >= size) return standard ? 'unsatisfiable' : undefined;
  if (r[2] === '') return { start, end: size - 1 };
  const end = Number(r[2]);
  if (end >= size) return standard ? { start, end: size - 1 } : undefined;
  return { start, end };
}

const RESPONSE_OVERRIDES: Array<[string, string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

export async function getObject(ctx: OpContext, head: boolean): Promise<OssResponse> {
  const rec = ctx.core.storage.getObject(ctx.bucket, ctx.key);
  if (!rec) throw Errors.noSuchKey(ctx.key);
  const conditional = checkConditions(ctx, rec);
  if (conditional) return conditional;
  const headers = objectHeaders(rec);
  if (!head) {
    for (const [param, header] of RESPONSE_OVERRIDES) {
      const v = queryGet(ctx.req.query, param);
      if (v !== undefined) headers[header] = v;
    }
  }
  const range = rangeFor(ctx.req.headers['range'], rec.size, ctx.req.headers['x-oss-range-behavior']?.toLowerCase() === 'standard');
  if (range === 'unsatisfiable') {
    const err = new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied.', { ActualObjectSize: String(rec.size) });
    err.headers['Content-Range'] = `bytes */${rec.size}`;
    throw err;
  }
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${rec.size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    delete headers['Content-MD5'];
    return {
      status: 206,
      headers,
      body: head ? null : ctx.core.storage.blobs.read(rec.blob, range.start, range.end),
    };
  }
  headers['Content-Length'] = String(rec.size);
  return {
    status: 200,
    headers,
    body: head || rec.size === 0 ? null : ctx.core.storage.blobs.read(rec.blob),
  };
}

/**
 * GetObjectMeta (`HEAD /<key>?objectMeta`): size, ETag, last modified time and CRC-64 of an
 * object, without its other headers or its content (the Python SDKs' object_exists uses it).
 */
export async function getObjectMeta(ctx: OpContext): Promise<OssResponse> {
  const rec = ctx.core.storage.getObject(ctx.bucket, ctx.key);
  if (!rec) throw Errors.noSuchKey(ctx.key);
  const headers: Record<string, string> = {
    'Content-Length': String(rec.size),
    ETag: rec.etag,
    'Last-Modified': httpDate(rec.lastModified),
  };
  if (rec.crc64 !== undefined) headers['x-oss-hash-crc64ecma'] = rec.crc64;
  return { status: 200, headers, body: null };
}

export async function deleteObject(ctx: OpContext): Promise<OssResponse> {
  await ctx.core.storage.withKeyLock(ctx.bucket, ctx.key, () => ctx.core.storage.deleteObject(ctx.bucket, ctx.key));
  return { status: 204, headers: {} };
}

export function requireContentLength(ctx: OpContext): number {
  const n = declaredLength(ctx.req);
  if (n === undefined) {
    throw new OssError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  return n;
}

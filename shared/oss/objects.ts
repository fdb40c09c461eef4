/**
 * Object operations: HeadObject, GetObject, PutObject, DeleteObject, CopyObject, ListObjectsV2.
 * The upload service HEADs an object to recover a lost Complete; the events function reads,
 * copies, writes, deletes and lists (quarantine). Each is one request through client.ts; all
 * are retried on 5xx and network errors (a repeated PUT, COPY or DELETE has the same effect).
 */
import { encodePath, type QueryPairs } from './signer';
import { parseCopyObjectResult, parseListObjectsV2Result, type ListObjectsXmlPage } from './xml';
import { OssError, OssProtocolError } from './errors';
import { parseCrc64 } from './crc64';
import { md5Base64, metadataHeaders, pushPageSize, utf8, validateObjectKey, type CallOptions, type OssClient, type RawResponse } from './client';

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

/** Object metadata, or null when the object does not exist (404 NoSuchKey). */
export async function headObject(client: OssClient, key: string, opts: CallOptions = {}): Promise<ObjectInfo | null> {
  validateObjectKey(key);
  try {
    return await client.invoke({ operation: 'HeadObject', method: 'HEAD', key, retry: 'idempotent', call: opts }, (raw) => objectInfo(raw, 'HeadObject'));
  } catch (e) {
    if (e instanceof OssError && e.status === 404 && e.code === 'NoSuchKey') return null;
    throw e;
  }
}

export async function getObject(client: OssClient, key: string, opts: GetObjectOptions = {}): Promise<GetObjectResult> {
  validateObjectKey(key);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.range) headers['Range'] = opts.range;
  const raw = await client.invoke({ operation: 'GetObject', method: 'GET', key, headers, retry: 'idempotent', call: opts });
  return { ...objectInfo(raw, 'GetObject'), body: raw.body, status: raw.status };
}

/** A single-request upload (small objects). Retried: a PUT of the full body is idempotent. */
export async function putObject(client: OssClient, key: string, body: Uint8Array | string, opts: PutObjectOptions = {}): Promise<PutObjectResult> {
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
  const raw = await client.invoke({
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

export async function deleteObject(client: OssClient, key: string, opts: CallOptions = {}): Promise<{ requestId: string }> {
  validateObjectKey(key);
  const raw = await client.invoke({ operation: 'DeleteObject', method: 'DELETE', key, retry: 'idempotent', call: opts });
  return { requestId: raw.requestId };
}

/**
 * CopyObject within the client's bucket (`x-oss-copy-source: /bucket/key`). Same-bucket copies
 * have no size limit (docs/oss.md).
 */
export async function copyObject(client: OssClient, sourceKey: string, key: string, opts: CopyObjectOptions = {}): Promise<CopyObjectResult> {
  validateObjectKey(sourceKey);
  validateObjectKey(key);
  const headers: Record<string, string> = { 'x-oss-copy-source': `/${client.bucket}/${encodePath(sourceKey)}` };
  if (opts.ifMatch) headers['x-oss-copy-source-if-match'] = opts.ifMatch;
  if (opts.metadataDirective) headers['x-oss-metadata-directive'] = opts.metadataDirective;
  if (opts.contentType) headers['Content-Type'] = opts.contentType;
  metadataHeaders(opts.metadata, headers);
  if (opts.forbidOverwrite !== undefined) headers['x-oss-forbid-overwrite'] = String(opts.forbidOverwrite);
  Object.assign(headers, opts.headers ?? {});
  return client.invoke({ operation: 'CopyObject', method: 'PUT', key, headers, retry: 'idempotent', call: opts }, (raw) => ({
    ...parseCopyObjectResult(utf8(raw.body)),
    requestId: raw.requestId,
  }));
}

/** One page of ListObjectsV2 (keys as OSS sends them: no encoding-type). */
export async function listObjects(client: OssClient, opts: ListObjectsOptions = {}): Promise<ListObjectsPage> {
  const query: QueryPairs = [['list-type', '2']];
  if (opts.prefix) query.push(['prefix', opts.prefix]);
  if (opts.continuationToken) query.push(['continuation-token', opts.continuationToken]);
  pushPageSize(query, 'max-keys', 'maxKeys', opts.maxKeys);
  return client.invoke({ operation: 'ListObjectsV2', method: 'GET', query, retry: 'idempotent', call: opts }, (raw) => ({
    ...parseListObjectsV2Result(utf8(raw.body)),
    requestId: raw.requestId,
  }));
}

function objectInfo(raw: RawResponse, operation: string): ObjectInfo {
  const h = raw.headers;
  const length = h.get('content-length');
  let size = raw.body.byteLength;
  if (operation === 'HeadObject') {
    if (length === null || !/^\d+$/.test(length.trim())) throw new OssProtocolError('HeadObject: response has no Content-Length');
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

function readMetadata(headers: RawResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.startsWith('x-oss-meta-')) out[name.slice('x-oss-meta-'.length)] = value;
  });
  return out;
}

/**
 * Multipart upload operations: Initiate, Complete, Abort, ListParts, ListMultipartUploads. Each is
 * one request through the client's pipeline (client.ts); paging over the lists is paginators.ts.
 *
 * Initiate is not retried on a network error that may have reached OSS (a retry could create a
 * second upload); Complete and Abort flag NoSuchUpload on a retry as "an earlier attempt took
 * effect" (docs/oss.md "Retries").
 */
import { encodeRfc3986, type QueryPairs } from './signer';
import {
  buildCompleteBody,
  parseCompleteResult,
  parseErrorFields,
  parseInitiateResult,
  parseListPartsResult,
  parseListUploadsResult,
  type CompletePart,
  type ListPartsXmlPage,
  type ListUploadsXmlPage,
} from './xml';
import { OssError } from './errors';
import { callbackHeaders, type CallbackParam } from './callback';
import { parseCrc64 } from './crc64';
import { md5Base64, metadataHeaders, pushPageSize, utf8, validateObjectKey, validateUploadId, type CallOptions, type OssClient, type RequestSpec } from './client';

export type { PartInfo } from './xml';

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

export interface AbortResult {
  requestId: string;
  /** A retry found the upload gone after an earlier attempt's outcome was unknown. */
  alreadyAborted?: boolean;
}

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

/** OSS no longer has the upload (completed, aborted, or expired by a lifecycle rule). */
export function isNoSuchUpload(err: unknown): err is OssError {
  return err instanceof OssError && err.code === 'NoSuchUpload';
}

export async function initiateMultipartUpload(client: OssClient, key: string, opts: InitiateOptions = {}): Promise<InitiateResult> {
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
  const request: RequestSpec = { operation: 'InitiateMultipartUpload', method: 'POST', key, query: [['uploads', ''], ['encoding-type', 'url']], headers, retry: 'initiate', call: opts };
  return client.invoke(request, (raw) => {
    const r = parseInitiateResult(utf8(raw.body));
    return { bucket: r.bucket || client.bucket, key: r.key || key, uploadId: r.uploadId, requestId: raw.requestId };
  });
}

export async function completeMultipartUpload(client: OssClient, key: string, uploadId: string, opts: CompleteOptions = {}): Promise<CompleteResult> {
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
  Object.assign(headers, callbackHeaders(opts.callback, opts.callbackVar), opts.headers ?? {});
  const request: RequestSpec = {
    operation: 'CompleteMultipartUpload',
    method: 'POST',
    key,
    query: [['uploadId', uploadId], ['encoding-type', 'url']],
    headers,
    body,
    retry: 'idempotent',
    maybeCompletedCodes: ['NoSuchUpload', 'FileAlreadyExists'],
    call: opts,
  };
  return client.invoke(request, (raw): CompleteResult => {
    const common: CompleteCommon = { bucket: client.bucket, key, requestId: raw.requestId };
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
    const r = parseCompleteResult(text);
    return { ...common, kind: 'completed', etag: r.etag || headerEtag || '', location: r.location, bucket: r.bucket || client.bucket, key: r.key || key };
  });
}

export async function abortMultipartUpload(client: OssClient, key: string, uploadId: string, opts: CallOptions = {}): Promise<AbortResult> {
  validateObjectKey(key);
  validateUploadId(uploadId);
  try {
    const raw = await client.invoke({
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

export async function listParts(client: OssClient, key: string, uploadId: string, opts: ListPartsOptions = {}): Promise<ListPartsPage> {
  validateObjectKey(key);
  validateUploadId(uploadId);
  const query: QueryPairs = [['uploadId', uploadId], ['encoding-type', 'url']];
  pushPageSize(query, 'max-parts', 'maxParts', opts.maxParts);
  if (opts.partNumberMarker !== undefined && opts.partNumberMarker > 0) {
    if (!Number.isInteger(opts.partNumberMarker)) throw new RangeError('partNumberMarker must be an integer');
    query.push(['part-number-marker', String(opts.partNumberMarker)]);
  }
  return client.invoke({ operation: 'ListParts', method: 'GET', key, query, retry: 'idempotent', call: opts }, (raw) => ({
    ...parseListPartsResult(utf8(raw.body)),
    requestId: raw.requestId,
  }));
}

export async function listMultipartUploads(client: OssClient, opts: ListUploadsOptions = {}): Promise<ListUploadsPage> {
  const query: QueryPairs = [['uploads', ''], ['encoding-type', 'url']];
  if (opts.prefix) query.push(['prefix', opts.prefix]);
  if (opts.delimiter) query.push(['delimiter', opts.delimiter]);
  if (opts.keyMarker) query.push(['key-marker', opts.keyMarker]);
  // OSS only honours upload-id-marker together with key-marker.
  if (opts.keyMarker && opts.uploadIdMarker) query.push(['upload-id-marker', opts.uploadIdMarker]);
  pushPageSize(query, 'max-uploads', 'maxUploads', opts.maxUploads);
  return client.invoke({ operation: 'ListMultipartUploads', method: 'GET', query, retry: 'idempotent', call: opts }, (raw) => ({
    ...parseListUploadsResult(utf8(raw.body)),
    requestId: raw.requestId,
  }));
}

/** `k1=v1&k2=v2`, RFC 3986-encoded (x-oss-tagging). */
function toQueryStringForm(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`)
    .join('&');
}

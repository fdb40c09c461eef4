/**
 * CopyObject: `PUT /<key>` with `x-oss-copy-source: /<bucket>/<url-encoded key>`, within the
 * emulator's buckets. As OSS documents it (docs/oss.md, "CopyObject"):
 *  - `x-oss-metadata-directive` COPY (default: Content-Type, Cache-Control…, x-oss-meta-*, storage
 *    class of the source) or REPLACE (the request's headers); any other value is InvalidArgument.
 *    Copying an object onto itself always takes the request's metadata. SSE is never copied.
 *  - `x-oss-tagging-directive` Copy (default) or Replace (`x-oss-tagging`).
 *  - `x-oss-copy-source-if-match` / `-if-unmodified-since` fail with 412 PreconditionFailed,
 *    `-if-none-match` / `-if-modified-since` with 304.
 *  - `x-oss-forbid-overwrite: true` and an existing destination: 409 FileAlreadyExists.
 *  - Source bucket or key missing: 404 NoSuchBucket / NoSuchKey.
 * The copy keeps the source's ETag, CRC-64 and object type (a same-bucket copy whose content is
 * unchanged; OSS documents no ETag rule for copies) and answers `<CopyObjectResult>`.
 */
import { Errors, OssError } from './errors';
import { checkForbidOverwrite, httpDate, isTrue, notifyCreated, storedHeadersFrom, validateKey } from './objects';
import type { ObjectRecord } from './storage';
import type { OpContext, OssResponse } from './types';
import { el, xmlDocument } from './xml';

/** `/bucket/key` (URL-encoded key) -> bucket and decoded key; InvalidArgument otherwise. */
export function parseCopySource(raw: string): { bucket: string; key: string } {
  const bad = () => Errors.invalidArgument('Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.', 'x-oss-copy-source', raw);
  if (raw.includes('?')) throw Errors.notImplemented('Copying a version (versionId in x-oss-copy-source)');
  const m = /^\/?([^/]+)\/(.+)$/.exec(raw.trim());
  if (!m) throw bad();
  let key: string;
  try {
    key = decodeURIComponent(m[2]);
  } catch {
    throw bad();
  }
  validateKey(key);
  return { bucket: m[1], key };
}

function etagMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/"/g, '');
  return list.split(',').some((t) => t.trim() === '*' || t.trim().replace(/"/g, '') === bare);
}

/** The x-oss-copy-source-if-* conditions: 412 or 304, else nothing. */
function checkSourceConditions(h: Record<string, string>, src: ObjectRecord): OssResponse | undefined {
  const failed = (name: string) => new OssError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.', { Condition: name });
  const modifiedSec = Math.floor(src.lastModified / 1000) * 1000;
  const ifMatch = h['x-oss-copy-source-if-match'];
  if (ifMatch !== undefined && !etagMatches(ifMatch, src.etag)) throw failed('x-oss-copy-source-if-match');
  const ifUnmodified = h['x-oss-copy-source-if-unmodified-since'];
  if (ifUnmodified !== undefined && !Number.isNaN(Date.parse(ifUnmodified)) && modifiedSec > Date.parse(ifUnmodified)) {
    throw failed('x-oss-copy-source-if-unmodified-since');
  }
  const notModified: OssResponse = { status: 304, headers: { ETag: src.etag, 'Last-Modified': httpDate(src.lastModified) } };
  const ifNone = h['x-oss-copy-source-if-none-match'];
  if (ifNone !== undefined && etagMatches(ifNone, src.etag)) return notModified;
  const ifModified = h['x-oss-copy-source-if-modified-since'];
  if (ifModified !== undefined && !Number.isNaN(Date.parse(ifModified)) && modifiedSec <= Date.parse(ifModified)) return notModified;
  return undefined;
}

function directive(h: Record<string, string>, name: string, values: readonly string[]): string {
  const v = h[name];
  if (v === undefined) return values[0];
  if (!values.includes(v)) throw Errors.invalidArgument(`${name} must be ${values.join(' or ')}.`, name, v);
  return v;
}

export async function copyObject(ctx: OpContext): Promise<OssResponse> {
  const h = ctx.req.headers;
  const source = parseCopySource(h['x-oss-copy-source'] ?? '');
  if (!ctx.core.storage.hasBucket(source.bucket)) throw Errors.noSuchBucket(source.bucket);
  const metadataDirective = directive(h, 'x-oss-metadata-directive', ['COPY', 'REPLACE']);
  const taggingDirective = directive(h, 'x-oss-tagging-directive', ['Copy', 'Replace']);
  const forbid = isTrue(h['x-oss-forbid-overwrite']);
  // Validated before anything is read or written, as for PutObject.
  const requested = storedHeadersFrom(ctx);
  const { storage } = ctx.core;

  const outcome = await storage.withKeyLock(ctx.bucket, ctx.key, async () => {
    const src = storage.getObject(source.bucket, source.key);
    if (!src) throw Errors.noSuchKey(source.key);
    const conditional = checkSourceConditions(h, src);
    if (conditional) return { conditional };
    const self = source.bucket === ctx.bucket && source.key === ctx.key;
    if (!self) checkForbidOverwrite(ctx, forbid);
    const replace = metadataDirective === 'REPLACE' || self;
    const stored = replace
      ? { ...requested, sse: {} }
      : {
          contentType: src.contentType,
          cacheControl: src.cacheControl,
          contentDisposition: src.contentDisposition,
          contentEncoding: src.contentEncoding,
          expires: src.expires,
          meta: src.meta,
          sse: {},
          storageClass: h['x-oss-storage-class'] ?? src.storageClass,
        };
    const blob = self ? undefined : await storage.blobs.concat([src.blob]);
    const previousSize = storage.getObject(ctx.bucket, ctx.key)?.size ?? 0;
    const rec: ObjectRecord = {
      ...stored,
      tagging: taggingDirective === 'Replace' ? requested.tagging : src.tagging,
      bucket: ctx.bucket,
      key: ctx.key,
      blob: blob?.id ?? src.blob,
      size: src.size,
      etag: src.etag,
      crc64: src.crc64,
      contentMd5: src.contentMd5,
      lastModified: Date.now(),
      objectType: src.objectType,
    };
    await storage.putObject(rec);
    return { rec, previousSize };
  });
  if ('conditional' in outcome) return outcome.conditional!;
  const { rec, previousSize } = outcome;
  notifyCreated(ctx, rec, 'CopyObject', previousSize);
  const headers: Record<string, string> = { 'Content-Type': 'application/xml', ETag: rec.etag };
  if (rec.crc64 !== undefined) headers['x-oss-hash-crc64ecma'] = rec.crc64;
  return {
    status: 200,
    headers,
    body: xmlDocument('CopyObjectResult', [el('ETag', rec.etag), el('LastModified', new Date(rec.lastModified).toISOString())]),
  };
}

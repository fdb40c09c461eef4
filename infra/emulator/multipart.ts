/**
 * Multipart upload operations (docs/oss.md, "Multipart operations"): Initiate, UploadPart, Complete,
 * ListParts, ListMultipartUploads, Abort.
 */
import { createHash } from 'node:crypto';
import { crc64Combine } from '../../shared/oss/crc64';
import { readSmallBody, receiveBody, receiveStream, type ReceivedBody } from './body';
import { parseCallbackParams } from './callback';
import { EC, Errors, OssError } from './errors';
import {
  checkForbidOverwrite,
  isTrue,
  notifyCreated,
  objectLocation,
  parseClientCrc,
  parseContentMd5,
  requireContentLength,
  storedHeadersFrom,
  verifyDigests,
} from './objects';
import { queryGet } from './request';
import { newUploadId, type ObjectRecord, type PartRecord, type UploadRecord } from './storage';
import type { OpContext, OssResponse } from './types';
import { el, parseXml, urlEncodeValue, xmlDocument } from './xml';

const XML = { 'Content-Type': 'application/xml' };

/** `encoding-type`: only `url` is valid; returns the encoder for keys and prefixes. */
function encodingType(ctx: OpContext): { encode: (s: string) => string; element: string[] } {
  const v = queryGet(ctx.req.query, 'encoding-type');
  if (v === undefined) return { encode: (s) => s, element: [] };
  if (v !== 'url') throw Errors.invalidArgument('The encoding-type parameter must be url.', 'encoding-type', v);
  return { encode: urlEncodeValue, element: [el('EncodingType', 'url')] };
}

function isoMs(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
}

/** A query integer in [min, max]; `def` when absent; InvalidArgument otherwise. */
function intParam(ctx: OpContext, name: string, def: number, min: number, max: number): number {
  const raw = queryGet(ctx.req.query, name);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw Errors.invalidArgument(`${name} must be an integer from ${min} to ${max}.`, name, raw);
  }
  return Number(raw);
}

/** The upload of the request's uploadId; NoSuchUpload (with the operation's EC) if it is gone. */
function uploadFor(ctx: OpContext, ec: string = EC.NO_SUCH_UPLOAD): UploadRecord {
  const uploadId = queryGet(ctx.req.query, 'uploadId') ?? '';
  const upload = ctx.core.storage.getUpload(ctx.bucket, uploadId, ctx.key);
  if (!upload) throw Errors.noSuchUpload(uploadId, ec);
  return upload;
}

// --- InitiateMultipartUpload -------------------------------------------------------------------

export async function initiateMultipartUpload(ctx: OpContext): Promise<OssResponse> {
  const enc = encodingType(ctx);
  const headers = storedHeadersFrom(ctx);
  const forbidOverwrite = isTrue(ctx.req.headers['x-oss-forbid-overwrite']);
  checkForbidOverwrite(ctx, forbidOverwrite);
  const rec: UploadRecord = {
    ...headers,
    bucket: ctx.bucket,
    key: ctx.key,
    uploadId: newUploadId(),
    initiated: Date.now(),
    forbidOverwrite,
  };
  await ctx.core.storage.createUpload(rec);
  return {
    status: 200,
    headers: { ...XML, ...headers.sse },
    body: xmlDocument('InitiateMultipartUploadResult', [
      ...enc.element,
      el('Bucket', ctx.bucket),
      el('Key', enc.encode(ctx.key)),
      el('UploadId', rec.uploadId),
    ]),
  };
}

// --- UploadPart --------------------------------------------------------------------------------

export function parsePartNumber(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 10000) {
    throw new OssError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.', { ArgumentName: 'PartNumber', ArgumentValue: raw }, EC.PART_NUMBER_INVALID);
  }
  return Number(raw);
}

export async function uploadPart(ctx: OpContext): Promise<OssResponse> {
  const { req, core } = ctx;
  const partNumber = parsePartNumber(queryGet(req.query, 'partNumber'));
  const upload = uploadFor(ctx, EC.UPLOAD_PART_NO_SUCH_UPLOAD);
  for (const h of ['x-oss-server-side-encryption', 'x-oss-server-side-data-encryption', 'x-oss-server-side-encryption-key-id']) {
    if (req.headers[h] !== undefined) throw Errors.invalidArgument(`${h} is not allowed on UploadPart.`, h, req.headers[h]);
  }
  requireContentLength(ctx);
  const md5 = parseContentMd5(req.headers['content-md5']);
  const clientCrc = parseClientCrc(req.headers['x-oss-hash-crc64ecma']);
  const body = await receiveBody(req, core.storage.blobs, { maxSize: core.limits.maxPartSize });
  await verifyDigests(ctx, body, md5, clientCrc);
  const md5Hex = body.md5.toString('hex').toUpperCase();
  // Fault corrupt-part: the stored bytes (and the CRC-64 ListParts reports) differ from what was answered.
  const stored = ctx.corruptStored && body.size > 0 ? await storeFlipped(core, body) : body;
  const part: PartRecord = {
    partNumber,
    blob: stored.blob.id,
    size: body.size,
    etag: `"${md5Hex}"`,
    md5Hex,
    crc64: stored.crc64.toString(),
    lastModified: Date.now(),
  };
  if (!(await core.storage.putPart(ctx.bucket, upload.uploadId, part))) throw Errors.noSuchUpload(upload.uploadId, EC.UPLOAD_PART_NO_SUCH_UPLOAD);
  return {
    status: 200,
    headers: {
      ETag: part.etag,
      'Content-MD5': body.md5.toString('base64'),
      'x-oss-hash-crc64ecma': body.crc64.toString(),
    },
  };
}

/** A copy of the body's blob with its first byte flipped (the original is deleted). */
async function storeFlipped(core: OpContext['core'], body: ReceivedBody): Promise<ReceivedBody> {
  let first = true;
  const flipped = (async function* () {
    for await (const chunk of core.storage.blobs.read(body.blob.id)) {
      const bytes = Uint8Array.from(chunk as Buffer);
      if (first && bytes.length > 0) {
        bytes[0] ^= 0xff;
        first = false;
      }
      yield bytes;
    }
  })();
  const copy = await receiveStream(flipped, core.storage.blobs, { maxSize: body.size });
  await core.storage.blobs.delete(body.blob.id);
  return copy;
}

// --- CompleteMultipartUpload -------------------------------------------------------------------

interface RequestedPart {
  partNumber: number;
  etag: string;
}

function normaliseEtag(etag: string): string {
  // Quoted as UploadPart returned it; an unquoted value is accepted too (OSS behaviour unverified).
  return etag.trim().replace(/^"|"$/g, '').toUpperCase();
}

function parseCompleteBody(text: string): RequestedPart[] {
  const doc = parseXml(text);
  const root = doc?.['CompleteMultipartUpload'];
  const malformed = () => Errors.malformedXml(undefined, EC.COMPLETE_MALFORMED_XML);
  if (!root || typeof root !== 'object') throw malformed();
  const parts = (root as Record<string, unknown>)['Part'];
  if (!Array.isArray(parts) || parts.length === 0) throw malformed();
  const out: RequestedPart[] = [];
  for (const p of parts) {
    if (!p || typeof p !== 'object') throw malformed();
    const num = (p as Record<string, unknown>)['PartNumber'];
    const etag = (p as Record<string, unknown>)['ETag'];
    if (typeof num !== 'string' || !/^\d+$/.test(num.trim()) || typeof etag !== 'string') throw malformed();
    out.push({ partNumber: Number(num.trim()), etag });
  }
  return out;
}

export async function completeMultipartUpload(ctx: OpContext): Promise<OssResponse> {
  const { req, core } = ctx;
  const enc = encodingType(ctx);
  const upload = uploadFor(ctx);
  const completeAll = req.headers['x-oss-complete-all'];
  if (completeAll !== undefined && completeAll !== 'yes') {
    throw Errors.invalidArgument('x-oss-complete-all must be yes.', 'x-oss-complete-all', completeAll);
  }
  const bodyBuf = await readSmallBody(req, core.limits.maxCompleteBody, () => Errors.malformedXml('The CompleteMultipartUpload body is too large.', EC.COMPLETE_MALFORMED_XML));
  const contentMd5 = parseContentMd5(req.headers['content-md5']);
  if (contentMd5 && !contentMd5.equals(createHash('md5').update(bodyBuf).digest())) {
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  let requested: RequestedPart[] | undefined;
  if (completeAll === 'yes') {
    // OSS's own message, typo included (recorded answer: alibabacloud-oss-go-sdk-v2 oss/client_integration_test.go, TestCompleteMultipartUpload).
    if (bodyBuf.length > 0) throw new OssError(400, 'InvalidArgument', 'Should not speficy both complete all header and http body.', {}, EC.COMPLETE_ALL_WITH_BODY);
  } else {
    requested = parseCompleteBody(bodyBuf.toString('utf8'));
  }
  const callback = parseCallbackParams(ctx);
  const forbid = req.headers['x-oss-forbid-overwrite'] !== undefined ? isTrue(req.headers['x-oss-forbid-overwrite']) : upload.forbidOverwrite;

  const completed = await core.storage.withUploadLock(upload.uploadId, async () => {
    // Re-read under the lock: a concurrent Complete or Abort may have won.
    const current = core.storage.getUpload(ctx.bucket, upload.uploadId, ctx.key);
    if (!current) throw Errors.noSuchUpload(upload.uploadId);
    const stored = new Map(core.storage.listParts(ctx.bucket, upload.uploadId).map((p) => [p.partNumber, p]));
    let chosen: PartRecord[];
    if (requested) {
      let prev = 0;
      for (const r of requested) {
        if (r.partNumber < 1 || r.partNumber > 10000 || r.partNumber <= prev) {
          throw new OssError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts list must be specified in order by part number.', { PartNumber: String(r.partNumber) });
        }
        prev = r.partNumber;
      }
      chosen = requested.map((r) => {
        const p = stored.get(r.partNumber);
        if (!p || normaliseEtag(r.etag) !== p.md5Hex) {
          throw new OssError(400, 'InvalidPart', 'One or more of the specified parts could not be found or the specified entity tag might not have matched the part\'s entity tag.', { PartNumber: String(r.partNumber), ETag: r.etag });
        }
        return p;
      });
    } else {
      chosen = [...stored.values()].sort((a, b) => a.partNumber - b.partNumber);
      if (chosen.length === 0) throw Errors.invalidArgument('The upload has no parts to complete.', 'x-oss-complete-all');
    }
    for (let i = 0; i < chosen.length - 1; i++) {
      if (chosen[i].size < core.limits.minPartSize) {
        throw new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', {
          PartNumber: String(chosen[i].partNumber),
          ProposedSize: String(chosen[i].size),
          MinSizeAllowed: String(core.limits.minPartSize),
        }, EC.COMPLETE_PART_TOO_SMALL);
      }
    }
    return core.storage.withKeyLock(ctx.bucket, ctx.key, async () => {
      checkForbidOverwrite(ctx, forbid, EC.COMPLETE_FORBID_OVERWRITE);
      const blob = await core.storage.blobs.concat(chosen.map((p) => p.blob));
      const md5s = createHash('md5');
      for (const p of chosen) md5s.update(Buffer.from(p.md5Hex, 'hex'));
      let crc = 0n;
      for (const p of chosen) crc = crc64Combine(crc, BigInt(p.crc64), p.size);
      const rec: ObjectRecord = {
        contentType: current.contentType,
        cacheControl: current.cacheControl,
        contentDisposition: current.contentDisposition,
        contentEncoding: current.contentEncoding,
        expires: current.expires,
        meta: current.meta,
        sse: current.sse,
        storageClass: current.storageClass,
        tagging: current.tagging,
        bucket: ctx.bucket,
        key: ctx.key,
        blob: blob.id,
        size: blob.size,
        etag: `"${md5s.digest('hex').toUpperCase()}-${chosen.length}"`,
        crc64: crc.toString(),
        lastModified: Date.now(),
        objectType: 'Multipart',
      };
      const previousSize = core.storage.getObject(ctx.bucket, ctx.key)?.size ?? 0;
      await core.storage.putObject(rec);
      await core.storage.deleteUpload(ctx.bucket, upload.uploadId);
      return { rec, previousSize };
    });
  });
  const result = completed.rec;
  notifyCreated(ctx, result, 'CompleteMultipartUpload', completed.previousSize);

  const headers: Record<string, string> = { ETag: result.etag, ...result.sse };
  if (result.crc64 !== undefined) headers['x-oss-hash-crc64ecma'] = result.crc64;
  if (callback) return core.callbacks.respond(ctx, callback, result, headers, 'CompleteMultipartUpload');
  return {
    status: 200,
    headers: { ...XML, ...headers },
    body: xmlDocument('CompleteMultipartUploadResult', [
      ...enc.element,
      el('Location', objectLocation(ctx)),
      el('Bucket', ctx.bucket),
      el('Key', enc.encode(ctx.key)),
      el('ETag', result.etag),
    ]),
  };
}

// --- ListParts ---------------------------------------------------------------------------------

export async function listParts(ctx: OpContext): Promise<OssResponse> {
  const enc = encodingType(ctx);
  const upload = uploadFor(ctx);
  const maxParts = intParam(ctx, 'max-parts', 1000, 1, 1000);
  // An empty marker is no marker: oss2's list_parts sends `part-number-marker=` by default.
  const marker = queryGet(ctx.req.query, 'part-number-marker') === '' ? 0 : intParam(ctx, 'part-number-marker', 0, 0, 10000);
  const all = ctx.core.storage.listParts(ctx.bucket, upload.uploadId).filter((p) => p.partNumber > marker);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const next = page.length > 0 ? page[page.length - 1].partNumber : marker;
  return {
    status: 200,
    headers: XML,
    body: xmlDocument('ListPartsResult', [
      ...enc.element,
      el('Bucket', ctx.bucket),
      el('Key', enc.encode(ctx.key)),
      el('UploadId', upload.uploadId),
      el('StorageClass', upload.storageClass),
      el('PartNumberMarker', marker),
      el('NextPartNumberMarker', next),
      el('MaxParts', maxParts),
      el('IsTruncated', truncated),
      ...page.map((p) =>
        el('Part', [
          el('PartNumber', p.partNumber),
          el('LastModified', isoMs(p.lastModified)),
          el('ETag', p.etag),
          el('HashCrc64ecma', p.crc64),
          el('Size', p.size),
        ]),
      ),
    ]),
  };
}

// --- ListMultipartUploads ----------------------------------------------------------------------

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export async function listMultipartUploads(ctx: OpContext): Promise<OssResponse> {
  const enc = encodingType(ctx);
  const q = ctx.req.query;
  const prefix = queryGet(q, 'prefix') ?? '';
  const delimiter = queryGet(q, 'delimiter') ?? '';
  const keyMarker = queryGet(q, 'key-marker') ?? '';
  // upload-id-marker only counts together with key-marker.
  const uploadIdMarker = keyMarker !== '' ? (queryGet(q, 'upload-id-marker') ?? '') : '';
  const maxUploads = intParam(ctx, 'max-uploads', 1000, 1, 1000);

  const uploads = ctx.core.storage
    .listUploads(ctx.bucket)
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => compareUtf8(a.key, b.key) || compareUtf8(a.uploadId, b.uploadId));

  const entries: Array<{ kind: 'upload'; upload: UploadRecord } | { kind: 'prefix'; prefix: string }> = [];
  let truncated = false;
  let lastKey = '';
  let lastUploadId = '';
  const seenPrefixes = new Set<string>();
  for (const u of uploads) {
    let commonPrefix: string | undefined;
    if (delimiter !== '') {
      const i = u.key.indexOf(delimiter, prefix.length);
      if (i !== -1) commonPrefix = u.key.slice(0, i + delimiter.length);
    }
    if (keyMarker !== '') {
      if (commonPrefix !== undefined) {
        if (compareUtf8(commonPrefix, keyMarker) <= 0) continue;
      } else {
        const c = compareUtf8(u.key, keyMarker);
        if (c < 0 || (c === 0 && (uploadIdMarker === '' || compareUtf8(u.uploadId, uploadIdMarker) <= 0))) continue;
      }
    }
    if (commonPrefix !== undefined && seenPrefixes.has(commonPrefix)) continue;
    if (entries.length >= maxUploads) {
      truncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      seenPrefixes.add(commonPrefix);
      entries.push({ kind: 'prefix', prefix: commonPrefix });
      lastKey = commonPrefix;
      lastUploadId = '';
    } else {
      entries.push({ kind: 'upload', upload: u });
      lastKey = u.key;
      lastUploadId = u.uploadId;
    }
  }

  return {
    status: 200,
    headers: XML,
    body: xmlDocument('ListMultipartUploadsResult', [
      ...enc.element,
      el('Bucket', ctx.bucket),
      el('KeyMarker', enc.encode(keyMarker)),
      el('UploadIdMarker', uploadIdMarker),
      el('NextKeyMarker', truncated ? enc.encode(lastKey) : ''),
      el('NextUploadIdMarker', truncated ? lastUploadId : ''),
      el('Delimiter', enc.encode(delimiter)),
      el('Prefix', enc.encode(prefix)),
      el('MaxUploads', maxUploads),
      el('IsTruncated', truncated),
      ...entries.map((e) =>
        e.kind === 'upload'
          ? el('Upload', [
              el('Key', enc.encode(e.upload.key)),
              el('UploadId', e.upload.uploadId),
              el('StorageClass', e.upload.storageClass),
              el('Initiated', isoMs(e.upload.initiated)),
            ])
          : el('CommonPrefixes', [el('Prefix', enc.encode(e.prefix))]),
      ),
    ]),
  };
}

// --- AbortMultipartUpload ----------------------------------------------------------------------

export async function abortMultipartUpload(ctx: OpContext): Promise<OssResponse> {
  const upload = uploadFor(ctx);
  const removed = await ctx.core.storage.withUploadLock(upload.uploadId, () => ctx.core.storage.deleteUpload(ctx.bucket, upload.uploadId));
  if (!removed) throw Errors.noSuchUpload(upload.uploadId);
  return { status: 204, headers: {} };
}

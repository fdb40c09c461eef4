/**
 * The upload operations behind every route: init, sign, list, complete, abort. The JSON functions
 * and the Uppy Companion facade both call these, so policy lives in one place. Each is a function
 * over an `UploadService` (client, settings, clock), so a bundle holds only the operations its
 * function calls, and each calls the OSS operation functions (shared/oss/) itself.
 *
 * Stateless by design: the plan of an upload (key, size, part size, part count, type) travels in
 * the signed upload token, and everything else is asked of OSS. A request that fails leaves OSS
 * as it was, or in a state the caller can see (list) and clean up (abort, or the sweeper).
 *
 * Every rule comes from shared/policy/ (its index names them); this file makes the OSS calls in
 * the order the rules need. Two kinds of upload share the code:
 *  - planned (`initUpload`/`signParts`/`completeUpload`): the size is declared up front and the
 *    upload token carries the plan, so every part is checked against it;
 *  - open (`initOpenUpload`/`signOpenParts`/`completeOpenUpload`, the Uppy Companion facade):
 *    Companion's create route carries no size, so there is no plan. The facade's upload id is a
 *    signed token of its own (policy/facade-upload.ts) binding caller, key, OSS upload id,
 *    MAX_FILE_SIZE and expiry; sign refuses part numbers no upload within that size could have,
 *    and complete checks what can be checked without a plan: parts 1..N all present with the
 *    ETags given, every part but the last at least 100 KiB, the total within the size, the CRC-64
 *    of the result.
 * Both count against MAX_ACTIVE_UPLOADS (policy/active-uploads.ts), which holds under concurrency.
 */
import { httpError, type HttpError } from '../http/errors';
import { encodeCallbackParam, encodeCallbackVar } from '../oss/callback';
import { buildObjectKey, callerPrefix } from '../policy/keys';
import { planParts, partSizeOf, planOf, maxPartNumber, GiB } from '../policy/parts';
import { atActiveUploadLimit, keepsNewUpload, type ListedUpload } from '../policy/active-uploads';
import { urlLifetime } from '../policy/expiry';
import { issueFacadeUpload, type FacadeUpload } from '../policy/facade-upload';
import { formatBytes } from '../policy/size';
import { CALLBACK_BODY, callbackVariables } from '../policy/callback';
import { postFormPolicy } from '../policy/post-form';
import { issueUploadToken, type UploadTokenClaims as UploadClaims } from '../auth/upload-token';
import type { Caller } from '../auth/caller';
import type { OssClient } from '../oss/client';
import { abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, isNoSuchUpload, listParts, type PartInfo } from '../oss/multipart';
import { headObject } from '../oss/objects';
import { presignPostObject, presignUploadParts, type PartToSign } from '../oss/presign';
import { iterateMultipartUploads, listAllParts } from '../oss/paginators';
import { objectUrl } from '../oss/endpoint';
import { checkPlannedParts, checkClientParts, checkOpenPartsList, combinedCrc, distinctPartNumbers, matchOpenParts } from '../policy/part-checks';
// The answers' types come from their schemas (shared/api/responses.ts), which the document shows.
import type { CompanionCreateResult, CompleteResult, InitResult as InitAnswer, ListedPartResult, SignedPartResult } from '../api/responses';

export type { CompleteResult };

/** The settings the service needs; the functions derive them from the validated config. */
export interface UploadSettings {
  bucket: string;
  keyPrefix: string;
  uploadTokenSecret: string;
  uploadTokenTtlSeconds: number;
  urlExpiresSeconds: number;
  maxPartsPerSign: number;
  /** 0 = unlimited. */
  maxActiveUploads: number;
  defaultPartSize?: number;
  /** Where OSS should POST the upload callback; none when unset. */
  callbackUrl?: string;
  /**
   * Sign answers 404 for an upload that no longer exists, at the cost of one ListParts call per
   * batch. Without it sign makes no OSS call, and a dead upload shows up as OSS's 404 on the PUT.
   */
  signChecksUpload: boolean;
  /** Largest object (MAX_FILE_SIZE). Open uploads and PostObject forms enforce it; default: OSS's own limits only. */
  maxFileSize?: number;
}

/** OSS: PutObject/PostObject store at most 5 GB in one request. */
export const MAX_POST_OBJECT_SIZE = 5 * GiB;

/**
 * What an operation on an existing upload needs: whose it is, where, and its id. Upload token
 * claims are one; the Companion facade builds one from `?key=` and the path's upload id.
 */
export interface UploadRef {
  sub: string;
  bucket: string;
  key: string;
  uploadId: string;
}

/** An upload's new object: name, type, user metadata. */
export interface NewObjectInput {
  filename: string;
  contentType: string;
  metadata?: Record<string, string>;
}

export interface InitInput extends NewObjectInput {
  size: number;
  partSize?: number;
}

/** `POST /s3/multipart`'s answer: `uploadId` is the facade's signed id (policy/facade-upload.ts). */
export type OpenUpload = CompanionCreateResult;

/** A PostObject form: POST `fields` then the file (last) as multipart/form-data to `url`. */
export interface PostForm {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  /** Seconds the policy stays valid. */
  expires: number;
  expiresAt: string;
}

export type InitResult = InitAnswer;

export type SignedPart = SignedPartResult;

export type ListedPart = ListedPartResult;

export type CallbackStatus = CompleteResult['callbackStatus'];

/** What the upload operations work with: the OSS client (this invocation's credentials), the settings, the clock. */
export interface UploadService {
  oss: OssClient;
  settings: UploadSettings;
  now: () => Date;
}

// ---- init --------------------------------------------------------------------------------

export async function initUpload(s: UploadService, caller: Caller, input: InitInput): Promise<InitResult> {
  const plan = planParts(input.size, input.partSize, s.settings.defaultPartSize ? { defaultPartSize: s.settings.defaultPartSize } : {});
  const { key, uploadId, now } = await initiate(s, caller, input);
  const { token, expiresAt } = await issueUploadToken(
    {
      sub: caller.sub,
      bucket: s.settings.bucket,
      key,
      uploadId,
      size: input.size,
      partSize: plan.partSize,
      partCount: plan.partCount,
      contentType: input.contentType,
    },
    s.settings.uploadTokenSecret,
    s.settings.uploadTokenTtlSeconds,
    now.getTime(),
  );
  return {
    uploadId,
    bucket: s.settings.bucket,
    key,
    partSize: plan.partSize,
    partCount: plan.partCount,
    token,
    expiresAt,
  };
}

/**
 * An upload without a plan (Companion `POST /s3/multipart` sends no size). Its id is the facade's
 * signed token, bound to MAX_FILE_SIZE as it is now and expiring with the upload token lifetime.
 */
export async function initOpenUpload(s: UploadService, caller: Caller, input: NewObjectInput): Promise<OpenUpload> {
  const { key, uploadId, now } = await initiate(s, caller, input);
  const maxSize = s.settings.maxFileSize ?? Number.MAX_SAFE_INTEGER;
  let facade;
  try {
    facade = await issueFacadeUpload({ sub: caller.sub, bucket: s.settings.bucket, key, uploadId, maxSize }, s.settings.uploadTokenSecret, s.settings.uploadTokenTtlSeconds, now.getTime());
  } catch (err) {
    await abortQuietly(s, key, uploadId);
    throw err;
  }
  return { key, uploadId: facade.id, bucket: s.settings.bucket, expiresAt: facade.expiresAt };
}

async function initiate(s: UploadService, caller: Caller, input: NewObjectInput): Promise<{ key: string; uploadId: string; now: Date }> {
  const limit = s.settings.maxActiveUploads;
  const prefix = callerPrefix(s.settings.keyPrefix, caller.sub);
  if (limit > 0) await refuseAtLimit(s, prefix, limit);
  const now = s.now();
  const key = buildObjectKey({ prefix: s.settings.keyPrefix, sub: caller.sub, now, filename: input.filename });
  // forbid-overwrite: keys are unique per upload, so an existing object means something is off.
  const { uploadId } = await initiateMultipartUpload(s.oss, key, { contentType: input.contentType, metadata: input.metadata, forbidOverwrite: true });
  if (limit > 0) {
    // The second half of the limit (policy/active-uploads.ts): list, then keep or abort ours.
    const listed: ListedUpload[] = [];
    try {
      for await (const u of iterateMultipartUploads(s.oss, { prefix })) listed.push(u);
    } catch (err) {
      await abortQuietly(s, key, uploadId);
      throw err;
    }
    if (!keepsNewUpload(listed, { key, uploadId }, limit)) {
      await abortQuietly(s, key, uploadId);
      throw tooManyUploads(limit);
    }
  }
  return { key, uploadId, now };
}

/** The cheap half of the limit: refuse without initiating when the caller already has `limit`. */
async function refuseAtLimit(s: UploadService, prefix: string, limit: number): Promise<void> {
  let active = 0;
  for await (const _ of iterateMultipartUploads(s.oss, { prefix })) {
    if (++active >= limit) break;
  }
  if (atActiveUploadLimit(active, limit)) throw tooManyUploads(limit);
}

/**
 * Aborts an upload this request started and will not hand out, trying three times. If OSS still
 * refuses, the sweeper (and the bucket's lifecycle rule) is the backstop; the failure is logged.
 */
async function abortQuietly(s: UploadService, key: string, uploadId: string): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await abortMultipartUpload(s.oss, key, uploadId);
      return;
    } catch (err) {
      if (isNoSuchUpload(err)) return;
      if (attempt === 3) {
        console.error(JSON.stringify({ level: 'warn', msg: 'could not abort a refused upload; the sweeper will', key, error: (err as Error).message }));
      }
    }
  }
}

// ---- sign --------------------------------------------------------------------------------

export async function signParts(
  s: UploadService,
  upload: UploadClaims,
  partNumbers: number[],
  contentMd5: Record<string, string> = {},
): Promise<{ parts: SignedPart[]; expiresAt: string }> {
  const seen = checkPartNumbers(s, partNumbers, upload.partCount);
  for (const [n, md5] of Object.entries(contentMd5)) {
    if (!seen.has(Number(n))) throw httpError('VALIDATION_FAILED', `contentMd5 names part ${n}, which is not in partNumbers`, { field: 'contentMd5' });
    if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw httpError('VALIDATION_FAILED', `contentMd5 for part ${n} must be the base64 of a 16-byte MD5`, { field: 'contentMd5' });
  }
  const expires = urlLifetime(upload.exp, s.now().getTime(), s.settings.urlExpiresSeconds);
  const plan = planOf(upload);
  // Each URL pins its part's planned size (V4: OSS refuses another length; docs/oss.md).
  const signed = await presignParts(
    s,
    upload,
    partNumbers.map((n) => ({ partNumber: n, contentMd5: contentMd5[String(n)], contentLength: partSizeOf(plan, n) })),
    expires,
  );
  const parts: SignedPart[] = signed.map((p, i) => ({
    partNumber: partNumbers[i],
    url: p.url,
    method: 'PUT',
    headers: p.headers,
    size: partSizeOf(plan, partNumbers[i]),
  }));
  return { parts, expiresAt: signed[0].expiresAt.toISOString() };
}

/**
 * Presigned UploadPart URLs of a facade upload: part numbers up to the largest an upload within
 * its size limit can have (policy/parts.ts maxPartNumber), no Content-MD5, no Content-Type (a
 * browser PUTs a Blob slice without one), URLs that do not outlive the upload. `expires` is in
 * seconds.
 */
export async function signOpenParts(
  s: UploadService,
  upload: FacadeUpload,
  partNumbers: number[],
  opts: { checkUpload?: boolean } = {},
): Promise<{ parts: Array<{ partNumber: number; url: string }>; expires: number; expiresAt: string }> {
  const maxPart = maxPartNumber(upload.maxSize);
  for (const n of partNumbers) {
    if (Number.isInteger(n) && n > maxPart) {
      throw httpError(
        'VALIDATION_FAILED',
        `Part number ${n} is beyond ${maxPart}, the most parts an upload of at most ${formatBytes(upload.maxSize)} can have (every part but the last is at least 100 KiB)`,
        { field: 'partNumber', partNumber: n, maxPartNumber: maxPart },
      );
    }
  }
  checkPartNumbers(s, partNumbers, maxPart);
  const expires = urlLifetime(upload.exp, s.now().getTime(), s.settings.urlExpiresSeconds);
  const signed = await presignParts(s, upload, partNumbers.map((n) => ({ partNumber: n })), expires, opts.checkUpload);
  return {
    parts: signed.map((p, i) => ({ partNumber: partNumbers[i], url: p.url })),
    expires,
    expiresAt: signed[0].expiresAt.toISOString(),
  };
}

/** 1..maxPart, no repeats, at most MAX_PARTS_PER_SIGN of them; the set of them. */
function checkPartNumbers(s: UploadService, partNumbers: number[], maxPart: number): Set<number> {
  if (partNumbers.length === 0) throw httpError('VALIDATION_FAILED', 'partNumbers must list at least one part', { field: 'partNumbers' });
  if (partNumbers.length > s.settings.maxPartsPerSign) {
    throw httpError('VALIDATION_FAILED', `At most ${s.settings.maxPartsPerSign} part numbers per call`, { field: 'partNumbers', max: s.settings.maxPartsPerSign });
  }
  return distinctPartNumbers(partNumbers, maxPart, 'partNumbers');
}

/** `checkUpload` overrides SIGN_CHECKS_UPLOAD for one call. */
async function presignParts(s: UploadService, upload: UploadRef, parts: PartToSign[], expires: number, checkUpload?: boolean) {
  // A one-part ListParts page: throws NoSuchUpload when the upload is gone.
  if (checkUpload ?? s.settings.signChecksUpload) await listParts(s.oss, upload.key, upload.uploadId, { maxParts: 1 });
  return presignUploadParts(s.oss, upload.key, upload.uploadId, parts, { expires });
}

// ---- PostObject (small files in one request) -----------------------------------------------

/**
 * A signed PostObject form for a new object under the caller's prefix; what the policy pins is
 * policy/post-form.ts. With CALLBACK_URL, the form carries the upload callback too (see
 * functions/companion for why that is safe with Uppy). Makes no OSS call.
 */
export async function postForm(s: UploadService, caller: Caller, input: NewObjectInput): Promise<PostForm> {
  const now = s.now();
  const key = buildObjectKey({ prefix: s.settings.keyPrefix, sub: caller.sub, now, filename: input.filename });
  const { fields, conditions } = postFormPolicy({
    key,
    contentType: input.contentType,
    metadata: input.metadata ?? {},
    maxSize: Math.min(s.settings.maxFileSize ?? MAX_POST_OBJECT_SIZE, MAX_POST_OBJECT_SIZE),
    // No multipart upload id: the callback body says "" for it.
    callback: s.settings.callbackUrl
      ? {
          param: encodeCallbackParam({ url: s.settings.callbackUrl, body: CALLBACK_BODY, bodyType: 'application/json' }),
          vars: encodeCallbackVar(callbackVariables(caller.sub, '', now.getTime())),
        }
      : undefined,
  });
  const expires = s.settings.urlExpiresSeconds;
  const signed = await presignPostObject(s.oss, { conditions, expires });
  return { method: 'POST', url: signed.url, fields: { ...fields, ...signed.fields }, expires, expiresAt: signed.expiresAt.toISOString() };
}

// ---- list --------------------------------------------------------------------------------

/**
 * Every part, or with `page` one page of them: up to `maxParts` numbered above
 * `partNumberMarker`, and `nextPartNumberMarker` (null on the last page) to ask for the next.
 */
export async function listUploadParts(
  s: UploadService,
  upload: Pick<UploadRef, 'key' | 'uploadId'>,
  page?: { maxParts: number; partNumberMarker: number },
): Promise<{ parts: ListedPart[]; uploadedBytes: number; nextPartNumberMarker?: number | null }> {
  let parts: PartInfo[];
  let next: number | undefined;
  if (page) {
    const r = await listParts(s.oss, upload.key, upload.uploadId, page);
    parts = r.parts;
    if (r.isTruncated) next = r.nextPartNumberMarker;
  } else {
    parts = await allParts(s, upload);
  }
  let uploadedBytes = 0;
  const out = parts.map((p) => {
    uploadedBytes += p.size;
    return {
      partNumber: p.partNumber,
      etag: p.etag,
      size: p.size,
      crc64: p.crc64 === undefined ? null : p.crc64.toString(),
      lastModified: p.lastModified.toISOString(),
    };
  });
  return page ? { parts: out, uploadedBytes, nextPartNumberMarker: next ?? null } : { parts: out, uploadedBytes };
}

// ---- complete ----------------------------------------------------------------------------

/**
 * `clientCrc`: the whole file's CRC-64 as the client computed it from the bytes it read. The
 * parts OSS holds must add up to it before OSS is asked to assemble them (otherwise 502
 * INTEGRITY_MISMATCH with `completed: false`, and the upload is kept for the client to re-send
 * the parts that differ), and the object OSS reports must have it.
 */
export async function completeUpload(s: UploadService, upload: UploadClaims, clientParts?: Array<{ partNumber: number; etag: string }>, clientCrc?: bigint): Promise<CompleteResult> {
  let listed: PartInfo[];
  try {
    listed = await allParts(s, upload);
  } catch (err) {
    // The upload is gone: either aborted, or completed by an earlier attempt whose response
    // was lost. The key is unique to this upload, so an object of the planned size is ours.
    if (isNoSuchUpload(err)) return recover(s, upload, err, upload.size, clientCrc);
    throw err;
  }
  const plan = planOf(upload);
  const parts = checkPlannedParts(listed, plan, upload.size);
  if (clientParts) checkClientParts(clientParts, parts);
  const partsCrc = combinedCrc(parts);
  if (clientCrc !== undefined && partsCrc !== undefined && partsCrc !== clientCrc) {
    throw integrityMismatch(upload.key, clientCrc, partsCrc, false);
  }
  return completeParts(s, upload, parts, upload.size, clientCrc);
}

/**
 * Completes an open upload with the client's parts list, which must be 1..N (the parts OSS
 * holds beyond N are dropped by Complete, as OSS does). Checked against OSS before completing:
 * each part present with the ETag given, every part but the last at least 100 KiB, the total
 * within MAX_FILE_SIZE. When the upload is gone and an object exists at its key (unique to the
 * upload), an earlier attempt completed it: reported as `recovered`.
 */
export async function completeOpenUpload(s: UploadService, upload: FacadeUpload, clientParts: Array<{ partNumber: number; etag: string }>): Promise<CompleteResult> {
  checkOpenPartsList(clientParts);
  let listed: PartInfo[];
  try {
    listed = await allParts(s, upload);
  } catch (err) {
    if (isNoSuchUpload(err)) return recover(s, upload, err);
    throw err;
  }
  const parts = matchOpenParts(clientParts, listed, upload.maxSize);
  return completeParts(s, upload, parts, parts.reduce((sum, p) => sum + p.size, 0));
}

/** CompleteMultipartUpload with the callback, then the CRC-64 checks; `size` is the object's. */
async function completeParts(s: UploadService, upload: UploadRef, parts: PartInfo[], size: number, clientCrc?: bigint): Promise<CompleteResult> {
  const expectedCrc = combinedCrc(parts);
  let outcome;
  try {
    outcome = await completeMultipartUpload(s.oss, upload.key, upload.uploadId, {
      parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      callback: s.settings.callbackUrl ? { url: s.settings.callbackUrl, body: CALLBACK_BODY, bodyType: 'application/json' } : undefined,
      callbackVar: s.settings.callbackUrl ? callbackVariables(upload.sub, upload.uploadId, s.now().getTime()) : undefined,
      forbidOverwrite: true,
    });
  } catch (err) {
    if (isNoSuchUpload(err)) return recover(s, upload, err, size, clientCrc);
    throw err;
  }

  const crc = outcome.crc64;
  if (crc !== undefined && expectedCrc !== undefined && crc !== expectedCrc) {
    throw httpError(
      'INTEGRITY_MISMATCH',
      'OSS reported a CRC-64 for the completed object that does not match its parts; the object is stored but its integrity is in doubt.',
      { key: upload.key, expectedCrc64: expectedCrc.toString(), reportedCrc64: crc.toString(), completed: true },
    );
  }
  if (crc !== undefined && clientCrc !== undefined && crc !== clientCrc) throw integrityMismatch(upload.key, clientCrc, crc, true);
  const result: CompleteResult = {
    bucket: upload.bucket,
    key: upload.key,
    etag: outcome.etag ?? null,
    size,
    crc64: (crc ?? expectedCrc)?.toString() ?? null,
    location: objectLocation(s, upload.key),
    callbackStatus: 'none',
  };
  if (outcome.kind === 'callback') {
    result.callbackStatus = 'ok';
    result.callback = outcome.callbackBody;
  } else if (outcome.kind === 'callback-failed') {
    result.callbackStatus = 'failed';
    result.callbackError = { code: 'CALLBACK_FAILED', message: `The object is stored, but the upload callback failed: ${outcome.message}` };
  }
  return result;
}

/**
 * `gone`: the NoSuchUpload, thrown again when no object of the expected size is at the key.
 * `expectedSize` unknown (an open upload whose parts could not be listed): any object counts.
 */
async function recover(s: UploadService, upload: UploadRef, gone: unknown, expectedSize?: number, clientCrc?: bigint): Promise<CompleteResult> {
  const head = await headObject(s.oss, upload.key);
  if (!head || (expectedSize !== undefined && head.size !== expectedSize)) throw gone;
  if (head.crc64 !== undefined && clientCrc !== undefined && head.crc64 !== clientCrc) throw integrityMismatch(upload.key, clientCrc, head.crc64, true);
  return {
    bucket: upload.bucket,
    key: upload.key,
    etag: head.etag,
    size: head.size,
    crc64: head.crc64?.toString() ?? null,
    location: objectLocation(s, upload.key),
    // The callback ran (or not) with the earlier attempt; its answer went with the lost response.
    callbackStatus: s.settings.callbackUrl ? 'unknown' : 'none',
    recovered: true,
  };
}

// ---- abort -------------------------------------------------------------------------------

/** Safe to repeat: an upload that is already gone counts as aborted. */
export async function abortUpload(s: UploadService, upload: Pick<UploadRef, 'key' | 'uploadId'>): Promise<{ aborted: true; alreadyGone: boolean }> {
  try {
    await abortMultipartUpload(s.oss, upload.key, upload.uploadId);
    return { aborted: true, alreadyGone: false };
  } catch (err) {
    if (isNoSuchUpload(err)) return { aborted: true, alreadyGone: true };
    throw err;
  }
}

async function allParts(s: UploadService, upload: Pick<UploadRef, 'key' | 'uploadId'>): Promise<PartInfo[]> {
  const parts: PartInfo[] = [];
  for await (const p of listAllParts(s.oss, upload.key, upload.uploadId)) parts.push(p);
  return parts;
}

/** The object's URL as browsers see it (the public endpoint). */
function objectLocation(s: UploadService, key: string): string {
  return objectUrl(s.oss.publicEndpoint, s.oss.bucket, key);
}

function tooManyUploads(limit: number) {
  return httpError('TOO_MANY_UPLOADS', `You have ${limit} uploads in progress; complete or abort one before starting another.`, { limit });
}

/** The client's CRC-64 of its file (`expected`) is not what OSS holds (`reported`); `completed`: whether an object was stored. */
function integrityMismatch(key: string, expected: bigint, reported: bigint, completed: boolean): HttpError {
  return httpError(
    'INTEGRITY_MISMATCH',
    completed
      ? "The stored object's CRC-64 is not the one the client computed from its file; the object is stored but its content is in doubt."
      : "The parts in OSS do not add up to the CRC-64 the client computed from its file; nothing was completed. List the parts, compare each one's CRC-64 with the file's and upload the ones that differ again.",
    { key, expectedCrc64: expected.toString(), reportedCrc64: reported.toString(), completed },
  );
}

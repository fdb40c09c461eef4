/**
 * complete: check the parts OSS holds (against the plan, the client's list and the client's
 * CRC-64), CompleteMultipartUpload with the upload callback, then check the object's CRC-64. An
 * upload already completed by a lost earlier attempt is recognised and reported as `recovered`.
 */
import { httpError, type HttpError } from '../http/errors';
import { planOf } from '../policy/parts';
import type { FacadeUpload } from '../policy/facade-upload';
import { CALLBACK_BODY, callbackVariables } from '../policy/callback';
import { checkPlannedParts, checkClientParts, checkOpenPartsList, combinedCrc, matchOpenParts } from '../policy/part-checks';
import type { UploadTokenClaims as UploadClaims } from '../auth/upload-token';
import { completeMultipartUpload, isNoSuchUpload, type PartInfo } from '../oss/multipart';
import { headObject } from '../oss/objects';
import { allParts, objectLocation, type CompleteResult, type UploadRef, type UploadService } from './service';

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

/**
 * sign: presigned UploadPart URLs. Planned uploads get URLs that pin each part's planned size;
 * open (facade) uploads get part numbers up to what MAX_FILE_SIZE allows. URLs never outlive the
 * upload.
 */
import { httpError } from '../http/errors';
import { partSizeOf, planOf, maxPartNumber } from '../policy/parts';
import { urlLifetime } from '../policy/expiry';
import type { FacadeUpload } from '../policy/facade-upload';
import { formatBytes } from '../policy/size';
import { distinctPartNumbers } from '../policy/part-checks';
import type { UploadTokenClaims as UploadClaims } from '../auth/upload-token';
import { listParts } from '../oss/multipart';
import { presignUploadParts } from '../oss/presign';
import type { SignedPart, UploadRef, UploadService } from './service';

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
  await checkUpload(s, upload);
  return presignPlannedParts(s, upload, partNumbers, contentMd5);
}

/**
 * The URLs alone, for part numbers already checked: no OSS call. init uses it for `signParts`
 * (the upload it has just made needs no ListParts check).
 */
export async function presignPlannedParts(
  s: UploadService,
  upload: UploadClaims,
  partNumbers: number[],
  contentMd5: Record<string, string> = {},
): Promise<{ parts: SignedPart[]; expiresAt: string }> {
  const expires = urlLifetime(upload.exp, s.now().getTime(), s.settings.urlExpiresSeconds);
  const plan = planOf(upload);
  const sizes = partNumbers.map((n) => partSizeOf(plan, n));
  // Each URL pins its part's planned size (V4: OSS refuses another length; docs/oss.md).
  const signed = await presignUploadParts(
    s.oss,
    upload.key,
    upload.uploadId,
    partNumbers.map((n, i) => ({ partNumber: n, contentMd5: contentMd5[String(n)], contentLength: sizes[i] })),
    { expires },
  );
  const parts: SignedPart[] = signed.map((p, i) => ({ partNumber: partNumbers[i], url: p.url, method: 'PUT', headers: p.headers, size: sizes[i] }));
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
  await checkUpload(s, upload, opts.checkUpload);
  const signed = await presignUploadParts(s.oss, upload.key, upload.uploadId, partNumbers.map((n) => ({ partNumber: n })), { expires });
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

/**
 * SIGN_CHECKS_UPLOAD (`override` for one call): a one-part ListParts page, which throws
 * NoSuchUpload when the upload is gone.
 */
async function checkUpload(s: UploadService, upload: UploadRef, override?: boolean): Promise<void> {
  if (override ?? s.settings.signChecksUpload) await listParts(s.oss, upload.key, upload.uploadId, { maxParts: 1 });
}

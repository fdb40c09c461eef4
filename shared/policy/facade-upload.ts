/**
 * Policy: the Uppy facade's upload id, a signed token of ours (not OSS's id) binding caller,
 * bucket, key, OSS upload id, MAX_FILE_SIZE and expiry; 400, 403 or 410 when it does not hold. Why,
 * and its length: docs/policy.md.
 */
import { httpError } from '../http/errors';
import { JwtError } from '../auth/jwt';
import { FACADE_UPLOAD_TYPE, issueOwnToken, isObjectKey, isUploadId, verifyOwnTokenOfType } from '../auth/own-tokens';
import { isSafeSegment } from './keys';
import { assertOwnUpload } from './ownership';
import { uploadExpiry } from './expiry';

/** What a facade upload id binds. */
export interface FacadeUpload {
  sub: string;
  bucket: string;
  key: string;
  /** OSS's upload id. */
  uploadId: string;
  /** MAX_FILE_SIZE when the upload was created: its parts may add up to no more. */
  maxSize: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface FacadeSettings {
  bucket: string;
  keyPrefix: string;
  secret: string;
}

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_ID_LENGTH = 4096;

/** The id `POST /s3/multipart` answers, and when it expires. */
export async function issueFacadeUpload(upload: Omit<FacadeUpload, 'exp'>, secret: string, ttlSeconds: number, nowMs: number): Promise<{ id: string; expiresAt: string }> {
  const exp = uploadExpiry(nowMs, ttlSeconds);
  const claims = { sub: upload.sub, bucket: upload.bucket, key: upload.key, uploadId: upload.uploadId, maxSize: upload.maxSize };
  if (!isWellFormed({ ...claims, exp })) throw new TypeError('facade upload claims are malformed');
  const { token } = await issueOwnToken(FACADE_UPLOAD_TYPE, claims, secret, exp, nowMs);
  return { id: token, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * The upload a facade request names by `id` (path) and `key` (query), checked as the header
 * says. `expired` is true only with `allowExpired`.
 */
export async function verifyFacadeUpload(
  id: string | undefined,
  key: string | undefined,
  caller: { sub: string },
  settings: FacadeSettings,
  nowMs: number,
  opts: { allowExpired?: boolean } = {},
): Promise<FacadeUpload & { expired: boolean }> {
  if (key === undefined || key === '') throw httpError('VALIDATION_FAILED', 'The query parameter key is required', { field: 'key' });
  const invalid = () => httpError('UPLOAD_ID_INVALID', 'The upload id is not one this service issued (or it was altered); start the upload again', { field: 'uploadId' });
  if (id === undefined || id.length > MAX_ID_LENGTH || !JWS_SHAPE.test(id)) throw invalid();
  let verified;
  try {
    verified = await verifyOwnTokenOfType(id, FACADE_UPLOAD_TYPE, settings.secret, nowMs, opts);
  } catch (e) {
    if (e instanceof JwtError) {
      if (e.reason === 'expired') throw httpError('UPLOAD_EXPIRED', 'This upload has expired; start it again');
      throw invalid();
    }
    throw e;
  }
  const c = verified.claims;
  if (!isWellFormed(c)) throw invalid();
  const upload: FacadeUpload = { sub: c.sub, bucket: c.bucket, key: c.key, uploadId: c.uploadId, maxSize: c.maxSize, exp: c.exp };
  assertOwnUpload(upload, caller, settings);
  if (key !== upload.key) throw httpError('FORBIDDEN', 'The key does not belong to this upload');
  return { ...upload, expired: verified.expired };
}

function isWellFormed(c: Record<string, unknown>): c is Record<string, unknown> & FacadeUpload {
  return (
    isSafeSegment(c.sub) &&
    typeof c.bucket === 'string' &&
    c.bucket !== '' &&
    isObjectKey(c.key) &&
    isUploadId(c.uploadId) &&
    Number.isSafeInteger(c.maxSize) &&
    (c.maxSize as number) >= 1 &&
    Number.isSafeInteger(c.exp)
  );
}

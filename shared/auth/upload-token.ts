/**
 * Upload tokens: init signs one binding caller, bucket, key, uploadId and plan; sign, list,
 * complete and abort act only on the upload a valid token names. Why the kinds of token cannot be
 * mixed up: docs/auth.md.
 */
import { httpError } from '../http/errors';
import { isSafeSegment } from '../policy/keys';
import { MAX_PARTS } from '../policy/parts';
import { JwtError } from './jwt';
import { issueOwnToken, isObjectKey, isUploadId, verifyOwnTokenOfType, UPLOAD_TOKEN_TYPE } from './own-tokens';

export { UPLOAD_TOKEN_TYPE };

/** What init knows about the upload and later calls must not be able to change. */
export interface UploadTokenInput {
  sub: string;
  bucket: string;
  key: string;
  uploadId: string;
  size: number;
  partSize: number;
  partCount: number;
  contentType: string;
}

export interface UploadTokenClaims extends UploadTokenInput {
  typ: typeof UPLOAD_TOKEN_TYPE;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

export interface IssuedUploadToken {
  token: string;
  claims: UploadTokenClaims;
  /** `exp` as ISO 8601, for init's `expiresAt`. */
  expiresAt: string;
}

export async function issueUploadToken(input: UploadTokenInput, secret: string, ttlSeconds: number, nowMs = Date.now()): Promise<IssuedUploadToken> {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  const fields = {
    sub: input.sub,
    bucket: input.bucket,
    key: input.key,
    uploadId: input.uploadId,
    size: input.size,
    partSize: input.partSize,
    partCount: input.partCount,
    contentType: input.contentType,
  };
  const iat = Math.floor(nowMs / 1000);
  assertShape({ ...fields, iat, exp: iat + ttlSeconds });
  const { token, claims } = await issueOwnToken(UPLOAD_TOKEN_TYPE, fields, secret, iat + ttlSeconds, nowMs);
  return { token, claims: claims as UploadTokenClaims, expiresAt: new Date(claims.exp * 1000).toISOString() };
}

/**
 * Verifies signature, expiry and shape. Tampered, expired, foreign-kind or malformed tokens ->
 * 401 `TOKEN_INVALID` (the message says which, never echoing the token).
 */
export async function verifyUploadToken(token: unknown, secret: string, nowMs = Date.now()): Promise<UploadTokenClaims> {
  if (typeof token !== 'string' || token === '') throw httpError('TOKEN_INVALID', 'Upload token is missing');
  let claims;
  try {
    ({ claims } = await verifyOwnTokenOfType(token, UPLOAD_TOKEN_TYPE, secret, nowMs));
  } catch (e) {
    if (e instanceof JwtError) {
      throw httpError(
        'TOKEN_INVALID',
        e.reason === 'expired' ? 'Upload token has expired; start the upload again' : e.reason === 'claims' ? 'Invalid upload token: not an upload token' : `Invalid upload token: ${e.message}`,
      );
    }
    throw e;
  }
  try {
    assertShape(claims);
  } catch {
    throw httpError('TOKEN_INVALID', 'Invalid upload token: malformed claims');
  }
  return claims as unknown as UploadTokenClaims;
}

// init only issues claims the OSS client accepts (own-tokens.ts isObjectKey / isUploadId); a token
// with others (signed with the secret, yet not made by init) is malformed, and answered 401 instead
// of failing inside the OSS client with 500 INTERNAL.
function assertShape(c: Record<string, unknown>): void {
  const str = (k: string) => typeof c[k] === 'string' && c[k] !== '';
  const int = (k: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
    Number.isSafeInteger(c[k]) && (c[k] as number) >= min && (c[k] as number) <= max;
  const ok =
    isSafeSegment(c.sub) &&
    str('bucket') &&
    isObjectKey(c.key) &&
    isUploadId(c.uploadId) &&
    str('contentType') &&
    int('size', 0) &&
    int('partSize', 1) &&
    int('partCount', 1, MAX_PARTS) &&
    // A plan that cuts `size` into exactly `partCount` parts (the last one possibly shorter).
    c.partCount === Math.max(1, Math.ceil((c.size as number) / (c.partSize as number))) &&
    int('iat', 0) &&
    int('exp', 0);
  if (!ok) throw new TypeError('upload token claims are malformed');
}

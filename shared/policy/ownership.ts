/**
 * Policy: whose an upload is. An upload, however it is named (a JSON-API upload token, a facade
 * upload id), may be acted on only by the caller it was started for, in this bucket, and only
 * when its key lies under that caller's prefix: the key is what separates callers (keys.ts).
 */
import { httpError } from '../http/errors';
import { verifyUploadToken, type UploadTokenClaims } from '../auth/upload-token';
import { keyBelongsTo } from './keys';

/** 403 `FORBIDDEN` unless `upload` is `caller`'s, in `where.bucket`, under the caller's prefix. */
export function assertOwnUpload(upload: { sub: string; bucket: string; key: string }, caller: { sub: string }, where: { bucket: string; keyPrefix: string }): void {
  if (upload.sub !== caller.sub) throw httpError('FORBIDDEN', 'This upload belongs to another caller');
  if (upload.bucket !== where.bucket) throw httpError('FORBIDDEN', 'This upload belongs to another bucket');
  // Defence in depth: even a genuinely signed upload may only name a key under its caller's prefix.
  if (!keyBelongsTo(upload.key, where.keyPrefix, upload.sub)) throw httpError('FORBIDDEN', "This upload names a key outside its caller's prefix");
}

/** The parts of the configuration `ownUploadFromToken` reads (a `Config` fits). */
export interface UploadTokenScope {
  uploadToken: { secret: string };
  oss: { bucket: string };
  policy: { keyPrefix: string };
}

/**
 * The upload a JSON-API request's `token` names (sign, list, complete, abort): 401 unless it is a
 * valid upload token, 403 unless that upload is `caller`'s, in this bucket, under its prefix.
 */
export async function ownUploadFromToken(token: unknown, caller: { sub: string }, config: UploadTokenScope, now: () => Date = () => new Date()): Promise<UploadTokenClaims> {
  const claims = await verifyUploadToken(token, config.uploadToken.secret, now().getTime());
  assertOwnUpload(claims, caller, { bucket: config.oss.bucket, keyPrefix: config.policy.keyPrefix });
  return claims;
}

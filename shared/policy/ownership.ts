/**
 * Policy: whose an upload is. An upload, however it is named (a JSON-API upload token, a facade
 * upload id), may be acted on only by the caller it was started for, in this bucket, and only
 * when its key lies under that caller's prefix: the key is what separates callers (keys.ts).
 */
import { httpError } from '../http/errors';
import { keyBelongsTo } from './keys';

/** 403 `FORBIDDEN` unless `upload` is `caller`'s, in `where.bucket`, under the caller's prefix. */
export function assertOwnUpload(upload: { sub: string; bucket: string; key: string }, caller: { sub: string }, where: { bucket: string; keyPrefix: string }): void {
  if (upload.sub !== caller.sub) throw httpError('FORBIDDEN', 'This upload belongs to another caller');
  if (upload.bucket !== where.bucket) throw httpError('FORBIDDEN', 'This upload belongs to another bucket');
  // Defence in depth: even a genuinely signed upload may only name a key under its caller's prefix.
  if (!keyBelongsTo(upload.key, where.keyPrefix, upload.sub)) throw httpError('FORBIDDEN', "This upload names a key outside its caller's prefix");
}

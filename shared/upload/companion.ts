/**
 * The Uppy Companion `/s3/*` dialect: how its requests name uploads, parts and metadata, and the
 * shapes its clients expect back. The routes (functions/companion) use these with the upload
 * operations (init.ts, sign.ts, … beside this file), so the policy (keys, types, sizes, limits, callback) is the same as for
 * the JSON API.
 *
 * Companion names an upload by `?key=` plus the upload id in the path. Our create route answers
 * a signed upload id (policy/facade-upload.ts), and every other route verifies it, with `?key=`,
 * before any OSS call (`facadeUploadOf`): caller, bucket, key, expiry.
 */
import { httpError } from '../http/errors';
import { isPlainObject } from '../http/body';
import { LONE_SURROGATE } from '../oss/endpoint';
import { validateMetadata } from '../policy/metadata';
import { checkNewObject } from '../policy/new-object';
import { verifyFacadeUpload, type FacadeUpload } from '../policy/facade-upload';
import type { Config } from '../config/index';
import type { Caller } from '../auth/caller';
import type { ListedPart, NewObjectInput } from './service';
import type { CompanionPartResult } from '../api/responses';

/**
 * The upload a Companion request names: `:uploadId` in the path (the facade's signed id), `?key=`
 * in the query; verified by policy/facade-upload.ts (400 / 403 / 410). `allowExpired`: abort.
 */
export async function facadeUploadOf(
  input: { uploadId: string; key: string },
  config: Config,
  caller: Caller,
  nowMs: number,
  opts: { allowExpired?: boolean } = {},
): Promise<FacadeUpload> {
  const { expired: _, ...upload } = await verifyFacadeUpload(
    input.uploadId,
    input.key,
    caller,
    { bucket: config.oss.bucket, keyPrefix: config.policy.keyPrefix, secret: config.uploadToken.secret },
    nowMs,
    opts,
  );
  return upload;
}

/**
 * Uppy's file metadata as object metadata. Uppy sends every meta field by default
 * (`allowedMetaFields: true`): `name`, `type`, `relativePath` (often null) and whatever the app
 * added. So instead of refusing what an unmodified Uppy sends:
 *  - names are lower-cased with other characters turned into `-` (`relativePath` -> `relativepath`);
 *  - null or non-scalar values are dropped;
 *  - every value is stored percent-encoded (`encodeURIComponent`; read it back with
 *    `decodeURIComponent`). OSS metadata are headers, so values must be printable ASCII, and a
 *    file name like `résumé.pdf` is not; Uppy cannot encode it, so the facade does, always, so
 *    that a stored value never leaves doubt whether it was encoded. (The JSON API instead takes
 *    values as given and refuses non-ASCII: its clients encode themselves.)
 * The result goes through the same checks as the JSON API (`validateMetadata`: names, 2 KiB).
 */
export function companionMetadata(raw: unknown, field = 'metadata'): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) throw httpError('VALIDATION_FAILED', `${field} must be an object`, { field });
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const key = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    if (key === '') continue;
    const text = String(value);
    // A lone surrogate has no UTF-8 form: encodeURIComponent would throw (a 500), so say so instead.
    if (LONE_SURROGATE.test(text)) {
      throw httpError('VALIDATION_FAILED', `${field}.${key} must be valid Unicode text (it holds a lone surrogate)`, { field: `${field}.${key}` });
    }
    out[key] = encodeURIComponent(text);
  }
  return validateMetadata(out, field);
}

/** `metadata[name]=value` query parameters (`GET /s3/params`), as `{name: value}`. */
export function metadataQuery(url: URL): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    const m = /^metadata\[(.*)\]$/.exec(k);
    if (m) raw[m[1]] = v;
  }
  return raw;
}

/** The new object a Companion request describes (`filename`, `type`, metadata), checked by the policy. */
export function newObjectOf(input: { filename: unknown; type?: unknown; metadata: Record<string, string> }, config: Config): NewObjectInput {
  return checkNewObject({ filename: input.filename, contentType: input.type, metadata: input.metadata }, config.policy, { contentType: 'type' });
}

/** One entry of the list route's bare array, S3 `Part` style (ETag as OSS lists it, quoted). */
export function companionPart(p: ListedPart): CompanionPartResult {
  return { PartNumber: p.partNumber, ETag: p.etag, Size: p.size, LastModified: p.lastModified };
}

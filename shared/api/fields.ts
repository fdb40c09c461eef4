/**
 * Field schemas more than one route uses. Shape only (type, format, OSS's own bounds); what the
 * configuration limits (MAX_FILE_SIZE, ALLOWED_CONTENT_TYPES…) is decided by shared/policy.
 */
import * as v from 'valibot';
import { MAX_PARTS } from '../policy/parts';

/** The upload token `POST /uploads` answered. Verified (401/403) before the rest of the body is parsed. */
export const UploadToken = v.pipe(
  v.string(),
  v.minLength(1),
  v.description('The upload token from `POST /uploads` (HS256, binds caller, bucket, key, upload id and plan).'),
);

/** A part number as JSON: 1..10,000 (OSS's range; the plan or MAX_FILE_SIZE narrows it). */
export const PartNumber = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_PARTS));

/** An ETag as OSS gave it for a part (quoted). */
export const PartEtag = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

export function IsoTime(description: string) {
  return v.pipe(v.string(), v.isoTimestamp(), v.description(description));
}

export function Url(description: string) {
  return v.pipe(v.string(), v.url(), v.description(description));
}

/** A CRC-64 as OSS writes it: unsigned decimal (a string: JSON numbers lose 64-bit precision), or null. */
export function Crc64OrNull(description: string) {
  return v.pipe(v.nullable(v.pipe(v.string(), v.regex(/^[0-9]{1,20}$/))), v.description(description));
}

/** User metadata as strings; names and values are policy (shared/policy/metadata.ts). */
export const MetadataStrings = v.record(v.string(), v.string());

/**
 * Policy: which user metadata a caller may attach to an object (stored as `x-oss-meta-*`).
 */
import { httpError } from '../http/errors';
import { isPlainObject } from '../http/body';
import { formatBytes } from './size';

/** Keys plus values, UTF-8 bytes. OSS allows 8 KB of user metadata; we keep well below. */
export const MAX_METADATA_BYTES = 2048;
const METADATA_KEY = /^[a-z0-9-]{1,64}$/;

/**
 * A flat map of string values with keys of `[a-z0-9-]` (HTTP header names are case-insensitive,
 * so mixed case could not round-trip through OSS). OSS carries metadata as `x-oss-meta-*`
 * headers, so values must be printable ASCII; a client with other text percent-encodes it (we
 * do not, because reading the value back could not tell an encoded value from a literal one).
 * Absent -> `{}`. Anything else -> 400 `VALIDATION_FAILED` naming the offending key.
 */
export function validateMetadata(raw: unknown, field = 'metadata'): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    throw httpError('VALIDATION_FAILED', `${field} must be an object of strings`, { field });
  }
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [key, value] of Object.entries(raw)) {
    const name = `${field}.${key}`;
    if (!METADATA_KEY.test(key)) {
      throw httpError('VALIDATION_FAILED', `${field} key "${key.slice(0, 64)}" must be 1-64 characters of a-z, 0-9 and -`, {
        field: name,
      });
    }
    if (typeof value !== 'string') throw httpError('VALIDATION_FAILED', `${name} must be a string`, { field: name });
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw httpError('VALIDATION_FAILED', `${name} must be printable ASCII (percent-encode other text)`, { field: name });
    }
    bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
    out[key] = value;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw httpError('VALIDATION_FAILED', `${field} must be at most ${formatBytes(MAX_METADATA_BYTES)} in total`, { field });
  }
  return out;
}

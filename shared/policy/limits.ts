/**
 * Upload policy checks: content type allow-list, maximum size, user metadata.
 */
import { httpError } from '../http/errors';
import { isPlainObject } from '../http/body';

// ---------------------------------------------------------------------------------------------
// Content types

/** Used when the client declares no content type (what OSS itself assumes for unknown data). */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
// A quoted parameter value holds printable ASCII only (no `"` or backslash): the type becomes the
// object's Content-Type header, and a header value cannot carry other text.
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*)\\s*$`);
const MAX_CONTENT_TYPE_LENGTH = 255;

/**
 * Validates a declared content type and returns it normalised: type and subtype lower-cased,
 * parameters (e.g. `charset`) kept, since the value becomes the object's Content-Type. Absent or
 * empty -> `application/octet-stream`. Anything that is not a media type (or could inject a
 * header) -> 400 `VALIDATION_FAILED`.
 */
export function normalizeContentType(raw: unknown, field = 'contentType'): string {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_CONTENT_TYPE;
  if (typeof raw !== 'string') throw httpError('VALIDATION_FAILED', `${field} must be a string`, { field });
  const m = raw.length <= MAX_CONTENT_TYPE_LENGTH ? MEDIA_TYPE.exec(raw.trim()) : null;
  if (!m) throw httpError('VALIDATION_FAILED', `${field} must be a media type like image/png`, { field });
  const params = m[3].split(';').map((p) => p.trim()).filter(Boolean);
  return [`${m[1]}/${m[2]}`.toLowerCase(), ...params].join('; ');
}

/** `type/subtype` without parameters, lower-cased. */
export function contentTypeEssence(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

const CONTENT_TYPE_PATTERN = new RegExp(`^${TOKEN}/(\\*|${TOKEN})$`);

/** `*` or `*\/*` (anything), `type/*`, or an exact `type/subtype`. */
export function isContentTypePattern(p: string): boolean {
  if (p === '*' || p === '*/*') return true;
  return CONTENT_TYPE_PATTERN.test(p) && !p.startsWith('*');
}

/**
 * Parses a comma-separated allow-list (`ALLOWED_CONTENT_TYPES`). Returns lower-cased patterns;
 * throws an Error naming the entries that are not patterns.
 */
export function parseContentTypePatterns(list: string): string[] {
  const patterns = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = patterns.filter((p) => !isContentTypePattern(p));
  if (bad.length > 0) throw new Error(`has entries that are not media type patterns: ${bad.join(', ')}`);
  return patterns.map((p) => (p === '*' ? '*/*' : p));
}

export function contentTypeAllowed(contentType: string, patterns: readonly string[]): boolean {
  const essence = contentTypeEssence(contentType);
  const type = essence.split('/')[0];
  return patterns.some((p) => p === '*/*' || p === '*' || p === essence || (p.endsWith('/*') && p.slice(0, -2) === type));
}

/** 415 `UNSUPPORTED_MEDIA_TYPE` when `contentType` matches no pattern. */
export function assertContentTypeAllowed(contentType: string, patterns: readonly string[]): void {
  if (!contentTypeAllowed(contentType, patterns)) {
    throw httpError('UNSUPPORTED_MEDIA_TYPE', `Content type ${contentTypeEssence(contentType)} is not allowed`, {
      allowed: [...patterns],
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Size

/** 400 when `size` is not a non-negative integer; 413 `FILE_TOO_LARGE` when over `maxFileSize`. */
export function assertSizeAllowed(size: unknown, maxFileSize: number, field = 'size'): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw httpError('VALIDATION_FAILED', `${field} must be a non-negative integer number of bytes`, { field });
  }
  if (size > maxFileSize) {
    throw httpError('FILE_TOO_LARGE', `File is larger than the ${maxFileSize}-byte limit`, { maxFileSize });
  }
  return size;
}

// ---------------------------------------------------------------------------------------------
// User metadata (becomes `x-oss-meta-<key>` headers)

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
    throw httpError('VALIDATION_FAILED', `${field} must be at most ${MAX_METADATA_BYTES} bytes in total`, { field });
  }
  return out;
}

/**
 * Policy: which content types a caller may store. The declared type is normalised (it becomes the
 * object's Content-Type) and checked against ALLOWED_CONTENT_TYPES on every path (JSON API init,
 * the Uppy facade's create, the POST form).
 */
import { httpError } from '../http/errors';

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


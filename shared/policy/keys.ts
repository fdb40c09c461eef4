/**
 * Object-key layout `<KEY_PREFIX>/<sub>/<yyyy>/<mm>/<random>/<sanitised filename>`, and whose a key
 * is. The key alone separates callers; why each segment is chosen or cleaned: docs/policy.md.
 */
import { randomBytes } from 'node:crypto';
import { httpError } from '../http/errors';

/** OSS: a key is 1..1023 UTF-8 bytes (docs/oss.md, "Object keys"). */
export const MAX_KEY_BYTES = 1023;
/** The sanitised filename's budget, leaving room for the rest of the key. */
export const MAX_FILENAME_BYTES = 200;
/** Raw filenames longer than this are refused (400) rather than sanitised. */
export const MAX_RAW_FILENAME_BYTES = 4096;
/** A subject or prefix segment longer than this is refused. */
export const MAX_SEGMENT_BYTES = 128;
export const MAX_PREFIX_BYTES = 256;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

// A segment the server builds keys from (the caller's sub, prefix parts). Conservative on purpose:
// no `/`, `\`, `%`, whitespace or controls, and nothing a URL or shell treats specially, so the
// segment means the same thing percent-encoded or not. `|` and `@` are kept because common
// identity providers use them in `sub` (e.g. `auth0|64f…`, e-mail addresses).
const SAFE_SEGMENT = /^[A-Za-z0-9._@|+=:~-]+$/;

/** True when `s` can be used verbatim as one key segment. */
export function isSafeSegment(s: unknown, maxBytes = MAX_SEGMENT_BYTES): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= maxBytes && SAFE_SEGMENT.test(s) && !/^\.+$/.test(s);
}

/** Characters allowed in a safe segment, for error messages. */
export const SAFE_SEGMENT_HINT = 'letters, digits and . _ @ | + = : ~ - (not only dots)';

/**
 * Cleans a configured key prefix: surrounding slashes are dropped; every segment must be safe.
 * Returns the prefix without slashes at either end, or throws an Error describing the problem.
 */
export function normalizeKeyPrefix(prefix: string): string {
  const p = prefix.trim().replace(/^\/+|\/+$/g, '');
  if (p === '') throw new Error('must not be empty (it confines uploads and the sweeper)');
  if (utf8Bytes(p) > MAX_PREFIX_BYTES) throw new Error(`must be at most ${MAX_PREFIX_BYTES} bytes`);
  for (const seg of p.split('/')) {
    if (!isSafeSegment(seg)) throw new Error(`has an invalid segment "${seg}": use ${SAFE_SEGMENT_HINT}`);
  }
  return p;
}

// C0/C1 controls (whitespace controls are handled by the whitespace rule first) and invisible
// format characters that can disguise a name: bidi overrides/isolates (the "exe.txt" trick),
// LRM/RLM, word joiner and invisible operators, BOM. ZWJ/ZWNJ stay: emoji sequences need them.
const INVISIBLE = /[\p{Cc}\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;
// Lone surrogates cannot be encoded as UTF-8 (they would turn into U+FFFD); remove them. The `g`
// twin of oss/endpoint.ts LONE_SURROGATE, kept a literal: `new RegExp(source, 'g')` would be a
// module-level call the bundler keeps even in bundles that never sanitize (callback, sweep).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Characters Windows cannot store in a file name. The key's last segment is what download tools
// and browsers offer as the file name, so these become `_`.
const WINDOWS_RESERVED = /[<>:"|?*]/g;

/**
 * Turns any string into one safe filename segment (never empty, at most `maxBytes` UTF-8 bytes,
 * no `/` or `\`, not `.` or `..`, no control characters). Unicode letters and emoji are kept.
 */
export function sanitizeFilename(name: string, maxBytes = MAX_FILENAME_BYTES): string {
  let s = String(name).replace(LONE_SURROGATE, '').normalize('NFC');
  // Whitespace controls (tab, newline…) first become spaces; other controls disappear.
  s = s.replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ').replace(INVISIBLE, '');
  // Keep only the last path component, whichever separator the client's OS used.
  const components = s.split(/[/\\]/).filter((part) => part.trim() !== '');
  s = components.length > 0 ? components[components.length - 1] : '';
  s = s.replace(WINDOWS_RESERVED, '_');
  s = s.replace(/\s+/gu, ' ').trim();
  if (/^\.+$/.test(s)) s = '';
  s = truncateKeepingExtension(s, maxBytes);
  return s === '' ? 'file' : s;
}

function truncateKeepingExtension(s: string, maxBytes: number): string {
  if (utf8Bytes(s) <= maxBytes) return s;
  const dot = s.lastIndexOf('.');
  let ext = dot > 0 ? s.slice(dot) : '';
  // Something after the last dot that is long or has spaces is not an extension worth keeping.
  if (utf8Bytes(ext) > Math.min(32, Math.floor(maxBytes / 2)) || /\s/.test(ext)) ext = '';
  const stem = ext ? s.slice(0, dot) : s;
  return cutToBytes(stem, maxBytes - utf8Bytes(ext)).trimEnd() + ext;
}

let segmenter: Intl.Segmenter | undefined;

/**
 * The longest prefix of `s` within `maxBytes` UTF-8 bytes, cut between grapheme clusters so an
 * emoji or accented letter is not split. One cluster larger than the budget (e.g. hundreds of
 * combining marks) is cut by code points instead. Never splits a code point.
 */
function cutToBytes(s: string, maxBytes: number): string {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(s)) {
    const b = utf8Bytes(segment);
    if (used + b > maxBytes) {
      if (out === '') {
        for (const cp of segment) {
          const cb = utf8Bytes(cp);
          if (used + cb > maxBytes) break;
          out += cp;
          used += cb;
        }
      }
      break;
    }
    out += segment;
    used += b;
  }
  return out;
}

/**
 * Checks that a client-supplied filename is usable at all (see the module comment) and returns
 * it unchanged; `buildObjectKey` sanitises it. Throws 400 `VALIDATION_FAILED` naming `field`.
 */
export function validateFilename(raw: unknown, field = 'filename'): string {
  if (typeof raw !== 'string') {
    throw httpError('VALIDATION_FAILED', `${field} ${raw === undefined ? 'is required' : 'must be a string'}`, { field });
  }
  if (raw.trim() === '') throw httpError('VALIDATION_FAILED', `${field} must not be empty`, { field });
  if (utf8Bytes(raw) > MAX_RAW_FILENAME_BYTES) {
    throw httpError('VALIDATION_FAILED', `${field} must be at most ${MAX_RAW_FILENAME_BYTES} bytes`, { field });
  }
  return raw;
}

/** 16 URL-safe characters (96 random bits). */
export function randomKeyId(): string {
  return randomBytes(12).toString('base64url');
}

export interface ObjectKeyInput {
  prefix: string;
  sub: string;
  filename: string;
  /** Upload time; its UTC year and month go into the key. Default: now. */
  now?: Date;
  /** The random segment; default `randomKeyId()`. Injectable for tests. */
  random?: string;
}

/**
 * `<prefix>/<sub>/<yyyy>/<mm>/<random>/<sanitised filename>`, at most 1023 UTF-8 bytes.
 * The filename gets whatever budget the rest of the key leaves (at most 200 bytes).
 * An unsafe `sub` or `random` is a programming error here (authentication checks `sub` first).
 */
export function buildObjectKey(input: ObjectKeyInput): string {
  const prefix = normalizeKeyPrefix(input.prefix);
  if (!isSafeSegment(input.sub)) throw new TypeError('buildObjectKey: sub is not a safe key segment');
  const random = input.random ?? randomKeyId();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(random)) throw new TypeError('buildObjectKey: random must be 1-64 URL-safe characters');
  const now = input.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new TypeError('buildObjectKey: invalid date');
  const yyyy = String(now.getUTCFullYear()).padStart(4, '0');
  const mm = String(now.getUTCMonth() + 1).padStart(2, '0');
  const head = `${prefix}/${input.sub}/${yyyy}/${mm}/${random}/`;
  const budget = Math.min(MAX_FILENAME_BYTES, MAX_KEY_BYTES - utf8Bytes(head));
  return head + sanitizeFilename(input.filename, budget);
}

/** The prefix under which every upload of `sub` lives (with a trailing slash). */
export function callerPrefix(prefix: string, sub: string): string {
  if (!isSafeSegment(sub)) throw new TypeError('callerPrefix: sub is not a safe key segment');
  return `${normalizeKeyPrefix(prefix)}/${sub}/`;
}

/**
 * True when `key` lies under the caller's prefix and has no `.`/`..` segment, i.e. it is a key
 * this caller may act on. For routes where the client names the key (the Uppy companion API)
 * and for callback bodies. A `sub` that is not a safe segment owns nothing: false, not a throw,
 * since callers pass values from outside (a callback body's `sub`).
 */
export function keyBelongsTo(key: unknown, prefix: string, sub: unknown): boolean {
  if (typeof key !== 'string' || utf8Bytes(key) > MAX_KEY_BYTES || !isSafeSegment(sub)) return false;
  const own = callerPrefix(prefix, sub);
  if (!key.startsWith(own) || key.length === own.length) return false;
  return key.split('/').every((seg) => seg !== '.' && seg !== '..' && seg !== '');
}


/**
 * The caller a stored key belongs to, when the key has exactly the layout `buildObjectKey` makes
 * under `prefix` (`<prefix>/<sub>/<yyyy>/<mm>/<random>/<filename>`); undefined for any other key.
 * The events function uses it to tell our uploads from objects put there some other way.
 */
export function parseObjectKey(key: string, prefix: string): { sub: string } | undefined {
  const head = `${normalizeKeyPrefix(prefix)}/`;
  if (!key.startsWith(head) || utf8Bytes(key) > MAX_KEY_BYTES) return undefined;
  const segs = key.slice(head.length).split('/');
  if (segs.length !== 5) return undefined;
  const [sub, yyyy, mm, random, filename] = segs;
  if (!isSafeSegment(sub) || !/^\d{4}$/.test(yyyy) || !/^(0[1-9]|1[0-2])$/.test(mm) || !/^[A-Za-z0-9_-]{1,64}$/.test(random)) return undefined;
  if (filename === '' || filename === '.' || filename === '..') return undefined;
  return { sub };
}

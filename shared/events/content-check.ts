/**
 * Is the stored file what it claims to be? Its first bytes (one ranged GET) go to file-type, and
 * the verdict is compared with the declared Content-Type and ALLOWED_CONTENT_TYPES. The rules:
 * docs/events.md.
 */
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type/core';
import { contentTypeAllowed, contentTypeEssence } from '../policy/content-type';
import type { ContentCheck } from './event';

/** How much of the object is read: file-type needs 4100 bytes for most formats, ZIP-based ones more. */
export const CHECK_BYTES = 64 * 1024;

/** Names that mean the same type (the right-hand one is what file-type reports). */
const SYNONYMS: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/vnd.microsoft.icon': 'image/x-icon',
  'audio/mp3': 'audio/mpeg',
  'audio/x-mp3': 'audio/mpeg',
  'audio/x-mpeg': 'audio/mpeg',
  'audio/wave': 'audio/wav',
  'audio/x-wav': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp4': 'audio/x-m4a',
  'audio/m4a': 'audio/x-m4a',
  'application/x-zip-compressed': 'application/zip',
  'application/x-pdf': 'application/pdf',
  'application/x-gzip': 'application/gzip',
  'text/xml': 'application/xml',
};

/** Containers file-type may report for formats built on them: detected -> declared types it admits. */
const CONTAINERS: Readonly<Record<string, (declared: string) => boolean>> = {
  'application/zip': (d) => d.endsWith('+zip') || d.startsWith('application/vnd.openxmlformats-officedocument.') || d.startsWith('application/vnd.oasis.opendocument.') || d === 'application/java-archive',
  'application/x-cfb': (d) => d === 'application/msword' || d.startsWith('application/vnd.ms-'),
  'application/xml': (d) => d.endsWith('+xml'),
};

const GENERIC = new Set(['application/octet-stream', 'binary/octet-stream', 'application/unknown']);

const canonical = (t: string): string => SYNONYMS[t] ?? t;

export interface CheckInput {
  /** The stored Content-Type (parameters allowed). */
  declared: string;
  /** The object's first bytes (up to CHECK_BYTES). */
  head: Uint8Array;
  /** ALLOWED_CONTENT_TYPES patterns. */
  allowed: readonly string[];
}

export async function checkContent(input: CheckInput): Promise<ContentCheck> {
  const declared = contentTypeEssence(input.declared || 'application/octet-stream');
  const found = input.head.byteLength > 0 ? await fileTypeFromBuffer(input.head) : undefined;
  const detected = found?.mime ?? null;
  const verdict = (result: ContentCheck['result'], reason?: string): ContentCheck => ({ result, declared, detected, ...(reason ? { reason } : {}) });

  if (!contentTypeAllowed(declared, input.allowed)) return verdict('not-allowed', `the declared type ${declared} is not allowed`);
  if (detected !== null && !contentTypeAllowed(detected, input.allowed)) return verdict('not-allowed', `the bytes are ${detected}, which is not allowed`);

  const want = canonical(declared);
  if (detected === null) {
    if (supportedMimeTypes.has(want) && !GENERIC.has(want)) return verdict('mismatch', `declared ${declared}, but the bytes are not ${declared}`);
    return verdict('declared-only');
  }
  const got = canonical(detected);
  if (GENERIC.has(want) || got === want || CONTAINERS[got]?.(want)) return verdict('verified');
  return verdict('mismatch', `declared ${declared}, but the bytes are ${detected}`);
}

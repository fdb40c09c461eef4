/**
 * The event the application receives about a stored object (`upload.completed`, `upload.rejected`;
 * schema: shared/api/events.ts). Its id and body come from the object only, so every delivery of
 * one object is the same event (docs/events.md).
 */
import { createHash } from 'node:crypto';

export type UploadEventType = 'upload.completed' | 'upload.rejected';

/** The content check's verdict (content-check.ts). */
export interface ContentCheck {
  /**
   * `verified`: the bytes are the declared type (or the declared type is generic and the bytes
   * were recognised); `declared-only`: a type without magic bytes (text, CSV, JSON…), accepted on
   * the declared type; `mismatch` / `not-allowed`: rejected.
   */
  result: 'verified' | 'declared-only' | 'mismatch' | 'not-allowed';
  /** The stored Content-Type, without parameters. */
  declared: string;
  /** What the bytes are, when recognised. */
  detected: string | null;
  /** Why, in a sentence (for rejections). */
  reason?: string;
}

export interface UploadEventData {
  bucket: string;
  key: string;
  size: number;
  /** Without quotes, as OSS's event notification has it. */
  etag: string;
  /** CRC-64/ECMA of the object, a decimal string as OSS writes it; null when OSS reports none. */
  crc64: string | null;
  /** The stored Content-Type. */
  contentType: string;
  /** The caller who uploaded it (the key's second segment). */
  sub: string;
  /** The upload's user metadata (the object's x-oss-meta-*). */
  metadata: Record<string, string>;
  /** When OSS stored the object (its Last-Modified). */
  storedAt: string;
  check: ContentCheck;
  /** For `upload.rejected`: what became of the object. It no longer answers at `key` either way. */
  quarantine?: { action: 'moved'; key: string } | { action: 'deleted' };
}

export interface UploadEvent {
  id: string;
  type: UploadEventType;
  /** When the event happened: the object's storage time (so every delivery has the same body). */
  timestamp: string;
  data: UploadEventData;
}

/** ETags compare without quotes and case. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/"/g, '').trim().toUpperCase();
}

/** `evt_` + 128 bits of SHA-256 over bucket, key and ETag: the same object, the same id. */
export function eventIdFor(bucket: string, key: string, etag: string): string {
  const h = createHash('sha256').update(`${bucket}\n${key}\n${normalizeEtag(etag)}`, 'utf8').digest('hex');
  return `evt_${h.slice(0, 32)}`;
}

/**
 * Policy: the OSS upload callback. What we ask OSS to send (the body template and its variables)
 * and what a verified callback must then hold (`checkCallbackFacts`): our bucket, a key under its
 * caller's prefix, and an issue time no older than the upload token lifetime, so a captured
 * genuine callback cannot be replayed for ever. (Within that window it can: README, "Security
 * model".) The signature is checked before any of this (shared/oss/callback.ts).
 */
import { httpError } from '../http/errors';
import { isSafeSegment, keyBelongsTo } from './keys';

/**
 * The callback body OSS expands (JSON mode): bare variables become JSON strings or numbers;
 * crc64 is quoted because a 20-digit number would lose precision in any JSON parser.
 */
export const CALLBACK_BODY =
  '{"bucket":${bucket},"key":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},' +
  '"crc64":"${crc64}","uploadId":${x:upload_id},"sub":${x:sub},"issuedAt":${x:issued_at}}';

/** The callback variables for an upload of `sub` (`uploadId` '' for a POST form), issued now. */
export function callbackVariables(sub: string, uploadId: string, nowMs: number): Record<string, string> {
  return { 'x:sub': sub, 'x:upload_id': uploadId, 'x:issued_at': String(Math.floor(nowMs / 1000)) };
}

export interface CallbackFacts {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  mimeType: string;
  crc64: string;
  uploadId: string;
  sub: string;
  /** Seconds since the epoch, when complete (or the form) asked for this callback. */
  issuedAt: number;
}

/** Clocks of two instances may differ this much: a callback issued "in the future" by less is fine. */
const FUTURE_TOLERANCE_SECONDS = 300;

/** 400 `VALIDATION_FAILED` naming the field, unless the (verified) facts are ones we asked for, fresh. */
export function checkCallbackFacts(facts: CallbackFacts, expect: { bucket: string; keyPrefix: string; maxAgeSeconds: number }, nowMs: number): void {
  if (facts.bucket !== expect.bucket) throw httpError('VALIDATION_FAILED', 'Callback names another bucket', { field: 'bucket' });
  if (!isSafeSegment(facts.sub)) throw httpError('VALIDATION_FAILED', 'Callback sub is not a caller id', { field: 'sub' });
  if (!keyBelongsTo(facts.key, expect.keyPrefix, facts.sub)) {
    throw httpError('VALIDATION_FAILED', "Callback key is not under its caller's prefix", { field: 'key' });
  }
  if (facts.crc64 !== '' && !/^\d{1,20}$/.test(facts.crc64)) throw httpError('VALIDATION_FAILED', 'Callback crc64 must be decimal', { field: 'crc64' });
  const age = Math.floor(nowMs / 1000) - facts.issuedAt;
  if (age > expect.maxAgeSeconds || age < -FUTURE_TOLERANCE_SECONDS) {
    throw httpError('VALIDATION_FAILED', `Callback is stale: issued ${age} s ago, more than the upload token lifetime (${expect.maxAgeSeconds} s)`, { field: 'issuedAt' });
  }
}

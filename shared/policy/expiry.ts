/**
 * Policy: how long an upload and what it hands out stay usable.
 *  - An upload (JSON-API upload token, facade upload id) lives UPLOAD_TOKEN_TTL_SECONDS from its
 *    start; its tokens are refused from their `exp` on, with no clock tolerance (auth/jwt.ts).
 *  - A part URL or form lives URL_EXPIRES_SECONDS, and never beyond the upload's own expiry: past
 *    it the upload can no longer be completed by us.
 */

/** The `exp` (seconds) of an upload started at `nowMs`. */
export function uploadExpiry(nowMs: number, ttlSeconds: number): number {
  return Math.floor(nowMs / 1000) + ttlSeconds;
}

/** Seconds a presigned URL for an upload expiring at `uploadExp` may live: at least 1. */
export function urlLifetime(uploadExp: number, nowMs: number, urlExpiresSeconds: number): number {
  const left = Math.floor((uploadExp * 1000 - nowMs) / 1000);
  return Math.max(1, Math.min(urlExpiresSeconds, left));
}

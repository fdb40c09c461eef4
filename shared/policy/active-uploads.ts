/**
 * Policy: at most MAX_ACTIVE_UPLOADS unfinished uploads per caller, checked before and after
 * initiating so it holds under concurrency without a database. Why at most N survive:
 * docs/policy.md.
 */

export interface ListedUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/** Step 1: `active` counted up to `limit`; 0 = unlimited. */
export function atActiveUploadLimit(active: number, limit: number): boolean {
  return limit > 0 && active >= limit;
}

/**
 * Step 2: may the upload `mine`, just initiated, stay? `listed` is every upload under the
 * caller's prefix, listed after `mine` was initiated. If the listing lacks `mine` (it should not:
 * OSS lists what it has), it is counted as initiated after all of them.
 */
export function keepsNewUpload(listed: readonly ListedUpload[], mine: { key: string; uploadId: string }, limit: number): boolean {
  if (limit <= 0) return true;
  const own = listed.find((u) => u.uploadId === mine.uploadId && u.key === mine.key);
  if (!own) return listed.length + 1 <= limit;
  const t = own.initiated.getTime();
  let count = 0;
  for (const u of listed) if (u.initiated.getTime() <= t) count++;
  return count <= limit;
}

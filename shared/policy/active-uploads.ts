/**
 * Policy: at most MAX_ACTIVE_UPLOADS unfinished uploads per caller, held under concurrency
 * without a database. OSS is the only state, so the rule is checked twice (service.ts):
 *  1. before initiating: a caller already at the limit is refused without an OSS write
 *     (`atActiveUploadLimit`, a cheap listing that stops at the limit);
 *  2. after initiating: the caller's uploads are listed, and the new one survives only if the
 *     uploads initiated no later than it, itself and same-second ones included whatever their id,
 *     number at most the limit (`keepsNewUpload`). Otherwise it is aborted and the create
 *     answers 429.
 *
 * Why at most N survive, whatever the interleaving: take the survivor initiated last in real time.
 * Every other survivor was initiated before it, so before its listing, which therefore showed all
 * of them, each with an `Initiated` at or before its own (OSS reports whole seconds; ties count
 * against it). Had there been N+1 survivors, it would have counted N+1 and refused itself.
 * (Comparing by (time, upload id) instead would let two uploads of the same second, one listed
 * before the other was initiated, both survive: N+1.) The price: under a burst it may refuse more
 * than strictly needed; a refused caller retries.
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

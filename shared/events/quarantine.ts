/**
 * Quarantine: an object that failed the content check is moved or deleted, and its rejection record
 * kept, under QUARANTINE_PREFIX; the sweeper's part. Layout and why retries stay right:
 * docs/events.md.
 */
import type { OssClient } from '../oss/client';
import { copyObject, deleteObject, getObject, putObject } from '../oss/objects';
import { iterateObjects } from '../oss/paginators';
import { OssError } from '../oss/errors';
import type { UploadEvent } from './event';

export interface QuarantineSettings {
  mode: 'move' | 'delete';
  prefix: string;
}

export function quarantineKeys(prefix: string, id: string): { object: string; record: string } {
  return { object: `${prefix}/${id}`, record: `${prefix}/${id}.json` };
}

/** What the rejected event says became of the object (decided before anything is moved). */
export function quarantineOutcome(q: QuarantineSettings, id: string): NonNullable<UploadEvent['data']['quarantine']> {
  return q.mode === 'move' ? { action: 'moved', key: quarantineKeys(q.prefix, id).object } : { action: 'deleted' };
}

/**
 * Record, (copy,) delete. Every step may be repeated: a retry after any of them ends the same.
 * Returns false when the object at `key` is no longer the one checked (its ETag changed): then
 * nothing is deleted.
 */
export async function quarantine(oss: OssClient, q: QuarantineSettings, key: string, etag: string, event: UploadEvent): Promise<boolean> {
  const { object, record } = quarantineKeys(q.prefix, event.id);
  await putObject(oss, record, JSON.stringify(event), { contentType: 'application/json' });
  if (q.mode === 'move') {
    try {
      await copyObject(oss, key, object, { ifMatch: etag });
    } catch (e) {
      if (e instanceof OssError && e.status === 412) return false;
      throw e;
    }
  }
  await deleteObject(oss, key);
  return true;
}

/** The rejection recorded for event `id`, if any. */
export async function recordedRejection(oss: OssClient, prefix: string, id: string): Promise<UploadEvent | undefined> {
  let text: string;
  try {
    text = Buffer.from((await getObject(oss, quarantineKeys(prefix, id).record)).body).toString('utf8');
  } catch (e) {
    if (e instanceof OssError && e.status === 404) return undefined;
    throw e;
  }
  const event = JSON.parse(text) as UploadEvent;
  // Written by us under our own prefix; still, never deliver a record that is not this event.
  if (event?.id !== id || event.type !== 'upload.rejected') throw new Error(`quarantine record for ${id} does not hold its rejection`);
  return event;
}

export interface QuarantineSweepReport {
  prefix: string;
  cutoff: string;
  dryRun: boolean;
  scanned: number;
  expired: number;
  deleted: number;
  failed: number;
  truncated: boolean;
}

/** Deletes what lies under `<prefix>/` and was last modified before now - maxAgeHours. */
export async function sweepQuarantine(
  oss: OssClient,
  opts: { prefix: string; maxAgeHours: number; dryRun: boolean; now?: Date; maxDeletes?: number },
): Promise<QuarantineSweepReport> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.maxAgeHours * 3600_000);
  const report: QuarantineSweepReport = { prefix: `${opts.prefix}/`, cutoff: cutoff.toISOString(), dryRun: opts.dryRun, scanned: 0, expired: 0, deleted: 0, failed: 0, truncated: false };
  for await (const o of iterateObjects(oss, { prefix: `${opts.prefix}/` })) {
    report.scanned++;
    if (o.lastModified.getTime() >= cutoff.getTime()) continue;
    report.expired++;
    if (opts.dryRun) continue;
    if (opts.maxDeletes !== undefined && report.deleted >= opts.maxDeletes) {
      report.truncated = true;
      break;
    }
    try {
      await deleteObject(oss, o.key);
      report.deleted++;
    } catch {
      report.failed++;
    }
  }
  return report;
}

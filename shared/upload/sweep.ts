/**
 * Aborting abandoned multipart uploads: their parts cost storage until someone aborts them, and
 * a browser that closed its tab never will. Used by the sweep function (timer trigger) and the CLI.
 */
import type { OssClient } from '../oss/client';
import { abortMultipartUpload, isNoSuchUpload } from '../oss/multipart';
import { iterateMultipartUploads } from '../oss/paginators';

export interface SweepOptions {
  /** Only uploads under this key prefix are considered. */
  prefix: string;
  maxAgeHours: number;
  dryRun: boolean;
  now?: Date;
  /** Stop after this many aborts, so one run stays within the function timeout. */
  maxAborts?: number;
}

export interface SweepReport {
  prefix: string;
  dryRun: boolean;
  cutoff: string;
  scanned: number;
  stale: number;
  aborted: number;
  failed: number;
  /** Up to 100 of the stale uploads, for the log. */
  uploads: Array<{ key: string; uploadId: string; initiated: string; result: 'aborted' | 'gone' | 'would-abort' | 'failed' }>;
  truncated: boolean;
}

export async function sweepStaleUploads(oss: OssClient, opts: SweepOptions): Promise<SweepReport> {
  if (!(opts.maxAgeHours > 0)) throw new RangeError('maxAgeHours must be positive');
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.maxAgeHours * 3600_000);
  const report: SweepReport = {
    prefix: opts.prefix,
    dryRun: opts.dryRun,
    cutoff: cutoff.toISOString(),
    scanned: 0,
    stale: 0,
    aborted: 0,
    failed: 0,
    uploads: [],
    truncated: false,
  };
  const note = (u: { key: string; uploadId: string; initiated: Date }, result: SweepReport['uploads'][number]['result']) => {
    if (report.uploads.length < 100) report.uploads.push({ key: u.key, uploadId: u.uploadId, initiated: u.initiated.toISOString(), result });
  };
  for await (const u of iterateMultipartUploads(oss, { prefix: opts.prefix })) {
    report.scanned++;
    if (u.initiated.getTime() >= cutoff.getTime()) continue;
    report.stale++;
    if (opts.dryRun) {
      note(u, 'would-abort');
      continue;
    }
    if (opts.maxAborts !== undefined && report.aborted >= opts.maxAborts) {
      report.truncated = true;
      break;
    }
    try {
      await abortMultipartUpload(oss, u.key, u.uploadId);
      report.aborted++;
      note(u, 'aborted');
    } catch (err) {
      if (isNoSuchUpload(err)) {
        note(u, 'gone'); // completed or aborted since the listing: nothing left to do
      } else {
        report.failed++;
        note(u, 'failed');
      }
    }
  }
  return report;
}

/**
 * One sweep, as the timer runs it and as `npm run cli -- sweep` runs it by hand: stale multipart
 * uploads under KEY_PREFIX, then the quarantine past QUARANTINE_MAX_AGE_HOURS. `max` bounds the
 * aborts and, apart, the deletes.
 */
import type { Config } from '../../shared/config/index';
import type { OssClient } from '../../shared/oss/client';
import { normalizeKeyPrefix } from '../../shared/policy/keys';
import { sweepStaleUploads, type SweepReport } from '../../shared/upload/sweep';
import { sweepQuarantine, type QuarantineSweepReport } from '../../shared/events/quarantine';

export type FullSweepReport = SweepReport & { quarantine: QuarantineSweepReport };

export async function sweepAll(oss: OssClient, config: Config, opts: { dryRun: boolean; max: number; now?: Date }): Promise<FullSweepReport> {
  const { dryRun, max, now } = opts;
  const uploads = await sweepStaleUploads(oss, {
    prefix: `${normalizeKeyPrefix(config.policy.keyPrefix)}/`,
    maxAgeHours: config.sweep.maxAgeHours,
    dryRun,
    now,
    maxAborts: max,
  });
  const { prefix, maxAgeHours } = config.events.quarantine;
  const quarantine = await sweepQuarantine(oss, { prefix, maxAgeHours, dryRun, now, maxDeletes: max });
  return { ...uploads, quarantine };
}

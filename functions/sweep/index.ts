/**
 * sweep: timer trigger. Aborts multipart uploads under KEY_PREFIX initiated more than
 * SWEEP_MAX_AGE_HOURS ago (ListMultipartUploads, paged), and deletes what lies under
 * QUARANTINE_PREFIX for longer than QUARANTINE_MAX_AGE_HOURS (shared/events/quarantine.ts). The
 * timer's `payload` may be JSON `{"dryRun": true}` to override SWEEP_DRY_RUN for one run.
 * Returns and logs the report.
 */
import { parseEvent, type FcContext, type RawFcEvent } from '../../shared/http/fc-adapter';
import { configOf, ossClientFor, type Deps } from '../../shared/runtime';
import { INTERNAL } from '../../shared/config/index';
import { sweepAll, type FullSweepReport } from './run';

export function createHandler(deps: Deps = {}) {
  return async (event: RawFcEvent, context: FcContext): Promise<FullSweepReport> => {
    const config = configOf(deps, INTERNAL);
    const dryRun = dryRunOverride(event) ?? config.sweep.dryRun;
    const report = await sweepAll(ossClientFor(context, config, deps), config, { dryRun, max: 5000, now: deps.now?.() });
    const { uploads, ...summary } = report;
    console.log(JSON.stringify({ level: 'info', fn: 'sweep', requestId: context?.requestId, ...summary }));
    return report;
  };
}

/** `{"dryRun": true|false}` in the timer payload; anything else leaves the configured mode. */
function dryRunOverride(event: RawFcEvent): boolean | undefined {
  let payload: unknown;
  try {
    payload = parseEvent(event).payload;
  } catch {
    return undefined;
  }
  if (typeof payload !== 'string' || payload.trim() === '') return undefined;
  try {
    const p = JSON.parse(payload) as { dryRun?: unknown };
    return typeof p?.dryRun === 'boolean' ? p.dryRun : undefined;
  } catch {
    return undefined;
  }
}

export const handler = createHandler();

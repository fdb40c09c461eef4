/**
 * `sweep`: what the sweep function does on its timer, run by hand: aborts multipart uploads under
 * KEY_PREFIX initiated more than SWEEP_MAX_AGE_HOURS ago (shared/upload/sweep.ts) and deletes what
 * has been in the quarantine longer than QUARANTINE_MAX_AGE_HOURS (shared/events/quarantine.ts),
 * or with --dry-run only lists them.
 *
 * Configuration comes from the same variables the functions read (shared/config/), validated by
 * the same parser, but only the ones sweeping needs: OSS_*, KEY_PREFIX, SWEEP_*, QUARANTINE_*,
 * OSS_TIMEOUT_MS and the ALIBABA_CLOUD_* credentials (there is no function role here).
 * Caller-auth and upload-token settings are not needed and not read.
 */
import { parseArgs } from 'node:util';
import { ConfigError, INTERNAL, parseConfig } from '../../shared/config/index.ts';
import { ossClientFor } from '../../shared/runtime.ts';
import { sweepAll, type FullSweepReport } from '../../functions/sweep/run.ts';
import { EXIT_FAILURE, EXIT_USAGE, UsageError, type CliIo, type Command } from './common.ts';

export const usage = `usage: npm run --silent cli -- sweep [flags]

Aborts multipart uploads under KEY_PREFIX that were started more than SWEEP_MAX_AGE_HOURS ago,
and deletes objects kept in the quarantine (QUARANTINE_PREFIX) longer than
QUARANTINE_MAX_AGE_HOURS (what the sweep function does on its timer).

flags:
  --dry-run               only list what would be aborted and deleted (default: SWEEP_DRY_RUN, else false)
  --max-age-hours H       override SWEEP_MAX_AGE_HOURS (default 24; the quarantine keeps its own age)
  --max-aborts N          stop after N aborts, and after N quarantine deletes (default 5000, like the function)
  --json                  print the report as JSON (the function's: the uploads, and \`quarantine\`)

environment (as for the functions, see shared/config/):
  OSS_REGION, OSS_BUCKET (required); OSS_ENDPOINT, OSS_FORCE_PATH_STYLE, OSS_SIGNATURE_VERSION,
  OSS_TIMEOUT_MS, KEY_PREFIX, SWEEP_MAX_AGE_HOURS, SWEEP_DRY_RUN, QUARANTINE_PREFIX,
  QUARANTINE_MAX_AGE_HOURS;
  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (required), ALIBABA_CLOUD_SECURITY_TOKEN

exit codes: 0 done (nothing failed), 1 some aborts failed or OSS refused, 2 bad flags or configuration
`;

/** The variables sweeping reads; the rest of the function configuration is irrelevant here. */
const SWEEP_VARIABLES = [
  'OSS_REGION',
  'OSS_BUCKET',
  'OSS_ENDPOINT',
  'OSS_PUBLIC_ENDPOINT',
  'OSS_FORCE_PATH_STYLE',
  'OSS_SIGNATURE_VERSION',
  'OSS_TIMEOUT_MS',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'KEY_PREFIX',
  'SWEEP_MAX_AGE_HOURS',
  'SWEEP_DRY_RUN',
  'QUARANTINE_PREFIX',
  'QUARANTINE_MAX_AGE_HOURS',
];

export function formatSweep(r: FullSweepReport): string {
  const q = r.quarantine;
  const lines = [
    `${r.dryRun ? 'dry run: ' : ''}uploads under ${r.prefix} initiated before ${r.cutoff}`,
    `scanned ${r.scanned}, stale ${r.stale}, aborted ${r.aborted}, failed ${r.failed}${r.truncated ? ' (stopped at --max-aborts; run again)' : ''}`,
  ];
  for (const u of r.uploads) lines.push(`  ${u.result.padEnd(11)} ${u.initiated}  ${u.key}  ${u.uploadId}`);
  if (r.stale > r.uploads.length) lines.push(`  … ${r.stale - r.uploads.length} more`);
  lines.push(
    `${q.dryRun ? 'dry run: ' : ''}quarantine under ${q.prefix} kept since before ${q.cutoff}`,
    `scanned ${q.scanned}, expired ${q.expired}, deleted ${q.deleted}, failed ${q.failed}${q.truncated ? ' (stopped at --max-aborts; run again)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export const command: Command = {
  summary: 'abort stale multipart uploads and empty the old quarantine now (what the sweep function does)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'dry-run': { type: 'boolean' },
        'max-age-hours': { type: 'string' },
        'max-aborts': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const env: Record<string, string> = {};
    for (const name of SWEEP_VARIABLES) {
      const v = io.env[name];
      if (v !== undefined) env[name] = v;
    }
    if (values['max-age-hours'] !== undefined) env.SWEEP_MAX_AGE_HOURS = values['max-age-hours'];
    let config;
    try {
      // As the sweep function: caller auth and upload tokens do not matter to sweeping.
      config = parseConfig(env, INTERNAL);
    } catch (e) {
      if (e instanceof ConfigError) {
        // --max-age-hours stands in for SWEEP_MAX_AGE_HOURS: a problem with its value is the flag's.
        const flagged = values['max-age-hours'] !== undefined;
        const problems = e.problems.map((p) => (flagged && p.startsWith('SWEEP_MAX_AGE_HOURS ') ? p.replace('SWEEP_MAX_AGE_HOURS', '--max-age-hours') : p));
        io.stderr(`sweep: configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
    if (!config.envCredentials) {
      io.stderr('sweep: missing credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET\n');
      return EXIT_USAGE;
    }
    let maxAborts = 5000;
    if (values['max-aborts'] !== undefined) {
      maxAborts = /^\d+$/.test(values['max-aborts']) ? Number(values['max-aborts']) : NaN;
      if (!Number.isSafeInteger(maxAborts) || maxAborts < 1) throw new UsageError('--max-aborts must be a positive integer');
    }
    const dryRun = values['dry-run'] === true || config.sweep.dryRun;
    const report = await sweepAll(ossClientFor(undefined, config, {}), config, { dryRun, max: maxAborts });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatSweep(report));
    return report.failed === 0 && report.quarantine.failed === 0 ? 0 : EXIT_FAILURE;
  },
};

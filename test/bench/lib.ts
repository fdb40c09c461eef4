/**
 * Shared pieces of `npm run bench` (test/bench/run.ts): the section contract, statistics, table
 * formatting, and the wiring every section needs (stack env, JWTs, synthetic FC events).
 *
 * Measurements are printed and written to bench-results/bench.json; nothing here asserts on a
 * timing. Goals are figures compared side by side within one run (ratios), shown as met/missed.
 */
import { signHs256 } from '../helpers/jwt.ts';
import { functionEnv as stackFunctionEnv } from '../helpers/stack.ts';

export interface BenchOptions {
  /** Fast smoke run: fewer rounds, smaller payloads, shorter load. */
  quick: boolean;
  /** Progress lines (stderr, so the table on stdout stays clean). */
  log(line: string): void;
}

/** One line of the results table. */
export interface Row {
  metric: string;
  value: number | string;
  unit?: string;
  /** A goal this figure is checked against, e.g. `>= 9` (a ratio measured in the same run). */
  goal?: { op: '>=' | '<='; target: number; met: boolean };
  note?: string;
}

export interface SectionResult {
  rows: Row[];
  /** Raw figures for bench.json (samples summarised, not every sample). */
  data?: Record<string, unknown>;
}

export interface Section {
  name: string;
  title: string;
  run(opts: BenchOptions): Promise<SectionResult>;
}

export function goal(value: number, op: '>=' | '<=', target: number): Row['goal'] {
  return { op, target, met: op === '>=' ? value >= target : value <= target };
}

// ---------------------------------------------------------------------------------------------
// Statistics

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summary(samples: readonly number[]) {
  return {
    n: samples.length,
    min: Math.min(...samples),
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Milliseconds since `t0` (a `performance.now()` value). */
export function msSince(t0: number): number {
  return performance.now() - t0;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export function formatBytes(n: number): string {
  if (n >= GiB) return `${round(n / GiB, 2)} GiB`;
  if (n >= MiB) return `${round(n / MiB, 2)} MiB`;
  if (n >= KiB) return `${round(n / KiB, 1)} KiB`;
  return `${n} B`;
}

// ---------------------------------------------------------------------------------------------
// Table

export function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function goalText(g: Row['goal']): string {
  if (!g) return '';
  return `${g.op} ${g.target} ${g.met ? 'met' : 'MISSED'}`;
}

/** A GitHub-flavoured markdown table (also readable in a terminal). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function sectionTable(result: SectionResult): string {
  return markdownTable(
    ['metric', 'value', 'unit', 'goal', 'note'],
    result.rows.map((r) => [r.metric, formatValue(r.value), r.unit ?? '', goalText(r.goal), r.note ?? '']),
  );
}

// ---------------------------------------------------------------------------------------------
// Wiring shared by the sections

export const BUCKET = 'bench-bucket';
export const JWT_SECRET = 'bench-caller-jwt-secret-0123456789abcdef';
export const UPLOAD_SECRET = 'bench-upload-token-secret-0123456789abcd';

/** Function environment pointing at an emulator, wired as in the integration tests. */
export function functionEnv(emulator: Parameters<typeof stackFunctionEnv>[0], extra: Record<string, string> = {}): Record<string, string> {
  return stackFunctionEnv(emulator, { bucket: BUCKET, jwtSecret: JWT_SECRET, uploadSecret: UPLOAD_SECRET }, extra);
}

export function callerJwt(sub = 'bench-user', ttlSeconds = 3600): string {
  return signHs256({ sub, exp: Math.floor(Date.now() / 1000) + ttlSeconds }, JWT_SECRET);
}

export { httpEvent } from '../helpers/fc-event.ts';

// The worker pool is the tests' (stops at the first error and leaves nothing running).
export { pool } from '../helpers/pool.ts';

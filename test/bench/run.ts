/**
 * `npm run bench [-- --quick] [-- --only presign,load]`
 *
 * Runs the benchmark sections in order, prints one table per section (markdown, stdout; progress
 * goes to stderr) and writes every figure to bench-results/bench.json. Goals are ratios measured
 * side by side in the same run and are reported as met/MISSED; nothing fails on a timing. The
 * process exits non-zero only when a section itself fails (an error, or a correctness check such
 * as a load-test error count, which is reported, not thrown).
 *
 * Sections (each in its own module): presign, sign-fn, cold-start, round-trips, stack-upload, load,
 * answer-bytes, browser and browser-concurrency (Chromium; browser-upload.ts).
 * `--quick` is a smoke run (under a minute): fewer rounds, smaller uploads, shorter load.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { goalText, markdownTable, formatValue, sectionTable, type Section, type SectionResult } from './lib.ts';
import { presignSection } from './presign.ts';
import { signFnSection } from './sign-fn.ts';
import { coldStartSection } from './cold-start.ts';
import { roundTripsSection } from './round-trips.ts';
import { stackUploadSection } from './stack-upload.ts';
import { loadSection } from './load.ts';
import { browserUploadSection, browserConcurrencySection } from './browser-upload.ts';
import { answerBytesSection } from './answer-bytes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const SECTIONS: Section[] = [presignSection, signFnSection, coldStartSection, roundTripsSection, stackUploadSection, loadSection, answerBytesSection, browserUploadSection, browserConcurrencySection];

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      out: { type: 'string', default: join(ROOT, 'bench-results', 'bench.json') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`npm run bench -- [--quick] [--only ${SECTIONS.map((s) => s.name).join(',')}] [--out file.json]`);
    return;
  }
  const only = values.only?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
  if (unknown.length) {
    console.error(`unknown section(s): ${unknown.join(', ')} (known: ${SECTIONS.map((s) => s.name).join(', ')})`);
    process.exitCode = 2;
    return;
  }
  const selected = only ? SECTIONS.filter((s) => only.includes(s.name)) : SECTIONS;
  const quick = values.quick!;
  const log = (line: string) => process.stderr.write(`  … ${line}\n`);

  const started = performance.now();
  const results: Record<string, SectionResult & { title: string; seconds: number; error?: string }> = {};
  // Other work on the machine skews absolute figures (ratios measured side by side much less): say how busy it was.
  const loadBefore = loadavg()[0];
  console.log(
    `# npm run bench${quick ? ' --quick' : ''}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadBefore.toFixed(1)} at start\n`,
  );
  for (const section of selected) {
    const t0 = performance.now();
    process.stderr.write(`[${section.name}] ${section.title}\n`);
    try {
      const result = await section.run({ quick, log });
      const seconds = (performance.now() - t0) / 1000;
      results[section.name] = { title: section.title, seconds, ...result };
      console.log(`## ${section.name}: ${section.title} (${seconds.toFixed(1)} s)\n\n${sectionTable(result)}\n`);
    } catch (err) {
      const seconds = (performance.now() - t0) / 1000;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      results[section.name] = { title: section.title, seconds, rows: [], error: message };
      console.log(`## ${section.name}: FAILED after ${seconds.toFixed(1)} s\n\n\`\`\`\n${message}\n\`\`\`\n`);
      process.exitCode = 1;
    }
  }

  const goals = Object.entries(results).flatMap(([name, r]) => r.rows.filter((row) => row.goal).map((row) => [name, row.metric, formatValue(row.value) + (row.unit ?? ''), goalText(row.goal)]));
  if (goals.length) console.log(`## goals\n\n${markdownTable(['section', 'metric', 'value', 'goal'], goals)}\n`);
  const totalSeconds = (performance.now() - started) / 1000;
  const loadAfter = loadavg()[0];
  console.log(`total ${totalSeconds.toFixed(1)} s; load average ${loadAfter.toFixed(1)} at the end`);

  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(
    values.out!,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        quick,
        totalSeconds,
        loadAverage: { start: loadBefore, end: loadAfter },
        sections: results,
      },
      null,
      2,
    ) + '\n',
  );
  process.stderr.write(`wrote ${values.out}\n`);
}

await main();

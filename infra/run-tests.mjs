#!/usr/bin/env node
// Runs node:test over every *.test.ts below the given folders, through tsx.
// Node 20's `--test` does not expand globs, so we list the files ourselves.
//
// Output: node:test's dot reporter on the terminal (a dot per test, then every failure in full),
// the complete TAP in test-results/<folders>.tap, and TAP's closing summary (`# tests`, `# pass`,
// `# fail`…) as the last lines, which CI reads. TEST_REPORTER=tap (or spec) prints that reporter
// on the terminal instead.
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: run-tests.mjs DIR [DIR…]');
  process.exit(2);
}
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
}
for (const dir of dirs) walk(dir);
if (files.length === 0) {
  console.error(`no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const reporter = process.env.TEST_REPORTER ?? 'dot';
mkdirSync('test-results', { recursive: true });
const tapFile = join('test-results', `${dirs.map((d) => d.replace(/^test\//, '').replace(/\W+/g, '-')).join('+')}.tap`);
const reporters =
  reporter === 'tap'
    ? ['--test-reporter=tap', '--test-reporter-destination=stdout']
    : [`--test-reporter=${reporter}`, '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`];
const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...reporters, ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });

if (reporter !== 'tap') {
  let summary = [];
  try {
    // The summary is the run's last `# name value` lines (earlier `#` lines are diagnostics).
    const lines = readFileSync(tapFile, 'utf8').trimEnd().split('\n');
    let i = lines.length;
    while (i > 0 && /^# \w+ \S+$/.test(lines[i - 1])) i--;
    summary = lines.slice(i);
  } catch {
    /* no TAP written: the runner itself failed; its exit code says so */
  }
  console.log(`\nFull TAP: ${tapFile}`);
  if (summary.length) console.log(summary.join('\n'));
}
process.exit(r.status ?? 1);

// infra/run-tests.mjs (what `npm test` runs): a short terminal report that shows each failure in
// full, the complete TAP in test-results/, and TAP's summary lines last, where CI reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// NODE_TEST_CONTEXT unset: node:test marks its child processes with it, and a nested run would then
// report to this one instead of running as `npm test` does.
test('failures shown in full, the summary last, TAP kept in a file', () => {
  const r = spawnSync(process.execPath, ['infra/run-tests.mjs', 'test/fixtures/run-tests'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TEST_REPORTER: undefined, NODE_TEST_CONTEXT: undefined } });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const out = r.stdout.trimEnd().split('\n');
  assert.deepEqual(out.slice(-8).map((l) => l.replace(/ [\d.]+$/, ' N')), [
    '# tests N',
    '# suites N',
    '# pass N',
    '# fail N',
    '# cancelled N',
    '# skipped N',
    '# todo N',
    '# duration_ms N',
  ]);
  assert.ok(out.includes('# pass 1') && out.includes('# fail 1'), r.stdout);
  assert.match(r.stdout, /✖ fixture fails on purpose/);
  assert.match(r.stdout, /2 !== 3|Expected values to be strictly equal/);
  assert.doesNotMatch(r.stdout, /^ok \d+ - |^# Subtest:/m, 'no TAP on the terminal');
  assert.ok(out.length < 60, `short: ${out.length} lines`);
  const tap = readFileSync(`${ROOT}/test-results/fixtures-run-tests.tap`, 'utf8');
  assert.match(tap, /^not ok \d+ - fixture fails on purpose/m);
  assert.match(tap, /^ok \d+ - fixture passes/m);
});

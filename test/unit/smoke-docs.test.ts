// One truth about what `smoke` leaves behind: README, docs/deploy.md and `smoke --help` each say
// that a failed upload is aborted and the completed test object stays; none says it cleans up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { usage } from '../../infra/cli/smoke.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test('README, docs/deploy.md and smoke --help agree: aborted on failure, the object stays', () => {
  const texts: Array<[string, string]> = [
    ['README.md', read('README.md')],
    ['docs/deploy.md', read('docs/deploy.md')],
    ['smoke --help', usage],
  ];
  for (const [name, text] of texts) {
    const flat = text.replace(/\s+/g, ' ');
    assert.match(flat, /completed test object (stays|STAYS)/, `${name} says the completed object stays`);
    assert.match(flat, /(failed upload is aborted|failure it aborts the upload)/, `${name} says a failure is aborted`);
    assert.doesNotMatch(flat, /\bclean(s|ed)? up\b/i, `${name} must not promise a clean-up`);
  }
});

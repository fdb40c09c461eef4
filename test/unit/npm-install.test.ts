// A clean `npm ci` on Node 20 prints no surprises: every dependency with an install script has an
// allowScripts decision in package.json (npm 11 skips unapproved ones and prints a notice), and
// every dependency whose `engines` excludes Node 20 (npm's EBADENGINE warning) is explained in the
// README's install notes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; hasInstallScript?: boolean; engines?: { node?: string } }>;
};
const readme = readFileSync(new URL('README.md', root), 'utf8');

const installed = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith('node_modules/'))
  .map(([path, p]) => ({ name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), ...p }));

/** The lowest Node major a range admits: the smallest leading number of its `||` alternatives. */
function lowestMajor(range: string): number {
  return Math.min(...range.split('||').map((alt) => Number(/\d+/.exec(alt)?.[0] ?? 0)));
}

test('every dependency with an install script is approved or denied in package.json allowScripts', () => {
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(.)@[^@]*$/, '$1')));
  const undecided = installed.filter((p) => p.hasInstallScript && !decided.has(p.name)).map((p) => `${p.name}@${p.version}`);
  assert.deepEqual(undecided, [], 'run `npm install-scripts ls`, then approve or deny each');
});

test("every dependency whose engines exclude Node 20 is named in the README's install notes", () => {
  const notes = readme.slice(readme.indexOf('**Install notes.**'));
  assert.ok(notes.length < readme.length, 'README has an **Install notes.** paragraph');
  const paragraph = notes.slice(0, notes.indexOf('\n\n'));
  const above20 = [...new Set(installed.filter((p) => p.engines?.node && lowestMajor(p.engines.node) > 20).map((p) => p.name))].sort();
  const named = above20.filter((name) => paragraph.includes(`\`${name}\``));
  assert.deepEqual(named, above20, 'explain each (or drop the dependency) in the README install notes');
});

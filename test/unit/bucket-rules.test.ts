// One CORS rule and one lifecycle rule (infra/bucket-rules.ts): the XML in README.md and
// docs/deploy.md is exactly what the code generates, the console steps name the same methods and
// headers, and `doctor` finds nothing missing in the documented rule. (The emulator's default rule
// is built from the same definition; test/integration/emulator-cors-post.test.ts reads it back.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EXAMPLE_ORIGIN, UPLOAD_CORS, abortUploadsLifecycleXml, uploadCorsXml } from '../../infra/bucket-rules.ts';
import { checkCors, parseCorsRules } from '../../infra/cli/doctor.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');
const deploy = read('docs/deploy.md');

/** The ```xml blocks of a Markdown text holding `root`, without their list indentation. */
function xmlBlocks(md: string, root: string): string[] {
  return [...md.matchAll(/^( *)```xml\n([\s\S]*?)^ *```$/gm)]
    .map(([, indent, body]) => body.split('\n').map((l) => l.slice(indent.length)).join('\n').trim())
    .filter((b) => b.includes(`<${root}>`));
}

test('README and docs/deploy.md show the generated CORS rule, verbatim', () => {
  const expected = uploadCorsXml([EXAMPLE_ORIGIN]);
  for (const [name, md] of [['README.md', readme], ['docs/deploy.md', deploy]] as const) {
    const blocks = xmlBlocks(md, 'CORSConfiguration');
    assert.ok(blocks.length > 0, `${name} shows the CORS rule`);
    for (const b of blocks) assert.equal(b, expected, `${name}: regenerate with uploadCorsXml(['${EXAMPLE_ORIGIN}'])`);
  }
});

test("docs/deploy.md's console steps name the rule's methods and exposed headers", () => {
  const methods = /Allowed Methods ([A-Z, ]+);/.exec(deploy)?.[1];
  assert.equal(methods, UPLOAD_CORS.allowedMethods.join(', '));
  const exposed = /Exposed\s+Headers ((?:`[^`]+`(?:, )?)+)/.exec(deploy)?.[1];
  assert.equal(exposed, UPLOAD_CORS.exposeHeaders.map((h) => `\`${h}\``).join(', '));
  assert.match(deploy, new RegExp(`Cache Timeout ${UPLOAD_CORS.maxAgeSeconds}\\b`));
});

test('docs/deploy.md shows the generated lifecycle rule, verbatim', () => {
  assert.deepEqual(xmlBlocks(deploy, 'LifecycleConfiguration'), [abortUploadsLifecycleXml('uploads')]);
});

test('doctor finds nothing missing in the documented rule', () => {
  const findings = checkCors(parseCorsRules(uploadCorsXml([EXAMPLE_ORIGIN])), EXAMPLE_ORIGIN);
  assert.deepEqual(findings.filter((f) => f.level !== 'ok'), []);
  assert.ok(findings.length >= 5, 'each check ran');
});

// The README is part of the product: its configuration table must list every variable the code
// reads, and its plain-fetch example must work as written against a real stack.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CONFIG_VARIABLES } from '../../shared/config.ts';
import { startStack, type TestStack } from '../helpers/stack.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const run = promisify(execFile);

test('README configuration table lists every variable shared/config.ts reads', () => {
  const section = readme.slice(readme.indexOf('## Configuration reference'));
  const missing = CONFIG_VARIABLES.filter((v) => !section.includes(`\`${v}\``));
  assert.deepEqual(missing, []);
});

test('README quick start is the two commands', () => {
  const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## How it works'));
  assert.match(quick, /npm install && npm start/);
  assert.match(quick, /npm test/);
});

let stack: TestStack | undefined;
const dir = mkdtempSync(join(tmpdir(), 'readme-'));
after(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("README's plain-fetch example uploads, completes and shows the verified callback", async () => {
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  const example = blocks.find((b) => b.includes('async function upload(') && b.includes("'/uploads/complete'"));
  assert.ok(example, 'the fetch example is in the README');
  stack = await startStack({ env: { AUTH_MODE: 'none' } });
  const code = example.replace(/const api = '[^']*';/, `const api = ${JSON.stringify(stack.functions.url)};`);
  assert.notEqual(code, example, 'the example names its API origin in one place');
  const file = join(dir, 'example.mjs');
  writeFileSync(file, code);
  const { stdout } = await run(process.execPath, [file], { timeout: 60_000 });
  // console.log(result.key, result.size, result.crc64, result.callbackStatus, result.callback)
  const [key, size, crc, status] = stdout.trim().split(/\s+/);
  assert.match(key, /^uploads\/anonymous\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{16}\/hello\.txt$/);
  assert.equal(Number(size), 'hello, OSS\n'.length * 100_000);
  assert.match(crc, /^\d+$/);
  assert.equal(status, 'ok');
  const head = await stack.oss.headObject(key);
  assert.equal(head?.size, Number(size));
  assert.equal(head?.crc64?.toString(), crc);
});

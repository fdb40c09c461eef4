// The README is part of the product: its configuration table must list every variable the code
// reads, and its plain-fetch and client examples must work as written against a real stack.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES } from '../../shared/config/index.ts';
import { withConfigTable } from '../../infra/write-config-table.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { startStack, type TestStack } from '../helpers/stack.ts';
import { headObject } from '../../shared/oss/objects.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const run = promisify(execFile);

test('README configuration table is the one in shared/config/variables.ts (regenerate: npx tsx infra/write-config-table.ts)', () => {
  assert.ok(withConfigTable(readme) === readme, 'the README configuration table is stale: run `npx tsx infra/write-config-table.ts`');
  const section = readme.slice(readme.indexOf('## Configuration reference'), readme.indexOf('## Security model'));
  const missing = CONFIG_VARIABLES.filter((v) => !section.includes(`| \`${v}\``) && !section.includes(`, \`${v}\``));
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
  const head = await headObject(stack.oss, key);
  assert.equal(head?.size, Number(size));
  assert.equal(head?.crc64?.toString(), crc);
});

/** Captures what `console[method]` writes while `fn` runs. */
async function captured<T>(method: 'log' | 'error', fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const original = console[method];
  const lines: string[] = [];
  console[method] = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  try {
    return { result: await fn(), lines };
  } finally {
    console[method] = original;
  }
}

test("README's log lines are the ones the functions write, and the error line has the answer's request id", async () => {
  const section = readme.slice(readme.indexOf('### Operations'), readme.indexOf('## Configuration reference'));
  const block = /```text\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the Operations section shows the log lines');
  // `{"level":"error","requestId",…}`: each field, with its value where the README fixes one.
  const documented = block.trim().split('\n').map((l) => l.slice(1, -1).split(',').map((f) => /^"(\w+)"(?::"([^"]*)")?$/.exec(f)!.slice(1, 3)));
  const shape = (line: string) => Object.entries(JSON.parse(line) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' && ['level', 'msg', 'fn'].includes(k) ? v : undefined]);

  stack ??= await startStack({ env: { AUTH_MODE: 'none' } });
  // JWKS unreachable: the warn line, then the 503's error line.
  const { createApp } = await import('../../functions/init/index.ts');
  const rs256 = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from(`{"sub":"alice","aud":"uploads","exp":${Math.floor(Date.now() / 1000) + 600}}`).toString('base64url')}.c2ln`;
  const env = { ...stack.env, AUTH_MODE: 'jwt', AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks.json', AUTH_AUDIENCE: 'uploads' };
  const { result: res, lines } = await captured('error', async () =>
    createApp({ env }).request('/uploads', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${rs256}` }, body: '{"filename":"a","size":1}' }),
  );
  assert.equal(res.status, 503);
  const body = (await res.json()) as { error: { requestId: string } };
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.deepEqual(shape(lines[0]), documented[1]);
  assert.deepEqual(shape(lines[1]), documented[0]);
  assert.equal(JSON.parse(lines[1]).requestId, body.error.requestId);
  assert.equal(res.headers.get('x-request-id'), body.error.requestId);

  const { createHandler } = await import('../../functions/sweep/index.ts');
  const sweep = await captured('log', () => createHandler({ env: stack!.env })(Buffer.from(JSON.stringify({ triggerName: 't', payload: '' })), { requestId: 'r-1' } as never));
  assert.equal(sweep.lines.length, 1);
  assert.deepEqual(shape(sweep.lines[0]), documented[2]);
  assert.equal(JSON.parse(sweep.lines[0]).requestId, 'r-1');
});

test("README's Node example of the client uploads a file from disk with the built bundle", async () => {
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  const example = blocks.find((b) => b.includes('openAsBlob') && b.includes("from './dist/client/index.js'"));
  assert.ok(example, 'the Node client example is in the README');
  const { buildClient } = await import('../../infra/build-client.ts');
  const bundle = await buildClient({ outDir: dir, log: () => {}, types: false });
  const s = await startStack({ env: { AUTH_MODE: 'none' } });
  try {
    const code = example
      .replace("from './dist/client/index.js'", `from ${JSON.stringify(pathToFileURL(bundle.file).href)}`)
      .replace(/const api = '[^']*';/, `const api = ${JSON.stringify(s.functions.url)};`);
    assert.ok(!code.includes('./dist/client') && code.includes(s.functions.url));
    const file = join(dir, 'client-example.mjs');
    writeFileSync(file, code);
    const { stdout } = await run(process.execPath, [file], { timeout: 60_000, cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    const [key, size, crc] = stdout.trim().split(/\s+/);
    const local = readFileSync(new URL('../../README.md', import.meta.url));
    assert.match(key, /\/README\.md$/);
    assert.equal(Number(size), local.length);
    assert.equal(crc, crc64(local).toString());
    assert.equal((await headObject(s.oss, key))?.contentType, 'text/markdown');
  } finally {
    await s.close();
  }
});

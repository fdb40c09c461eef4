// The README's recipe for the CLI against the local stack ("The CLI against the local stack"),
// run as written through a shell and `npm run`, against a real local stack (ports substituted).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OSS_PORT, DEFAULT_PORT, startLocalStack } from '../../infra/local/stack.ts';
import { initiateMultipartUpload } from '../../shared/oss/multipart.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'cli-local-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("README's CLI recipe for the local stack: doctor ready, sweep scans, smoke verifies", async () => {
  const section = readme.slice(readme.indexOf('### The CLI against the local stack'));
  const recipe = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  assert.ok(recipe.includes('cli -- doctor') && recipe.includes('cli -- sweep'), 'the recipe is in the README');

  const stack = await startLocalStack({ port: 0, ossPort: 0, memory: true });
  after(() => stack.close());
  // An open upload for sweep to scan (a fresh one: the dry run lists it as scanned, not stale).
  await initiateMultipartUpload(stack.oss, 'uploads/anonymous/x/open.bin');

  const script = recipe
    .replaceAll(`127.0.0.1:${DEFAULT_OSS_PORT}`, `127.0.0.1:${stack.ossPort}`)
    .replaceAll(`127.0.0.1:${DEFAULT_PORT}`, `127.0.0.1:${stack.port}`);
  const file = join(dir, 'recipe.sh');
  writeFileSync(file, `set -e\n${script}`);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((res) =>
    execFile('sh', [file], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 120_000 }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stdout, /ok +preflight PUT from http:\/\/127\.0\.0\.1:\d+ allowed/);
  assert.match(stdout, /WARN +no enabled lifecycle rule aborts incomplete multipart uploads under uploads\//);
  assert.match(stdout, /^ready for browser uploads: 0 problem\(s\), 1 warning\(s\)$/m);
  assert.match(stdout, /^dry run: uploads under uploads\/ initiated before .*\nscanned 1, stale 0, aborted 0, failed 0$/m);
  assert.match(stdout, /^upload verified\. The object stays in the bucket: uploads\/anonymous\//m);
});

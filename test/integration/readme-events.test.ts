// The README's events receiver, run as written: a real delivery from the events function's own
// signer is accepted (204), a repeat of the same event is acknowledged and not processed twice,
// a delivery signed with another secret is refused (400).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { deliver, WebhookError } from '../../shared/events/webhook.ts';
import type { UploadEvent } from '../../shared/events/event.ts';

const readme = (await import('node:fs')).readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
// Inside the repository, so `standardwebhooks` resolves from its node_modules.
const dir = mkdtempSync(resolve('node_modules/.readme-events-'));
let child: ChildProcess | undefined;
after(() => {
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });

test("README's receiver verifies, deduplicates by id, and refuses a forged delivery", async () => {
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('new Webhook(process.env.WEBHOOK_SECRET)'));
  assert.ok(block, 'the receiver example is in the README');
  writeFileSync(join(dir, 'receiver.mjs'), block);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const port = await freePort();
  child = spawn(process.execPath, [join(dir, 'receiver.mjs')], { env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: secret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}/`;
  const event: UploadEvent = {
    id: 'evt_0123456789abcdef0123456789abcdef',
    type: 'upload.completed',
    timestamp: new Date().toISOString(),
    data: { bucket: 'b', key: 'uploads/u/2025/01/r/a.png', size: 3, etag: 'E', crc64: '1', contentType: 'image/png', sub: 'u', metadata: {}, storedAt: new Date().toISOString(), check: { result: 'verified', declared: 'image/png', detected: 'image/png' } },
  };
  const target = { url, secret, timeoutMs: 2000 };
  for (let i = 0; ; i++) {
    try {
      assert.equal((await deliver(target, event)).status, 204);
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 50)); // still starting
    }
  }
  assert.equal((await deliver(target, event)).status, 204, 'a repeat is acknowledged');
  await assert.rejects(deliver({ ...target, secret: `whsec_${randomBytes(32).toString('base64')}` }, event), (e: Error) => e instanceof WebhookError && e.status === 400);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(out.match(/stored uploads\/u\/2025\/01\/r\/a\.png 3 bytes, from u/g)?.length, 1, `processed once: ${out}`);
});

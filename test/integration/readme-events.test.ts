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
import { putObject } from '../../shared/oss/objects.ts';

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

test("README's events log line is the one the function writes", async () => {
  const section = readme.slice(readme.indexOf('### Operations'), readme.indexOf('## Configuration reference'));
  const line = /```text\n[\s\S]*?(\{"fn":"events"[^\n]*\})\n[\s\S]*?```/.exec(section)?.[1];
  assert.ok(line, 'the Operations section shows the events line');
  const fields = line.slice(1, -1).split(',').map((f) => /^"(\w+)"(?::"([^"]*)")?$/.exec(f)!.slice(1, 3));
  const { startEmulator } = await import('../../infra/emulator/server.ts');
  const { startWebhookReceiver } = await import('../../infra/local/webhook-receiver.ts');
  const { createHandler } = await import('../../functions/events/index.ts');
  const { functionEnv, BUCKET } = await import('../helpers/stack.ts');
  const { OssClient } = await import('../../shared/oss/client.ts');
  const em = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiver = await startWebhookReceiver({ secret });
  try {
    const oss = new OssClient({ region: em.region, bucket: BUCKET, credentials: em.credentials, endpoint: em.url, pathStyle: true });
    const key = 'uploads/u/2025/01/abcdefghijklmnop/a.txt';
    const put = await putObject(oss, key, 'hello', { contentType: 'text/plain' });
    const lines: string[] = [];
    const handler = createHandler({ env: functionEnv(em, {}, { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret }), log: (l) => void lines.push(l) });
    const event = { events: [{ eventName: 'ObjectCreated:PutObject', eventTime: new Date().toISOString(), oss: { bucket: { name: BUCKET }, object: { key, eTag: put.etag.replace(/"/g, ''), size: 5 } } }] };
    await handler(Buffer.from(JSON.stringify(event)), { requestId: 'r-1' } as never);
    assert.equal(lines.length, 1);
    const shape = Object.entries(JSON.parse(lines[0]) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' && ['level', 'fn'].includes(k) ? v : undefined]);
    assert.deepEqual(shape, fields);
  } finally {
    await receiver.close();
    await em.close();
  }
});

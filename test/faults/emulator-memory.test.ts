// Heavy: memory bounds of the emulator (run with `npm run test:faults`). The emulator runs as its
// own process (the CLI, disk mode) so its resident memory can be watched from /proc while a 64 MiB
// part streams in, two such parts are concatenated by Complete, and the object streams out: none
// of that may grow its RSS by more than 32 MiB, i.e. no part or object is held whole in memory.
//
// The emulator process runs with --max-semi-space-size=1: V8 frees the garbage 64 KiB socket and
// file chunks (off-heap Buffers) only when it collects, and by default it lets tens of MiB of them
// pile up first, so RSS would measure GC timing rather than what the emulator retains. A small
// young generation makes collection frequent; what remains is what the code actually holds.
// (EMU_NODE_FLAGS overrides the flags, e.g. EMU_NODE_FLAGS= to see the default behaviour.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePath, signHeader, toQueryString, type QueryPairs } from '../../shared/oss/signer';
import { Crc64 } from '../../shared/oss/crc64';

const BUCKET = 'memory-bucket';
const MiB = 1024 * 1024;
const PART = 64 * MiB;
const LIMIT = 32 * MiB;
const creds = { accessKeyId: 'LTAI-memory-test', accessKeySecret: 'memory-test-secret' };
const root = fileURLToPath(new URL('../..', import.meta.url));

let child: ChildProcess;
let base: string;
let dir: string;

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Runs `fn` while sampling the child's RSS; returns the peak growth over the starting value. */
async function peakGrowth(fn: () => Promise<void>): Promise<number> {
  const pid = child.pid!;
  const start = await rss(pid);
  let peak = start;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rss(pid));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    await fn();
  } finally {
    running = false;
    await sampler;
  }
  peak = Math.max(peak, await rss(pid));
  return peak - start;
}

function signed(method: string, key: string, query: QueryPairs, headers: Record<string, string> = {}, body?: BodyInit): Promise<Response> {
  const sig = signHeader('v4', { method, bucket: BUCKET, key, query, headers }, { credentials: creds, region: 'cn-hangzhou' });
  const q = toQueryString(query);
  return fetch(`${base}/${BUCKET}/${encodePath(key)}${q ? `?${q}` : ''}`, { method, headers: sig.headers, body, duplex: 'half' } as RequestInit);
}

/** A 64 MiB body generated 1 MiB at a time (the client holds no more than that either). */
function streamingBody(seed: number, crc: Crc64): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= PART) return controller.close();
      const chunk = Buffer.alloc(MiB, (sent / MiB + seed) & 0xff);
      crc.update(chunk);
      sent += MiB;
      controller.enqueue(chunk);
    },
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oss-emu-mem-'));
  child = spawn(process.execPath, [...(process.env.EMU_NODE_FLAGS ?? '--max-semi-space-size=1').split(' ').filter(Boolean), '--import', 'tsx', join(root, 'infra/emulator/main.ts'), '--port', '0', '--data', dir, '--bucket', BUCKET, '--quiet'], {
    cwd: root,
    env: { ...process.env, ALIBABA_CLOUD_ACCESS_KEY_ID: creds.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: creds.accessKeySecret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  // Warm up (JIT, first-request allocations) before measuring.
  for (let i = 0; i < 5; i++) await (await signed('PUT', `warm/${i}`, [], {}, Buffer.alloc(MiB) as BodyInit)).arrayBuffer();
});

after(async () => {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await rm(dir, { recursive: true, force: true });
});

test('64 MiB parts stream in, concatenate and stream out within 32 MiB of RSS growth', { skip: !existsSync('/proc/self/status') && 'needs /proc', timeout: 120_000 }, async () => {
  const key = 'mem/big.bin';
  const init = await signed('POST', key, [['uploads', '']]);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await init.text())![1];
  const whole = new Crc64();

  const growthUpload = await peakGrowth(async () => {
    for (const n of [1, 2]) {
      const crc = new Crc64();
      const res = await signed('PUT', key, [['partNumber', String(n)], ['uploadId', uploadId]], { 'Content-Length': String(PART) }, streamingBody(n, crc) as BodyInit);
      assert.equal(res.status, 200, await res.text());
      assert.equal(res.headers.get('x-oss-hash-crc64ecma'), crc.digest().toString());
    }
  });
  for (const n of [1, 2]) streamingBodyCrc(n, whole);

  const growthComplete = await peakGrowth(async () => {
    const res = await signed('POST', key, [['uploadId', uploadId]], { 'x-oss-complete-all': 'yes' });
    assert.equal(res.status, 200, await res.text());
    assert.equal(res.headers.get('x-oss-hash-crc64ecma'), whole.digest().toString());
  });

  const growthDownload = await peakGrowth(async () => {
    const res = await signed('GET', key, []);
    assert.equal(res.status, 200);
    const check = new Crc64();
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      check.update(chunk);
      size += chunk.length;
    }
    assert.equal(size, 2 * PART);
    assert.equal(check.digest(), whole.digest());
  });

  const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  console.log(`RSS growth: upload ${mb(growthUpload)}, complete ${mb(growthComplete)}, download ${mb(growthDownload)}`);
  assert.ok(growthUpload < LIMIT, `upload grew RSS by ${mb(growthUpload)}`);
  assert.ok(growthComplete < LIMIT, `complete grew RSS by ${mb(growthComplete)}`);
  assert.ok(growthDownload < LIMIT, `download grew RSS by ${mb(growthDownload)}`);
});

function streamingBodyCrc(seed: number, crc: Crc64): void {
  for (let sent = 0; sent < PART; sent += MiB) crc.update(Buffer.alloc(MiB, (sent / MiB + seed) & 0xff));
}

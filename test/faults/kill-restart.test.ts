// Kill and restart: the local stack (`npm start`, infra/local/main.ts: OSS emulator on disk + every
// function) runs as a child process on random ports with a temporary DATA_DIR, is killed with
// SIGKILL in the middle of an upload, and restarted on the same data folder. The client then does
// what a browser would after a failure: list what OSS holds, send what is missing, complete.
//
//  1. killed while a part's body is half-way into the emulator (streaming into its temp file):
//     after the restart the half part is not there, the earlier parts are, the upload resumes
//     through list and completes; killed again right after the complete answered: the object
//     survives and a repeated complete answers `recovered`;
//  2. killed while CompleteMultipartUpload is held inside the emulator (a delay fault) with the
//     functions waiting on it: after the restart the upload is intact and completes normally.
// Every object is compared byte for byte and by CRC-64 with the file; nothing is left open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OssClient } from '../../shared/oss/client.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { signHs256 } from '../helpers/jwt.ts';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_BUCKET, DEFAULT_REGION } from '../../infra/emulator/server.ts';
import { BrowserClient, type InitBody, type SignedPart } from './lib/browser-client.ts';
import { campaignSeed, Rng, seedBanner } from './lib/seed.ts';
import { report, table } from './lib/report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KiB = 1024;
const PART = 100 * KiB;
const JWT_SECRET = 'kill-restart-caller-secret-0123456789abcdef';
const UPLOAD_SECRET = 'kill-restart-upload-secret-0123456789abcdef';
const SEED = campaignSeed();
const rng = new Rng(SEED);

interface Stack {
  proc: ChildProcess;
  api: string;
  oss: string;
  exited: Promise<void>;
  output: () => string;
}

let dataDir: string;
const children = new Set<ChildProcess>();
const events: Array<[string, string]> = [];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oss-kill-restart-'));
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

/** `npm start` as a child: node --import tsx infra/local/main.ts (no wrapper process that a SIGKILL would miss). */
async function startStack(ports: { api: number; oss: number } = { api: 0, oss: 0 }): Promise<Stack> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NODE_TEST') && !k.startsWith('ALIBABA_CLOUD_') && !k.startsWith('OSS_')) env[k] = v;
  Object.assign(env, {
    PORT: String(ports.api),
    OSS_PORT: String(ports.oss),
    DATA_DIR: dataDir,
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: JWT_SECRET,
    UPLOAD_TOKEN_SECRET: UPLOAD_SECRET,
    MAX_ACTIVE_UPLOADS: '0',
    LOG: '0',
  });
  const proc = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts', '--quiet'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (b) => (out += b));
  proc.stderr!.on('data', (b) => (out += b));
  const exited = new Promise<void>((r) => proc.once('exit', () => (children.delete(proc), r())));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const api = /^\s*API\s+(http:\/\/\S+)/m.exec(out)?.[1];
    const oss = /^\s*OSS emulator\s+(http:\/\/\S+)/m.exec(out)?.[1];
    if (api && oss) return { proc, api, oss, exited, output: () => out };
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the local stack did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function kill(stack: Stack, what: string): Promise<void> {
  stack.proc.kill('SIGKILL');
  await stack.exited;
  events.push(['SIGKILL', what]);
}

async function restart(old: Stack): Promise<Stack> {
  const port = (u: string) => Number(new URL(u).port);
  const s = await startStack({ api: port(old.api), oss: port(old.oss) });
  events.push(['restart', `same data folder; API ${s.api}, OSS ${s.oss}`]);
  return s;
}

function clientFor(stack: Stack, sub: string): BrowserClient {
  return new BrowserClient({
    baseUrl: stack.api,
    jwt: signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET),
    apiTimeoutMs: 60_000,
    putTimeoutMs: 30_000,
    rng,
  });
}

function ossFor(stack: Stack): OssClient {
  return new OssClient({
    region: DEFAULT_REGION,
    bucket: DEFAULT_BUCKET,
    credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET },
    endpoint: stack.oss,
    pathStyle: true,
  });
}

async function ok(c: BrowserClient, path: string, body: unknown, status = 200): Promise<any> {
  const r = await c.api(path, body);
  assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body ?? r.error)}`);
  return r.body;
}

async function putPart(p: SignedPart, data: Uint8Array, partSize: number): Promise<void> {
  const start = (p.partNumber - 1) * partSize;
  const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: data.subarray(start, start + p.size) as unknown as BodyInit });
  assert.equal(res.status, 200, `part ${p.partNumber}: ${await res.text()}`);
}

/** list -> sign what is missing -> PUT it (what a browser does after any failure). */
async function resume(c: BrowserClient, up: InitBody, data: Uint8Array): Promise<number[]> {
  const listed = await ok(c, '/uploads/list', { token: up.token });
  const have = new Set((listed.parts as Array<{ partNumber: number }>).map((p) => p.partNumber));
  const missing = Array.from({ length: up.partCount }, (_, i) => i + 1).filter((n) => !have.has(n));
  if (missing.length) for (const p of (await ok(c, '/uploads/sign', { token: up.token, partNumbers: missing })).parts) await putPart(p, data, up.partSize);
  return missing;
}

async function assertObject(oss: OssClient, key: string, data: Uint8Array): Promise<void> {
  const head = await headObject(oss, key);
  assert.ok(head, `${key} exists`);
  assert.equal(head.size, data.length);
  assert.equal(head.crc64, crc64(data), 'OSS CRC-64 equals ours');
  const got = await getObject(oss, key);
  assert.ok(Buffer.from(got.body).equals(Buffer.from(data)), 'bytes equal the file');
}

async function noOpenUploads(oss: OssClient, prefix: string): Promise<void> {
  const open = [];
  for await (const u of iterateMultipartUploads(oss, { prefix })) open.push(u.key);
  assert.deepEqual(open, [], `no multipart upload left under ${prefix}`);
}

test('SIGKILL mid part PUT, restart on the same data: resume through list, complete, bytes equal; SIGKILL after complete: object kept, complete answers recovered', { timeout: 300_000 }, async () => {
  console.log(seedBanner('kill-restart', SEED));
  const data = rng.bytes(12 * PART + rng.int(1, PART - 1));
  let stack = await startStack();
  let c = clientFor(stack, 'killer');
  const up: InitBody = await ok(c, '/uploads', { filename: 'kill.bin', size: data.length, partSize: PART, contentType: 'application/octet-stream' }, 201);
  assert.equal(up.partCount, 13);
  const signed: SignedPart[] = (await ok(c, '/uploads/sign', { token: up.token, partNumbers: Array.from({ length: up.partCount }, (_, i) => i + 1) })).parts;
  const firstBatch = rng.int(3, 6);
  for (const p of signed.slice(0, firstBatch)) await putPart(p, data, up.partSize);

  // Part firstBatch+1: half its bytes, then the sender stalls; kill once they are on disk.
  const half = signed[firstBatch];
  const start = (half.partNumber - 1) * up.partSize;
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrl.enqueue(data.subarray(start, start + half.size / 2));
    },
  });
  const hanging = fetch(half.url, { method: 'PUT', headers: { ...half.headers, 'Content-Length': String(half.size) }, body, duplex: 'half' } as RequestInit).then(
    (r) => `answered ${r.status}`,
    (e: Error) => `failed (${e.message})`,
  );
  const tmp = join(dataDir, 'oss', 'tmp');
  const deadline = Date.now() + 30_000;
  while ((await readdir(tmp).catch(() => [])).length === 0) {
    assert.ok(Date.now() < deadline, 'the half part streams into a temp file');
    await new Promise((r) => setTimeout(r, 10));
  }
  await kill(stack, `part ${half.partNumber} half-way (${half.size / 2} of ${half.size} bytes sent, its temp file exists); ${firstBatch} parts stored before`);
  assert.match(await hanging, /^failed/, 'the half PUT never got an answer');

  stack = await restart(stack);
  c = clientFor(stack, 'killer');
  const listed = await ok(c, '/uploads/list', { token: up.token });
  assert.deepEqual(
    (listed.parts as Array<{ partNumber: number; size: number }>).map((p) => [p.partNumber, p.size]),
    signed.slice(0, firstBatch).map((p) => [p.partNumber, p.size]),
    'after the restart: the parts stored before the kill, and not the half one',
  );
  // A few more parts, then a kill between requests, then the rest.
  const more = rng.int(2, 4);
  const resigned: SignedPart[] = (await ok(c, '/uploads/sign', { token: up.token, partNumbers: Array.from({ length: more }, (_, i) => firstBatch + 1 + i) })).parts;
  for (const p of resigned) await putPart(p, data, up.partSize);
  await kill(stack, `between part PUTs (${firstBatch + more} parts stored)`);
  stack = await restart(stack);
  c = clientFor(stack, 'killer');
  const sent = await resume(c, up, data);
  assert.deepEqual(sent, Array.from({ length: up.partCount - firstBatch - more }, (_, i) => firstBatch + more + 1 + i), 'only the missing parts were sent');
  const done = await ok(c, '/uploads/complete', { token: up.token });
  assert.equal(done.key, up.key);
  assert.equal(done.size, data.length);
  assert.equal(done.crc64, crc64(data).toString());
  assert.equal(done.recovered, undefined);
  assert.equal(done.callbackStatus, 'ok', 'the callback function, restarted too, verified the callback');
  await assertObject(ossFor(stack), up.key, data);

  await kill(stack, 'right after complete answered');
  stack = await restart(stack);
  c = clientFor(stack, 'killer');
  await assertObject(ossFor(stack), up.key, data);
  const again = await ok(c, '/uploads/complete', { token: up.token });
  assert.equal(again.recovered, true, 'a repeated complete finds the object');
  assert.equal(again.size, data.length);
  assert.equal(again.crc64, crc64(data).toString());
  await noOpenUploads(ossFor(stack), 'uploads/killer/');
  await kill(stack, 'end of scenario 1');
});

test('SIGKILL while Complete is held inside the emulator, restart: the upload is intact and completes normally', { timeout: 300_000 }, async () => {
  const data = rng.bytes(4 * PART + rng.int(1, PART - 1));
  let stack = await startStack();
  let c = clientFor(stack, 'holder');
  const up: InitBody = await ok(c, '/uploads', { filename: 'held.bin', size: data.length, partSize: PART, contentType: 'application/octet-stream' }, 201);
  for (const p of (await ok(c, '/uploads/sign', { token: up.token, partNumbers: [1, 2, 3, 4, 5] })).parts) await putPart(p, data, up.partSize);

  // Hold the next Complete for up to 60 s inside the emulator (admin API, loopback).
  const add = await fetch(`${stack.oss}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'CompleteMultipartUpload', action: 'delay', ms: 60_000, keyPrefix: up.key }),
  });
  assert.equal(add.status, 201, await add.text());
  const completing = c.api('/uploads/complete', { token: up.token });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rules = (await (await fetch(`${stack.oss}/_emulator/faults`)).json()) as { rules: unknown[] };
    if (rules.rules.length === 0) break; // the delay fired: Complete is sleeping in the emulator
    assert.ok(Date.now() < deadline, 'Complete reached the emulator');
    await new Promise((r) => setTimeout(r, 20));
  }
  await kill(stack, 'Complete held in the emulator, the complete function waiting on it');
  const lost = await completing;
  assert.equal(lost.status, 0, 'the client got no answer');

  stack = await restart(stack);
  c = clientFor(stack, 'holder');
  const listed = await ok(c, '/uploads/list', { token: up.token });
  assert.equal(listed.parts.length, 5, 'every part is still there');
  assert.equal(listed.uploadedBytes, data.length);
  const done = await ok(c, '/uploads/complete', { token: up.token });
  assert.equal(done.recovered, undefined, 'the held Complete never ran');
  assert.equal(done.crc64, crc64(data).toString());
  assert.equal(done.callbackStatus, 'ok');
  await assertObject(ossFor(stack), up.key, data);
  await noOpenUploads(ossFor(stack), 'uploads/holder/');
  await kill(stack, 'end of scenario 2');
  report('kill and restart: what happened', table(['event', 'when'], events));
});

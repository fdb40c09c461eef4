/**
 * `npm start` as a person runs it: the process prints its URLs, serves the demo, the API,
 * /openapi.json and the emulator; the README's plain-fetch flow works against it; data on disk
 * survives a restart and serves one stack at a time; a busy port is replaced by a free one (and
 * said so, before the URLs); SIGINT closes
 * everything and exits 0. Spawned through `npm start` itself: whichever signal reaches npm or its
 * process group, npm exits 0 and nothing keeps listening.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seededBytes } from './fixtures/seeded.ts';

const ENTRY = resolve('infra/local/main.ts');

interface Running {
  child: ChildProcess;
  output: () => string;
  urls: { demo: string; api: string; openapi: string; oss: string };
  exit: Promise<number | null>;
}

async function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { ...process.env, PORT: '0', OSS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Ctrl-C stops it.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start did not come up in 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = (label: string) => {
    const m = new RegExp(`^\\s+${label}\\s+(http://\\S+)`, 'm').exec(out);
    assert.ok(m, `no ${label} URL in:\n${out}`);
    return m[1];
  };
  return {
    child,
    output: () => out,
    urls: { demo: url('Demo'), api: url('API'), openapi: url('OpenAPI'), oss: url('OSS emulator') },
    exit,
  };
}

async function stop(r: Running): Promise<number | null> {
  r.child.kill('SIGINT');
  const timeout = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 8000).unref());
  const code = await Promise.race([r.exit, timeout]);
  if (code === 'timeout') {
    r.child.kill('SIGKILL');
    throw new Error(`did not exit within 8 s of SIGINT:\n${r.output()}`);
  }
  return code;
}

// ---- The README's plain-fetch example, verbatim apart from `api` and types.
function jsonApi(api: string) {
  async function call(path: string, body: unknown): Promise<any> {
    const res = await fetch(api + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${json.error.code}: ${json.message}`);
    return json;
  }

  async function upload(file: Blob & { name?: string }, filename = file.name!): Promise<any> {
    const init = await call('/uploads', { filename, size: file.size, contentType: file.type || 'application/octet-stream' });
    const numbers = Array.from({ length: init.partCount }, (_, i) => i + 1);
    const { parts } = await call('/uploads/sign', { token: init.token, partNumbers: numbers });
    const uploaded = [];
    for (const p of parts) {
      const start = (p.partNumber - 1) * init.partSize;
      const res = await fetch(p.url, { method: p.method, headers: p.headers, body: file.slice(start, start + p.size) });
      if (!res.ok) throw new Error(`part ${p.partNumber}: HTTP ${res.status}`);
      uploaded.push({ partNumber: p.partNumber, etag: res.headers.get('etag') });
    }
    return call('/uploads/complete', { token: init.token, parts: uploaded });
  }
  return { call, upload };
}

describe('npm start (infra/local/main.ts as a process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-stack-data-'));
  const running: Running[] = [];
  let blocker: Server | undefined;

  after(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    blocker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let storedKey = '';
  const size = 20_000_000;

  test('prints its URLs and serves the demo, /openapi.json, the emulator and the JSON API; SIGINT exits 0', async () => {
    const r = await start({ DATA_DIR: dataDir });
    running.push(r);
    const out = r.output();
    assert.equal(r.urls.demo, `${r.urls.api}/`);
    assert.equal(r.urls.openapi, `${r.urls.api}/openapi.json`);
    assert.match(out, new RegExp(`Data\\s+${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    const demo = await fetch(r.urls.demo);
    assert.equal(demo.status, 200);
    const html = await demo.text();
    assert.match(html, /Upload straight to OSS/);
    for (const asset of ['/assets/demo.js', '/assets/demo.css']) {
      const res = await fetch(r.urls.api + asset);
      assert.equal(res.status, 200, asset);
      assert.ok((await res.text()).length > 10_000, `${asset} is the bundle`);
    }

    const openapi = await fetch(r.urls.openapi);
    assert.equal(openapi.status, 200);
    const doc = (await openapi.json()) as { openapi: string; paths: Record<string, unknown>; 'x-stub'?: boolean };
    assert.match(doc.openapi, /^3\./);
    if (!doc['x-stub']) assert.ok(doc.paths['/uploads'], 'the real document describes POST /uploads');
    // Generated from the code, as the committed file is (test/unit/openapi.test.ts keeps that current).
    assert.deepEqual(doc, JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')), 'the stack serves openapi.json as generated');

    const health = await fetch(`${r.urls.oss}/_emulator/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(((await health.json()) as { buckets: string[] }).buckets, ['local-bucket']);

    // The docs' plain-fetch flow: 20 MB in the server's default 8 MiB parts.
    const bytes = seededBytes(99, size);
    // Random bytes: declared generic, or the events function would quarantine a "tar" of noise.
    const file = Object.assign(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }), { name: 'backup.tar' });
    const result = await jsonApi(r.urls.api).upload(file);
    assert.equal(result.size, size);
    assert.equal(result.callbackStatus, 'ok');
    assert.equal(result.callback?.ok, true);
    assert.ok(result.key.startsWith('uploads/anonymous/') && result.key.endsWith('/backup.tar'), result.key);
    storedKey = result.key;
    const obj = await fetch(`${r.urls.api}/_local/objects/download?${new URLSearchParams({ key: result.key })}`);
    assert.equal(obj.status, 200);
    const got = new Uint8Array(await obj.arrayBuffer());
    assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(bytes).digest('hex'));

    assert.ok(existsSync(join(dataDir, 'oss')), 'emulator data on disk');
    assert.ok(existsSync(join(dataDir, 'upload-token-secret')), 'generated upload-token secret kept with the data');

    // A second stack on the same data folder refuses to start and names the first.
    const second = spawn(process.execPath, ['--import', 'tsx', ENTRY], { env: { ...process.env, PORT: '0', OSS_PORT: '0', DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let secondOut = '';
    second.stdout!.on('data', (d) => (secondOut += d));
    second.stderr!.on('data', (d) => (secondOut += d));
    assert.equal(await new Promise((res) => second.on('exit', res)), 1, secondOut);
    assert.ok(
      secondOut.includes(`another local stack (pid ${r.child.pid}) is using ${dataDir}: API ${r.urls.api}, OSS emulator ${r.urls.oss}`),
      secondOut,
    );
    assert.equal((await fetch(r.urls.demo)).status, 200, 'the first stack still serves');

    assert.equal(await stop(r), 0);
    assert.match(r.output(), /SIGINT: stopping/);
    await assert.rejects(fetch(r.urls.demo), 'the server is closed');
  });

  test('restart on the same data: objects are still there; a busy OSS_PORT is replaced by a free one, noted first', async () => {
    assert.ok(storedKey, 'needs the first test');
    blocker = createServer();
    await new Promise<void>((res) => blocker!.listen(0, '127.0.0.1', () => res()));
    const busyPort = (blocker.address() as { port: number }).port;

    const r = await start({ DATA_DIR: dataDir, OSS_PORT: String(busyPort), LOG: '0' });
    running.push(r);
    const note = r.output().indexOf(`note: OSS emulator port ${busyPort} is busy; using a free one instead`);
    assert.ok(note >= 0, r.output());
    assert.ok(note < r.output().indexOf('local stack'), 'the busy-port note comes before the URL list');
    assert.notEqual(new URL(r.urls.oss).port, String(busyPort));

    const facts = await fetch(`${r.urls.api}/_local/objects?${new URLSearchParams({ key: storedKey })}`);
    assert.equal(facts.status, 200);
    assert.equal(((await facts.json()) as { size: number }).size, size);

    r.child.kill('SIGTERM');
    assert.equal(await r.exit, 0);
    assert.match(r.output(), /SIGTERM: stopping/);
  });
});

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      res(true);
    });
    socket.once('error', () => res(false));
  });
}

describe('npm start stops on signals (spawned through npm, as a person runs it)', () => {
  const groups: number[] = [];
  after(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  /** `npm start` in a process group of its own (as a terminal job is), ready to serve. */
  async function npmStart(): Promise<{ npm: ChildProcess; ports: number[]; exit: Promise<{ code: number | null; signal: string | null }>; output: () => string }> {
    const npm = spawn('npm', ['start'], {
      env: { ...process.env, PORT: '0', OSS_PORT: '0', MEMORY: '1', LOG: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    groups.push(npm.pid!);
    let out = '';
    npm.stdout!.on('data', (d) => (out += d));
    npm.stderr!.on('data', (d) => (out += d));
    const exit = new Promise<{ code: number | null; signal: string | null }>((res) => npm.on('exit', (code, signal) => res({ code, signal })));
    const deadline = Date.now() + 30_000;
    while (!out.includes('Ctrl-C stops it.')) {
      if (npm.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ports = ['API', 'OSS emulator'].map((label) => Number(new RegExp(`^\\s+${label}\\s+http://127\\.0\\.0\\.1:(\\d+)`, 'm').exec(out)?.[1]));
    for (const p of ports) assert.ok(p > 0 && (await listening(p)), `port ${p} serves:\n${out}`);
    return { npm, ports, exit, output: () => out };
  }

  async function exited(exit: Promise<{ code: number | null; signal: string | null }>, output: () => string) {
    const timeout = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 10_000).unref());
    const r = await Promise.race([exit, timeout]);
    assert.notEqual(r, 'timeout', `npm did not exit within 10 s:\n${output()}`);
    return r as { code: number | null; signal: string | null };
  }

  for (const [name, send] of [
    ['SIGTERM to the npm process', (pid: number) => process.kill(pid, 'SIGTERM')],
    ['SIGINT to the npm process', (pid: number) => process.kill(pid, 'SIGINT')],
    ['SIGTERM to the process group', (pid: number) => process.kill(-pid, 'SIGTERM')],
  ] as const) {
    test(`${name}: npm exits 0 and both ports are closed by then`, async () => {
      const r = await npmStart();
      send(r.npm.pid!);
      assert.deepEqual(await exited(r.exit, r.output), { code: 0, signal: null }, r.output());
      for (const p of r.ports) assert.equal(await listening(p), false, `port ${p} still listening after npm exited`);
      assert.match(r.output(), /SIG(TERM|INT): stopping/);
    });
  }

  test('SIGKILL to the npm process: the orphaned stack notices and closes both ports', async () => {
    const r = await npmStart();
    r.npm.kill('SIGKILL');
    await exited(r.exit, r.output);
    const deadline = Date.now() + 5_000;
    let open = r.ports;
    while (open.length && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      open = (await Promise.all(r.ports.map(async (p) => ((await listening(p)) ? [p] : [])))).flat();
    }
    assert.deepEqual(open, [], 'ports still listening 5 s after npm was killed');
  });
});

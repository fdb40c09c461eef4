// One local stack per data folder (infra/local/data-lock.ts): a second stack on a folder in use
// refuses to start and names the first; a lock whose stack is gone does not block.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, lockDataDir } from '../../infra/local/data-lock.ts';
import { startLocalStack } from '../../infra/local/stack.ts';

const root = mkdtempSync(join(tmpdir(), 'stack-lock-'));
let n = 0;
const freshDir = () => join(root, String(++n));
after(() => rmSync(root, { recursive: true, force: true }));

/** A pid that belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/** A live process that is not a stack (stands for a reused pid), killed at the end. */
function liveStranger(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  after(() => child.kill('SIGKILL'));
  return child.pid!;
}

const writeLock = (dir: string, info: object) => writeFileSync(join(dir, 'stack.lock'), JSON.stringify(info));

test('a second lock on a folder this process holds is refused; release frees it', async () => {
  const dir = freshDir();
  const lock = await lockDataDir(dir);
  await lock.update({ api: 'http://127.0.0.1:1', oss: 'http://127.0.0.1:2' });
  await assert.rejects(lockDataDir(dir), (e: Error) => e instanceof DataDirInUseError && e.message.includes(`pid ${process.pid}`));
  await lock.release();
  assert.equal(existsSync(lock.file), false, 'released lock file removed');
  await (await lockDataDir(dir)).release();
});

test('a live stack elsewhere: refused, naming its pid and URLs', async () => {
  const dir = freshDir();
  await lockDataDir(dir).then((l) => l.release()); // creates the folder
  const api = createServer().listen(0, '127.0.0.1');
  after(() => api.close());
  await new Promise((r) => api.once('listening', r));
  const port = (api.address() as AddressInfo).port;
  const pid = liveStranger();
  writeLock(dir, { pid, startedAt: new Date().toISOString(), api: `http://127.0.0.1:${port}`, oss: 'http://127.0.0.1:9999' });
  await assert.rejects(lockDataDir(dir), (e: Error) => {
    assert.ok(e instanceof DataDirInUseError);
    assert.match(e.message, new RegExp(`another local stack \\(pid ${pid}\\) is using .*: API http://127\\.0\\.0\\.1:${port}, OSS emulator http://127\\.0\\.0\\.1:9999`));
    assert.match(e.message, /DATA_DIR=|MEMORY=1/);
    return true;
  });
  assert.equal(JSON.parse(readFileSync(join(dir, 'stack.lock'), 'utf8')).pid, pid, 'the holder keeps its lock');
});

test('stale locks do not block: dead pid, reused pid whose API port is closed, unreadable file', async () => {
  for (const stale of [
    async () => ({ pid: await deadPid(), startedAt: 'x', api: 'http://127.0.0.1:1', oss: 'http://127.0.0.1:2' }),
    async () => ({ pid: liveStranger(), startedAt: 'x', api: 'http://127.0.0.1:1', oss: 'http://127.0.0.1:2' }),
    async () => 'not json',
  ]) {
    const dir = freshDir();
    await lockDataDir(dir).then((l) => l.release());
    const content = await stale();
    writeFileSync(join(dir, 'stack.lock'), typeof content === 'string' ? content : JSON.stringify(content));
    const lock = await lockDataDir(dir);
    assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid);
    await lock.release();
  }
});

test('startLocalStack: a second stack on the same data folder refuses to start; the first keeps serving', async () => {
  const dir = freshDir();
  const first = await startLocalStack({ port: 0, ossPort: 0, dataDir: dir });
  try {
    await assert.rejects(startLocalStack({ port: 0, ossPort: 0, dataDir: dir }), (e: Error) =>
      e instanceof DataDirInUseError && e.message.includes(`API ${first.url}, OSS emulator ${first.ossUrl}`),
    );
    assert.equal((await fetch(`${first.url}/_local/health`)).status, 200);
    assert.equal((await fetch(`${first.ossUrl}/_emulator/health`)).status, 200);
  } finally {
    await first.close();
  }
  assert.equal(existsSync(join(dir, 'stack.lock')), false, 'close releases the folder');
  const second = await startLocalStack({ port: 0, ossPort: 0, dataDir: dir });
  await second.close();
});

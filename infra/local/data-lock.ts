/**
 * One local stack per data folder: `<dataDir>/stack.lock` names the stack using it (pid, and its
 * URLs once it listens). Two emulators writing one folder would corrupt each other's uploads, so
 * a second stack on the same folder refuses to start and says which stack holds it. A lock left
 * by a stack that died (its pid gone, or its API port no longer answering because the pid was
 * reused) is taken over.
 */
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

interface LockInfo {
  pid: number;
  startedAt: string;
  /** Set once the stack listens. */
  api?: string;
  oss?: string;
}

export interface DataLock {
  file: string;
  /** Records the stack's URLs, so a second stack can name them. */
  update(urls: { api: string; oss: string }): Promise<void>;
  release(): Promise<void>;
}

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** Folders this process holds (a pid check cannot tell two stacks of one process apart). */
const heldHere = new Set<string>();

export async function lockDataDir(dataDir: string): Promise<DataLock> {
  const file = join(dataDir, 'stack.lock');
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  await mkdir(dataDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(info)}\n`);
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = await readLock(file);
    if (other && (await holds(other, file))) throw new DataDirInUseError(inUseMessage(dataDir, other));
    if (attempt === 3) throw new DataDirInUseError(`${file} keeps reappearing: is another local stack starting on ${dataDir}?`);
    await rm(file, { force: true }); // stale: its stack is gone
  }
  heldHere.add(file);
  let released = false;
  return {
    file,
    async update(urls) {
      Object.assign(info, urls);
      await writeFile(file, `${JSON.stringify(info)}\n`, { mode: 0o600 });
    },
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(file);
      const now = await readLock(file);
      if (now?.pid === info.pid && now.startedAt === info.startedAt) await rm(file, { force: true });
    },
  };
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    return Number.isSafeInteger(v?.pid) && v.pid > 0 ? v : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
}

/** Whether the stack that wrote `lock` still runs. */
async function holds(lock: LockInfo, file: string): Promise<boolean> {
  if (lock.pid === process.pid) return heldHere.has(file);
  if (!alive(lock.pid)) return false;
  // A live pid may be another program that reused it: a running stack also answers on its API port.
  return lock.api === undefined || (await accepts(new URL(lock.api)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function accepts(url: URL): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect(Number(url.port), url.hostname.replace(/^\[|\]$/g, ''));
    socket.setTimeout(1000, () => {
      socket.destroy();
      res(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      res(true);
    });
    socket.once('error', () => res(false));
  });
}

function inUseMessage(dataDir: string, other: LockInfo): string {
  const where = other.api ? `: API ${other.api}, OSS emulator ${other.oss}` : ' (still starting)';
  return (
    `another local stack (pid ${other.pid}) is using ${dataDir}${where}. ` +
    'Stop it first (Ctrl-C in its terminal), or give this one a data folder of its own (DATA_DIR=.data2) or MEMORY=1.'
  );
}

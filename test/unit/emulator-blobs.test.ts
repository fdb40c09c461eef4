// FileBlobStore.concat, the emulator's CompleteMultipartUpload on disk: the object is the parts in
// order, and a failure anywhere (a missing part, a write that fails) stores nothing and leaves no
// temporary file. The write failure is injected through node:fs, which Node's WriteStream calls.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../../infra/emulator/blobs';

async function withStore(fn: (store: FileBlobStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
  try {
    const store = new FileBlobStore(dir);
    await store.init();
    await fn(store, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function readAll(store: FileBlobStore, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of store.read(id)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const listing = async (dir: string) => ({ blobs: (await readdir(join(dir, 'blobs'))).sort(), tmp: await readdir(join(dir, 'tmp')) });

test('concat: the parts in order, across read-chunk boundaries, with the total size', async () => {
  await withStore(async (store) => {
    const parts = [Buffer.alloc(300_000, 1), Buffer.from('x'), Buffer.alloc(0), Buffer.alloc(700_000, 3)];
    const ids = [];
    for (const p of parts) ids.push((await store.write(once(p))).id);
    const joined = await store.concat(ids);
    assert.equal(joined.size, 1_000_001);
    assert.ok((await readAll(store, joined.id)).equals(Buffer.concat(parts)));
  });
});

test('concat: a missing part stores nothing and leaves no temporary file', async () => {
  await withStore(async (store, dir) => {
    const a = await store.write(once(Buffer.from('a')));
    const before = await listing(dir);
    await assert.rejects(store.concat([a.id, 'lzzzzzzz-0000000000000000000000']), /ENOENT/);
    assert.deepEqual(await listing(dir), before);
  });
});

test('concat: a write that fails on the last chunk stores nothing (not a truncated object)', async () => {
  await withStore(async (store, dir) => {
    const head = Buffer.alloc(1000, 1);
    const last = Buffer.alloc(1000, 9); // the failing write is recognised by its bytes
    const ids = [(await store.write(once(head))).id, (await store.write(once(last))).id];
    const before = await listing(dir);
    // WriteStream takes fs.writev when several chunks are queued, fs.write otherwise: fail either.
    let injected = 0;
    const failIfLast = (data: Buffer | Buffer[], args: unknown[]) => {
      const hit = ([] as Buffer[]).concat(data).some((b) => Buffer.isBuffer(b) && b.includes(9));
      if (!hit) return false;
      injected++;
      process.nextTick(args[args.length - 1] as (e: Error) => void, Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
      return true;
    };
    const realWrite = fs.write as (...a: unknown[]) => void;
    const realWritev = fs.writev as (...a: unknown[]) => void;
    const write = mock.method(fs, 'write', function (this: unknown, ...args: unknown[]) {
      if (!failIfLast(args[1] as Buffer, args)) realWrite.apply(this, args);
    });
    const writev = mock.method(fs, 'writev', function (this: unknown, ...args: unknown[]) {
      if (!failIfLast(args[1] as Buffer[], args)) realWritev.apply(this, args);
    });
    try {
      await assert.rejects(store.concat(ids), /EIO/);
    } finally {
      write.mock.restore();
      writev.mock.restore();
    }
    assert.equal(injected, 1, 'the failing write was the one injected');
    assert.deepEqual(await listing(dir), before);
  });
});

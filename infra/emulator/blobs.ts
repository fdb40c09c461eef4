/**
 * Blob stores: where object and part bytes live. A blob is immutable once written and is named by
 * a random id; metadata (storage.ts) points at it. Writes go to a temp file and are renamed into
 * place, and a blob only becomes visible when metadata referencing it is committed, so a crash
 * leaves at most an unreferenced blob that the next start removes.
 *
 * Nothing here holds a whole blob in memory on disk mode: writes and reads are streams, and
 * concatenation (CompleteMultipartUpload) copies part files one chunk at a time.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';

export interface BlobInfo {
  id: string;
  size: number;
}

export interface BlobStore {
  /** Consumes `source` completely and stores it. Throws (and stores nothing) if `source` throws. */
  write(source: AsyncIterable<Uint8Array>): Promise<BlobInfo>;
  /** Bytes [start, end] inclusive (whole blob by default). */
  read(id: string, start?: number, end?: number): Readable;
  /** A new blob that is the concatenation of `ids`, streamed. */
  concat(ids: string[]): Promise<BlobInfo>;
  delete(id: string): Promise<void>;
  /** Removes every blob not in `keep` and any leftover temp file (startup clean-up). */
  sweep(keep: Set<string>): Promise<number>;
}

export function newBlobId(): string {
  return `${Date.now().toString(36)}-${randomBytes(10).toString('hex')}`;
}

export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, { chunks: Uint8Array[]; size: number }>();

  async write(source: AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of source) {
      chunks.push(chunk);
      size += chunk.length;
    }
    const id = newBlobId();
    this.#blobs.set(id, { chunks, size });
    return { id, size };
  }

  read(id: string, start = 0, end?: number): Readable {
    const blob = this.#blobs.get(id);
    if (!blob) throw new Error(`blob ${id} is missing`);
    const last = end ?? blob.size - 1;
    return Readable.from(
      (function* () {
        let offset = 0;
        for (const chunk of blob.chunks) {
          const cStart = offset;
          const cEnd = offset + chunk.length - 1;
          offset += chunk.length;
          if (cEnd < start) continue;
          if (cStart > last) break;
          yield Buffer.from(chunk.buffer, chunk.byteOffset + Math.max(0, start - cStart), Math.min(cEnd, last) - Math.max(cStart, start) + 1);
        }
      })(),
      { objectMode: false },
    );
  }

  async concat(ids: string[]): Promise<BlobInfo> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (const id of ids) {
      const blob = this.#blobs.get(id);
      if (!blob) throw new Error(`blob ${id} is missing`);
      chunks.push(...blob.chunks);
      size += blob.size;
    }
    const id = newBlobId();
    this.#blobs.set(id, { chunks, size });
    return { id, size };
  }

  async delete(id: string): Promise<void> {
    this.#blobs.delete(id);
  }

  async sweep(keep: Set<string>): Promise<number> {
    let n = 0;
    for (const id of [...this.#blobs.keys()]) if (!keep.has(id)) (this.#blobs.delete(id), n++);
    return n;
  }

  /** For tests: how many blobs are held. */
  get count(): number {
    return this.#blobs.size;
  }
}

export class FileBlobStore implements BlobStore {
  readonly #dir: string;
  readonly #tmp: string;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'blobs');
    this.#tmp = join(dataDir, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await mkdir(this.#tmp, { recursive: true });
  }

  #path(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`bad blob id ${id}`);
    return join(this.#dir, id);
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const id = newBlobId();
    const tmp = join(this.#tmp, `${id}.part`);
    let size = 0;
    const counted = (async function* () {
      for await (const chunk of source) {
        size += chunk.length;
        yield chunk;
      }
    })();
    try {
      await pipeline(counted, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, this.#path(id));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { id, size };
  }

  read(id: string, start = 0, end?: number): Readable {
    return createReadStream(this.#path(id), { start, end, highWaterMark: 64 * 1024 });
  }

  async concat(ids: string[]): Promise<BlobInfo> {
    const id = newBlobId();
    const tmp = join(this.#tmp, `${id}.part`);
    let size = 0;
    const paths = ids.map((part) => this.#path(part));
    // One pipeline for the whole copy, as in write(): one set of listeners on the output (a pipeline
    // per part would add 10,000 for a 10,000-part Complete), backpressure, and any error, the final
    // flush and close included, rejects before the file is renamed into place.
    const joined = (async function* () {
      for (const path of paths) {
        for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
          size += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      }
    })();
    try {
      await pipeline(joined, createWriteStream(tmp, { flags: 'wx', highWaterMark: 256 * 1024 }));
      await rename(tmp, this.#path(id));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { id, size };
  }

  async delete(id: string): Promise<void> {
    await rm(this.#path(id), { force: true });
  }

  async sweep(keep: Set<string>): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.#dir)) {
      if (!keep.has(name)) {
        await rm(join(this.#dir, name), { force: true });
        n++;
      }
    }
    for (const name of await readdir(this.#tmp)) {
      await rm(join(this.#tmp, name), { force: true, recursive: true });
      n++;
    }
    return n;
  }
}

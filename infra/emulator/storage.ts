/**
 * The emulator's state: buckets (with CORS rules), objects, multipart uploads and their parts.
 *
 * Metadata is held in memory (authoritative while running) and, in disk mode, mirrored to one JSON
 * document per record under `<dataDir>/meta/`, each written to a temp file and renamed into place.
 * Bytes live in a BlobStore (blobs.ts). Layout:
 *
 *   <dataDir>/meta/buckets/<bucket>.json
 *   <dataDir>/meta/objects/<bucket>/<sha256(key)>.json
 *   <dataDir>/meta/uploads/<bucket>/<uploadId>.json
 *   <dataDir>/meta/parts/<bucket>/<uploadId>/<partNumber>.json
 *   <dataDir>/blobs/<blobId>             object and part bytes
 *   <dataDir>/tmp/                       in-flight writes (emptied at start)
 *   <dataDir>/callback-key.pem           the RSA key that signs upload callbacks
 *
 * Order of commits makes crashes safe: an object becomes visible only when its JSON is renamed
 * into place, after its blob is complete; an upload disappears when its JSON is removed, before
 * its parts. Start-up drops parts without an upload and blobs nothing references.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileBlobStore, MemoryBlobStore, type BlobStore } from './blobs';
import type { CorsRule } from '../bucket-rules';

export type { CorsRule } from '../bucket-rules';

export interface CorsConfig {
  rules: CorsRule[];
  responseVary: boolean;
}

export interface BucketRecord {
  name: string;
  created: number;
  /** PutBucketCors' rules; null after DeleteBucketCors; absent: the defaults (cors.ts). */
  cors?: CorsConfig | null;
}

/** Headers stored with an object and returned on GET/HEAD. */
export interface StoredHeaders {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  expires?: string;
  /** x-oss-meta-* with lower-case names, full header name as key. */
  meta: Record<string, string>;
  /** SSE headers to echo (x-oss-server-side-encryption…). */
  sse: Record<string, string>;
  storageClass: string;
  tagging?: string;
}

export interface ObjectRecord extends StoredHeaders {
  bucket: string;
  key: string;
  blob: string;
  size: number;
  /** Quoted, as sent in the ETag header. */
  etag: string;
  /** Unsigned decimal; absent if unknown. */
  crc64?: string;
  /** base64 MD5 of the content (Normal objects only). */
  contentMd5?: string;
  lastModified: number;
  objectType: 'Normal' | 'Multipart';
}

export interface UploadRecord extends StoredHeaders {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: number;
  forbidOverwrite: boolean;
}

export interface PartRecord {
  partNumber: number;
  blob: string;
  size: number;
  /** Quoted uppercase hex MD5. */
  etag: string;
  md5Hex: string;
  crc64: string;
  lastModified: number;
}

interface BucketState {
  record: BucketRecord;
  objects: Map<string, ObjectRecord>;
  uploads: Map<string, UploadState>;
}

interface UploadState {
  record: UploadRecord;
  parts: Map<number, PartRecord>;
}

function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Upload ids: 32 uppercase hex chars, like OSS's. */
export function newUploadId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** Serialises async work per key (an upload id, a metadata path). */
class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}

/** Writes JSON documents atomically; no-op in memory mode. */
class MetaStore {
  readonly #root: string | undefined;
  readonly #queue = new KeyedMutex();
  #seq = 0;

  constructor(root: string | undefined) {
    this.#root = root;
  }

  get enabled(): boolean {
    return this.#root !== undefined;
  }

  async put(rel: string[], doc: unknown): Promise<void> {
    const root = this.#root;
    if (!root) return;
    const path = join(root, ...rel);
    await this.#queue.run(path, async () => {
      await mkdir(join(root, ...rel.slice(0, -1)), { recursive: true });
      const tmp = `${path}.${process.pid}.${++this.#seq}.tmp`;
      await writeFile(tmp, JSON.stringify(doc));
      await rename(tmp, path);
    });
  }

  async remove(rel: string[], recursive = false): Promise<void> {
    const root = this.#root;
    if (!root) return;
    const path = join(root, ...rel);
    await this.#queue.run(path, () => rm(path, { force: true, recursive }));
  }
}

async function readJsonDir<T>(dir: string): Promise<T[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) {
      if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
      continue;
    }
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as T);
    } catch {
      // A corrupt record (should not happen: writes are atomic) is skipped, not fatal.
    }
  }
  return out;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

export class Storage {
  readonly blobs: BlobStore;
  readonly dataDir: string | undefined;
  readonly #meta: MetaStore;
  readonly #buckets = new Map<string, BucketState>();
  readonly #locks = new KeyedMutex();

  private constructor(blobs: BlobStore, dataDir: string | undefined) {
    this.blobs = blobs;
    this.dataDir = dataDir;
    this.#meta = new MetaStore(dataDir ? join(dataDir, 'meta') : undefined);
  }

  static memory(): Storage {
    return new Storage(new MemoryBlobStore(), undefined);
  }

  static async open(dataDir: string): Promise<Storage> {
    await mkdir(dataDir, { recursive: true });
    const blobs = new FileBlobStore(dataDir);
    await blobs.init();
    const s = new Storage(blobs, dataDir);
    await s.#load();
    return s;
  }

  async #load(): Promise<void> {
    const meta = join(this.dataDir!, 'meta');
    const referenced = new Set<string>();
    for (const b of await readJsonDir<BucketRecord>(join(meta, 'buckets'))) {
      this.#buckets.set(b.name, { record: b, objects: new Map(), uploads: new Map() });
    }
    for (const [name, state] of this.#buckets) {
      for (const o of await readJsonDir<ObjectRecord>(join(meta, 'objects', name))) {
        state.objects.set(o.key, o);
        referenced.add(o.blob);
      }
      for (const u of await readJsonDir<UploadRecord>(join(meta, 'uploads', name))) {
        state.uploads.set(u.uploadId, { record: u, parts: new Map() });
      }
      for (const uploadId of await listDirs(join(meta, 'parts', name))) {
        const upload = state.uploads.get(uploadId);
        if (!upload) {
          await rm(join(meta, 'parts', name, uploadId), { recursive: true, force: true });
          continue;
        }
        for (const p of await readJsonDir<PartRecord>(join(meta, 'parts', name, uploadId))) {
          upload.parts.set(p.partNumber, p);
          referenced.add(p.blob);
        }
      }
    }
    await this.blobs.sweep(referenced);
  }

  // --- buckets -------------------------------------------------------------------------------

  hasBucket(name: string): boolean {
    return this.#buckets.has(name);
  }

  bucketNames(): string[] {
    return [...this.#buckets.keys()].sort();
  }

  getBucket(name: string): BucketRecord | undefined {
    return this.#buckets.get(name)?.record;
  }

  async createBucket(name: string): Promise<boolean> {
    if (this.#buckets.has(name)) return false;
    const record: BucketRecord = { name, created: Date.now() };
    this.#buckets.set(name, { record, objects: new Map(), uploads: new Map() });
    await this.#meta.put(['buckets', `${name}.json`], record);
    return true;
  }

  async setCors(bucket: string, cors: CorsConfig | null): Promise<void> {
    const state = this.#bucket(bucket);
    state.record = { ...state.record, cors };
    await this.#meta.put(['buckets', `${bucket}.json`], state.record);
  }

  #bucket(name: string): BucketState {
    const b = this.#buckets.get(name);
    if (!b) throw new Error(`no bucket ${name}`);
    return b;
  }

  // --- objects -------------------------------------------------------------------------------

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    return this.#buckets.get(bucket)?.objects.get(key);
  }

  /** Commits an object whose blob is already written; the previous version's blob is freed. */
  async putObject(rec: ObjectRecord): Promise<void> {
    const state = this.#bucket(rec.bucket);
    const previous = state.objects.get(rec.key);
    state.objects.set(rec.key, rec);
    await this.#meta.put(['objects', rec.bucket, `${keyHash(rec.key)}.json`], rec);
    if (previous && previous.blob !== rec.blob) await this.blobs.delete(previous.blob);
  }

  async deleteObject(bucket: string, key: string): Promise<boolean> {
    const state = this.#bucket(bucket);
    const previous = state.objects.get(key);
    if (!previous) return false;
    state.objects.delete(key);
    await this.#meta.remove(['objects', bucket, `${keyHash(key)}.json`]);
    await this.blobs.delete(previous.blob);
    return true;
  }

  listObjects(bucket: string): ObjectRecord[] {
    return [...this.#bucket(bucket).objects.values()];
  }

  // --- multipart uploads ---------------------------------------------------------------------

  async createUpload(rec: UploadRecord): Promise<void> {
    this.#bucket(rec.bucket).uploads.set(rec.uploadId, { record: rec, parts: new Map() });
    await this.#meta.put(['uploads', rec.bucket, `${rec.uploadId}.json`], rec);
  }

  /** The upload with this id in this bucket (and, if given, for this key). */
  getUpload(bucket: string, uploadId: string, key?: string): UploadRecord | undefined {
    const u = this.#buckets.get(bucket)?.uploads.get(uploadId);
    if (!u || (key !== undefined && u.record.key !== key)) return undefined;
    return u.record;
  }

  listUploads(bucket: string): UploadRecord[] {
    return [...this.#bucket(bucket).uploads.values()].map((u) => u.record);
  }

  /** Parts in ascending part-number order. */
  listParts(bucket: string, uploadId: string): PartRecord[] {
    const u = this.#buckets.get(bucket)?.uploads.get(uploadId);
    if (!u) return [];
    return [...u.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  }

  /**
   * Records a part whose blob is written. Returns false (and frees the blob) if the upload is gone
   * by now (aborted or completed while the part was streaming in).
   */
  async putPart(bucket: string, uploadId: string, part: PartRecord): Promise<boolean> {
    return this.withUploadLock(uploadId, async () => {
      const u = this.#buckets.get(bucket)?.uploads.get(uploadId);
      if (!u) {
        await this.blobs.delete(part.blob);
        return false;
      }
      const previous = u.parts.get(part.partNumber);
      u.parts.set(part.partNumber, part);
      await this.#meta.put(['parts', bucket, uploadId, `${part.partNumber}.json`], part);
      if (previous) await this.blobs.delete(previous.blob);
      return true;
    });
  }

  /** Removes the upload (it disappears at once) and then its parts and their blobs. */
  async deleteUpload(bucket: string, uploadId: string): Promise<boolean> {
    const state = this.#bucket(bucket);
    const u = state.uploads.get(uploadId);
    if (!u) return false;
    state.uploads.delete(uploadId);
    await this.#meta.remove(['uploads', bucket, `${uploadId}.json`]);
    await this.#meta.remove(['parts', bucket, uploadId], true);
    for (const p of u.parts.values()) await this.blobs.delete(p.blob);
    return true;
  }

  /** Runs `fn` exclusively for this upload (Complete, Abort and part commits take it). */
  withUploadLock<T>(uploadId: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(`upload:${uploadId}`, fn);
  }

  /** Runs `fn` exclusively for this object key (create-if-absent checks). */
  withKeyLock<T>(bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(`key:${bucket}\u0000${key}`, fn);
  }
}

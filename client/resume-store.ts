/**
 * Where an unfinished upload is remembered between page loads: `indexedDbStore()` in browsers,
 * `memoryStore()` where there is no IndexedDB (Node: resume within the process). Anything with
 * get/set/delete of JSON-able records will do (localStorage, a file, a server).
 *
 * A record holds the upload token (it lets the same signed-in caller sign, list, complete or abort
 * this one upload, and expires with it), the object key and upload id, and the number, ETag and
 * CRC-64 of each part OSS confirmed. It is deleted when the upload completes or is aborted.
 */

export interface ResumeRecord {
  v: 1;
  token: string;
  /** When the upload token expires (ISO). */
  tokenExpiresAt: string;
  key: string;
  uploadId: string;
  size: number;
  partSize: number;
  partCount: number;
  /** What the upload was started with (name, type, metadata, part size, Content-MD5); a different call starts afresh. */
  options: string;
  /** `completing` once complete was asked: after a lost answer, complete is asked again instead of starting over. */
  phase: 'uploading' | 'completing';
  /** Confirmed parts: [partNumber, ETag, CRC-64 as decimal]. */
  parts: Array<[number, string, string]>;
  savedAt: number;
}

export interface ResumeStore {
  get(id: string): Promise<ResumeRecord | undefined>;
  set(id: string, record: ResumeRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Records in a Map: they live as long as the store object. */
export function memoryStore(): ResumeStore {
  const map = new Map<string, string>();
  return {
    async get(id) {
      const v = map.get(id);
      return v === undefined ? undefined : (JSON.parse(v) as ResumeRecord);
    },
    async set(id, record) {
      map.set(id, JSON.stringify(record));
    },
    async delete(id) {
      map.delete(id);
    },
  };
}

/** Records in IndexedDB database `dbName`, object store `uploads`. */
export function indexedDbStore(dbName = 'oss-upload-client'): ResumeStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('uploads');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => {
        db = undefined;
        reject(req.error);
      };
    }));
  const run = async <T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const store = (await open()).transaction('uploads', mode).objectStore('uploads');
    return new Promise<T>((resolve, reject) => {
      const req = op(store);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  };
  return {
    get: (id) => run('readonly', (s) => s.get(id) as IDBRequest<ResumeRecord | undefined>),
    set: async (id, record) => void (await run('readwrite', (s) => s.put(record, id))),
    delete: async (id) => void (await run('readwrite', (s) => s.delete(id))),
  };
}

let fallback: ResumeStore | undefined;

/** IndexedDB where it exists, else one memory store shared by every upload in this realm. */
export function defaultStore(): ResumeStore {
  if (typeof indexedDB !== 'undefined') return indexedDbStore();
  return (fallback ??= memoryStore());
}

/**
 * Reads a slice of the file and hashes it (CRC-64, and MD5 on request), in a Worker so the page
 * stays responsive, or on the calling thread where there are no Workers (Node) or the page's
 * Content-Security-Policy forbids `blob:` workers (`worker-src blob:` allows them).
 *
 * The Worker is inline: its source is `workerMain` and the two kernels as text, started from a
 * Blob URL, so the bundle ships as one file. The Worker reads the slice itself (Files pass to Workers
 * by reference) and answers with the digests only.
 */
import { crc64Kernel, type Crc64Kernel } from '../../shared/oss/crc64-kernel';
import { FileReadError } from '../errors';
import { md5Kernel } from './md5-kernel';

export interface HashRequest {
  start: number;
  end: number;
  /** Also compute the MD5 (base64, for Content-MD5). */
  md5: boolean;
}

export interface HashResult {
  crc64: bigint;
  md5?: string;
}

export interface Hasher {
  hash(file: Blob, req: HashRequest): Promise<HashResult>;
  /** Whether hashing runs in a Worker (false: on this thread). */
  readonly inWorker: boolean;
  close(): void;
}

interface WorkerReply {
  id: number;
  lo?: number;
  hi?: number;
  md5?: Uint8Array;
  error?: string;
}

let local: { crc: Crc64Kernel; md5: (data: Uint8Array) => Uint8Array } | undefined;
/** The kernels on this thread, built on first use. */
export function localKernels(): { crc: Crc64Kernel; md5: (data: Uint8Array) => Uint8Array } {
  return (local ??= { crc: crc64Kernel(), md5: md5Kernel() });
}

/** The Worker's whole program; stringified, so it may only use its arguments and Worker globals. */
function workerMain(makeCrc: () => Crc64Kernel, makeMd5: () => (data: Uint8Array) => Uint8Array): void {
  const k = { crc: makeCrc(), md5: makeMd5() };
  const scope = self as unknown as { onmessage: (e: MessageEvent) => void; postMessage(m: unknown): void };
  scope.onmessage = async (e: MessageEvent) => {
    const { id, file, start, end, md5 } = e.data as { id: number; file: Blob } & HashRequest;
    try {
      const bytes = new Uint8Array(await file.slice(start, end).arrayBuffer());
      const [lo, hi] = k.crc.update(bytes, -1, -1);
      scope.postMessage({ id, lo, hi, md5: md5 ? k.md5(bytes) : undefined });
    } catch (err) {
      scope.postMessage({ id, error: `${(err as Error)?.name}: ${(err as Error)?.message}` });
    }
  };
}

/**
 * The Worker's source. `__name` is there for builds that keep function names (esbuild's keepNames,
 * tsx): they wrap functions in a `__name` helper that lives outside the stringified code.
 */
export function workerSource(): string {
  return `var __name = function (f) { return f; };\n(${workerMain.toString()})(${crc64Kernel.toString()}, ${md5Kernel.toString()});`;
}

function finish(lo: number, hi: number): bigint {
  return ((BigInt(~hi >>> 0) << 32n) | BigInt(~lo >>> 0));
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

async function hashHere(file: Blob, req: HashRequest): Promise<HashResult> {
  let buf: ArrayBuffer;
  try {
    buf = await file.slice(req.start, req.end).arrayBuffer();
  } catch (e) {
    throw readError(String(e), e);
  }
  const bytes = new Uint8Array(buf);
  const k = localKernels();
  const [lo, hi] = k.crc.update(bytes, -1, -1);
  return { crc64: finish(lo, hi), md5: req.md5 ? base64(k.md5(bytes)) : undefined };
}

function readError(detail: string, cause?: unknown): FileReadError {
  return new FileReadError(`The file could not be read (was it moved or changed?): ${detail}`, { cause });
}

/** A Worker when `useWorker` and the platform allows one, else this thread. */
export function createHasher(useWorker: boolean): Hasher {
  if (!useWorker || typeof Worker === 'undefined' || typeof URL.createObjectURL !== 'function') {
    return { hash: hashHere, inWorker: false, close() {} };
  }
  let worker: Worker | undefined;
  let url: string | undefined;
  let failed = false;
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: HashResult) => void; reject: (e: unknown) => void; file: Blob; req: HashRequest }>();

  const fallBack = () => {
    // The Worker could not start (CSP) or died: finish its work here, and everything after it.
    failed = true;
    worker?.terminate();
    worker = undefined;
    for (const [id, p] of pending) {
      pending.delete(id);
      hashHere(p.file, p.req).then(p.resolve, p.reject);
    }
  };

  const start = (): Worker | undefined => {
    if (worker || failed) return worker;
    try {
      url = URL.createObjectURL(new Blob([workerSource()], { type: 'text/javascript' }));
      worker = new Worker(url);
    } catch {
      fallBack();
      return undefined;
    }
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const r = e.data;
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      if (r.error !== undefined) p.reject(readError(r.error));
      else p.resolve({ crc64: finish(r.lo!, r.hi!), md5: r.md5 ? base64(r.md5) : undefined });
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      fallBack();
    };
    return worker;
  };

  return {
    get inWorker() {
      return !failed;
    },
    hash(file, req) {
      const w = start();
      if (!w) return hashHere(file, req);
      return new Promise<HashResult>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject, file, req });
        w.postMessage({ id, file, ...req });
      });
    },
    close() {
      worker?.terminate();
      worker = undefined;
      if (url) URL.revokeObjectURL(url);
      for (const p of pending.values()) p.reject(new FileReadError('The hasher was closed'));
      pending.clear();
    },
  };
}

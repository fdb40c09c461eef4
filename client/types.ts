/**
 * The client's public types: options, progress, events and the complete answer.
 */
import type { ResumeStore } from './resume-store';

export interface UploadOptions {
  /** Origin (and base path) of the functions, e.g. `https://upload-api.example.com`. */
  api: string;
  /** Headers for every API call, e.g. `{ authorization: 'Bearer <jwt>' }`. */
  headers?: Record<string, string>;
  /** Called before every API call (after `headers`): for tokens that refresh. */
  getHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
  /** The file's name; default `file.name`. Required for a Blob without one (e.g. Node's `fs.openAsBlob`). */
  filename?: string;
  /** Default `file.type`, else `application/octet-stream`. */
  contentType?: string;
  /** User metadata (x-oss-meta-*): keys of a-z, 0-9 and -, printable ASCII values. */
  metadata?: Record<string, string>;
  /** Part size to ask for; the server decides (DEFAULT_PART_SIZE, raised to fit 10,000 parts). */
  partSize?: number;
  /** Part PUTs in flight. Default DEFAULT_CONCURRENCY, 6 (chosen by `npm run bench`; docs/client.md). */
  concurrency?: number;
  /** Aborting it aborts the upload, as `abort()` does. */
  signal?: AbortSignal;
  /** Bytes sent; `uploadedBytes` only ever grows. */
  onProgress?: (progress: UploadProgress) => void;
  /** Everything that happens: API calls, parts, retries, re-signing, resume, the CRC-64 verdict. */
  onEvent?: (event: UploadEvent) => void;
  /**
   * Remember the upload so that offering the same file again (after a reload, a crash, in another
   * tab) resumes it. Default true: IndexedDB in browsers, memory elsewhere. A ResumeStore of your
   * own, or false to never store anything.
   */
  resume?: boolean | ResumeStore;
  /**
   * Send each part with a Content-MD5 the server signed, so OSS refuses a part corrupted on the
   * way at once. Costs an MD5 pass over the file ahead of the upload and smaller sign batches at
   * first. Default false: every part's CRC-64 is checked anyway (OSS's answer, and complete).
   */
  contentMd5?: boolean;
  /** Retries per request (API call or part PUT) after the first attempt. Default 6. */
  retries?: number;
  /** API call timeout; for part PUTs, the time without progress after which a PUT is retried. Default 60 s. */
  timeoutMs?: number;
  /** Hash in a Web Worker (default true where Workers exist). */
  worker?: boolean;
  /** A fetch to use for every request (API calls and, instead of XMLHttpRequest, part PUTs). */
  fetch?: typeof fetch;
}

export interface UploadProgress {
  /** Bytes confirmed by OSS plus bytes of parts in flight; never decreases. */
  uploadedBytes: number;
  totalBytes: number;
  /** Parts confirmed by OSS (including those found on resume). */
  partsDone: number;
  partCount: number;
}

export type UploadState = 'idle' | 'preparing' | 'uploading' | 'paused' | 'completing' | 'done' | 'failed' | 'aborted';

export type ApiOperation = 'init' | 'sign' | 'list' | 'complete' | 'abort';

export type UploadEvent =
  | { type: 'state'; state: UploadState }
  /** One attempt of an API call; `status` 0 = no answer. */
  | { type: 'request'; op: ApiOperation; status: number; ms: number; attempt: number }
  /** The upload OSS holds for this file (new or resumed). */
  | { type: 'upload'; key: string; uploadId: string; partCount: number; partSize: number; resumed: boolean }
  /** Resume: parts OSS holds that match this file, and those to send. */
  | { type: 'resumed'; partsKept: number; partsToSend: number }
  /** A stored upload could not be resumed (token expired, upload gone): a new one starts. */
  | { type: 'restarted'; reason: string }
  | { type: 'part-start'; partNumber: number; size: number; attempt: number }
  | { type: 'part-done'; partNumber: number; etag: string; crc64: string }
  | { type: 'part-retry'; partNumber: number; reason: string; delayMs: number }
  /** New URLs for parts whose URLs expired (or were about to). */
  | { type: 'resign'; partNumbers: number[]; reason: 'expired' | 'expiring' }
  /** The whole file's CRC-64 (read from disk) against the object's. */
  | { type: 'verified'; crc64: string; objectCrc64: string | null; match: boolean };

/** The answer of `POST /uploads/complete` (see the OpenAPI document). */
export interface CompleteAnswer {
  bucket: string;
  key: string;
  etag: string | null;
  size: number;
  crc64: string | null;
  location: string;
  callbackStatus: 'none' | 'ok' | 'failed' | 'unknown';
  callback?: unknown;
  callbackError?: { code: 'CALLBACK_FAILED'; message: string };
  recovered?: boolean;
}

/** Counts since the upload started, for display and tests. */
export interface UploadStats {
  /** API calls answered or attempted, by operation (retries included). */
  calls: Record<ApiOperation, number>;
  /** Part PUTs attempted (retries included). */
  partPuts: number;
  /** Parts found in OSS and kept on resume. */
  partsKept: number;
  retries: number;
  resigns: number;
  restarts: number;
  /** Whether parts are hashed in a Web Worker (false: on the calling thread). */
  hashedInWorker: boolean;
}

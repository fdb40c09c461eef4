/**
 * The state of one upload: UploadSession (../session.ts) makes it, and each file beside this one
 * works on its part of it, as the comments below say.
 */
import type { ResumeRecord, ResumeStore } from '../../resume-store';
import type { UploadOptions, UploadState, UploadStats } from '../../types';
import type { Api } from '../api';
import type { Hasher } from '../hasher';
import type { RetryPolicy } from '../retry';
import type { Active } from './multipart';

export interface SessionContext {
  readonly file: Blob;
  readonly options: UploadOptions;
  readonly api: Api;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** Made when the upload starts. */
  hasher?: Hasher;
  readonly counts: Omit<UploadStats, 'hashedInWorker'>;
  state: UploadState;

  /** The multipart upload being sent, once planned (open.ts). */
  up?: Active;
  key?: string;
  /** The whole file's CRC-64 (decimal), once every part is hashed (complete.ts). */
  crc64?: string;

  // Pause and abort (control.ts).
  paused?: boolean;
  aborted?: boolean;
  /** Fires on abort: every request stops. */
  readonly signal: AbortSignal;
  readonly abortCtl: AbortController;
  /** Fires on pause and abort: part PUTs stop (API calls finish). */
  pauseCtl: AbortController;
  /** The steps waiting at the gate while paused. */
  readonly wake: Array<() => void>;

  // Progress (events.ts): bytes of the parts confirmed, of each part in flight, last reported.
  confirmed: number;
  readonly inflight: Map<number, number>;
  reported: number;

  // The stored record (record.ts).
  readonly store?: ResumeStore;
  record?: ResumeRecord;
  recordId?: string;
  saveTimer?: ReturnType<typeof setTimeout>;

  // Signing (signer.ts): sign calls in flight by part number, and the most parts one call covers.
  readonly signing: Map<number, Promise<void>>;
  maxPerSign: number;
}

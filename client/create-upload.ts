/**
 * `createUpload(file, options)`: an upload you can start, pause, resume and abort.
 *
 *   const up = createUpload(file, { api, headers: { authorization: `Bearer ${jwt}` } });
 *   pauseButton.onclick = () => up.pause();
 *   const answer = await up.start();   // the complete answer: key, size, crc64, callback…
 *
 * The steps, retries and resume rules are described in docs/client.md and the README.
 */
import { UploadSession } from './lib/session';
import type { CompleteAnswer, UploadOptions, UploadProgress, UploadState, UploadStats } from './types';

export interface Upload {
  /** Starts the upload (once; later calls return the same promise). Resolves with the complete answer. */
  start(): Promise<CompleteAnswer>;
  /** Stops sending parts; what OSS confirmed is kept. Parts cut off are sent again on resume(). */
  pause(): void;
  resume(): void;
  /** Stops, aborts the multipart upload in OSS and forgets it. start() rejects with UploadAbortedError. */
  abort(): Promise<void>;
  readonly state: UploadState;
  readonly progress: UploadProgress;
  readonly stats: UploadStats;
  /** The object key, once the upload is started or found. */
  readonly key: string | undefined;
  /** The whole file's CRC-64/XZ as read from disk (decimal), once every part is hashed. */
  readonly crc64: string | undefined;
}

export function createUpload(file: Blob, options: UploadOptions): Upload {
  const session = new UploadSession(file, options);
  return {
    start: () => session.start(),
    pause: () => session.pause(),
    resume: () => session.resume(),
    abort: () => session.abort(),
    get state() {
      return session.state;
    },
    get progress() {
      return session.progress;
    },
    get stats() {
      return session.stats;
    },
    get key() {
      return session.key;
    },
    get crc64() {
      return session.crc64;
    },
  };
}

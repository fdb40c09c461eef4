/**
 * One upload per file at a time. Two tabs offered the same file would otherwise both resume the
 * same stored upload and send the same parts twice. Browsers: a Web Lock named after the file's
 * fingerprint (held until the upload settles, released by the browser if the tab dies); without
 * Web Locks (Node 20, old browsers): a lock within this JavaScript realm only.
 */
import { UploadBusyError } from '../errors';

export type Release = () => void;

const held = new Set<string>();

interface LockManagerLike {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void>): Promise<void>;
}

export async function acquireLock(name: string): Promise<Release> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (locks && typeof locks.request === 'function') {
    return new Promise<Release>((resolve, reject) => {
      locks
        .request(`oss-upload:${name}`, { ifAvailable: true }, (lock) => {
          if (!lock) {
            reject(busy());
            return Promise.resolve();
          }
          // Held until `release` resolves this promise.
          return new Promise<void>((release) => resolve(release));
        })
        .catch(reject);
    });
  }
  if (held.has(name)) throw busy();
  held.add(name);
  return () => void held.delete(name);
}

function busy(): UploadBusyError {
  return new UploadBusyError('This file is already being uploaded (in another tab or by another call); wait for it or abort it');
}

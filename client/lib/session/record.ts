/**
 * This upload's record in the resume store (resume-store.ts): named after the API and the file's
 * fingerprint, written soon after each confirmed part and at once before complete or on pause,
 * deleted when the upload ends.
 */
import { fingerprint } from '../fingerprint';
import { localKernels } from '../hasher';
import { acquireLock } from '../lock';
import type { SessionContext } from './context';

/** Writes are coalesced; parts confirmed in the last moments before a reload are found by list. */
const SAVE_DELAY_MS = 200;

/** Names the record; one upload of a file at a time uses it. Resolves with the lock's release. */
export async function claimRecord(c: SessionContext, name: string): Promise<() => void> {
  c.recordId = `${c.options.api.replace(/\/+$/, '')}\n${await fingerprint(c.file, name, () => localKernels().crc)}`;
  return acquireLock(c.recordId);
}

export function saveSoon(c: SessionContext): void {
  if (!c.store || c.saveTimer !== undefined) return;
  c.saveTimer = setTimeout(() => {
    c.saveTimer = undefined;
    void save(c);
  }, SAVE_DELAY_MS);
}

/** Writes now what saveSoon() would write later. */
export function flush(c: SessionContext): void {
  if (c.saveTimer === undefined) return;
  clearTimeout(c.saveTimer);
  c.saveTimer = undefined;
  void save(c);
}

export async function save(c: SessionContext): Promise<void> {
  if (!c.store || !c.record || !c.recordId) return;
  c.record.savedAt = Date.now();
  await c.store.set(c.recordId, c.record).catch(() => undefined);
}

export async function forget(c: SessionContext): Promise<void> {
  clearTimeout(c.saveTimer);
  c.saveTimer = undefined;
  c.record = undefined;
  if (c.store && c.recordId) await c.store.delete(c.recordId).catch(() => undefined);
}

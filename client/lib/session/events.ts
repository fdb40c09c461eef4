/**
 * What the caller is told: events (onEvent), state changes, and progress (onProgress: bytes of the
 * parts OSS confirmed plus what the PUTs in flight have sent, never going down).
 */
import type { UploadEvent, UploadProgress, UploadState } from '../../types';
import type { SessionContext } from './context';

export function emit(c: SessionContext, e: UploadEvent): void {
  try {
    c.options.onEvent?.(e);
  } catch {
    /* a listener's error must not break the upload */
  }
}

export function setState(c: SessionContext, state: UploadState): void {
  if (c.state === state) return;
  c.state = state;
  emit(c, { type: 'state', state });
}

export function progress(c: SessionContext): UploadProgress {
  const parts = c.up?.parts ?? [];
  return { uploadedBytes: c.reported, totalBytes: c.file.size, partsDone: parts.filter((p) => p.done).length, partCount: parts.length };
}

export function reportProgress(c: SessionContext): void {
  let bytes = c.confirmed;
  for (const [n, loaded] of c.inflight) {
    const p = c.up!.parts[n - 1];
    bytes += Math.min(loaded, p.end - p.start);
  }
  if (bytes <= c.reported) return;
  c.reported = bytes;
  try {
    c.options.onProgress?.(progress(c));
  } catch {
    /* as in emit */
  }
}

/**
 * When to try again and how long to wait: exponential backoff with full jitter (so many clients
 * that failed together do not come back together), capped, honouring a server's Retry-After.
 */
import { UploadAbortedError } from '../errors';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First backoff ceiling, ms; doubles per attempt. */
  baseMs: number;
  /** Largest wait, ms. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, baseMs: 400, maxMs: 20_000 };

/** Wait before attempt `attempt` (1 = the first retry): uniform in [ceiling/2, ceiling], or Retry-After. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxMs);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Resolves after `ms`, or rejects with the signal's reason (an UploadAbortedError by default) once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new UploadAbortedError('The upload was aborted');
}

/** While the browser says it is offline, wait for it to come back (or for the signal). */
export async function whenOnline(signal?: AbortSignal): Promise<void> {
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
  const target = globalThis as unknown as Partial<EventTarget>;
  if (nav?.onLine !== false || typeof target.addEventListener !== 'function') return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      target.removeEventListener!('online', done);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const stop = () => {
      target.removeEventListener!('online', done);
      reject(abortReason(signal!));
    };
    target.addEventListener!('online', done);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/**
 * Retry timing for the OSS client: capped exponential backoff with full jitter
 * (delay = random(0, min(cap, base * 2^attempt))), and Retry-After as a floor when OSS sends one.
 * Which failures are retried for which operation is decided in client.ts (see `RetryPolicy`).
 */

export interface RetryOptions {
  /** Retries after the first attempt (so at most `max + 1` attempts). 0 disables retrying. */
  max: number;
  /** Backoff base in ms: the first retry waits up to `baseMs`, the second up to `2 * baseMs`… */
  baseMs: number;
  /** Upper bound of any single wait, in ms (Retry-After included). */
  capMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({ max: 3, baseMs: 200, capMs: 5000 });

export function normalizeRetry(opts: Partial<RetryOptions> | undefined): RetryOptions {
  const r = { ...DEFAULT_RETRY, ...(opts ?? {}) };
  if (!Number.isInteger(r.max) || r.max < 0) throw new RangeError('retries.max must be a non-negative integer');
  if (!(r.baseMs >= 0) || !(r.capMs >= 0)) throw new RangeError('retries.baseMs and retries.capMs must be >= 0');
  return r;
}

/**
 * Delay before retry number `retry` (0 for the first retry). `retryAfterMs` (from a Retry-After
 * header) raises the delay, still capped.
 */
export function backoffDelay(retry: number, opts: RetryOptions, random: () => number = Math.random, retryAfterMs?: number): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(retry, 30));
  let delay = Math.floor(random() * ceiling);
  if (retryAfterMs !== undefined && retryAfterMs > delay) delay = Math.min(opts.capMs, retryAfterMs);
  return delay;
}

/** Retry-After as ms: delta-seconds or an HTTP date. Undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

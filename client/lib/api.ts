/**
 * Calls to our JSON API (POST, JSON both ways) with retries: network errors, 429 (but not
 * TOO_MANY_UPLOADS, which waiting does not fix) and 5xx (but not INTEGRITY_MISMATCH or
 * MISCONFIGURED) are tried again after a backoff; anything else becomes an ApiError at once.
 * Every attempt is reported as a `request` event (the demo's "calls made", the tests' counts).
 */
import { ApiError, NetworkError } from '../errors';
import type { UploadEvent } from '../types';
import { backoffMs, retryAfter, sleep, whenOnline, type RetryPolicy } from './retry';

export type ApiOp = 'init' | 'sign' | 'list' | 'complete' | 'abort';

const PATHS: Record<ApiOp, string> = {
  init: '/uploads',
  sign: '/uploads/sign',
  list: '/uploads/list',
  complete: '/uploads/complete',
  abort: '/uploads/abort',
};

const FINAL_5XX = new Set(['INTEGRITY_MISMATCH', 'MISCONFIGURED']);

export interface ApiConfig {
  api: string;
  headers?: Record<string, string>;
  getHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
  fetch?: typeof fetch;
  retry: RetryPolicy;
  timeoutMs: number;
  emit(e: UploadEvent): void;
}

export class Api {
  readonly #c: ApiConfig;
  readonly #base: string;
  constructor(c: ApiConfig) {
    this.#c = c;
    this.#base = c.api.replace(/\/+$/, '');
  }

  /** The answer's JSON for a 2xx; throws ApiError, NetworkError, or the signal's reason. */
  async call<T>(op: ApiOp, body: unknown, signal?: AbortSignal, retries = this.#c.retry.retries): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const t0 = Date.now();
      let failure: Error;
      let wait: number | undefined;
      try {
        const res = await this.#send(op, body, signal);
        this.#c.emit({ type: 'request', op, status: res.status, ms: Date.now() - t0, attempt });
        let json: unknown;
        try {
          json = JSON.parse(res.text);
        } catch {
          json = undefined;
        }
        if (res.status >= 200 && res.status < 300 && json !== null && typeof json === 'object') return json as T;
        const err = (json as { error?: { code?: string; message?: string; requestId?: string; details?: Record<string, unknown> } } | undefined)?.error;
        const code = err?.code ?? `HTTP_${res.status}`;
        failure = new ApiError(res.status, code, err?.message ?? `HTTP ${res.status} from ${PATHS[op]}`, { requestId: err?.requestId, details: err?.details });
        const transient = (res.status >= 500 && !FINAL_5XX.has(code)) || (res.status === 429 && code !== 'TOO_MANY_UPLOADS');
        if (!transient) throw failure;
        wait = retryAfter(res.retryAfter);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (e instanceof ApiError) throw e;
        this.#c.emit({ type: 'request', op, status: 0, ms: Date.now() - t0, attempt });
        failure = new NetworkError(`${op}: no answer from ${this.#base}: ${(e as Error)?.message ?? e}`, { cause: e });
      }
      if (attempt >= retries) throw failure;
      await whenOnline(signal);
      await sleep(backoffMs(this.#c.retry, attempt + 1, wait), signal);
    }
  }

  async #send(op: ApiOp, body: unknown, signal?: AbortSignal): Promise<{ status: number; text: string; retryAfter: string | null }> {
    const headers: Record<string, string> = {
      ...this.#c.headers,
      ...(this.#c.getHeaders ? await this.#c.getHeaders() : {}),
      'content-type': 'application/json',
    };
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new Error(`timed out after ${this.#c.timeoutMs} ms`)), this.#c.timeoutMs);
    const onAbort = () => ctl.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await (this.#c.fetch ?? fetch)(this.#base + PATHS[op], { method: 'POST', headers, body: JSON.stringify(body), signal: ctl.signal });
      // The body is read within the timeout too.
      return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

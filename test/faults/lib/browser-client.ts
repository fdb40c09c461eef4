/**
 * A robust upload client that behaves like a careful browser app would over the JSON API:
 *
 *   init      POST /uploads; retried on network errors, timeouts and 5xx (a retry may leave an
 *             orphan upload behind when the earlier attempt's Initiate did reach OSS: only the
 *             sweeper can find it, since nobody got its upload id)
 *   list      POST /uploads/list before sending parts (resume: only missing parts are PUT)
 *   sign      POST /uploads/sign in batches; re-signed when a part PUT gets 403 "Request has expired."
 *   PUT       straight to OSS with its own timeout; retried on network errors and 5xx
 *   complete  POST /uploads/complete; retried on network errors and 5xx; `recovered: true` is
 *             success; 409 INCOMPLETE_UPLOAD means "list and send what is missing", then again
 *   abort     when an upload cannot be finished (its parts keep failing, it vanished, complete
 *             keeps failing): POST /uploads/abort until it answers, then start over with a new init
 *
 * Anything else (a 4xx the client did not cause, a wrong size or CRC-64 in complete's answer) is
 * a `FatalUploadError`: the campaign fails on it, because the functions misbehaved.
 */
import type { Rng } from './seed.ts';

import type { InitBody } from '../../helpers/upload.ts';
import { pool } from '../../helpers/pool.ts';
export type { InitBody };

export interface SignedPart {
  partNumber: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  size: number;
}

export interface ApiResponse {
  status: number;
  body: any;
  /** Network error or timeout text when `status` is 0. */
  error?: string;
}

export interface UploadStats {
  initCalls: number;
  /** init answers that leave open whether OSS created an upload (502 network/timeout, no answer). */
  initUncertain: number;
  signCalls: number;
  resigns: number;
  listCalls: number;
  putAttempts: number;
  putRetries: number;
  put403Expired: number;
  completeCalls: number;
  incompleteRounds: number;
  recovered: boolean;
  reloads: number;
  abortCalls: number;
  restarts: number;
  apiRetries: number;
}

export interface AttemptRecord {
  key: string;
  uploadId: string;
  outcome: 'completed' | 'aborted' | 'abort-failed';
  reason?: string;
}

export interface UploadOutcome {
  key: string;
  uploadId: string;
  complete: any;
  attempts: AttemptRecord[];
  stats: UploadStats;
}

export class FatalUploadError extends Error {
  override name = 'FatalUploadError';
}

/** The upload cannot be finished; abort it and start over. */
class Unrecoverable extends Error {}

export interface ClientOptions {
  baseUrl: string;
  /** Caller JWT, sent as a Bearer token. */
  jwt: string;
  /** Per API call (init, sign, list, complete, abort). */
  apiTimeoutMs: number;
  /** Per part PUT. */
  putTimeoutMs: number;
  partConcurrency?: number;
  signBatch?: number;
  /** Attempts per API call before the step counts as failed. */
  apiAttempts?: number;
  putAttempts?: number;
  completeAttempts?: number;
  /** Whole-upload restarts (abort + new init) before giving up. */
  maxRestarts?: number;
  /** Jitter for backoff. */
  rng: Rng;
  /** Called after every successful init (e.g. to add faults aimed at the new key). */
  afterInit?: (up: InitBody, restart: number) => void | Promise<void>;
  /** Simulate a page reload after the first batch of parts: forget everything but the init answer. */
  reloadOnce?: boolean;
  contentType?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class BrowserClient {
  readonly stats: UploadStats = {
    initCalls: 0,
    initUncertain: 0,
    signCalls: 0,
    resigns: 0,
    listCalls: 0,
    putAttempts: 0,
    putRetries: 0,
    put403Expired: 0,
    completeCalls: 0,
    incompleteRounds: 0,
    recovered: false,
    reloads: 0,
    abortCalls: 0,
    restarts: 0,
    apiRetries: 0,
  };
  readonly attempts: AttemptRecord[] = [];
  readonly #o: Required<Omit<ClientOptions, 'afterInit'>> & Pick<ClientOptions, 'afterInit'>;

  constructor(opts: ClientOptions) {
    this.#o = {
      partConcurrency: 3,
      signBatch: 8,
      apiAttempts: 8,
      putAttempts: 8,
      completeAttempts: 8,
      maxRestarts: 3,
      reloadOnce: false,
      contentType: 'application/octet-stream',
      ...opts,
    };
  }

  #backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(800, 40 * 2 ** attempt);
    return sleep(Math.floor(ceiling / 2 + this.#o.rng.next() * (ceiling / 2)));
  }

  /** One API call: never throws; status 0 for a network error or the client's own timeout. */
  async api(path: string, body: unknown): Promise<ApiResponse> {
    try {
      const res = await fetch(`${this.#o.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#o.jwt}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#o.apiTimeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* keep the text */
      }
      return { status: res.status, body: parsed };
    } catch (e) {
      return { status: 0, body: undefined, error: describe(e) };
    }
  }

  /** An API call retried on network errors, timeouts and 5xx other than INTEGRITY_MISMATCH. */
  async #apiRetry(path: string, body: unknown, onAnswer?: (r: ApiResponse) => void): Promise<ApiResponse> {
    let r: ApiResponse = { status: 0, body: undefined };
    for (let attempt = 0; attempt < this.#o.apiAttempts; attempt++) {
      if (attempt > 0) {
        this.stats.apiRetries++;
        await this.#backoff(attempt);
      }
      r = await this.api(path, body);
      onAnswer?.(r);
      if (!transient(r)) return r;
    }
    return r;
  }

  async upload(data: Uint8Array, filename: string): Promise<UploadOutcome> {
    for (let restart = 0; ; restart++) {
      const up = await this.#init(data.length, filename);
      await this.#o.afterInit?.(up, restart);
      try {
        await this.#transfer(up, data);
        const complete = await this.#complete(up, data);
        this.attempts.push({ key: up.key, uploadId: up.uploadId, outcome: 'completed' });
        return { key: up.key, uploadId: up.uploadId, complete, attempts: this.attempts, stats: this.stats };
      } catch (e) {
        if (!(e instanceof Unrecoverable)) throw e;
        const aborted = await this.#abort(up);
        this.attempts.push({ key: up.key, uploadId: up.uploadId, outcome: aborted ? 'aborted' : 'abort-failed', reason: e.message });
        if (restart >= this.#o.maxRestarts) throw new FatalUploadError(`gave up after ${restart + 1} attempts; last: ${e.message}`);
        this.stats.restarts++;
      }
    }
  }

  async #init(size: number, filename: string): Promise<InitBody> {
    const r = await this.#apiRetry('/uploads', { filename, size, partSize: 100 * 1024, contentType: this.#o.contentType }, (a) => {
      this.stats.initCalls++;
      const reason = a.body?.error?.details?.reason;
      if (a.status === 0 || (a.status === 502 && (reason === 'OssNetworkError' || reason === 'OssTimeoutError'))) this.stats.initUncertain++;
    });
    if (r.status !== 201) throw new FatalUploadError(`init answered ${r.status}: ${short(r)}`);
    return r.body as InitBody;
  }

  /** Lists what OSS holds and PUTs every part that is missing or has the wrong size. */
  async #transfer(up: InitBody, data: Uint8Array): Promise<void> {
    let reloadPending = this.#o.reloadOnce && this.stats.reloads === 0;
    for (;;) {
      const have = await this.#list(up);
      const missing: number[] = [];
      for (let n = 1; n <= up.partCount; n++) {
        const p = have.get(n);
        if (!p || p.size !== plannedSize(up, data.length, n)) missing.push(n);
      }
      if (missing.length === 0) return;
      let reloaded = false;
      for (let i = 0; i < missing.length; i += this.#o.signBatch) {
        const batch = missing.slice(i, i + this.#o.signBatch);
        const signed = await this.#sign(up, batch);
        await pool(signed, this.#o.partConcurrency, (p) => this.#put(up, data, p));
        if (reloadPending && i + this.#o.signBatch < missing.length) {
          // A page reload: everything but the init answer (kept in storage) is forgotten.
          reloadPending = false;
          reloaded = true;
          this.stats.reloads++;
          break;
        }
      }
      if (!reloaded) return;
    }
  }

  async #list(up: InitBody): Promise<Map<number, { size: number; etag: string }>> {
    const r = await this.#apiRetry('/uploads/list', { token: up.token }, () => this.stats.listCalls++);
    if (r.status === 404) throw new Unrecoverable('list: the upload is gone');
    if (r.status !== 200) throw transient(r) ? new Unrecoverable(`list kept failing: ${short(r)}`) : new FatalUploadError(`list answered ${r.status}: ${short(r)}`);
    return new Map((r.body.parts as Array<{ partNumber: number; size: number; etag: string }>).map((p) => [p.partNumber, p]));
  }

  async #sign(up: InitBody, partNumbers: number[]): Promise<SignedPart[]> {
    const r = await this.#apiRetry('/uploads/sign', { token: up.token, partNumbers }, () => this.stats.signCalls++);
    if (r.status === 404) throw new Unrecoverable('sign: the upload is gone');
    if (r.status !== 200) throw transient(r) ? new Unrecoverable(`sign kept failing: ${short(r)}`) : new FatalUploadError(`sign answered ${r.status}: ${short(r)}`);
    return r.body.parts as SignedPart[];
  }

  async #put(up: InitBody, data: Uint8Array, signed: SignedPart): Promise<void> {
    let p = signed;
    let resigns = 0;
    const start = (p.partNumber - 1) * up.partSize;
    const body = data.subarray(start, start + p.size);
    for (let attempt = 0; attempt < this.#o.putAttempts; attempt++) {
      if (attempt > 0) {
        this.stats.putRetries++;
        await this.#backoff(attempt);
      }
      this.stats.putAttempts++;
      let res: Response;
      let text: string;
      try {
        res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: body as unknown as BodyInit, signal: AbortSignal.timeout(this.#o.putTimeoutMs) });
        text = await res.text();
      } catch {
        continue; // dropped, reset or timed out: send it again
      }
      if (res.status === 200) return;
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
      if (res.status >= 500) continue;
      if (res.status === 403 && code === 'AccessDenied' && /expired/i.test(message)) {
        this.stats.put403Expired++;
        if (++resigns > 3) throw new Unrecoverable(`part ${p.partNumber}: its URLs keep expiring`);
        this.stats.resigns++;
        [p] = await this.#sign(up, [p.partNumber]);
        continue;
      }
      if (res.status === 404 && code === 'NoSuchUpload') throw new Unrecoverable(`part ${p.partNumber}: the upload is gone`);
      throw new FatalUploadError(`part ${p.partNumber} PUT answered ${res.status} ${code}: ${message}`);
    }
    throw new Unrecoverable(`part ${p.partNumber} failed ${this.#o.putAttempts} times`);
  }

  async #complete(up: InitBody, data: Uint8Array): Promise<any> {
    for (let round = 0; round < this.#o.completeAttempts; round++) {
      const r = await this.#apiRetry('/uploads/complete', { token: up.token }, () => this.stats.completeCalls++);
      if (r.status === 200) {
        if (r.body.recovered === true) this.stats.recovered = true;
        return r.body;
      }
      if (r.status === 409 && r.body?.error?.code === 'INCOMPLETE_UPLOAD') {
        this.stats.incompleteRounds++;
        await this.#transfer(up, data);
        continue;
      }
      if (r.status === 404) throw new Unrecoverable('complete: the upload is gone');
      if (transient(r)) throw new Unrecoverable(`complete kept failing: ${short(r)}`);
      throw new FatalUploadError(`complete answered ${r.status}: ${short(r)}`);
    }
    throw new Unrecoverable('complete: parts keep going missing');
  }

  /** True when the functions confirmed the abort. */
  async #abort(up: InitBody): Promise<boolean> {
    const r = await this.#apiRetry('/uploads/abort', { token: up.token }, () => this.stats.abortCalls++);
    if (r.status === 200 && r.body?.aborted === true) return true;
    if (transient(r)) return false;
    throw new FatalUploadError(`abort answered ${r.status}: ${short(r)}`);
  }
}

function plannedSize(up: InitBody, size: number, n: number): number {
  return n < up.partCount ? up.partSize : size - up.partSize * (up.partCount - 1);
}

function transient(r: ApiResponse): boolean {
  return r.status === 0 || (r.status >= 500 && r.body?.error?.code !== 'INTEGRITY_MISMATCH');
}

function short(r: ApiResponse): string {
  return r.status === 0 ? `no answer (${r.error})` : JSON.stringify(r.body).slice(0, 300);
}

function describe(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string } };
  return [err.name, err.cause?.code ?? err.message].filter(Boolean).join(': ');
}

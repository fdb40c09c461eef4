/**
 * One upload from start to finish: find or start the multipart upload, send the missing parts,
 * complete with the whole file's CRC-64. create-upload.ts wraps this in the public handle.
 *
 *   open      the store has this file (fingerprint + same options)? list what OSS holds, keep the
 *             parts that match this file (ETag and CRC-64 recorded, or the CRC-64 of the same
 *             bytes read again), else init. A token about to expire, a 404 or a 401 start afresh.
 *   transfer  `concurrency` workers take the parts in order: read + CRC-64 (hasher), a URL from
 *             the signer (one sign call covers up to 1000 parts), PUT, check OSS's ETag and
 *             CRC-64 header. Network errors, 5xx and 429 are retried with backoff; an expired
 *             URL is signed again; NoSuchUpload starts afresh.
 *   complete  parts list + the file's CRC-64. INCOMPLETE_UPLOAD, CONFLICT, or an
 *             INTEGRITY_MISMATCH found before OSS assembled the object: list, re-send what
 *             differs, complete again. The answer's CRC-64 is checked against the file's.
 */
import { crc64Combine } from '../../shared/oss/crc64';
import { ApiError, IntegrityError, NetworkError, PartUploadError, UploadAbortedError, UploadError } from '../errors';
import { defaultStore, type ResumeRecord, type ResumeStore } from '../resume-store';
import type { CompleteAnswer, UploadEvent, UploadOptions, UploadProgress, UploadState, UploadStats } from '../types';
import { Api } from './api';
import { fingerprint } from './fingerprint';
import { createHasher, localKernels, type Hasher } from './hasher';
import { acquireLock } from './lock';
import { isExpiredUrl, parseOssError } from './oss-error';
import { PutFailure, putPart } from './put-part';
import { DEFAULT_RETRY, backoffMs, sleep, whenOnline, type RetryPolicy } from './retry';

/**
 * Part PUTs in flight unless told otherwise: within 1% of the fastest on Chromium-throttled links
 * (40 ms/100 Mbit/s: 4 in flight 1.07x, 6 1.01x, 8 1.00x; 150 ms/20 Mbit/s: 1.02x, 1.01x, 1.00x),
 * and the most Chromium opens to one host over HTTP/1.1 anyway. docs/client.md has the table.
 */
export const DEFAULT_CONCURRENCY = 6;
/** A URL with less than this left is signed again before use (see SignedUrl.margin). */
const URL_MARGIN_MS = 30_000;
/** A stored upload whose token has less than this left is not resumed. */
const TOKEN_MARGIN_MS = 5 * 60_000;
const MAX_PER_SIGN = 1000;
const MAX_RESTARTS = 2;
const MAX_COMPLETE_ROUNDS = 3;
/** Stored-record writes are coalesced; parts confirmed in the last moments before a reload are found by list. */
const SAVE_DELAY_MS = 200;

interface SignedUrl {
  url: string;
  headers: Record<string, string>;
  validUntil: number;
  /** Signed again when less than this is left: URL_MARGIN_MS, or a quarter of a shorter lifetime. */
  margin: number;
}

const fresh = (u: SignedUrl) => u.validUntil - Date.now() > u.margin;

interface Part {
  n: number;
  start: number;
  end: number;
  /** CRC-64 of the bytes read from the file. */
  crc?: bigint;
  md5?: string;
  /** Settles when crc (and md5) are known: hashed beside the PUT, or all ahead in Content-MD5 mode. */
  digested?: Promise<void>;
  url?: SignedUrl;
  /** Signed at least once (a later sign call for it is a re-sign). */
  signed?: boolean;
  /** OSS refused its URL as expired. */
  expired?: boolean;
  done?: { etag: string; crc: bigint };
}

interface Active {
  token: string;
  tokenExpiresAt: string;
  key: string;
  uploadId: string;
  partSize: number;
  parts: Part[];
}

interface InitAnswer {
  uploadId: string;
  key: string;
  partSize: number;
  partCount: number;
  token: string;
  expiresAt: string;
}

interface ListedPart {
  partNumber: number;
  etag: string;
  size: number;
  crc64: string | null;
}

/** The stored upload cannot go on (gone, token expired): start a new one. */
class Restart extends Error {}

/** Another worker failed: this one stops quietly. */
const STOPPED = new Error('stopped');

/** 401 about the upload token (expired, or from another secret), not about the caller's JWT. */
function uploadTokenRefused(e: ApiError, up: { tokenExpiresAt: string }): boolean {
  return e.apiCode === 'TOKEN_INVALID' && (/upload token/i.test(e.message) || Date.now() >= Date.parse(up.tokenExpiresAt));
}

const bareEtag = (e: string) => e.replace(/"/g, '').toUpperCase();

export class UploadSession {
  state: UploadState = 'idle';
  readonly #counts: Omit<UploadStats, 'hashedInWorker'> = {
    calls: { init: 0, sign: 0, list: 0, complete: 0, abort: 0 },
    partPuts: 0,
    partsKept: 0,
    retries: 0,
    resigns: 0,
    restarts: 0,
  };
  /** The whole file's CRC-64 (decimal), once every part is hashed. */
  crc64?: string;
  key?: string;

  readonly #file: Blob;
  readonly #o: UploadOptions;
  readonly #api: Api;
  readonly #retry: RetryPolicy;
  readonly #store?: ResumeStore;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  #hasher?: Hasher;
  #promise?: Promise<CompleteAnswer>;

  #aborted = false;
  /** Fires on abort(): every request stops. */
  readonly #abortCtl = new AbortController();
  /** Fires on pause() and abort(): part PUTs stop (API calls finish). */
  #pauseCtl = new AbortController();
  #paused = false;
  #wake: Array<() => void> = [];

  #active?: Active;
  #record?: ResumeRecord;
  #recordId?: string;
  #saveTimer?: ReturnType<typeof setTimeout>;
  #maxPerSign = MAX_PER_SIGN;

  #confirmed = 0;
  #inflight = new Map<number, number>();
  #reported = 0;

  constructor(file: Blob, options: UploadOptions) {
    if (!options || typeof options.api !== 'string' || !options.api) throw new TypeError('options.api (the functions\' URL) is required');
    this.#file = file;
    this.#o = options;
    this.#retry = { ...DEFAULT_RETRY, retries: options.retries ?? DEFAULT_RETRY.retries };
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#store = options.resume === false ? undefined : options.resume === true || options.resume === undefined ? defaultStore() : options.resume;
    this.#api = new Api({
      api: options.api,
      headers: options.headers,
      getHeaders: options.getHeaders,
      fetch: options.fetch,
      retry: this.#retry,
      timeoutMs: this.#timeoutMs,
      emit: (e) => {
        if (e.type === 'request') this.#counts.calls[e.op]++;
        this.#emit(e);
      },
    });
    options.signal?.addEventListener('abort', () => void this.abort(), { once: true });
    if (options.signal?.aborted) this.#aborted = true;
  }

  get stats(): UploadStats {
    return { ...this.#counts, calls: { ...this.#counts.calls }, hashedInWorker: this.#hasher?.inWorker ?? false };
  }

  get progress(): UploadProgress {
    const parts = this.#active?.parts ?? [];
    return { uploadedBytes: this.#reported, totalBytes: this.#file.size, partsDone: parts.filter((p) => p.done).length, partCount: parts.length };
  }

  start(): Promise<CompleteAnswer> {
    return (this.#promise ??= this.#run());
  }

  pause(): void {
    if (this.#paused || this.#aborted || !['preparing', 'uploading'].includes(this.state)) return;
    this.#paused = true;
    this.#pauseCtl.abort();
    this.#setState('paused');
    this.#flush();
  }

  resume(): void {
    if (!this.#paused || this.#aborted) return;
    this.#paused = false;
    this.#pauseCtl = new AbortController();
    this.#setState('uploading');
    for (const w of this.#wake.splice(0)) w();
  }

  /** Stops everything, aborts the multipart upload in OSS and forgets it; resolves when done. */
  async abort(): Promise<void> {
    if (this.state === 'failed' && !this.#aborted) {
      // A failed upload is kept for a later attempt; aborting it discards it.
      this.#aborted = true;
      await this.#abortRemote();
      this.#setState('aborted');
      return;
    }
    if (this.#aborted || this.state === 'done') return;
    this.#aborted = true;
    this.#abortCtl.abort(new UploadAbortedError('The upload was aborted'));
    this.#pauseCtl.abort();
    for (const w of this.#wake.splice(0)) w();
    await this.#promise?.catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------

  #emit(e: UploadEvent): void {
    try {
      this.#o.onEvent?.(e);
    } catch {
      /* a listener's error must not break the upload */
    }
  }

  #setState(state: UploadState): void {
    if (this.state === state) return;
    this.state = state;
    this.#emit({ type: 'state', state });
  }

  #progress(): void {
    let bytes = this.#confirmed;
    for (const [n, loaded] of this.#inflight) {
      const p = this.#active!.parts[n - 1];
      bytes += Math.min(loaded, p.end - p.start);
    }
    if (bytes <= this.#reported) return;
    this.#reported = bytes;
    try {
      this.#o.onProgress?.(this.progress);
    } catch {
      /* as in #emit */
    }
  }

  /** Waits while paused; throws once aborted. */
  async #gate(): Promise<void> {
    while (this.#paused && !this.#aborted) await new Promise<void>((r) => this.#wake.push(r));
    if (this.#aborted) throw this.#abortCtl.signal.reason;
  }

  async #run(): Promise<CompleteAnswer> {
    let release: (() => void) | undefined;
    try {
      if (this.#aborted) throw new UploadAbortedError('The upload was aborted before it started');
      this.#setState('preparing');
      const name = this.#o.filename ?? (this.#file as Partial<File>).name;
      if (!name) throw new TypeError('options.filename is required for a Blob without a name');
      this.#hasher = createHasher(this.#o.worker !== false);
      if (this.#store) {
        // Remembered uploads are per API and file; one upload of a file at a time uses its record.
        this.#recordId = `${this.#o.api.replace(/\/+$/, '')}\n${await fingerprint(this.#file, name, () => localKernels().crc)}`;
        release = await acquireLock(this.#recordId);
      }
      for (let restarts = 0; ; restarts++) {
        try {
          const up = await this.#open(name);
          this.#setState(this.#paused ? 'paused' : 'uploading');
          await this.#transfer(up);
          const answer = await this.#complete(up);
          await this.#forget();
          this.#setState('done');
          return answer;
        } catch (e) {
          if (!(e instanceof Restart) || this.#aborted || restarts >= MAX_RESTARTS) throw e;
          this.#counts.restarts++;
          this.#emit({ type: 'restarted', reason: e.message });
          await this.#forget();
        }
      }
    } catch (e) {
      if (this.#aborted) {
        await this.#abortRemote();
        this.#setState('aborted');
        throw e instanceof UploadAbortedError ? e : new UploadAbortedError('The upload was aborted', { cause: e });
      }
      this.#setState('failed');
      // Kept for a later attempt, unless there is nothing left to resume (the object was stored).
      if (e instanceof IntegrityError && e.stored) await this.#forget();
      else this.#flush();
      if (e instanceof Restart) throw new UploadError(`The upload could not be finished: ${e.message}`);
      throw e;
    } finally {
      clearTimeout(this.#saveTimer);
      this.#hasher?.close();
      release?.();
    }
  }

  // ---- open: resume or init -------------------------------------------------------------------

  #optionsKey(name: string): string {
    const meta = this.#o.metadata ? Object.entries(this.#o.metadata).sort(([a], [b]) => (a < b ? -1 : 1)) : null;
    return JSON.stringify([name, this.#contentType(), meta, this.#o.partSize ?? null, !!this.#o.contentMd5]);
  }

  #contentType(): string {
    return this.#o.contentType ?? (this.#file.type || 'application/octet-stream');
  }

  async #open(name: string): Promise<Active> {
    const options = this.#optionsKey(name);
    const rec = await this.#store?.get(this.#recordId!).catch(() => undefined);
    if (rec && rec.v === 1 && rec.options === options && rec.size === this.#file.size) {
      const resumed = await this.#resume(rec);
      if (resumed) return resumed;
    }
    const init = await this.#api.call<InitAnswer>(
      'init',
      { filename: name, size: this.#file.size, contentType: this.#contentType(), partSize: this.#o.partSize, metadata: this.#o.metadata },
      this.#abortCtl.signal,
    );
    const up = this.#plan(init.token, init.expiresAt, init.key, init.uploadId, init.partSize, init.partCount);
    this.#record = {
      v: 1,
      token: init.token,
      tokenExpiresAt: init.expiresAt,
      key: init.key,
      uploadId: init.uploadId,
      size: this.#file.size,
      partSize: init.partSize,
      partCount: init.partCount,
      options,
      phase: 'uploading',
      parts: [],
      savedAt: Date.now(),
    };
    await this.#save();
    this.#emit({ type: 'upload', key: up.key, uploadId: up.uploadId, partCount: up.parts.length, partSize: up.partSize, resumed: false });
    return up;
  }

  /** The stored upload, reconciled with what OSS holds; undefined when it cannot be resumed. */
  async #resume(rec: ResumeRecord): Promise<Active | undefined> {
    if (Date.parse(rec.tokenExpiresAt) - Date.now() < TOKEN_MARGIN_MS) {
      this.#emit({ type: 'restarted', reason: 'the stored upload token expires soon' });
      await this.#abortQuietly(rec.token);
      await this.#forget();
      return undefined;
    }
    const up = this.#plan(rec.token, rec.tokenExpiresAt, rec.key, rec.uploadId, rec.partSize, rec.partCount);
    this.#record = rec;
    const known = new Map(rec.parts.map(([n, etag, crc]) => [n, { etag, crc: BigInt(crc) }]));
    let listed: ListedPart[];
    try {
      listed = (await this.#api.call<{ parts: ListedPart[] }>('list', { token: rec.token }, this.#abortCtl.signal)).parts;
    } catch (e) {
      if (!(e instanceof ApiError) || !(e.status === 404 || e.status === 403 || (e.status === 401 && uploadTokenRefused(e, rec)))) throw e;
      if (e.status === 404 && rec.phase === 'completing' && known.size === up.parts.length) {
        // Complete was asked and its answer lost: asking again confirms the object (or says it is gone).
        for (const p of up.parts) p.done = known.get(p.n);
        this.#confirmed = this.#file.size;
        this.#counts.partsKept += up.parts.length;
        this.#emit({ type: 'upload', key: up.key, uploadId: up.uploadId, partCount: up.parts.length, partSize: up.partSize, resumed: true });
        this.#emit({ type: 'resumed', partsKept: up.parts.length, partsToSend: 0 });
        return up;
      }
      this.#emit({ type: 'restarted', reason: `the stored upload cannot be resumed (${e.apiCode})` });
      await this.#forget();
      return undefined;
    }
    this.#emit({ type: 'upload', key: up.key, uploadId: up.uploadId, partCount: up.parts.length, partSize: up.partSize, resumed: true });
    await this.#reconcile(up, listed, known);
    const kept = up.parts.filter((p) => p.done).length;
    this.#counts.partsKept += kept;
    this.#emit({ type: 'resumed', partsKept: kept, partsToSend: up.parts.length - kept });
    return up;
  }

  #plan(token: string, tokenExpiresAt: string, key: string, uploadId: string, partSize: number, partCount: number): Active {
    const size = this.#file.size;
    if (partCount !== Math.max(1, Math.ceil(size / partSize))) throw new UploadError(`The server planned ${partCount} parts of ${partSize} bytes for ${size} bytes`);
    const parts: Part[] = [];
    for (let n = 1; n <= partCount; n++) parts.push({ n, start: (n - 1) * partSize, end: Math.min(size, n * partSize) });
    this.key = key;
    this.#active = { token, tokenExpiresAt, key, uploadId, partSize, parts };
    this.#confirmed = 0;
    this.#inflight.clear();
    return this.#active;
  }

  /**
   * Marks as done each part OSS holds that is this file's: planned size, and either the ETag and
   * CRC-64 `known` for it, or OSS's CRC-64 equal to that of the same bytes read from the file now.
   */
  async #reconcile(up: Active, listed: ListedPart[], known: Map<number, { etag: string; crc: bigint }>): Promise<void> {
    const byNumber = new Map(listed.map((l) => [l.partNumber, l]));
    this.#confirmed = 0;
    for (const p of up.parts) {
      p.done = undefined;
      const l = byNumber.get(p.n);
      if (!l || l.size !== p.end - p.start) continue;
      const k = known.get(p.n);
      if (k && bareEtag(k.etag) === bareEtag(l.etag) && (l.crc64 === null || l.crc64 === k.crc.toString())) {
        p.done = { etag: l.etag, crc: k.crc };
      } else if (l.crc64 !== null) {
        await this.#gate();
        const h = await this.#hasher!.hash(this.#file, { start: p.start, end: p.end, md5: false });
        if (h.crc64.toString() === l.crc64) p.done = { etag: l.etag, crc: h.crc64 };
      }
      if (p.done) {
        p.crc = p.done.crc;
        this.#confirmed += p.end - p.start;
      }
    }
    if (this.#record) this.#record.parts = up.parts.filter((p) => p.done).map((p) => [p.n, p.done!.etag, p.done!.crc.toString()]);
    this.#saveSoon();
    this.#progress();
  }

  // ---- transfer -------------------------------------------------------------------------------

  async #transfer(up: Active): Promise<void> {
    const todo = up.parts.filter((p) => !p.done);
    if (todo.length === 0) return;
    if (this.#o.contentMd5) this.#hashAhead(todo);
    // Fires when one worker fails, so the others' PUTs stop too.
    const stop = new AbortController();
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < todo.length) {
        const p = todo[next++];
        try {
          await this.#sendPart(up, p, stop.signal);
        } catch (e) {
          if (failure === undefined && e !== STOPPED) {
            failure = e;
            stop.abort();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, todo.length) }, worker));
    if (failure !== undefined) throw failure;
  }

  /** Content-MD5 mode: every part's MD5 (and CRC-64) in order, ahead of the PUTs, so sign batches can carry them. */
  #hashAhead(todo: Part[]): void {
    let chain = Promise.resolve();
    for (const p of todo) {
      chain = chain.then(async () => {
        await this.#gate();
        const h = await this.#hasher!.hash(this.#file, { start: p.start, end: p.end, md5: true });
        p.crc = h.crc64;
        p.md5 = h.md5;
      });
      p.digested = chain;
      chain.catch(() => undefined);
    }
  }

  /** The part's CRC-64 (Content-MD5 mode: and MD5), computed once. */
  #digest(p: Part): Promise<void> {
    if (!p.digested) {
      p.digested =
        p.crc !== undefined
          ? Promise.resolve()
          : this.#hasher!.hash(this.#file, { start: p.start, end: p.end, md5: false }).then((h) => {
              p.crc = h.crc64;
            });
      p.digested.catch(() => undefined); // a prefetch's failure surfaces when the part is sent
    }
    return p.digested;
  }

  async #sendPart(up: Active, p: Part, stop: AbortSignal): Promise<void> {
    const size = p.end - p.start;
    let attempt = 0;
    let resigns = 0;
    for (;;) {
      await this.#gate();
      if (stop.aborted) throw STOPPED;
      let reason: string;
      let status = 0;
      let corrupt = false;
      try {
        // The hash runs beside the PUT (it is needed only to check OSS's answer), except in
        // Content-MD5 mode, where the URL is signed for the MD5.
        const digested = this.#digest(p);
        if (this.#o.contentMd5) await digested;
        const signed = await this.#urlFor(up, p);
        await this.#gate();
        if (stop.aborted) throw STOPPED;
        this.#counts.partPuts++;
        this.#emit({ type: 'part-start', partNumber: p.n, size, attempt });
        const answer = await putPart({
          url: signed.url,
          headers: signed.headers,
          // The file's own slice, not the bytes hashed: Chromium sends a Blob 3-5x faster than an
          // ArrayBuffer. OSS's CRC-64 of what it received is checked against the hash below.
          body: this.#file.slice(p.start, p.end),
          signals: [this.#pauseCtl.signal, stop],
          stallMs: this.#timeoutMs,
          fetch: this.#o.fetch,
          onProgress: (loaded) => {
            this.#inflight.set(p.n, loaded);
            this.#progress();
          },
        });
        this.#inflight.delete(p.n);
        status = answer.status;
        await digested;
        if (answer.status === 200) {
          if (!answer.etag) {
            throw new PartUploadError(p.n, 200, undefined, "OSS answered without an ETag this page can read: the bucket's CORS rule must expose ETag");
          }
          if (answer.crc64 === undefined || answer.crc64 === p.crc!.toString()) {
            this.#partDone(p, answer.etag);
            return;
          }
          corrupt = true;
          reason = `OSS reports CRC-64 ${answer.crc64} for the part, the bytes read have ${p.crc}`;
        } else {
          const info = parseOssError(answer.text);
          if (isExpiredUrl(answer.status, info)) {
            if (++resigns > 3) throw new PartUploadError(p.n, answer.status, info.code, "fresh URLs keep being refused as expired (is this device's clock right?)", info.requestId);
            p.url = undefined;
            p.expired = true;
            continue;
          }
          if (answer.status === 404 && info.code === 'NoSuchUpload') throw new Restart('the multipart upload no longer exists in OSS');
          const retryable = answer.status >= 500 || answer.status === 429 || answer.status === 408 || (answer.status === 400 && info.code === 'InvalidDigest');
          if (!retryable) throw new PartUploadError(p.n, answer.status, info.code, info.message ?? 'refused', info.requestId);
          reason = `HTTP ${answer.status}${info.code ? ` ${info.code}` : ''}`;
        }
      } catch (e) {
        this.#inflight.delete(p.n);
        if (!(e instanceof PutFailure)) throw e;
        if (e.reason === 'aborted') {
          if (this.#aborted) throw this.#abortCtl.signal.reason;
          if (stop.aborted) throw STOPPED;
          continue; // paused: the gate waits for resume()
        }
        reason = e.reason === 'stalled' ? `no progress for ${this.#timeoutMs} ms` : 'network error';
      }
      if (++attempt > this.#retry.retries) {
        if (corrupt) throw new IntegrityError(`Part ${p.n} kept arriving corrupted: ${reason}`, { stored: false, key: up.key });
        if (status) throw new PartUploadError(p.n, status, undefined, `failed ${attempt} times: ${reason}`);
        throw new NetworkError(`part ${p.n}: ${reason} (${attempt} attempts)`);
      }
      const delayMs = backoffMs(this.#retry, attempt);
      this.#counts.retries++;
      this.#emit({ type: 'part-retry', partNumber: p.n, reason, delayMs });
      await whenOnline(this.#abortCtl.signal);
      await sleep(delayMs, this.#abortCtl.signal);
    }
  }

  #partDone(p: Part, etag: string): void {
    p.done = { etag, crc: p.crc! };
    p.url = undefined;
    this.#confirmed += p.end - p.start;
    this.#record?.parts.push([p.n, etag, p.crc!.toString()]);
    this.#saveSoon();
    this.#emit({ type: 'part-done', partNumber: p.n, etag, crc64: p.crc!.toString() });
    this.#progress();
  }

  // ---- signing --------------------------------------------------------------------------------

  #signing = new Map<number, Promise<void>>();

  /** A URL for `p` with time left: from an earlier sign call, or a new one covering up to 1000 waiting parts. */
  async #urlFor(up: Active, p: Part): Promise<SignedUrl> {
    for (;;) {
      if (p.url && fresh(p.url)) return p.url;
      const pending = this.#signing.get(p.n);
      if (pending) {
        await pending;
        // URLs shorter-lived than the margin are used as they come, rather than signed again forever.
        if (p.url) return p.url;
        continue;
      }
      const usable = (q: Part) => !q.done && !this.#signing.has(q.n) && !(q.url && fresh(q.url)) && (!this.#o.contentMd5 || q.md5 !== undefined);
      const batch = [p, ...up.parts.filter((q) => q !== p && usable(q))].slice(0, this.#maxPerSign);
      const call = this.#sign(up, batch);
      for (const q of batch) this.#signing.set(q.n, call);
      try {
        await call;
      } finally {
        for (const q of batch) this.#signing.delete(q.n);
      }
      if (p.url) return p.url;
    }
  }

  async #sign(up: Active, batch: Part[]): Promise<void> {
    const again = batch.filter((q) => q.signed);
    if (again.length) {
      this.#counts.resigns += again.length;
      this.#emit({ type: 'resign', partNumbers: again.map((q) => q.n), reason: again.some((q) => q.expired) ? 'expired' : 'expiring' });
    }
    const body: Record<string, unknown> = { token: up.token, partNumbers: batch.map((q) => q.n) };
    if (this.#o.contentMd5) body.contentMd5 = Object.fromEntries(batch.map((q) => [String(q.n), q.md5!]));
    const t0 = Date.now();
    let answer: { parts: Array<{ partNumber: number; url: string; headers: Record<string, string>; size: number }>; expiresAt: string };
    try {
      answer = await this.#api.call('sign', body, this.#abortCtl.signal);
    } catch (e) {
      if (e instanceof ApiError) {
        const max = Number(e.details?.max);
        if (e.apiCode === 'VALIDATION_FAILED' && e.details?.field === 'partNumbers' && max >= 1 && max < batch.length) {
          this.#maxPerSign = max; // the server signs fewer per call: the caller asks again
          return;
        }
        if (e.status === 404 || (e.status === 401 && uploadTokenRefused(e, up))) throw new Restart(`sign answered ${e.apiCode}`);
      }
      throw e;
    }
    const lifetime = urlLifetimeMs(answer.parts[0]?.url, answer.expiresAt, t0);
    for (const s of answer.parts) {
      const q = up.parts[s.partNumber - 1];
      if (!q || s.size !== q.end - q.start) throw new UploadError(`sign planned ${s.size} bytes for part ${s.partNumber}, the file has ${q ? q.end - q.start : 'no such part'}`);
      q.url = { url: s.url, headers: s.headers ?? {}, validUntil: t0 + lifetime, margin: Math.min(URL_MARGIN_MS, lifetime / 4) };
      q.signed = true;
      q.expired = false;
    }
  }

  // ---- complete -------------------------------------------------------------------------------

  async #complete(up: Active): Promise<CompleteAnswer> {
    this.#setState('completing');
    let crc = 0n;
    for (const p of up.parts) crc = crc64Combine(crc, p.done!.crc, p.end - p.start);
    this.crc64 = crc.toString();
    if (this.#record) {
      this.#record.phase = 'completing';
      await this.#save();
    }
    for (let round = 1; ; round++) {
      let answer: CompleteAnswer;
      try {
        answer = await this.#api.call<CompleteAnswer>(
          'complete',
          { token: up.token, parts: up.parts.map((p) => ({ partNumber: p.n, etag: p.done!.etag })), crc64: this.crc64 },
          this.#abortCtl.signal,
        );
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        if (e.status === 404 || (e.status === 401 && uploadTokenRefused(e, up))) throw new Restart(`complete answered ${e.apiCode}`);
        const beforeAssembly = e.apiCode === 'INTEGRITY_MISMATCH' && e.details?.completed === false;
        if (e.apiCode === 'INTEGRITY_MISMATCH' && !beforeAssembly) {
          throw new IntegrityError('OSS stored an object whose CRC-64 is not the file\'s', {
            expectedCrc64: this.crc64,
            reportedCrc64: String(e.details?.reportedCrc64 ?? ''),
            stored: true,
            key: up.key,
          });
        }
        const repairable = beforeAssembly || e.apiCode === 'INCOMPLETE_UPLOAD' || e.apiCode === 'CONFLICT';
        if (!repairable || round >= MAX_COMPLETE_ROUNDS) {
          if (beforeAssembly) throw new IntegrityError('The parts in OSS keep differing from the file', { expectedCrc64: this.crc64, stored: false, key: up.key });
          throw e;
        }
        // Some part in OSS is not this file's (missing, another ETag, another CRC-64): find it, send it again.
        const listed = (await this.#api.call<{ parts: ListedPart[] }>('list', { token: up.token }, this.#abortCtl.signal)).parts;
        const known = new Map(up.parts.filter((p) => p.done).map((p) => [p.n, p.done!]));
        await this.#reconcile(up, listed, known);
        this.#setState('uploading');
        await this.#transfer(up);
        this.#setState('completing');
        continue;
      }
      const match = answer.crc64 === null || answer.crc64 === this.crc64;
      this.#emit({ type: 'verified', crc64: this.crc64, objectCrc64: answer.crc64, match });
      if (!match) {
        throw new IntegrityError('The stored object\'s CRC-64 is not the file\'s', { expectedCrc64: this.crc64, reportedCrc64: answer.crc64!, stored: true, key: up.key });
      }
      return answer;
    }
  }

  // ---- abort and the stored record ------------------------------------------------------------

  async #abortRemote(): Promise<void> {
    const token = this.#active?.token;
    if (token) await this.#abortQuietly(token);
    await this.#forget();
  }

  /** Best effort: a few tries, and no error if it fails (OSS's lifecycle rule or the sweeper clean up). */
  async #abortQuietly(token: string): Promise<void> {
    try {
      await this.#api.call('abort', { token }, undefined, 2);
    } catch {
      /* best effort */
    }
  }

  #saveSoon(): void {
    if (!this.#store || this.#saveTimer !== undefined) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      void this.#save();
    }, SAVE_DELAY_MS);
  }

  #flush(): void {
    if (this.#saveTimer === undefined) return;
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    void this.#save();
  }

  async #save(): Promise<void> {
    if (!this.#store || !this.#record || !this.#recordId) return;
    this.#record.savedAt = Date.now();
    await this.#store.set(this.#recordId, this.#record).catch(() => undefined);
  }

  async #forget(): Promise<void> {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    this.#record = undefined;
    if (this.#store && this.#recordId) await this.#store.delete(this.#recordId).catch(() => undefined);
  }
}

/**
 * How long fresh URLs stay valid, measured on this device's clock: V4 URLs say so themselves
 * (`x-oss-expires` seconds from signing); otherwise `expiresAt` against the local clock, and at
 * least a minute when the clocks disagree (an expired URL is then signed again on OSS's 403).
 */
function urlLifetimeMs(url: string | undefined, expiresAt: string, signedAt: number): number {
  const v4 = url ? /[?&]x-oss-expires=(\d+)/.exec(url) : null;
  if (v4) return Number(v4[1]) * 1000;
  const left = Date.parse(expiresAt) - signedAt;
  return Number.isFinite(left) && left > 60_000 ? left : 60_000;
}

/**
 * One upload from start to finish: find or start the multipart upload, send the missing parts,
 * complete with the whole file's CRC-64, and start afresh when the upload is gone. The steps and
 * the state they share are in session/; create-upload.ts wraps this in the public handle.
 */
import { IntegrityError, UploadAbortedError, UploadError } from '../errors';
import { defaultStore } from '../resume-store';
import type { CompleteAnswer, UploadOptions, UploadProgress, UploadState, UploadStats } from '../types';
import { Api } from './api';
import { createHasher } from './hasher';
import { DEFAULT_RETRY } from './retry';
import { complete } from './session/complete';
import type { SessionContext } from './session/context';
import * as control from './session/control';
import { emit, progress, setState } from './session/events';
import { Restart } from './session/multipart';
import { abandon, open } from './session/open';
import { claimRecord, flush, forget } from './session/record';
import { MAX_PER_SIGN } from './session/signer';
import { transfer } from './session/transfer';

/**
 * Part PUTs in flight unless told otherwise: within 1% of the fastest on Chromium-throttled links
 * (40 ms/100 Mbit/s: 4 in flight 1.07x, 6 1.01x, 8 1.00x; 150 ms/20 Mbit/s: 1.02x, 1.01x, 1.00x),
 * and the most Chromium opens to one host over HTTP/1.1 anyway. docs/client.md has the table.
 */
export const DEFAULT_CONCURRENCY = 6;
const MAX_RESTARTS = 2;

export class UploadSession {
  readonly #c: SessionContext;
  #promise?: Promise<CompleteAnswer>;

  constructor(file: Blob, options: UploadOptions) {
    if (!options || typeof options.api !== 'string' || !options.api) throw new TypeError('options.api (the functions\' URL) is required');
    const retry = { ...DEFAULT_RETRY, retries: options.retries ?? DEFAULT_RETRY.retries };
    const timeoutMs = options.timeoutMs ?? 60_000;
    const abortCtl = new AbortController();
    this.#c = {
      file,
      options,
      api: new Api({
        api: options.api,
        headers: options.headers,
        getHeaders: options.getHeaders,
        fetch: options.fetch,
        retry,
        timeoutMs,
        emit: (e) => {
          if (e.type === 'request') this.#c.counts.calls[e.op]++;
          emit(this.#c, e);
        },
      }),
      retry,
      timeoutMs,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY)),
      counts: { calls: { init: 0, sign: 0, list: 0, complete: 0, abort: 0 }, partPuts: 0, partsKept: 0, retries: 0, resigns: 0, restarts: 0 },
      state: 'idle',
      signal: abortCtl.signal,
      abortCtl,
      pauseCtl: new AbortController(),
      wake: [],
      confirmed: 0,
      inflight: new Map(),
      reported: 0,
      store: options.resume === false ? undefined : options.resume === true || options.resume === undefined ? defaultStore() : options.resume,
      signing: new Map(),
      maxPerSign: MAX_PER_SIGN,
    };
    options.signal?.addEventListener('abort', () => void this.abort(), { once: true });
    if (options.signal?.aborted) this.#c.aborted = true;
  }

  get state(): UploadState {
    return this.#c.state;
  }

  get stats(): UploadStats {
    const c = this.#c;
    return { ...c.counts, calls: { ...c.counts.calls }, hashedInWorker: c.hasher?.inWorker ?? false };
  }

  get progress(): UploadProgress {
    return progress(this.#c);
  }

  get key(): string | undefined {
    return this.#c.key;
  }

  /** The whole file's CRC-64 (decimal), once every part is hashed. */
  get crc64(): string | undefined {
    return this.#c.crc64;
  }

  start(): Promise<CompleteAnswer> {
    return (this.#promise ??= this.#run());
  }

  pause(): void {
    const c = this.#c;
    if (c.paused || c.aborted || !['preparing', 'uploading'].includes(c.state)) return;
    control.pause(c);
    setState(c, 'paused');
    flush(c);
  }

  resume(): void {
    const c = this.#c;
    if (!c.paused || c.aborted) return;
    control.resume(c);
    setState(c, 'uploading');
  }

  /** Stops everything, aborts the multipart upload in OSS and forgets it; resolves when done. */
  async abort(): Promise<void> {
    const c = this.#c;
    if (c.state === 'failed' && !c.aborted) {
      // A failed upload is kept for a later attempt; aborting it discards it.
      c.aborted = true;
      await this.#abortRemote();
      setState(c, 'aborted');
      return;
    }
    if (c.aborted || c.state === 'done') return;
    control.abort(c);
    await this.#promise?.catch(() => undefined);
  }

  async #run(): Promise<CompleteAnswer> {
    const c = this.#c;
    let release: (() => void) | undefined;
    try {
      if (c.aborted) throw new UploadAbortedError('The upload was aborted before it started');
      setState(c, 'preparing');
      const name = c.options.filename ?? (c.file as Partial<File>).name;
      if (!name) throw new TypeError('options.filename is required for a Blob without a name');
      c.hasher = createHasher(c.options.worker !== false);
      // Remembered uploads are per API and file; one upload of a file at a time uses its record.
      if (c.store) release = await claimRecord(c, name);
      for (let restarts = 0; ; restarts++) {
        try {
          const up = await open(c, name);
          setState(c, c.paused ? 'paused' : 'uploading');
          await transfer(c, up);
          const answer = await complete(c, up);
          await forget(c);
          setState(c, 'done');
          return answer;
        } catch (e) {
          if (!(e instanceof Restart) || c.aborted || restarts >= MAX_RESTARTS) throw e;
          c.counts.restarts++;
          emit(c, { type: 'restarted', reason: e.message });
          await forget(c);
        }
      }
    } catch (e) {
      if (c.aborted) {
        await this.#abortRemote();
        setState(c, 'aborted');
        throw e instanceof UploadAbortedError ? e : new UploadAbortedError('The upload was aborted', { cause: e });
      }
      setState(c, 'failed');
      // Kept for a later attempt, unless there is nothing left to resume (the object was stored).
      if (e instanceof IntegrityError && e.stored) await forget(c);
      else flush(c);
      if (e instanceof Restart) throw new UploadError(`The upload could not be finished: ${e.message}`);
      throw e;
    } finally {
      clearTimeout(c.saveTimer);
      c.hasher?.close();
      release?.();
    }
  }

  async #abortRemote(): Promise<void> {
    const token = this.#c.up?.token;
    if (token) await abandon(this.#c.api, token);
    await forget(this.#c);
  }
}

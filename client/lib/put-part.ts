/**
 * One part PUT straight to OSS. In browsers through XMLHttpRequest, the only API that reports
 * upload progress (fetch cannot, short of streaming bodies over HTTP/2); elsewhere (Node) through
 * fetch, with progress at the end. A request that makes no progress for `stallMs` is abandoned.
 *
 * Never throws for an HTTP status: the caller decides. Throws `PutFailure` for no answer at all.
 */

export interface PutAnswer {
  status: number;
  etag?: string;
  /** `x-oss-hash-crc64ecma`, when the bucket's CORS rule exposes it. */
  crc64?: string;
  requestId?: string;
  /** The body (OSS's error XML on failure). */
  text: string;
}

/** No HTTP answer: a network error, a reset, a stall, or the caller's signal. */
export class PutFailure extends Error {
  constructor(
    readonly reason: 'network' | 'stalled' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

export interface PutOptions {
  url: string;
  headers: Record<string, string>;
  body: Blob;
  /** Any of them aborting abandons the PUT (pause, abort, another part failing). */
  signals: AbortSignal[];
  stallMs: number;
  /** Bytes sent so far (browsers: as they go; Node: once, at the end). */
  onProgress(loaded: number): void;
  fetch?: typeof fetch;
}

export function putPart(o: PutOptions): Promise<PutAnswer> {
  if (typeof XMLHttpRequest !== 'undefined' && !o.fetch) return putXhr(o);
  return putFetch(o);
}

/** Calls `fn` when any signal aborts (at once if one has); returns the unsubscribe. */
function onAnyAbort(signals: AbortSignal[], fn: () => void): () => void {
  if (signals.some((s) => s.aborted)) {
    fn();
    return () => {};
  }
  for (const s of signals) s.addEventListener('abort', fn, { once: true });
  return () => signals.forEach((s) => s.removeEventListener('abort', fn));
}

function putXhr(o: PutOptions): Promise<PutAnswer> {
  return new Promise((resolve, reject) => {
    if (o.signals.some((s) => s.aborted)) return reject(new PutFailure('aborted', 'aborted'));
    const xhr = new XMLHttpRequest();
    let stall: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe = () => {};
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(() => fail('stalled', `no progress for ${o.stallMs} ms`), o.stallMs);
    };
    const cleanup = () => {
      clearTimeout(stall);
      unsubscribe();
    };
    const fail = (reason: PutFailure['reason'], message: string) => {
      cleanup();
      xhr.abort();
      reject(new PutFailure(reason, message));
    };
    xhr.open('PUT', o.url);
    for (const [k, v] of Object.entries(o.headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      arm();
      o.onProgress(e.loaded);
    };
    xhr.onload = () => {
      cleanup();
      resolve({
        status: xhr.status,
        etag: xhr.getResponseHeader('etag') ?? undefined,
        crc64: xhr.getResponseHeader('x-oss-hash-crc64ecma') ?? undefined,
        requestId: xhr.getResponseHeader('x-oss-request-id') ?? undefined,
        text: xhr.responseText,
      });
    };
    xhr.onerror = () => {
      cleanup();
      reject(new PutFailure('network', 'network error'));
    };
    unsubscribe = onAnyAbort(o.signals, () => fail('aborted', 'aborted'));
    arm();
    xhr.send(o.body);
  });
}

async function putFetch(o: PutOptions): Promise<PutAnswer> {
  const f = o.fetch ?? fetch;
  const ctl = new AbortController();
  const size = o.body.size;
  // fetch gives no upload progress: allow the whole body at a slow-but-alive 64 KiB/s on top.
  const stall = setTimeout(() => ctl.abort('stalled'), o.stallMs + (size / 65536) * 1000);
  const unsubscribe = onAnyAbort(o.signals, () => ctl.abort('aborted'));
  try {
    const res = await f(o.url, { method: 'PUT', headers: o.headers, body: o.body, signal: ctl.signal });
    const text = await res.text();
    if (res.ok) o.onProgress(size);
    return {
      status: res.status,
      etag: res.headers.get('etag') ?? undefined,
      crc64: res.headers.get('x-oss-hash-crc64ecma') ?? undefined,
      requestId: res.headers.get('x-oss-request-id') ?? undefined,
      text,
    };
  } catch (e) {
    if (ctl.signal.aborted) throw new PutFailure(ctl.signal.reason === 'stalled' ? 'stalled' : 'aborted', String(ctl.signal.reason));
    throw new PutFailure('network', (e as Error)?.message ?? 'network error');
  } finally {
    clearTimeout(stall);
    unsubscribe();
  }
}

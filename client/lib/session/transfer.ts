/**
 * Sends the parts not yet done: `concurrency` workers take them in order; each part is hashed,
 * given a URL by the signer, PUT, and checked against OSS's ETag and CRC-64, with retries.
 */
import { IntegrityError, NetworkError, PartUploadError } from '../../errors';
import { isExpiredUrl, parseOssError } from '../oss-error';
import { PutFailure, putPart } from '../put-part';
import { backoffMs, sleep, whenOnline } from '../retry';
import type { SessionContext } from './context';
import { gate } from './control';
import { emit, reportProgress } from './events';
import { Restart, type Active, type Part } from './multipart';
import { saveSoon } from './record';
import { urlFor } from './signer';

/** Another worker failed: this one stops quietly. */
const STOPPED = new Error('stopped');

export async function transfer(c: SessionContext, up: Active): Promise<void> {
  const todo = up.parts.filter((p) => !p.done);
  if (todo.length === 0) return;
  if (c.options.contentMd5) hashAhead(c, todo);
  // Fires when one worker fails, so the others' PUTs stop too.
  const stop = new AbortController();
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < todo.length) {
      const p = todo[next++];
      try {
        await sendPart(c, up, p, stop.signal);
      } catch (e) {
        if (failure === undefined && e !== STOPPED) {
          failure = e;
          stop.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.concurrency, todo.length) }, worker));
  if (failure !== undefined) throw failure;
}

/** Content-MD5 mode: every part's MD5 (and CRC-64) in order, ahead of the PUTs, so sign batches can carry them. */
function hashAhead(c: SessionContext, todo: Part[]): void {
  let chain = Promise.resolve();
  for (const p of todo) {
    chain = chain.then(async () => {
      await gate(c);
      const h = await c.hasher!.hash(c.file, { start: p.start, end: p.end, md5: true });
      p.crc = h.crc64;
      p.md5 = h.md5;
    });
    p.digested = chain;
    chain.catch(() => undefined);
  }
}

/** The part's CRC-64 (Content-MD5 mode: and MD5), computed once. */
function digest(c: SessionContext, p: Part): Promise<void> {
  if (!p.digested) {
    p.digested =
      p.crc !== undefined
        ? Promise.resolve()
        : c.hasher!.hash(c.file, { start: p.start, end: p.end, md5: false }).then((h) => {
            p.crc = h.crc64;
          });
    p.digested.catch(() => undefined); // a prefetch's failure surfaces when the part is sent
  }
  return p.digested;
}

async function sendPart(c: SessionContext, up: Active, p: Part, stop: AbortSignal): Promise<void> {
  const size = p.end - p.start;
  let attempt = 0;
  let resigns = 0;
  for (;;) {
    await gate(c);
    if (stop.aborted) throw STOPPED;
    let reason: string;
    let status = 0;
    let corrupt = false;
    try {
      // The hash runs beside the PUT (it is needed only to check OSS's answer), except in
      // Content-MD5 mode, where the URL is signed for the MD5.
      const digested = digest(c, p);
      if (c.options.contentMd5) await digested;
      const signed = await urlFor(c, up, p);
      await gate(c);
      if (stop.aborted) throw STOPPED;
      c.counts.partPuts++;
      emit(c, { type: 'part-start', partNumber: p.n, size, attempt });
      const answer = await putPart({
        url: signed.url,
        headers: signed.headers,
        // The file's own slice, not the bytes hashed: Chromium sends a Blob 3-5x faster than an
        // ArrayBuffer. OSS's CRC-64 of what it received is checked against the hash below.
        body: c.file.slice(p.start, p.end),
        signals: [c.pauseCtl.signal, stop],
        stallMs: c.timeoutMs,
        fetch: c.options.fetch,
        onProgress: (loaded) => {
          c.inflight.set(p.n, loaded);
          reportProgress(c);
        },
      });
      c.inflight.delete(p.n);
      status = answer.status;
      await digested;
      if (answer.status === 200) {
        if (!answer.etag) {
          throw new PartUploadError(p.n, 200, undefined, "OSS answered without an ETag this page can read: the bucket's CORS rule must expose ETag");
        }
        if (answer.crc64 === undefined || answer.crc64 === p.crc!.toString()) {
          partDone(c, p, answer.etag);
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
      c.inflight.delete(p.n);
      if (!(e instanceof PutFailure)) throw e;
      if (e.reason === 'aborted') {
        if (c.aborted) throw c.signal.reason;
        if (stop.aborted) throw STOPPED;
        continue; // paused: the gate waits for resume()
      }
      reason = e.reason === 'stalled' ? `no progress for ${c.timeoutMs} ms` : 'network error';
    }
    if (++attempt > c.retry.retries) {
      if (corrupt) throw new IntegrityError(`Part ${p.n} kept arriving corrupted: ${reason}`, { stored: false, key: up.key });
      if (status) throw new PartUploadError(p.n, status, undefined, `failed ${attempt} times: ${reason}`);
      throw new NetworkError(`part ${p.n}: ${reason} (${attempt} attempts)`);
    }
    const delayMs = backoffMs(c.retry, attempt);
    c.counts.retries++;
    emit(c, { type: 'part-retry', partNumber: p.n, reason, delayMs });
    await whenOnline(c.signal);
    await sleep(delayMs, c.signal);
  }
}

function partDone(c: SessionContext, p: Part, etag: string): void {
  const crc = p.crc!.toString();
  p.done = { etag, crc: p.crc! };
  p.url = undefined;
  c.confirmed += p.end - p.start;
  c.record?.parts.push([p.n, etag, crc]);
  saveSoon(c);
  emit(c, { type: 'part-done', partNumber: p.n, etag, crc64: crc });
  reportProgress(c);
}

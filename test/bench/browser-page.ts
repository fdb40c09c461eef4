/**
 * The page the browser bench (browser-upload.ts) drives in Chromium, bundled with esbuild like a
 * production page. For the file chosen in `#file` it can run:
 *   client  our client/ (init, sign, CRC-64 in a Worker, parallel PUTs, complete)
 *   uppy    an unmodified Uppy v6 @uppy/aws-s3 through our Companion facade (/s3/*)
 *   floor   nothing but the part PUTs, to URLs signed beforehand, with the same concurrency;
 *           with `hash`, each part also read and CRC-64-hashed beside its PUT, as our client does
 *   crc     the CRC-64 kernel on an in-memory buffer, and read + hash of file slices in the Worker
 */
import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';
import { createUpload } from '../../client/index';
import { createHasher } from '../../client/lib/hasher';
import { crc64Kernel } from '../../shared/oss/crc64-kernel';
import { md5Kernel } from '../../client/lib/md5-kernel';

const file = () => (document.getElementById('file') as HTMLInputElement).files![0];

async function client(o: { partSize: number; concurrency: number }) {
  const t0 = performance.now();
  // When each phase ended, ms from the start: the last part confirmed, the complete answer.
  const at: Record<string, number> = {};
  const up = createUpload(file(), {
    api: location.origin,
    partSize: o.partSize,
    concurrency: o.concurrency,
    resume: false,
    onEvent: (e) => {
      if (e.type === 'request') at[e.op] = performance.now() - t0;
      if (e.type === 'part-start' && at.firstPut === undefined) at.firstPut = performance.now() - t0;
      if (e.type === 'part-done') at.lastPart = performance.now() - t0;
    },
  });
  const answer = await up.start();
  return { ms: performance.now() - t0, at, key: answer.key, crc64: answer.crc64, stats: up.stats, clientCrc64: up.crc64 };
}

async function uppy(o: { partSize: number; limit: number }) {
  const u = new Uppy({ autoProceed: false });
  u.use(AwsS3, { companionEndpoint: location.origin, shouldUseMultipart: true, getChunkSize: () => o.partSize, limit: o.limit });
  const f = file();
  u.addFile({ name: f.name, type: f.type || 'application/octet-stream', data: f });
  const t0 = performance.now();
  const result = await u.upload();
  const ms = performance.now() - t0;
  const done = result?.successful?.[0];
  u.destroy();
  if (!done) throw new Error(`Uppy failed: ${JSON.stringify(result?.failed?.[0]?.error ?? 'no result')}`);
  return { ms, key: (done.response?.body as { key?: string })?.key };
}

/** PUT each part to its (already signed) URL, `concurrency` at a time; with `hash`, also the client's Worker hashing. */
async function floor(o: { urls: string[]; partSize: number; concurrency: number; hash?: boolean }) {
  const f = file();
  const hasher = o.hash ? createHasher(true) : undefined;
  let next = 0;
  const t0 = performance.now();
  const put = (url: string, body: Blob) => fetch(url, { method: 'PUT', body }).then((r) => r.status);
  const worker = async () => {
    while (next < o.urls.length) {
      const i = next++;
      const start = i * o.partSize, end = Math.min(f.size, (i + 1) * o.partSize);
      const [status] = await Promise.all([put(o.urls[i], f.slice(start, end)), hasher?.hash(f, { start, end, md5: false })]);
      if (status !== 200) throw new Error(`part ${i + 1}: ${status}`);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const ms = performance.now() - t0;
  hasher?.close();
  return { ms };
}

/** MB/s of the kernels on an in-memory buffer (this thread, best of 5), and of read + hash in the Worker (second pass). */
async function crc(o: { bytes: number; partSize: number }) {
  const k = { crc64: crc64Kernel().update, md5: md5Kernel() };
  const buf = new Uint8Array(o.bytes);
  for (let i = 0; i < buf.length; i += 4096) buf[i] = i & 0xff;
  const best = (f: () => void, bytes: number) => {
    let ms = Infinity;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      f();
      ms = Math.min(ms, performance.now() - t);
    }
    return bytes / 1e6 / (ms / 1000);
  };
  const kernelMBps = best(() => k.crc64(buf, -1, -1), o.bytes);
  const md5MBps = best(() => k.md5(buf), o.bytes);
  const hasher = createHasher(true);
  const f = file();
  const n = Math.min(f.size, 4 * o.bytes);
  const pass = async () => {
    const t = performance.now();
    const jobs = [];
    for (let s = 0; s < n; s += o.partSize) jobs.push(hasher.hash(f, { start: s, end: Math.min(n, s + o.partSize), md5: false }));
    await Promise.all(jobs);
    return n / 1e6 / ((performance.now() - t) / 1000);
  };
  await pass(); // the Worker's first parts run before V8 has optimised the kernel
  const workerMBps = await pass();
  const inWorker = hasher.inWorker;
  hasher.close();
  return { kernelMBps, workerMBps, md5MBps, inWorker };
}

(window as unknown as { bench: unknown }).bench = { client, uppy, floor, crc, ready: true };

/**
 * Finds or starts the multipart upload: the stored record of this file, when its options match,
 * is resumed with the parts OSS holds that are this file's; otherwise init starts a new upload.
 */
import { ApiError, UploadError } from '../../errors';
import type { ResumeRecord } from '../../resume-store';
import type { Api } from '../api';
import type { SessionContext } from './context';
import { gate } from './control';
import { emit, reportProgress } from './events';
import { uploadGone, type Active, type ListedPart, type Part } from './multipart';
import { forget, save, saveSoon } from './record';
import { takeSigned, type SignAnswer } from './signer';

/** A stored upload whose token has less than this left is not resumed. */
const TOKEN_MARGIN_MS = 5 * 60_000;

interface InitAnswer {
  uploadId: string;
  key: string;
  partSize: number;
  partCount: number;
  token: string;
  expiresAt: string;
  /** The first parts' URLs, when asked for with `signParts` (servers before it answer none). */
  signed?: SignAnswer;
}

const bareEtag = (e: string) => e.replace(/"/g, '').toUpperCase();

export async function open(c: SessionContext, name: string): Promise<Active> {
  const options = optionsKey(c, name);
  const rec = await c.store?.get(c.recordId!).catch(() => undefined);
  if (rec && rec.v === 1 && rec.options === options && rec.size === c.file.size) {
    const resumed = await resume(c, rec);
    if (resumed) return resumed;
  }
  const o = c.options;
  const t0 = Date.now();
  const init = await c.api.call<InitAnswer>(
    'init',
    {
      filename: name,
      size: c.file.size,
      contentType: contentType(c),
      partSize: o.partSize,
      metadata: o.metadata,
      // The first sign call, saved; Content-MD5 URLs need the parts hashed first.
      signParts: o.contentMd5 ? undefined : c.maxPerSign,
    },
    c.signal,
  );
  const up = plan(c, init.token, init.expiresAt, init.key, init.uploadId, init.partSize, init.partCount);
  c.record = {
    v: 1,
    token: init.token,
    tokenExpiresAt: init.expiresAt,
    key: init.key,
    uploadId: init.uploadId,
    size: c.file.size,
    partSize: init.partSize,
    partCount: init.partCount,
    options,
    phase: 'uploading',
    parts: [],
    savedAt: Date.now(),
  };
  await save(c);
  const signed = init.signed?.parts?.length ?? 0;
  if (signed > 0) {
    // Fewer than asked and than the file has: the server's MAX_PARTS_PER_SIGN, so sign asks for no more.
    if (signed < Math.min(c.maxPerSign, init.partCount)) c.maxPerSign = signed;
    takeSigned(up, init.signed!, t0);
  }
  emit(c, { type: 'upload', key: up.key, uploadId: up.uploadId, partCount: up.parts.length, partSize: up.partSize, resumed: false });
  return up;
}

/** Best effort: a few tries, and no error if it fails (OSS's lifecycle rule or the sweeper clean up). */
export async function abandon(api: Api, token: string): Promise<void> {
  try {
    await api.call('abort', { token }, undefined, 2);
  } catch {
    /* best effort */
  }
}

/**
 * Marks as done each part OSS holds that is this file's: planned size, and either the ETag and
 * CRC-64 `known` for it, or OSS's CRC-64 equal to that of the same bytes read from the file now.
 */
export async function reconcile(c: SessionContext, up: Active, listed: ListedPart[], known: Map<number, { etag: string; crc: bigint }>): Promise<void> {
  const byNumber = new Map(listed.map((l) => [l.partNumber, l]));
  c.confirmed = 0;
  for (const p of up.parts) {
    p.done = undefined;
    const l = byNumber.get(p.n);
    if (!l || l.size !== p.end - p.start) continue;
    const k = known.get(p.n);
    if (k && bareEtag(k.etag) === bareEtag(l.etag) && (l.crc64 === null || l.crc64 === k.crc.toString())) {
      p.done = { etag: l.etag, crc: k.crc };
    } else if (l.crc64 !== null) {
      await gate(c);
      const h = await c.hasher!.hash(c.file, { start: p.start, end: p.end, md5: false });
      if (h.crc64.toString() === l.crc64) p.done = { etag: l.etag, crc: h.crc64 };
    }
    if (p.done) {
      p.crc = p.done.crc;
      c.confirmed += p.end - p.start;
    }
  }
  if (c.record) c.record.parts = up.parts.filter((p) => p.done).map((p) => [p.n, p.done!.etag, p.done!.crc.toString()]);
  saveSoon(c);
  reportProgress(c);
}

/** The stored upload, reconciled with what OSS holds; undefined when it cannot be resumed. */
async function resume(c: SessionContext, rec: ResumeRecord): Promise<Active | undefined> {
  if (Date.parse(rec.tokenExpiresAt) - Date.now() < TOKEN_MARGIN_MS) {
    emit(c, { type: 'restarted', reason: 'the stored upload token expires soon' });
    await abandon(c.api, rec.token);
    await forget(c);
    return undefined;
  }
  const up = plan(c, rec.token, rec.tokenExpiresAt, rec.key, rec.uploadId, rec.partSize, rec.partCount);
  c.record = rec;
  const known = new Map(rec.parts.map(([n, etag, crc]) => [n, { etag, crc: BigInt(crc) }]));
  const found = () => emit(c, { type: 'upload', key: up.key, uploadId: up.uploadId, partCount: up.parts.length, partSize: up.partSize, resumed: true });
  let listed: ListedPart[];
  try {
    listed = (await c.api.call<{ parts: ListedPart[] }>('list', { token: rec.token }, c.signal)).parts;
  } catch (e) {
    if (!(e instanceof ApiError) || !(e.status === 403 || uploadGone(e, rec))) throw e;
    if (e.status === 404 && rec.phase === 'completing' && known.size === up.parts.length) {
      // Complete was asked and its answer lost: asking again confirms the object (or says it is gone).
      for (const p of up.parts) p.done = known.get(p.n);
      c.confirmed = c.file.size;
      c.counts.partsKept += up.parts.length;
      found();
      emit(c, { type: 'resumed', partsKept: up.parts.length, partsToSend: 0 });
      return up;
    }
    emit(c, { type: 'restarted', reason: `the stored upload cannot be resumed (${e.apiCode})` });
    await forget(c);
    return undefined;
  }
  found();
  await reconcile(c, up, listed, known);
  const kept = up.parts.filter((p) => p.done).length;
  c.counts.partsKept += kept;
  emit(c, { type: 'resumed', partsKept: kept, partsToSend: up.parts.length - kept });
  return up;
}

function plan(c: SessionContext, token: string, tokenExpiresAt: string, key: string, uploadId: string, partSize: number, partCount: number): Active {
  const size = c.file.size;
  if (partCount !== Math.max(1, Math.ceil(size / partSize))) throw new UploadError(`The server planned ${partCount} parts of ${partSize} bytes for ${size} bytes`);
  const parts: Part[] = [];
  for (let n = 1; n <= partCount; n++) parts.push({ n, start: (n - 1) * partSize, end: Math.min(size, n * partSize) });
  c.key = key;
  c.up = { token, tokenExpiresAt, key, uploadId, partSize, parts };
  c.confirmed = 0;
  c.inflight.clear();
  return c.up;
}

/** What the upload was started with: a stored record made with other options is not resumed. */
function optionsKey(c: SessionContext, name: string): string {
  const o = c.options;
  const meta = o.metadata ? Object.entries(o.metadata).sort(([a], [b]) => (a < b ? -1 : 1)) : null;
  return JSON.stringify([name, contentType(c), meta, o.partSize ?? null, !!o.contentMd5]);
}

function contentType(c: SessionContext): string {
  return c.options.contentType ?? (c.file.type || 'application/octet-stream');
}

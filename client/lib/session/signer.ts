/**
 * Part URLs from the sign endpoint: one call covers up to 1000 waiting parts, and a URL about to
 * expire (or refused as expired) is signed again.
 */
import { ApiError, UploadError } from '../../errors';
import type { SessionContext } from './context';
import { emit } from './events';
import { Restart, uploadGone, type Active, type Part, type SignedUrl } from './multipart';

/** A URL with less than this left is signed again before use (see SignedUrl.margin). */
const URL_MARGIN_MS = 30_000;
/** Parts one sign call covers, unless the server says fewer. */
export const MAX_PER_SIGN = 1000;

const fresh = (u: SignedUrl) => u.validUntil - Date.now() > u.margin;

/** A URL for `p` with time left: from an earlier sign call, or a new one covering up to 1000 waiting parts. */
export async function urlFor(c: SessionContext, up: Active, p: Part): Promise<SignedUrl> {
  for (;;) {
    if (p.url && fresh(p.url)) return p.url;
    const pending = c.signing.get(p.n);
    if (pending) {
      await pending;
      // URLs shorter-lived than the margin are used as they come, rather than signed again forever.
      if (p.url) return p.url;
      continue;
    }
    const usable = (q: Part) => !q.done && !c.signing.has(q.n) && !(q.url && fresh(q.url)) && (!c.options.contentMd5 || q.md5 !== undefined);
    const batch = [p, ...up.parts.filter((q) => q !== p && usable(q))].slice(0, c.maxPerSign);
    const call = sign(c, up, batch);
    for (const q of batch) c.signing.set(q.n, call);
    try {
      await call;
    } finally {
      for (const q of batch) c.signing.delete(q.n);
    }
    if (p.url) return p.url;
  }
}

async function sign(c: SessionContext, up: Active, batch: Part[]): Promise<void> {
  const again = batch.filter((q) => q.signed);
  if (again.length) {
    c.counts.resigns += again.length;
    emit(c, { type: 'resign', partNumbers: again.map((q) => q.n), reason: again.some((q) => q.expired) ? 'expired' : 'expiring' });
  }
  const body: Record<string, unknown> = { token: up.token, partNumbers: batch.map((q) => q.n) };
  if (c.options.contentMd5) body.contentMd5 = Object.fromEntries(batch.map((q) => [String(q.n), q.md5!]));
  const t0 = Date.now();
  let answer: SignAnswer;
  try {
    answer = await c.api.call('sign', body, c.signal);
  } catch (e) {
    if (e instanceof ApiError) {
      const max = Number(e.details?.max);
      if (e.apiCode === 'VALIDATION_FAILED' && e.details?.field === 'partNumbers' && max >= 1 && max < batch.length) {
        c.maxPerSign = max; // the server signs fewer per call: the caller asks again
        return;
      }
      if (uploadGone(e, up)) throw new Restart(`sign answered ${e.apiCode}`);
    }
    throw e;
  }
  takeSigned(up, answer, t0);
}

/** Sign's answer (also init's `signed`, when init was asked to sign the first parts). */
export interface SignAnswer {
  parts: Array<{ partNumber: number; url: string; headers: Record<string, string>; size: number }>;
  expiresAt: string;
}

/** Gives each part in `answer` its URL; `t0`: when the request that signed them was sent. */
export function takeSigned(up: Active, answer: SignAnswer, t0: number): void {
  const lifetime = urlLifetimeMs(answer.parts[0]?.url, answer.expiresAt, t0);
  for (const s of answer.parts) {
    const q = up.parts[s.partNumber - 1];
    if (!q || s.size !== q.end - q.start) throw new UploadError(`sign planned ${s.size} bytes for part ${s.partNumber}, the file has ${q ? q.end - q.start : 'no such part'}`);
    q.url = { url: s.url, headers: s.headers ?? {}, validUntil: t0 + lifetime, margin: Math.min(URL_MARGIN_MS, lifetime / 4) };
    q.signed = true;
    q.expired = false;
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

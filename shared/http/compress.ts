/**
 * Brotli/gzip for the answers that grow with the part count (sign, list, the Companion facade),
 * when the caller accepts it. Figures and why it is safe: docs/http.md.
 */
import type { MiddlewareHandler } from 'hono';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Answers smaller than this go as they are: compressing them saves less than a packet. */
export const MIN_COMPRESS_BYTES = 1024;

/** `br` when accepted, else `gzip`, else none; `q=0` refuses a coding (RFC 9110 §12.5.3). */
export function preferredEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Set<string>();
  for (const item of acceptEncoding.toLowerCase().split(',')) {
    const [coding, ...params] = item.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (coding && (q === undefined || Number(q) > 0)) accepted.add(coding.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return undefined;
}

export function compress(bytes: Uint8Array, encoding: 'br' | 'gzip'): Uint8Array {
  return encoding === 'br'
    ? brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
    : gzipSync(bytes, { level: 1 });
}

export function compressJson(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const encoding = preferredEncoding(c.req.header('accept-encoding'));
    const res = c.res;
    if (!encoding || c.req.method === 'HEAD' || res.headers.has('content-encoding')) return;
    if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(res.headers.get('content-type') ?? '')) return;
    const body = new Uint8Array(await res.arrayBuffer());
    const big = body.length >= MIN_COMPRESS_BYTES;
    c.res = new Response((big ? compress(body, encoding) : body) as BodyInit, { status: res.status, headers: res.headers });
    c.res.headers.delete('content-length');
    // Caches must keep the forms apart whether or not this one was compressed.
    c.res.headers.append('vary', 'Accept-Encoding');
    if (big) c.res.headers.set('content-encoding', encoding);
  };
}

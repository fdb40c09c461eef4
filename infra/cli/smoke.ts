/**
 * `smoke`: one real multipart upload through a deployed stack, the way a browser does it:
 *   init (POST /uploads) -> sign (POST /uploads/sign) -> PUT every part straight to OSS ->
 *   list (POST /uploads/list) -> complete (POST /uploads/complete)
 * checking on the way that every part's and the object's size and CRC-64 match the bytes sent,
 * and that the OSS callback reached the callback function (callbackStatus).
 *
 * Cleanup: any failure after init aborts the upload (POST /uploads/abort), so no parts are left
 * behind. A completed object stays in the bucket: its key is printed (the API has no delete; remove
 * it with the console or ossutil, or let a lifecycle rule on the test caller's prefix expire it).
 *
 * A request that cannot be sent says why (the network error's code) and what to check; an answer
 * that is not our API's JSON (OSS's XML, an HTML page) says that --url points elsewhere.
 *
 * Exit codes: 0 the upload went through and every check passed, 1 a step or check failed, 2 usage.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { crc64, crc64Combine } from '../../shared/oss/crc64.ts';
import { parseBytes } from '../../shared/policy/size.ts';
import { EXIT_FAILURE, UsageError, type CliIo, type Command } from './common.ts';

export const usage = `usage: npm run --silent cli -- smoke --url https://api.example.com [flags]

Uploads a file of random bytes through the deployed functions and OSS and checks sizes and
CRC-64. A failed upload is aborted (no parts left behind); a completed test object STAYS in the
bucket and its key is printed (the API cannot delete objects).

flags:
  --url URL           base URL of the API (the custom domain, or the local stack)
  --jwt TOKEN         caller JWT sent as "Authorization: Bearer" (default OSS_UPLOAD_JWT; none for
                      AUTH_MODE=none). With AUTH_JWT_SECRET set, mint one:
                      --jwt "$(npm run --silent cli -- jwt --sub oss-upload-smoke)"
  --size N            bytes to upload (units KiB/MiB/GiB allowed; default 250KiB)
  --part-size N       requested part size (default 100KiB, the OSS minimum, so a small file still
                      has several parts)
  --filename NAME     default oss-upload-smoke-<time>.bin
  --origin O          also check CORS as a browser on O would: preflight to the API and to OSS
  --concurrency N     parallel part PUTs (default 4)
  --timeout SECONDS   per HTTP request (default 120)
  --json              print the report as JSON

exit codes: 0 upload verified, 1 a step failed (details printed), 2 bad flags
`;

export interface SmokeOptions {
  url: string;
  jwt?: string;
  size: number;
  partSize: number;
  filename: string;
  origin?: string;
  concurrency: number;
  timeoutMs: number;
  json: boolean;
}

export interface SmokeStep {
  step: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export interface SmokeReport {
  ok: boolean;
  url: string;
  size: number;
  steps: SmokeStep[];
  key?: string;
  uploadId?: string;
  partCount?: number;
  crc64?: string;
  callbackStatus?: string;
  /** What happened to the upload: completed (object kept), aborted, abort-failed, none. */
  cleanup: 'object-kept' | 'aborted' | 'abort-failed' | 'nothing-to-clean';
  error?: string;
}

class StepError extends Error {}

export function parseSize(flag: string, raw: string): number {
  const n = parseBytes(raw.trim());
  if (n === undefined || n < 1) throw new UsageError(`${flag} must be a positive number of bytes (KiB/MiB/GiB allowed), got ${JSON.stringify(raw)}`);
  return n;
}

export function parseSmokeArgs(argv: string[], env: NodeJS.ProcessEnv): SmokeOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      jwt: { type: 'string' },
      size: { type: 'string' },
      'part-size': { type: 'string' },
      filename: { type: 'string' },
      origin: { type: 'string' },
      concurrency: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (!values.url) throw new UsageError('missing --url (the API base URL, e.g. https://api.example.com)');
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${JSON.stringify(values.url)}`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new UsageError('--url must be http(s)');
  if (base.search || base.hash) throw new UsageError('--url must not have a query or fragment');
  const int = (flag: string, raw: string | undefined, def: number, min: number, max: number) => {
    if (raw === undefined) return def;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}`);
    return n;
  };
  if (values.origin !== undefined) {
    let o: URL | undefined;
    try {
      o = new URL(values.origin);
    } catch {
      /* below */
    }
    if (!o || o.origin !== values.origin.replace(/\/+$/, '')) throw new UsageError(`--origin must be an origin like https://app.example.com, got ${JSON.stringify(values.origin)}`);
  }
  return {
    url: base.toString().replace(/\/+$/, ''),
    jwt: values.jwt ?? (env.OSS_UPLOAD_JWT?.trim() || undefined),
    size: values.size === undefined ? 250 * 1024 : parseSize('--size', values.size),
    partSize: values['part-size'] === undefined ? 100 * 1024 : parseSize('--part-size', values['part-size']),
    filename: values.filename ?? `oss-upload-smoke-${new Date().toISOString().replace(/[:.]/g, '-')}.bin`,
    origin: values.origin?.replace(/\/+$/, ''),
    concurrency: int('--concurrency', values.concurrency, 4, 1, 64),
    timeoutMs: int('--timeout', values.timeout, 120, 1, 3600) * 1000,
    json: values.json === true,
  };
}

interface ApiError {
  status: number;
  code?: string;
  message: string;
  requestId?: string;
}

const describeApiError = (e: ApiError) => `${e.status}${e.code ? ` ${e.code}` : ''}: ${e.message}${e.requestId ? ` (requestId ${e.requestId})` : ''}`;

/** What to check when a request cannot be sent, by the network error's code. */
const NETWORK_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved now (DNS)',
  ECONNRESET: 'the connection was dropped',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate chain is incomplete',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

/**
 * A failed fetch as a person can act on it: Node says only "fetch failed" and keeps the reason
 * (ECONNREFUSED, ENOTFOUND, a certificate problem…) in `cause`.
 */
export function networkError(e: unknown, url: string, check: string, timeoutMs: number): Error {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const host = new URL(url).host;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return new Error(`no answer from ${host} within ${timeoutMs / 1000} s (--timeout)`);
  const code = err?.cause?.code;
  const why = err?.cause?.message ?? err?.message ?? String(e);
  const hint = code && NETWORK_HINTS[code];
  return new Error(`cannot reach ${host} (${why}${hint ? `: ${hint}` : ''}). ${check}`);
}

/** Why an answer that is not our API's JSON came back: usually --url names something else. */
export function notOurApi(what: string, res: Response, text: string): string {
  if (res.headers.has('x-oss-request-id') || /^(<\?xml[^>]*>\s*)?<Error>/.test(text.trimStart())) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    return (
      `${what} answered ${res.status} with an OSS error${code ? ` (${code})` : ''}: --url points at OSS or the OSS emulator, not at the upload API ` +
      '(the functions\' custom domain; the local stack serves it on http://127.0.0.1:8787, its emulator on :9000)'
    );
  }
  return `${what} answered ${res.status} with ${res.headers.get('content-type') ?? 'no content type'}, not the upload API's JSON: is --url the API's base URL?`;
}

export async function runSmoke(opts: SmokeOptions, fetchImpl: typeof fetch = fetch, progress: (line: string) => void = () => {}): Promise<SmokeReport> {
  const report: SmokeReport = { ok: false, url: opts.url, size: opts.size, steps: [], cleanup: 'nothing-to-clean' };
  const signal = () => AbortSignal.timeout(opts.timeoutMs);

  async function step<T>(name: string, fn: () => Promise<[T, string]>): Promise<T> {
    const started = performance.now();
    try {
      const [value, detail] = await fn();
      const s = { step: name, ok: true, ms: Math.round(performance.now() - started), detail };
      report.steps.push(s);
      progress(`  ok    ${name.padEnd(10)} ${String(s.ms).padStart(6)} ms  ${detail}`);
      return value;
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      report.steps.push({ step: name, ok: false, ms: Math.round(performance.now() - started), detail });
      progress(`  FAIL  ${name.padEnd(10)} ${detail}`);
      throw new StepError(`${name}: ${detail}`);
    }
  }

  /** fetch, with a network failure explained (`check`: what to look at). */
  async function send(url: string, init: RequestInit, check: string): Promise<Response> {
    try {
      return await fetchImpl(url, { ...init, signal: signal() });
    } catch (e) {
      throw networkError(e, url, check, opts.timeoutMs);
    }
  }

  async function api(path: string, body: unknown, expected: number): Promise<any> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.jwt) headers.authorization = `Bearer ${opts.jwt}`;
    if (opts.origin) headers.origin = opts.origin;
    const res = await send(`${opts.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }, 'Is the API running, and is --url its base URL?');
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(notOurApi(`POST ${path}`, res, text));
    }
    if (res.status !== expected) {
      const err: ApiError = { status: res.status, code: json?.error?.code, message: json?.error?.message ?? json?.message ?? text.slice(0, 200), requestId: json?.error?.requestId };
      throw new Error(`POST ${path} answered ${describeApiError(err)}`);
    }
    if (opts.origin) {
      const allow = res.headers.get('access-control-allow-origin');
      if (allow !== opts.origin && allow !== '*') throw new Error(`POST ${path} has no Access-Control-Allow-Origin for ${opts.origin} (got ${allow ?? 'none'}): set CORS_ALLOWED_ORIGINS`);
    }
    return json;
  }

  async function preflight(url: string, method: string, requestHeaders: string): Promise<string> {
    const res = await send(
      url,
      { method: 'OPTIONS', headers: { origin: opts.origin!, 'access-control-request-method': method, 'access-control-request-headers': requestHeaders } },
      'Is the host right?',
    );
    await res.arrayBuffer();
    const allow = res.headers.get('access-control-allow-origin');
    if (res.status >= 300 || (allow !== opts.origin && allow !== '*')) {
      throw new Error(`preflight ${method} ${new URL(url).host}${new URL(url).pathname} from ${opts.origin}: ${res.status}, Access-Control-Allow-Origin ${allow ?? 'none'}`);
    }
    return `${new URL(url).host} allows ${method} from ${opts.origin}`;
  }

  let token: string | undefined;
  let completed = false;
  try {
    if (opts.origin) await step('cors-api', async () => [undefined, await preflight(`${opts.url}/uploads`, 'POST', 'authorization,content-type')]);

    const up = await step('init', async () => {
      const r = await api('/uploads', { filename: opts.filename, size: opts.size, contentType: 'application/octet-stream', partSize: opts.partSize }, 201);
      for (const k of ['uploadId', 'key', 'token', 'partSize', 'partCount']) if (r[k] === undefined) throw new Error(`response lacks ${k}`);
      return [r, `${r.key} (${r.partCount} part(s) of ${r.partSize} bytes, upload ${r.uploadId})`];
    });
    token = up.token as string;
    report.key = up.key;
    report.uploadId = up.uploadId;
    report.partCount = up.partCount;
    const expectedParts = Math.ceil(opts.size / up.partSize);
    if (up.partCount !== expectedParts) throw new StepError(`init: partCount ${up.partCount} does not fit size ${opts.size} / partSize ${up.partSize}`);

    const numbers = Array.from({ length: up.partCount }, (_, i) => i + 1);
    const signed = await step('sign', async () => {
      const parts: any[] = [];
      for (let i = 0; i < numbers.length; i += 100) {
        const r = await api('/uploads/sign', { token, partNumbers: numbers.slice(i, i + 100) }, 200);
        if (!Array.isArray(r.parts)) throw new Error('response lacks parts');
        parts.push(...r.parts);
      }
      const host = parts[0] ? new URL(parts[0].url).host : '';
      return [parts, `${parts.length} part URL(s) on ${host}`];
    });
    if (signed.length !== up.partCount) throw new StepError(`sign: ${signed.length} URLs for ${up.partCount} parts`);

    if (opts.origin && signed[0]) {
      const headers = ['content-type', ...Object.keys(signed[0].headers ?? {}).map((h: string) => h.toLowerCase())].join(',');
      await step('cors-oss', async () => [undefined, await preflight(signed[0].url, 'PUT', headers)]);
    }

    // Random bytes generated part by part (nothing large held in memory); CRC-64 per part.
    const partCrc = new Map<number, bigint>();
    const etags = new Map<number, string>();
    await step('put-parts', async () => {
      let next = 0;
      let bytes = 0;
      let failed = false;
      const worker = async () => {
        while (next < signed.length && !failed) {
          const p = signed[next++];
          const expected = p.partNumber < up.partCount ? up.partSize : opts.size - up.partSize * (up.partCount - 1);
          if (p.size !== expected) throw new Error(`part ${p.partNumber}: sign says ${p.size} bytes, expected ${expected}`);
          const data = randomBytes(expected);
          partCrc.set(p.partNumber, crc64(data));
          const res = await send(p.url, { method: p.method ?? 'PUT', headers: p.headers, body: data as unknown as BodyInit }, 'Part URLs use OSS_PUBLIC_ENDPOINT: can this machine reach it?');
          const text = await res.text();
          if (res.status !== 200) throw new Error(`part ${p.partNumber}: OSS answered ${res.status} ${/<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? ''}`.trim());
          const etag = res.headers.get('etag');
          if (!etag) throw new Error(`part ${p.partNumber}: no ETag in the response`);
          etags.set(p.partNumber, etag);
          const crc = res.headers.get('x-oss-hash-crc64ecma');
          if (crc && crc !== partCrc.get(p.partNumber)!.toString()) throw new Error(`part ${p.partNumber}: OSS CRC-64 ${crc} != ours ${partCrc.get(p.partNumber)}`);
          bytes += expected;
        }
      };
      // The first failure stops the other workers, so the abort below is not raced by late PUTs.
      const guarded = () => worker().catch((e) => {
        failed = true;
        throw e;
      });
      const results = await Promise.allSettled(Array.from({ length: Math.min(opts.concurrency, signed.length) }, guarded));
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
      return [undefined, `${signed.length} part(s), ${bytes} bytes, CRC-64 of each part checked`];
    });

    await step('list', async () => {
      const r = await api('/uploads/list', { token }, 200);
      if (!Array.isArray(r.parts)) throw new Error('response lacks parts');
      if (r.parts.length !== up.partCount) throw new Error(`${r.parts.length} part(s) listed, ${up.partCount} uploaded`);
      if (r.uploadedBytes !== opts.size) throw new Error(`uploadedBytes ${r.uploadedBytes} != ${opts.size}`);
      for (const p of r.parts) {
        if (p.crc64 !== null && p.crc64 !== undefined && p.crc64 !== partCrc.get(p.partNumber)?.toString()) throw new Error(`part ${p.partNumber}: listed CRC-64 ${p.crc64} != ours`);
      }
      return [undefined, `${r.parts.length} part(s), ${r.uploadedBytes} bytes`];
    });

    let whole = partCrc.get(1)!;
    for (let n = 2; n <= up.partCount; n++) whole = crc64Combine(whole, partCrc.get(n)!, n < up.partCount ? up.partSize : opts.size - up.partSize * (up.partCount - 1));
    report.crc64 = whole.toString();

    const done = await step('complete', async () => {
      const parts = numbers.map((n) => ({ partNumber: n, etag: etags.get(n)! }));
      const r = await api('/uploads/complete', { token, parts }, 200);
      completed = true;
      return [r, `${r.key}, ${r.size} bytes, CRC-64 ${r.crc64}, callback ${r.callbackStatus}`];
    });
    report.callbackStatus = done.callbackStatus;
    await step('verify', async () => {
      const problems: string[] = [];
      if (done.key !== up.key) problems.push(`key ${done.key} != ${up.key}`);
      if (done.size !== opts.size) problems.push(`size ${done.size} != ${opts.size}`);
      if (done.crc64 !== whole.toString()) problems.push(`CRC-64 ${done.crc64} != ours ${whole}`);
      if (done.callbackStatus === 'failed' || done.callbackStatus === 'unknown') {
        problems.push(`OSS callback ${done.callbackStatus}${done.callbackError?.message ? `: ${done.callbackError.message}` : ''} (the object is stored; check CALLBACK_URL and the callback function)`);
      }
      if (done.callbackStatus === 'ok' && done.callback?.ok !== true) problems.push('callback answered without ok: true');
      if (problems.length) throw new Error(problems.join('; '));
      const cb = done.callbackStatus === 'ok' ? 'callback verified by the callback function' : 'no callback configured (CALLBACK_URL unset)';
      return [undefined, `size and CRC-64 match the bytes sent; ${cb}`];
    });
    report.ok = true;
  } catch (e) {
    report.error = e instanceof Error ? e.message : String(e);
  }

  if (completed) report.cleanup = 'object-kept';
  else if (token) {
    try {
      await api('/uploads/abort', { token }, 200);
      report.cleanup = 'aborted';
      progress('  ok    abort      upload aborted, no parts left behind');
    } catch (e) {
      report.cleanup = 'abort-failed';
      progress(`  FAIL  abort      ${(e as Error).message} (the sweeper or a lifecycle rule will remove the parts)`);
    }
  }
  return report;
}

export const command: Command = {
  summary: 'upload a test file end to end through a deployed stack and verify size and CRC-64',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const opts = parseSmokeArgs(argv, io.env);
    if (!opts.json) io.stdout(`smoke: ${opts.size} bytes to ${opts.url}${opts.jwt ? '' : ' (no --jwt: only AUTH_MODE=none accepts this)'}\n`);
    const report = await runSmoke(opts, fetch, opts.json ? undefined : (l) => io.stdout(`${l}\n`));
    if (opts.json) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else if (report.ok) {
      io.stdout(`upload verified. The object stays in the bucket: ${report.key}\n`);
    } else {
      const left = report.cleanup === 'object-kept' ? ` The object was stored and stays: ${report.key}.` : report.cleanup === 'aborted' ? ' The upload was aborted.' : '';
      io.stdout(`smoke FAILED: ${report.error}${/[.?!]$/.test(report.error ?? '') ? '' : '.'}${left}\n`);
    }
    return report.ok ? 0 : EXIT_FAILURE;
  },
};

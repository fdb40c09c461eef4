/**
 * The OSS client's default transport: a `fetch`-shaped function over `node:http`/`node:https`.
 *
 * Why not the global `fetch` (undici): every function is cold-started, and a process's first
 * `fetch()` compiles undici's WebAssembly HTTP parser and builds its fetch machinery: 54 ms against
 * 25 ms for a first request through this transport (native parser), medians of fresh processes on
 * a loaded 2-vCPU machine. Node's exit after undici's fetch is also ~200 ms slower. See
 * docs/bench.md (cold start).
 *
 * It implements only what OssClient uses (`Transport`), with fetch's observable behaviour:
 * - `method`, `headers` (a plain object), `body` (bytes or undefined), `signal`; redirects are
 *   never followed (OssClient asks for `redirect: 'manual'`).
 * - It resolves with status and headers as soon as the headers arrive (a minimal response
 *   object: a real `Response` with a stream body costs another ~8 ms on first use); a connection
 *   cut off mid-body rejects `arrayBuffer()` after that, so OssClient knows OSS got the request
 *   and keeps its request id.
 * - Errors carry Node's codes (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`…), which
 *   `describeTransportError` (errors.ts) classifies; a TCP/TLS connection not established within
 *   `CONNECT_TIMEOUT_MS` fails with code `ECONNECTTIMEOUT` (the request never left: retryable even
 *   for Initiate), as undici's connect timeout (same 10 s) did with `UND_ERR_CONNECT_TIMEOUT`.
 * - Aborting the signal (OssClient's per-attempt timeout) destroys the request, before or after the
 *   headers. An already aborted signal rejects with its reason; an abort before the headers arrive
 *   rejects with Node's `AbortError` (code `ABORT_ERR`, the reason as `cause`); one while the body
 *   is read rejects `arrayBuffer()` with the signal's reason.
 * - Keep-alive: Node's global agents (keep-alive on by default since Node 19, idle sockets closed
 *   before the server's `Keep-Alive: timeout` hint), as undici's global dispatcher did.
 *
 * `node:http`/`node:https` are imported statically. A lazy `import()` looked cheaper but is not:
 * every bundle that includes this transport calls OSS, so loading them is a cost moved to module
 * load, not added; and in the CJS bundle an `import()` would start Node's ESM loader on the first
 * OSS request (≈ 4–5 ms of a cold start).
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** As undici's default `connectTimeout`. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The subset of `RequestInit` OssClient sends. */
export interface TransportInit {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  signal: AbortSignal;
  redirect: 'manual';
}

/** The response headers OssClient reads; fetch's `Headers` is one, `HeaderMap` another. */
export interface ResponseHeaders {
  /** Case-insensitive; repeated headers joined by ", " (as fetch does); null when absent. */
  get(name: string): string | null;
  /** Every header, names in lower case. */
  forEach(callback: (value: string, name: string) => void): void;
}

/** The subset of `Response` OssClient reads. */
export interface TransportResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** What OssClient calls: the global `fetch` is one, `nodeHttpFetch` another. */
export type Transport = (url: string, init: TransportInit) => Promise<TransportResponse>;

type RequestFn = (url: URL, options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest;

function requestFor(protocol: string): RequestFn {
  if (protocol === 'http:') return httpRequest;
  if (protocol === 'https:') return httpsRequest;
  throw new TypeError(`unsupported protocol ${protocol}`);
}

/** Statuses whose responses have no body (fetch's "null body status"; HEAD has none either). */
const NULL_BODY_STATUS = [101, 103, 204, 205, 304];

/** OssClient's default transport: `fetch`'s behaviour for OssClient's requests, over node:http(s). */
export async function nodeHttpFetch(input: string, init: TransportInit): Promise<TransportResponse> {
  const url = new URL(input);
  const method = init.method.toUpperCase();
  const signal = init.signal;
  signal.throwIfAborted();
  const request = requestFor(url.protocol);

  const headers: Record<string, string> = { ...init.headers };
  const body = init.body;
  // As fetch: a body's length, or 0 for a body-less POST/PUT/PATCH.
  if (body) headers['content-length'] = String(body.byteLength);
  else if (method === 'POST' || method === 'PUT' || method === 'PATCH') headers['content-length'] = '0';

  return new Promise<TransportResponse>((resolve, reject) => {
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const fail = (e: unknown) => {
      clearTimeout(connectTimer);
      if (!settled) {
        settled = true;
        reject(e);
      }
    };

    const req = request(url, { method, headers, signal }, (res) => {
      clearTimeout(connectTimer);
      settled = true;
      resolve(toResponse(res, method, signal));
    });
    req.on('error', fail);
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected.
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => {
        const err = Object.assign(new Error(`connect timeout after ${CONNECT_TIMEOUT_MS} ms`), { code: 'ECONNECTTIMEOUT' });
        req.destroy(err);
      }, CONNECT_TIMEOUT_MS);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.end(body);
  });
}

/**
 * Response headers as fetch's `Headers` shows them (lower-case names, repeats joined by ", "),
 * without `Headers` itself: the first touch of the global `Headers` loads Node's whole bundled
 * undici (~35 ms of a cold start). The HTTP bundles no longer load it either (their adapter's
 * `Request`/`Response` are shared/http/fetch-lite.ts's), and the sweeper (a timer) and the CLI
 * never needed it. Node's parser has already checked names and values.
 * `forEach` runs in arrival order, where fetch's `Headers` iterates sorted by name; that only
 * changes the key order of `metadata` from `headObject()`/`getObject()` (objects.ts).
 */
export class HeaderMap implements ResponseHeaders {
  readonly #map = new Map<string, string>();
  constructor(rawHeaders: readonly string[]) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i].toLowerCase();
      const seen = this.#map.get(name);
      this.#map.set(name, seen === undefined ? rawHeaders[i + 1] : `${seen}, ${rawHeaders[i + 1]}`);
    }
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.#map) callback(value, name);
  }
}

function toResponse(res: IncomingMessage, method: string, signal: AbortSignal | undefined): TransportResponse {
  const headers = new HeaderMap(res.rawHeaders);
  const status = res.statusCode ?? 0;
  if (method === 'HEAD' || NULL_BODY_STATUS.includes(status)) {
    res.resume();
    const empty = Promise.resolve(new ArrayBuffer(0));
    return { status, headers, arrayBuffer: () => empty };
  }
  const body = new Promise<ArrayBuffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      reject(signal?.aborted ? signal.reason : e);
    };
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      if (done) return;
      done = true;
      const all = Buffer.concat(chunks);
      // A copy: small Buffers share Node's pool.
      resolve(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer);
    });
    res.on('error', fail);
    // A socket closed before the whole body arrived (Node 20 may emit only 'aborted'/'close').
    res.on('close', () => {
      if (!res.complete) fail(Object.assign(new Error('response body cut off: connection closed'), { code: 'ECONNRESET' }));
    });
  });
  // The caller reads the body right away; until then a failure must not count as unhandled.
  body.catch(() => {});
  return { status, headers, arrayBuffer: () => body };
}

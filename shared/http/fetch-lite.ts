/**
 * `Headers`, `Request` and `Response` for bodies held in memory: the part of the Fetch API that
 * Hono and our functions use, without undici.
 *
 * Why: Node 20 loads undici, its whole fetch implementation, the first time anything touches the
 * global `Headers`, `Request` or `Response`. That costs 30-45 ms of CPU, and every Hono app pays
 * it on its first request, so it was about a third of each HTTP function's cold start
 * (docs/bench.md). Under FC both bodies are buffered anyway: the event carries the whole request
 * body, and the handler returns the whole response body as a string.
 *
 * How they are used: `infra/build.ts` injects these three classes into each function bundle in
 * place of the globals (esbuild `inject`). Every free `Headers`, `Request` and `Response` in the
 * bundle, Hono's included, then means these classes. `globalThis` is not touched; tests and the
 * local stack run on Node's own classes, and test/unit/fetch-lite.test.ts holds these classes to
 * Node's behaviour.
 *
 * Anything outside that subset is handed to Node's own classes, so it behaves the same, only
 * slower (undici loads then). That covers stream, Blob and FormData bodies, `formData()`, and
 * a `Request` built from one of Node's. Only the results of reading a body stay in memory: the
 * `body` stream of one of these objects is made on demand from its bytes.
 */

type Init = Record<string, unknown> | undefined | null;

// ---------------------------------------------------------------------------------------------
// Headers

/** RFC 9110 token: what a header name (and a method) may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Leading and trailing HTTP whitespace, stripped from values (Fetch "normalize"). */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** Not allowed in a value after normalizing; code points above U+00FF fail the ByteString check. */
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;

function headerName(name: unknown): string {
  const s = byteString(name, 'header name');
  if (!TOKEN.test(s)) throw new TypeError(`Headers: invalid header name "${s.slice(0, 100)}"`);
  return s.toLowerCase();
}

function headerValue(value: unknown, name: string): string {
  const s = String(value).replace(EDGE_WHITESPACE, '');
  if (BAD_VALUE.test(s)) throw new TypeError(`Headers: invalid value for header "${name}"`);
  return s;
}

function byteString(v: unknown, what: string): string {
  const s = String(v);
  if (/[\u0100-\uffff]/.test(s)) throw new TypeError(`Headers: ${what} holds a character above U+00FF`);
  return s;
}

class LiteHeaders {
  /** Lower-case name -> values in insertion order. Several only when appended. */
  #map = new Map<string, string[]>();

  constructor(init?: unknown) {
    if (init === undefined) return;
    if (typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError('Headers: init must be an object, an array of pairs or Headers');
    }
    if (init === null) throw new TypeError('Headers: init must not be null');
    if (init instanceof LiteHeaders) {
      for (const [name, values] of init.#map) this.#map.set(name, values.slice());
      return;
    }
    const iterator = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (iterator !== undefined) {
      if (typeof iterator !== 'function') throw new TypeError('Headers: init[Symbol.iterator] is not a function');
      for (const pair of init as Iterable<unknown>) {
        if (typeof pair !== 'object' || pair === null || typeof (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
          throw new TypeError('Headers: each init entry must be a [name, value] pair');
        }
        const entry = [...(pair as Iterable<unknown>)];
        if (entry.length !== 2) throw new TypeError('Headers: each init entry must be a [name, value] pair');
        this.append(entry[0] as string, entry[1] as string);
      }
      return;
    }
    for (const key of Reflect.ownKeys(init)) {
      const desc = Reflect.getOwnPropertyDescriptor(init, key);
      if (!desc?.enumerable) continue;
      if (typeof key === 'symbol') throw new TypeError('Headers: a symbol is not a header name');
      this.append(key, (init as Record<string, unknown>)[key] as string);
    }
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const v = headerValue(byteString(value, 'header value'), key);
    const values = this.#map.get(key);
    if (values) values.push(v);
    else this.#map.set(key, [v]);
  }

  set(name: string, value: string): void {
    const key = headerName(name);
    this.#map.set(key, [headerValue(byteString(value, 'header value'), key)]);
  }

  delete(name: string): void {
    this.#map.delete(headerName(name));
  }

  get(name: string): string | null {
    return this.#map.get(headerName(name))?.join(', ') ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(headerName(name));
  }

  getSetCookie(): string[] {
    return this.#map.get('set-cookie')?.slice() ?? [];
  }

  /** Sorted by name; `set-cookie` once per value, every other name once with its values joined. */
  #list(): [string, string][] {
    const names = [...this.#map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: [string, string][] = [];
    for (const name of names) {
      const values = this.#map.get(name)!;
      if (name === 'set-cookie') for (const v of values) out.push([name, v]);
      else out.push([name, values.join(', ')]);
    }
    return out;
  }

  forEach(callback: (value: string, name: string, headers: LiteHeaders) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw new TypeError('Headers.forEach: callback is not a function');
    for (const [name, value] of this.#list()) callback.call(thisArg, value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* this.#list();
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.#list()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.#list()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}

// ---------------------------------------------------------------------------------------------
// Bodies

/** A body we hold: bytes, or none. `type` is the Content-Type the body implies. */
interface Extracted {
  bytes: Uint8Array | null;
  type: string | null;
}

/** Streams made by `body` getters, so `new Response(res.body, res)` (Hono does it) takes the bytes. */
const streamBytes = new WeakMap<object, { bytes: Uint8Array; owner: BodyHolder }>();

/**
 * The bytes of a body init, or undefined when it is a kind only Node's classes handle (a stream
 * that is not one of ours, a Blob, FormData).
 */
function extractBody(body: unknown): Extracted | undefined {
  if (body === null || body === undefined) return { bytes: null, type: null };
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), type: 'text/plain;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body.slice(0)), type: null };
  if (ArrayBuffer.isView(body)) {
    return { bytes: new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), type: null };
  }
  if (body instanceof URLSearchParams) {
    return { bytes: Buffer.from(body.toString(), 'utf8'), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  const ours = streamBytes.get(body as object);
  if (ours) {
    const stream = body as ReadableStream;
    if (stream.locked || ours.owner.bodyUsed) throw new TypeError('Response body object should not be disturbed or locked');
    // The stream's reader is what marks a body used; taking the stream over does the same.
    ours.owner.markUsed();
    return { bytes: ours.bytes, type: null };
  }
  const tag = Object.prototype.toString.call(body);
  if (tag === '[object ReadableStream]' || tag === '[object Blob]' || tag === '[object File]' || tag === '[object FormData]') {
    return undefined;
  }
  if (typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') return undefined;
  // Fetch turns any other value into its string (`new Response(42)` has the body "42").
  return { bytes: Buffer.from(String(body), 'utf8'), type: 'text/plain;charset=UTF-8' };
}

/** The body mixin: reading methods over bytes held in memory. */
abstract class BodyHolder {
  #bytes: Uint8Array | null;
  #used = false;
  #stream: ReadableStream<Uint8Array> | null = null;

  abstract readonly headers: LiteHeaders;

  constructor(bytes: Uint8Array | null) {
    this.#bytes = bytes;
  }

  /** A ReadableStream of the bytes, made on first access (ReadableStream itself costs a load). */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#bytes === null) return null;
    if (!this.#stream) {
      const bytes = this.#bytes;
      // highWaterMark 0: nothing is pulled until someone reads, so an unread stream leaves the
      // body unused, as Node's does.
      this.#stream = new ReadableStream<Uint8Array>(
        {
          pull: (controller) => {
            this.#used = true;
            if (bytes.byteLength > 0) controller.enqueue(bytes.slice());
            controller.close();
          },
          cancel: () => {
            this.#used = true;
          },
        },
        { highWaterMark: 0 },
      );
      streamBytes.set(this.#stream, { bytes, owner: this });
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** @internal */
  markUsed(): void {
    this.#used = true;
  }

  /** @internal the bytes, unread (for clone and for handing over to Node's classes). */
  peekBytes(): Uint8Array | null {
    return this.#bytes;
  }

  /** Consumes the body: its bytes (empty when there is none). */
  async #consume(): Promise<Uint8Array> {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    if (this.#stream?.locked) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes ?? new Uint8Array(0);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.#consume();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.#consume());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    const type = this.headers.get('content-type') ?? '';
    return new Blob([(await this.#consume()) as Uint8Array<ArrayBuffer>], { type: /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : '' });
  }

  /** Multipart and form parsing is Node's own. */
  async formData(): Promise<FormData> {
    const bytes = await this.#consume();
    const headers = [...this.headers];
    return new globalThis.Response(bytes.byteLength > 0 ? (bytes as Uint8Array<ArrayBuffer>) : null, { headers }).formData();
  }
}

// ---------------------------------------------------------------------------------------------
// Response

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
/** RFC 9112 reason-phrase. */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** WebIDL `unsigned short`. */
function unsignedShort(v: unknown): number {
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) ? ((n % 65536) + 65536) % 65536 : 0;
}

class LiteResponse extends BodyHolder {
  readonly statusText!: string;
  readonly headers!: LiteHeaders;
  #status = 200;
  #type: 'default' | 'error' = 'default';

  constructor(body: unknown = null, init: Init = {}) {
    if (init !== undefined && init !== null && typeof init !== 'object') {
      throw new TypeError("Response constructor: init can't be converted to a dictionary");
    }
    const extracted = extractBody(body);
    if (!extracted) {
      // A stream, Blob or FormData body: Node's Response handles it (the caller gets that one).
      super(null);
      return new globalThis.Response(body as BodyInit, foreignInit(init)) as unknown as LiteResponse;
    }
    super(extracted.bytes);
    const status = init?.status === undefined ? 200 : unsignedShort(init.status);
    if (status < 200 || status > 599) {
      throw new RangeError(`Response constructor: init.status must be in the range of 200 to 599, inclusive, got ${status}`);
    }
    const statusText = init?.statusText === undefined ? '' : String(init.statusText);
    if (!REASON_PHRASE.test(statusText)) throw new TypeError('Response constructor: invalid statusText');
    this.#status = status;
    this.statusText = statusText;
    this.headers = new LiteHeaders(init?.headers ?? undefined);
    if (extracted.bytes !== null) {
      if (NULL_BODY_STATUS.has(status)) throw new TypeError(`Response constructor: invalid response status code ${status}`);
      if (extracted.type && !this.headers.has('content-type')) this.headers.append('content-type', extracted.type);
    }
  }

  get status(): number {
    return this.#status;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get type(): string {
    return this.#type;
  }

  get url(): string {
    return '';
  }

  get redirected(): boolean {
    return false;
  }

  clone(): LiteResponse {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    const copy = new LiteResponse(this.peekBytes(), { statusText: this.statusText, headers: this.headers });
    copy.#status = this.#status;
    copy.#type = this.#type;
    return copy;
  }

  static json(data: unknown, init: Init = {}): LiteResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Response.json: the data is not JSON-serializable');
    const res = new LiteResponse(text, init);
    if (!(init?.headers && new LiteHeaders(init.headers).has('content-type'))) res.headers.set('content-type', 'application/json');
    return res;
  }

  static redirect(url: string | URL, status = 302): LiteResponse {
    const location = new URL(String(url)).href;
    if (!REDIRECT_STATUS.has(status)) throw new RangeError(`Response.redirect: invalid status code ${status}`);
    return new LiteResponse(null, { status, headers: { location } });
  }

  /** A network error: status 0, type "error", no body. */
  static error(): LiteResponse {
    const res = new LiteResponse(null);
    res.#status = 0;
    res.#type = 'error';
    return res;
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}

// ---------------------------------------------------------------------------------------------
// Request

/** Methods normalized to upper case (Fetch); any other method keeps its case. */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

function requestMethod(m: unknown): string {
  const s = String(m);
  if (!TOKEN.test(s)) throw new TypeError(`Request: "${s.slice(0, 100)}" is not a valid HTTP method`);
  const upper = s.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`Request: "${s}" HTTP method is unsupported`);
  return NORMALIZED_METHODS.has(upper) ? upper : s;
}

class LiteRequest extends BodyHolder {
  readonly url!: string;
  readonly method!: string;
  readonly headers!: LiteHeaders;
  #signal: AbortSignal | null = null;

  constructor(input: unknown, init: Init = {}) {
    if (init !== undefined && init !== null && typeof init !== 'object') {
      throw new TypeError("Request constructor: init can't be converted to a dictionary");
    }
    const from = input instanceof LiteRequest ? input : null;
    if (!from && typeof input === 'object' && input !== null && !(input instanceof URL)) {
      // One of Node's Requests, or something we cannot read: Node's Request decides.
      super(null);
      return new globalThis.Request(input as RequestInfo, foreignInit(init)) as unknown as LiteRequest;
    }
    const hasBodyInit = init?.body !== undefined && init.body !== null;
    if (hasBodyInit && streamBytes.has(init!.body as object) && init!.duplex !== 'half') {
      throw new TypeError("Request: a stream body needs init.duplex set to 'half'");
    }
    const extracted = hasBodyInit ? extractBody(init!.body) : undefined;
    if (hasBodyInit && !extracted) {
      super(null);
      return new globalThis.Request((from ? from.url : input) as string, foreignInit(init, from)) as unknown as LiteRequest;
    }

    let url: string;
    if (from) url = from.url;
    else {
      try {
        url = new URL(String(input)).href;
      } catch {
        throw new TypeError(`Request: failed to parse URL from ${String(input).slice(0, 200)}`);
      }
    }
    const method = init?.method !== undefined ? requestMethod(init.method) : from ? from.method : 'GET';
    const headers = new LiteHeaders(init?.headers !== undefined ? init.headers : from ? from.headers : undefined);

    let bytes: Uint8Array | null = null;
    let type: string | null = null;
    if (extracted) ({ bytes, type } = extracted);
    else if (from && init?.body === undefined && from.peekBytes() !== null) {
      if (from.bodyUsed || from.body?.locked) throw new TypeError('Request: cannot construct a Request with a Request whose body is already used');
      bytes = from.peekBytes();
      from.markUsed();
    }
    if (bytes !== null && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError('Request with GET/HEAD method cannot have body.');
    }
    super(bytes);
    this.url = url;
    this.method = method;
    this.headers = headers;
    if (type && !headers.has('content-type')) headers.append('content-type', type);
    this.#signal = (init?.signal as AbortSignal | undefined) ?? (from ? from.signal : null);
  }

  /** Made on first access: nobody aborts an FC request, and AbortController costs a little. */
  get signal(): AbortSignal {
    this.#signal ??= new AbortController().signal;
    return this.#signal;
  }

  get cache(): string {
    return 'default';
  }
  get credentials(): string {
    return 'same-origin';
  }
  get destination(): string {
    return '';
  }
  get integrity(): string {
    return '';
  }
  get keepalive(): boolean {
    return false;
  }
  get mode(): string {
    return 'cors';
  }
  get redirect(): string {
    return 'follow';
  }
  get referrer(): string {
    return 'about:client';
  }
  get referrerPolicy(): string {
    return '';
  }
  get duplex(): string {
    return 'half';
  }

  clone(): LiteRequest {
    if (this.bodyUsed) throw new TypeError('Request.clone: Body has already been consumed.');
    return new LiteRequest(this.url, { method: this.method, headers: this.headers, body: this.peekBytes(), signal: this.#signal ?? undefined });
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

/** An init for Node's classes: our Headers become pairs, our Request's bytes its body. */
function foreignInit(init: Init, from?: LiteRequest | null): RequestInit & ResponseInit {
  const out: Record<string, unknown> = { ...(init ?? {}) };
  const headers = init?.headers ?? from?.headers;
  if (headers instanceof LiteHeaders) out.headers = [...headers];
  else if (headers !== undefined) out.headers = headers;
  if (from) {
    out.method ??= from.method;
    if (out.body === undefined && from.peekBytes() !== null) out.body = from.peekBytes();
  }
  if (out.body !== undefined && out.body !== null && Object.prototype.toString.call(out.body) === '[object ReadableStream]') out.duplex ??= 'half';
  return out as RequestInit & ResponseInit;
}

export { LiteHeaders as Headers, LiteRequest as Request, LiteResponse as Response };

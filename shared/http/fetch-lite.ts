/**
 * `Headers`, `Request` and `Response` for bodies held in memory, injected into the bundles by
 * infra/build.ts. Hand-written because Node loads undici on the first touch of those globals:
 * 32.8 ms of init's cold start, 42-48 ms of a Hono hello-world's (docs/bench.md). Anything outside
 * this subset is handed to Node's own classes. How and why: docs/http.md.
 */

type Init = Record<string, unknown> | undefined | null;

// ---------------------------------------------------------------------------------------------
// Headers

/** RFC 9110 tchar+: a token, what a header name (and a method) may hold. */
const TCHARS = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const TOKEN = new RegExp(`^${TCHARS}$`);
/** Leading and trailing HTTP whitespace, stripped from values (Fetch "normalize"). */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** Not allowed in a value after normalizing (code points above U+00FF fail `byteString` first). */
const BAD_VALUE = /[\0\r\n]/;

function headerName(name: unknown): string {
  const s = byteString(name, 'Headers: header name');
  if (!TOKEN.test(s)) throw new TypeError(`Headers: invalid header name "${s.slice(0, 100)}"`);
  return s.toLowerCase();
}

/** A value as given (converted to a ByteString here), normalized and checked, for header `name`. */
function headerValue(value: unknown, name: string): string {
  const s = byteString(value, 'Headers: header value').replace(EDGE_WHITESPACE, '');
  if (BAD_VALUE.test(s)) throw new TypeError(`Headers: invalid value for header "${name}"`);
  return s;
}

/**
 * WebIDL's string conversion (ECMAScript ToString). Not `String(v)`: that one turns a Symbol
 * into "Symbol(x)", where Fetch throws a TypeError, as a template literal does.
 */
function toStr(v: unknown): string {
  return `${v as string}`;
}

function byteString(v: unknown, what: string): string {
  const s = toStr(v);
  if (/[\u0100-\uffff]/.test(s)) throw new TypeError(`${what} holds a character above U+00FF`);
  return s;
}

/**
 * The WebIDL conversion of a HeadersInit: its entries as ByteStrings, not yet checked as names
 * and values. Kept apart from filling a Headers because Node's Response converts its whole init
 * (any error a TypeError) before it checks the status (a RangeError), and fills the headers after.
 */
function headerEntries(init: unknown): string[][] {
  if ((typeof init !== 'object' && typeof init !== 'function') || init === null) {
    throw new TypeError('Headers: init must be an object, an array of pairs or Headers');
  }
  if (init instanceof LiteHeaders) return [...init];
  const out: string[][] = [];
  const iterator = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (iterator !== undefined) {
    if (typeof iterator !== 'function') throw new TypeError('Headers: init[Symbol.iterator] is not a function');
    for (const pair of init as Iterable<unknown>) {
      if (typeof pair !== 'object' || pair === null || typeof (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
        throw new TypeError('Headers: each init entry must be a [name, value] pair');
      }
      out.push([...(pair as Iterable<unknown>)].map((v) => byteString(v, 'Headers: init entry')));
    }
    return out;
  }
  // Every enumerable own property, as WebIDL says. Node's also takes non-enumerable ones and drops
  // an own `__proto__` (undici shortcuts); neither comes up with an object literal of headers.
  for (const key of Reflect.ownKeys(init)) {
    const desc = Reflect.getOwnPropertyDescriptor(init, key);
    if (!desc?.enumerable) continue;
    if (typeof key === 'symbol') throw new TypeError('Headers: a symbol is not a header name');
    out.push([byteString(key, 'Headers: header name'), byteString((init as Record<string, unknown>)[key], 'Headers: header value')]);
  }
  return out;
}

/** Headers of Response.redirect() and Response.error() (and their clones): Node's throw on change. */
const immutableHeaders = new WeakSet<LiteHeaders>();

/**
 * Replaces the list of `to` with a copy of the list of `from`, values as they are: what clone()
 * and a Request built from a Request do. A Headers given as an init is read through its iterator
 * instead, as Fetch says, so its joined values are normalized again ("a" and "" appended make
 * "a, ", which comes over as "a,").
 */
let copyHeaderList: (from: LiteHeaders, to: LiteHeaders) => void;

class LiteHeaders {
  /** Lower-case name -> values in insertion order. Several only when appended. */
  #map = new Map<string, string[]>();
  /** What iteration walks, made when first needed after a change. */
  #sorted: [string, string][] | null = null;

  static {
    copyHeaderList = (from, to) => {
      to.#map = new Map([...from.#map].map(([name, values]) => [name, values.slice()]));
      to.#sorted = null;
    };
  }

  constructor(init?: unknown) {
    if (init === undefined) return;
    for (const entry of headerEntries(init)) {
      if (entry.length !== 2) throw new TypeError('Headers: each init entry must be a [name, value] pair');
      this.append(entry[0], entry[1]);
    }
  }

  /** Called after a name and value are checked, as Node checks them first. */
  #change(): void {
    if (immutableHeaders.has(this)) throw new TypeError('Headers: immutable');
    this.#sorted = null;
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const v = headerValue(value, key);
    this.#change();
    const values = this.#map.get(key);
    if (values) values.push(v);
    else this.#map.set(key, [v]);
  }

  set(name: string, value: string): void {
    const key = headerName(name);
    const v = headerValue(value, key);
    this.#change();
    this.#map.set(key, [v]);
  }

  delete(name: string): void {
    const key = headerName(name);
    this.#change();
    this.#map.delete(key);
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
    if (this.#sorted) return this.#sorted;
    const names = [...this.#map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: [string, string][] = [];
    for (const name of names) {
      const values = this.#map.get(name)!;
      if (name === 'set-cookie') for (const v of values) out.push([name, v]);
      else out.push([name, values.join(', ')]);
    }
    this.#sorted = out;
    return out;
  }

  forEach(callback: (value: string, name: string, headers: LiteHeaders) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw new TypeError('Headers.forEach: callback is not a function');
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  /**
   * A WebIDL pair iterator, as Node's: live (each step looks at the headers as they are then) and
   * never done for good (a header added after the end is still seen). A generator is neither.
   */
  #iterate<T>(pick: (entry: [string, string]) => T): IterableIterator<T> {
    let index = 0;
    const iterator = {
      next: (): IteratorResult<T> => {
        const list = this.#list();
        return index < list.length ? { value: pick(list[index++]), done: false } : { value: undefined, done: true };
      },
      [Symbol.iterator]: () => iterator,
      [Symbol.toStringTag]: 'Headers Iterator',
    };
    return iterator;
  }

  entries(): IterableIterator<[string, string]> {
    return this.#iterate(([name, value]) => [name, value]);
  }

  keys(): IterableIterator<string> {
    return this.#iterate(([name]) => name);
  }

  values(): IterableIterator<string> {
    return this.#iterate(([, value]) => value);
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

/**
 * A body held in memory. `used` once read, or once its stream is read or cancelled. Two holders
 * share one when one was built from the other's `body` stream (`new Response(res.body, res)`,
 * Hono does it), as Node's two would share the stream: reading either one uses both.
 */
interface HeldBody {
  bytes: Uint8Array;
  used: boolean;
  stream: ReadableStream<Uint8Array> | null;
}

/** A body init read: the body (null for none) and the Content-Type it implies. */
interface Extracted {
  held: HeldBody | null;
  type: string | null;
}

/** The streams made by `body` getters, so a holder built from one takes over its body. */
const heldBodies = new WeakMap<object, HeldBody>();

function held(bytes: Uint8Array): HeldBody {
  return { bytes, used: false, stream: null };
}

/**
 * The body of a body init, or undefined when it is a kind only Node's classes handle (a stream
 * that is not one of ours, a Blob, FormData).
 */
function extractBody(body: unknown): Extracted | undefined {
  if (body === null || body === undefined) return { held: null, type: null };
  if (typeof body === 'string') return { held: held(Buffer.from(body, 'utf8')), type: 'text/plain;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { held: held(new Uint8Array(body.slice(0))), type: null };
  if (ArrayBuffer.isView(body)) {
    return { held: held(new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength))), type: null };
  }
  if (body instanceof URLSearchParams) {
    return { held: held(Buffer.from(body.toString(), 'utf8')), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  const ours = heldBodies.get(body as object);
  if (ours) {
    if (ours.stream!.locked || ours.used) throw new TypeError('Response body object should not be disturbed or locked');
    return { held: ours, type: null };
  }
  const tag = Object.prototype.toString.call(body);
  if (tag === '[object ReadableStream]' || tag === '[object Blob]' || tag === '[object File]' || tag === '[object FormData]') {
    return undefined;
  }
  if (typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') return undefined;
  // Fetch turns any other value into its string (`new Response(42)` has the body "42").
  return { held: held(Buffer.from(toStr(body), 'utf8')), type: 'text/plain;charset=UTF-8' };
}

/**
 * A Content-Type whose parsed and serialized MIME type (what Node's blob() takes) is the value
 * itself, up to case (Blob lower-cases it): `type/subtype` and at most one `;name=value`, all
 * tokens, no spaces. Anything else is parsed by Node.
 */
const PLAIN_MIME = new RegExp(`^${TCHARS}/${TCHARS}(?:;${TCHARS}=${TCHARS})?$`);

/**
 * Marks a body read. Node reads (and moves a body to a new Request) through a reader of its stream
 * and keeps that reader, so the stream, if one was made, stays locked.
 */
function use(body: HeldBody): void {
  body.used = true;
  body.stream?.getReader();
}

/** The body mixin: reading methods over bytes held in memory. */
abstract class BodyHolder {
  #body: HeldBody | null;

  abstract readonly headers: LiteHeaders;

  constructor(body: HeldBody | null) {
    this.#body = body;
  }

  /** A ReadableStream of the bytes, made on first access (ReadableStream itself costs a load). */
  get body(): ReadableStream<Uint8Array> | null {
    const body = this.#body;
    if (body === null) return null;
    if (!body.stream) {
      // highWaterMark 0: nothing is pulled until someone reads, so an unread stream leaves the
      // body unused, as Node's does.
      body.stream = new ReadableStream<Uint8Array>(
        {
          pull: (controller) => {
            body.used = true;
            // A copy with a buffer of its own, as Node gives: the held bytes may be a view of
            // Node's shared Buffer pool (Buffer#slice would be another view of it).
            if (body.bytes.byteLength > 0) controller.enqueue(new Uint8Array(body.bytes));
            controller.close();
          },
          cancel: () => {
            body.used = true;
          },
        },
        { highWaterMark: 0 },
      );
      heldBodies.set(body.stream, body);
      // Read already (text() and the like, or moved to a new Request): Node's stream is locked by
      // the reader that read it.
      if (body.used) body.stream.getReader();
    }
    return body.stream;
  }

  /** A null body is never used: it reads as empty any number of times (Fetch). */
  get bodyUsed(): boolean {
    return this.#body?.used ?? false;
  }

  /** @internal Fetch's "unusable": used, or its stream locked by a reader. */
  isUnusable(): boolean {
    return this.#body !== null && (this.#body.used || !!this.#body.stream?.locked);
  }

  /** @internal the bytes, unread (for clone and for handing over to Node's classes). */
  peekBytes(): Uint8Array | null {
    return this.#body?.bytes ?? null;
  }

  /**
   * @internal For a Request built from this one: the bytes move to a new body and this one is
   * used, its stream locked (Node pipes this stream into the new one's).
   */
  takeBody(): HeldBody | null {
    const body = this.#body;
    if (body === null) return null;
    use(body);
    return held(body.bytes);
  }

  /** Consumes the body: its bytes (empty when there is none). */
  async #consume(): Promise<Uint8Array> {
    const body = this.#body;
    if (body === null) return new Uint8Array(0);
    if (this.isUnusable()) throw new TypeError('Body is unusable: Body has already been read');
    use(body);
    return body.bytes;
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
    const type = this.headers.get('content-type');
    const bytes = (await this.#consume()) as Uint8Array<ArrayBuffer>;
    if (type === null || PLAIN_MIME.test(type)) return new Blob([bytes], { type: type ?? '' });
    // A Content-Type to parse as a MIME type (parameters, quotes, several values): Node's parser.
    return new globalThis.Response(bytes, { headers: [['content-type', type]] }).blob();
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

/**
 * WebIDL `unsigned short`, as undici computes it: with the JS remainder, so a negative status
 * stays negative (out of range) where WebIDL would wrap it into 0-65535.
 */
function unsignedShort(v: unknown): number {
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) ? n % 65536 : 0;
}

class LiteResponse extends BodyHolder {
  readonly statusText!: string;
  readonly headers!: LiteHeaders;
  #status = 200;
  #type: 'default' | 'error' = 'default';

  constructor(body: unknown = null, init: Init = {}) {
    if (init !== undefined && init !== null && typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError("Response constructor: init can't be converted to a dictionary");
    }
    const extracted = extractBody(body);
    if (!extracted) {
      // A stream, Blob or FormData body: Node's Response handles it (the caller gets that one).
      super(null);
      return new globalThis.Response(body as BodyInit, foreignInit(init, RESPONSE_INIT)) as unknown as LiteResponse;
    }
    // The init's WebIDL conversion first, as Node does: its TypeErrors (a header name above
    // U+00FF, `headers: null`) win over a status out of range.
    const headerInit = init?.headers === undefined ? undefined : headerEntries(init.headers);
    const status = init?.status === undefined ? 200 : unsignedShort(init.status);
    const statusText = init?.statusText === undefined ? '' : byteString(init.statusText, 'Response: statusText');
    super(extracted.held);
    if (status < 200 || status > 599) {
      throw new RangeError(`Response constructor: init.status must be in the range of 200 to 599, inclusive, got ${status}`);
    }
    if (!REASON_PHRASE.test(statusText)) throw new TypeError('Response constructor: invalid statusText');
    this.#status = status;
    this.statusText = statusText;
    this.headers = new LiteHeaders(headerInit);
    if (extracted.held !== null) {
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
    if (this.isUnusable()) throw new TypeError('Response.clone: Body has already been consumed.');
    const copy = new LiteResponse(this.peekBytes(), { statusText: this.statusText });
    copyHeaderList(this.headers, copy.headers);
    copy.#status = this.#status;
    copy.#type = this.#type;
    if (immutableHeaders.has(this.headers)) immutableHeaders.add(copy.headers);
    return copy;
  }

  static json(data: unknown, init: Init = {}): LiteResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Response.json: the data is not JSON-serializable');
    // Bytes, which imply no Content-Type: application/json goes in unless the init has one.
    const res = new LiteResponse(Buffer.from(text, 'utf8'), init);
    if (!res.headers.has('content-type')) res.headers.append('content-type', 'application/json');
    return res;
  }

  static redirect(url: string | URL, status: unknown = 302): LiteResponse {
    const code = unsignedShort(status);
    const location = new URL(toStr(url)).href;
    if (!REDIRECT_STATUS.has(code)) throw new RangeError(`Response.redirect: invalid status code ${code}`);
    const res = new LiteResponse(null, { status: code, headers: { location } });
    immutableHeaders.add(res.headers);
    return res;
  }

  /** A network error: status 0, type "error", no body, headers that cannot change. */
  static error(): LiteResponse {
    const res = new LiteResponse(null);
    res.#status = 0;
    res.#type = 'error';
    immutableHeaders.add(res.headers);
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
  const s = byteString(m, 'Request: method');
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
    if (init !== undefined && init !== null && typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError("Request constructor: init can't be converted to a dictionary");
    }
    const from = input instanceof LiteRequest ? input : null;
    if (!from && typeof input === 'object' && input !== null && !(input instanceof URL)) {
      // One of Node's Requests, or something we cannot read: Node's Request decides.
      super(null);
      return new globalThis.Request(input as RequestInfo, foreignInit(init, REQUEST_INIT)) as unknown as LiteRequest;
    }
    const hasBodyInit = init?.body !== undefined && init.body !== null;
    if (hasBodyInit && heldBodies.has(init!.body as object) && init!.duplex !== 'half') {
      throw new TypeError("Request: a stream body needs init.duplex set to 'half'");
    }
    const extracted = hasBodyInit ? extractBody(init!.body) : undefined;
    if (hasBodyInit && !extracted) {
      super(null);
      return new globalThis.Request((from ? from.url : input) as string, foreignInit(init, REQUEST_INIT, from)) as unknown as LiteRequest;
    }

    let url: string;
    if (from) url = from.url;
    else {
      let parsed: URL;
      try {
        parsed = new URL(toStr(input));
      } catch {
        throw new TypeError(`Request: failed to parse URL from ${String(input).slice(0, 200)}`);
      }
      if (parsed.username || parsed.password) throw new TypeError('Request: a URL with credentials is not allowed');
      url = parsed.href;
    }
    const method = init?.method !== undefined ? requestMethod(init.method) : from ? from.method : 'GET';
    const headers = new LiteHeaders(init?.headers);
    if (init?.headers === undefined && from) copyHeaderList(from.headers, headers);

    // The body of `from` counts even when the init's body is null (Fetch's "inputBody").
    const fromHasBody = from !== null && from.peekBytes() !== null;
    if ((extracted?.held || fromHasBody) && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError('Request with GET/HEAD method cannot have body.');
    }
    let body = extracted?.held ?? null;
    if (!hasBodyInit && fromHasBody) {
      if (from.isUnusable()) throw new TypeError('Request: cannot construct a Request with a Request whose body is already used');
      body = from.takeBody();
    }
    super(body);
    this.url = url;
    this.method = method;
    this.headers = headers;
    if (extracted?.type && !headers.has('content-type')) headers.append('content-type', extracted.type);
    this.#signal = (init?.signal as AbortSignal | undefined) ?? (from ? from.signal : null);
  }

  /** Made on first access: nobody aborts an FC request, and AbortController costs a little. */
  get signal(): AbortSignal {
    this.#signal ??= new AbortController().signal;
    return this.#signal;
  }

  // Node's defaults. The init's cache, credentials, integrity, keepalive, mode, redirect, referrer
  // and referrerPolicy are not kept (nor checked): nothing fetches with these Requests.
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
    if (this.isUnusable()) throw new TypeError('Request.clone: Body has already been consumed.');
    const copy = new LiteRequest(this.url, { method: this.method, body: this.peekBytes(), signal: this.#signal ?? undefined });
    copyHeaderList(this.headers, copy.headers);
    return copy;
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

/** The dictionary members Node's classes read from an init. */
const RESPONSE_INIT = ['headers', 'status', 'statusText'];
const REQUEST_INIT = ['body', 'cache', 'credentials', 'dispatcher', 'duplex', 'headers', 'integrity', 'keepalive', 'method', 'mode', 'redirect', 'referrer', 'referrerPolicy', 'signal', 'window'];

/**
 * An init for Node's classes: our Headers become pairs, our Request's bytes its body. Members are
 * read one by one, not spread: the init may be a Response or Request (Hono's
 * `new Response(res.body, res)`), whose members are getters on the prototype.
 */
function foreignInit(init: Init, members: string[], from?: LiteRequest | null): RequestInit & ResponseInit {
  const out: Record<string, unknown> = {};
  for (const key of members) {
    const value = init?.[key];
    if (value !== undefined) out[key] = value;
  }
  const headers = init?.headers !== undefined ? init.headers : from?.headers;
  if (headers instanceof LiteHeaders) out.headers = [...headers];
  else if (headers !== undefined) out.headers = headers;
  if (from) {
    out.method ??= from.method;
    if (out.body === undefined && from.peekBytes() !== null) out.body = from.peekBytes();
  }
  return out as RequestInit & ResponseInit;
}

export { LiteHeaders as Headers, LiteRequest as Request, LiteResponse as Response };

/**
 * FC 3.0 HTTP trigger event <-> Fetch API (our replacement for hono-alibaba-cloud-fc3-adapter).
 * The gaps it fixes and the event format's limits: docs/http.md; the event itself: docs/fc.md.
 */
import type { Hono } from 'hono';

/** The FC 3.0 HTTP-trigger event (docs/fc.md). */
export interface FcHttpEvent {
  version?: string;
  /** Path as sent, still URL-encoded. */
  rawPath: string;
  body?: string;
  isBase64Encoded?: boolean;
  /** Canonical names (`Content-Type`); repeated headers comma-joined. */
  headers?: Record<string, string>;
  /** Repeated keys comma-joined; no raw query string exists. */
  queryParameters?: Record<string, string>;
  requestContext: {
    accountId?: string;
    domainName: string;
    domainPrefix?: string;
    http: {
      method: string;
      /** Decoded path. */
      path?: string;
      protocol?: string;
      sourceIp?: string;
      userAgent?: string;
    };
    requestId?: string;
    time?: string;
    /** Epoch milliseconds, as a string. */
    timeEpoch?: string;
    triggerId?: string;
  };
}

/** The timer-trigger event (docs/fc.md). `payload` is the configured string, verbatim. */
export interface FcTimerEvent {
  triggerTime: string;
  triggerName: string;
  payload?: string;
}

export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS credentials (a function role); absent for long-term AccessKeys. */
  securityToken?: string;
}

/** The Node.js `context` argument (docs/fc.md). Only `requestId` is always there. */
export interface FcContext {
  requestId: string;
  /** STS credentials of the function's role; only when a role is configured. Read per invocation. */
  credentials?: FcCredentials;
  function?: { name?: string; handler?: string; memory?: number; timeout?: number };
  service?: { logProject?: string; logStore?: string; qualifier?: string; versionId?: string };
  region?: string;
  accountId?: string;
  retryCount?: number;
  logger?: unknown;
  tracing?: unknown;
}

/** What the handler returns for an HTTP trigger. */
export interface FcHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  isBase64Encoded: boolean;
  body: string;
}

/**
 * Hono `Bindings` under FC: `c.env.event`, `c.env.context`, and `c.env.body`, the bytes the
 * `Request`'s body was made from (absent when there is none). Absent when an app runs elsewhere.
 */
export type FcBindings = { event: FcHttpEvent; context: FcContext; body?: Uint8Array };
/** Same as `FcBindings` (the name used in the project brief). */
export type fcBindings = FcBindings;
/** Hono `Env` for our apps: `new Hono<FcEnv>()`. */
export type FcEnv = { Bindings: FcBindings; Variables: { requestId: string } };

/** The raw handler argument: a Buffer on FC; a string or an object from tests and local tools. */
export type RawFcEvent = Buffer | Uint8Array | string | object;

/**
 * Parses an FC event. FC always passes a Buffer holding JSON (docs/fc.md); strings and
 * already-parsed objects are accepted so tests and local tools can call handlers directly.
 * Throws a TypeError naming the problem when the payload is not a JSON object.
 */
export function parseEvent(raw: RawFcEvent): Record<string, unknown> {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch {
      throw new TypeError(`FC event is not JSON (${text.length} characters)`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('FC event is not a JSON object');
  }
  return value as Record<string, unknown>;
}

export function isHttpEvent(e: unknown): e is FcHttpEvent {
  const rc = (e as { requestContext?: { http?: { method?: unknown } } } | null)?.requestContext;
  return typeof rc === 'object' && rc !== null && typeof rc.http?.method === 'string';
}

export function isTimerEvent(e: unknown): e is FcTimerEvent {
  const t = e as Partial<FcTimerEvent> | null;
  return typeof t?.triggerTime === 'string' && typeof t.triggerName === 'string';
}

/**
 * The body bytes an event carries: undefined for none, and for GET/HEAD (a body there is a
 * TypeError in the Fetch API, and meaningless, so it is dropped).
 */
export function eventBody(event: FcHttpEvent): Uint8Array | undefined {
  const method = event.requestContext.http.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD' || typeof event.body !== 'string' || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/** Builds the Fetch `Request` an FC HTTP event describes (`body`: `eventBody(event)`). */
export function eventToRequest(event: FcHttpEvent, body: Uint8Array | undefined = eventBody(event)): Request {
  const method = event.requestContext.http.method.toUpperCase();

  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value === undefined || value === null) continue;
    try {
      headers.append(name, String(value));
    } catch {
      // An invalid name or value (FC should never send one) is dropped rather than failing the call.
    }
  }

  const url = buildUrl(event, headers);
  // Bytes (not a string) are passed so the Request does not invent a `text/plain` content type.
  // (The cast: TS 5.9's BodyInit wants Uint8Array<ArrayBuffer>; a Buffer view works at run time.)
  return new Request(url, { method, headers, body: body as BodyInit | undefined });
}

function buildUrl(event: FcHttpEvent, headers: Headers): string {
  // x-forwarded-proto is honoured when present; FC triggers and custom domains default to HTTPS.
  const proto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'http' ? 'http' : 'https';
  const host = event.requestContext.domainName || headers.get('host') || 'localhost';

  // rawPath is still URL-encoded, so it goes into the URL as is. Fall back to the decoded path,
  // re-encoded, if a (hand-written) event lacks rawPath.
  let path = typeof event.rawPath === 'string' && event.rawPath !== '' ? event.rawPath : encodeURI(event.requestContext.http.path ?? '/');
  let query = '';
  const q = path.indexOf('?');
  if (q >= 0) {
    // The documented format has no query in rawPath; tolerate one if it ever appears.
    query = path.slice(q + 1);
    path = path.slice(0, q);
  }
  if (!path.startsWith('/')) path = `/${path}`;

  const params = event.queryParameters;
  if (params && typeof params === 'object' && Object.keys(params).length > 0) {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) search.append(k, String(v));
    query = search.toString();
  }
  // Built from scheme + host first so a path like `//evil.example/x` cannot change the authority.
  const url = new URL(`${proto}://${host}`);
  url.pathname = path;
  url.search = query;
  return url.toString();
}

/**
 * Converts a Fetch `Response` into the FC return value.
 *
 * - Text bodies (JSON, XML, text/*, JS, SVG, form data) that are valid UTF-8 are returned as text;
 *   everything else, and any compressed body, as base64 with `isBase64Encoded: true`.
 * - A HEAD request gets no body.
 * - Several `Set-Cookie` values are joined into one `set-cookie` value with ", " (HTTP field-line
 *   combining). The FC response `headers` is a string map, and FC's handling of repeated
 *   Set-Cookie is undocumented (docs/fc.md), so this keeps every cookie in the returned
 *   data. Browsers may read a combined value as one cookie; an app that needs several cookies
 *   must check this on a real FC deployment. Our own API sets no cookies.
 * - Headers FC reserves (docs/fc.md: `x-fc-*`, `connection`, `content-length`, `date`,
 *   `keep-alive`, `server`) and hop-by-hop `transfer-encoding` are dropped; FC sets its own.
 */
export async function responseToFc(res: Response, method = 'GET'): Promise<FcHttpResponse> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name === 'set-cookie' || RESERVED_RESPONSE_HEADERS.has(name) || name.startsWith('x-fc-')) return;
    headers[name] = value;
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies.join(', ');

  if (method.toUpperCase() === 'HEAD') {
    await res.body?.cancel();
    return { statusCode: res.status, headers, isBase64Encoded: false, body: '' };
  }

  // No look at `res.body` here: for the bundles' fetch-lite Response that would make a stream.
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length === 0) return { statusCode: res.status, headers, isBase64Encoded: false, body: '' };

  if (isTextual(res.headers)) {
    try {
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      return { statusCode: res.status, headers, isBase64Encoded: false, body: text };
    } catch {
      // Declared as text but not valid UTF-8: fall through to base64 so no byte is altered.
    }
  }
  return { statusCode: res.status, headers, isBase64Encoded: true, body: Buffer.from(bytes).toString('base64') };
}

const RESERVED_RESPONSE_HEADERS = new Set(['connection', 'content-length', 'date', 'keep-alive', 'server', 'transfer-encoding']);

function isTextual(headers: Headers): boolean {
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') return false;
  const type = (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'image/svg+xml'
  );
}

/** Anything with Hono's `fetch(request, env)`. */
type FetchApp = Pick<Hono<any, any, any>, 'fetch'>;

/**
 * The FC 3.0 handler for a Hono app: `export const handler = handle(app)`.
 * In the app, `c.env.event` is the raw event and `c.env.context` the FC context.
 *
 * An event without `requestContext.http.method` is not an HTTP-trigger event (a timer or OSS
 * trigger, or `s invoke` with a hand-written payload). There is no HTTP client to answer, so the
 * handler throws a TypeError saying so: the invocation fails visibly in FC's logs instead of
 * crashing somewhere inside the Request construction.
 */
export function handle(app: FetchApp): (event: RawFcEvent, context: FcContext) => Promise<FcHttpResponse> {
  return async (rawEvent, context) => {
    const event = parseEvent(rawEvent);
    if (!isHttpEvent(event)) {
      throw new TypeError(
        'Not an FC HTTP-trigger event (no requestContext.http.method). ' +
          'Timer and OSS triggers need their own handler, not the HTTP adapter.',
      );
    }
    const body = eventBody(event);
    const req = eventToRequest(event, body);
    // The bytes go to the app beside the Request: readBody (shared/http/body.ts) takes them from
    // here, because reading them back through the Request's stream costs ~1.5 ms of a cold start.
    const bindings: FcBindings = body ? { event, context, body } : { event, context };
    const res = await app.fetch(req, bindings);
    return responseToFc(res, req.method);
  };
}

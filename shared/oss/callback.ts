/**
 * OSS upload callbacks: building the `x-oss-callback` parameter we send on Complete, and verifying
 * the signed POST that OSS then sends to our callback function.
 *
 * OSS signs `urldecode(path) + rawQuery + "\n" + rawBody` with RSA (PKCS#1 v1.5, MD5) and names the
 * public key by URL in `x-oss-pub-key-url` (base64). Anyone can put any URL there, so we never
 * trust a key just because a request points at it: OSS's own key is pinned below, and other keys
 * come only from PEMs or URL prefixes the operator configured (the local emulator's, say).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * https://gosspublic.alicdn.com/callback_pub_key_v1.pem, pinned. Proven genuine: it verifies the
 * signature in OSS's own callback documentation example, which only the real key can produce.
 */
export const OSS_CALLBACK_PUBLIC_KEY_PEM =
  '-----BEGIN PUBLIC KEY-----\n' +
  'MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs\n' +
  'C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==\n' +
  '-----END PUBLIC KEY-----\n';

/** Key URLs OSS itself uses; they resolve to the pinned key without any fetch. */
export const OSS_KEY_URL_PREFIXES = ['http://gosspublic.alicdn.com/', 'https://gosspublic.alicdn.com/'] as const;

export interface CallbackParam {
  /** One URL, or up to five separated by `;`, tried in order by OSS. */
  url: string;
  /** A `${var}` template. */
  body: string;
  bodyType?: 'application/json' | 'application/x-www-form-urlencoded';
  host?: string;
  sni?: boolean;
}

/** The base64 JSON value of the `x-oss-callback` header. */
export function encodeCallbackParam(p: CallbackParam): string {
  const json: Record<string, unknown> = { callbackUrl: p.url, callbackBody: p.body };
  if (p.bodyType) json.callbackBodyType = p.bodyType;
  if (p.host) json.callbackHost = p.host;
  if (p.sni !== undefined) json.callbackSNI = p.sni; // a JSON boolean: the string "true" is rejected
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64');
}

/** The base64 JSON value of `x-oss-callback-var`; keys must be `x:` + lower case. */
export function encodeCallbackVar(vars: Record<string, string>): string {
  for (const k of Object.keys(vars)) {
    if (!/^x:[a-z0-9_\-]+$/.test(k)) throw new RangeError(`callback variable ${JSON.stringify(k)} must be "x:" followed by lower-case letters, digits, _ or -`);
  }
  return Buffer.from(JSON.stringify(vars), 'utf8').toString('base64');
}

const CALLBACK_MAX_BYTES = 5 * 1024;

/**
 * The `x-oss-callback` and `x-oss-callback-var` headers of a Complete, validated first: at most
 * five http(s) URLs, a body template, `x:` + lower-case variable names, each header at most 5 KB.
 */
export function callbackHeaders(callback: CallbackParam | undefined, callbackVar: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (callback) {
    const json = encodeCallbackParam(validateCallback(callback));
    if (Buffer.from(json, 'base64').length > CALLBACK_MAX_BYTES) throw new RangeError('callback parameter exceeds 5 KB');
    headers['x-oss-callback'] = json;
  }
  if (callbackVar && Object.keys(callbackVar).length > 0) {
    const v = encodeCallbackVar(validateCallbackVar(callbackVar));
    if (Buffer.from(v, 'base64').length > CALLBACK_MAX_BYTES) throw new RangeError('callback variables exceed 5 KB');
    headers['x-oss-callback-var'] = v;
  }
  return headers;
}

function validateCallback(cb: CallbackParam): CallbackParam {
  if (!cb || typeof cb.url !== 'string' || cb.url.trim() === '') throw new TypeError('callback.url is required');
  if (typeof cb.body !== 'string' || cb.body === '') throw new TypeError('callback.body is required');
  const urls = cb.url.split(';').map((u) => u.trim());
  if (urls.length > 5) throw new RangeError('callback.url holds at most 5 URLs separated by ";"');
  const normalised = urls.map((u) => {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new TypeError(`callback URL ${JSON.stringify(u)} is not a valid URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('callback URLs must be http or https');
    // `href` percent-encodes what must be (non-ASCII, spaces) without double-encoding escapes.
    return parsed.href;
  });
  if (cb.bodyType !== undefined && cb.bodyType !== 'application/json' && cb.bodyType !== 'application/x-www-form-urlencoded') {
    throw new TypeError('callback.bodyType must be application/json or application/x-www-form-urlencoded');
  }
  if (cb.sni !== undefined && typeof cb.sni !== 'boolean') throw new TypeError('callback.sni must be a boolean');
  return { ...cb, url: normalised.join(';') };
}

function validateCallbackVar(vars: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(vars)) {
    if (!/^x:[a-z0-9_-]+$/.test(k)) throw new TypeError(`callback variable ${JSON.stringify(k)} must be "x:" followed by lower-case letters, digits, _ or -`);
    if (typeof v !== 'string') throw new TypeError(`callback variable ${k} must be a string`);
  }
  return vars;
}

/** The bytes OSS signs. `rawQuery` is the query as received, with its leading `?`, or empty. */
export function callbackSignedMessage(path: string, rawQuery: string, body: Uint8Array): Buffer {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path; // a malformed escape cannot match any genuine signature anyway
  }
  const q = rawQuery === '' || rawQuery === '?' ? '' : rawQuery.startsWith('?') ? rawQuery : `?${rawQuery}`;
  return Buffer.concat([Buffer.from(`${decoded}${q}\n`, 'utf8'), body]);
}

export interface CallbackRequest {
  /** Path as received (still percent-encoded), e.g. `/oss/callback`. */
  path: string;
  /** Query exactly as received, `?a=1&b=2` or empty. */
  rawQuery: string;
  body: Uint8Array;
  /** The `authorization` header: base64 RSA signature. */
  authorization: string | null | undefined;
  /** The `x-oss-pub-key-url` header: base64 URL. */
  pubKeyUrl: string | null | undefined;
}

export interface CallbackVerifierOptions {
  /** Extra trusted public keys (PEM), tried for any allowed key URL. */
  trustedKeys?: string[];
  /** Extra key-URL prefixes whose keys may be fetched (e.g. the local emulator's). */
  keyUrlPrefixes?: string[];
  fetch?: typeof fetch;
  /** Key fetch timeout; the whole callback must answer within OSS's 5 s. */
  fetchTimeoutMs?: number;
  /** Fetched keys kept (by URL), oldest dropped first. Default 16. */
  maxCachedKeys?: number;
  /** A failed fetch is remembered (and not retried) this long. Default 30 s. */
  failureTtlMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

export type CallbackVerdict =
  | { ok: true; keyUrl: string }
  | { ok: false; reason: 'missing-signature' | 'bad-key-url' | 'untrusted-key-url' | 'key-unavailable' | 'bad-signature' };

// Parsed on first use: loading the bundle (and every request without an OSS key URL) skips it.
let pinnedKeyObject: KeyObject | undefined;
const pinnedKey = (): KeyObject => (pinnedKeyObject ??= createPublicKey(OSS_CALLBACK_PUBLIC_KEY_PEM));

export class CallbackVerifier {
  readonly #trusted: KeyObject[];
  readonly #prefixes: string[];
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #maxCached: number;
  readonly #failureTtlMs: number;
  readonly #now: () => number;
  // Fetched keys by URL, for the life of the instance (a cold start), at most #maxCached of them
  // (oldest dropped first: the URLs come from requests, so their number must be bounded). A
  // failure is kept #failureTtlMs, so a bad or unreachable URL is not fetched on every callback.
  readonly #fetched = new Map<string, { key: Promise<KeyObject>; failedAt?: number }>();

  constructor(opts: CallbackVerifierOptions = {}) {
    this.#trusted = (opts.trustedKeys ?? []).map((pem) => createPublicKey(pem));
    this.#prefixes = (opts.keyUrlPrefixes ?? []).filter((p) => p.length > 0);
    this.#fetch = opts.fetch ?? fetch;
    this.#timeoutMs = opts.fetchTimeoutMs ?? 2000;
    this.#maxCached = opts.maxCachedKeys ?? 16;
    this.#failureTtlMs = opts.failureTtlMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
  }

  async verify(req: CallbackRequest): Promise<CallbackVerdict> {
    if (!req.authorization || !req.pubKeyUrl) return { ok: false, reason: 'missing-signature' };
    const keyUrl = decodeBase64Strict(req.pubKeyUrl)?.toString('utf8');
    if (!keyUrl || !/^https?:\/\/[^\s]+$/.test(keyUrl) || !isPlainKeyUrl(keyUrl)) return { ok: false, reason: 'bad-key-url' };
    const signature = decodeBase64Strict(req.authorization);
    if (!signature || signature.length === 0) return { ok: false, reason: 'bad-signature' };

    const isOss = OSS_KEY_URL_PREFIXES.some((p) => keyUrl.startsWith(p));
    const configured = this.#prefixes.find((p) => keyUrl.startsWith(p));
    if (!isOss && !configured) return { ok: false, reason: 'untrusted-key-url' };

    const message = callbackSignedMessage(req.path, req.rawQuery, req.body);
    const candidates: KeyObject[] = [...this.#trusted];
    if (isOss) candidates.unshift(pinnedKey());
    for (const key of candidates) if (verifyMd5(message, key, signature)) return { ok: true, keyUrl };

    if (configured) {
      let key: KeyObject;
      try {
        key = await this.#keyFrom(keyUrl);
      } catch {
        return { ok: false, reason: 'key-unavailable' };
      }
      if (verifyMd5(message, key, signature)) return { ok: true, keyUrl };
    }
    return { ok: false, reason: 'bad-signature' };
  }

  #keyFrom(url: string): Promise<KeyObject> {
    const cached = this.#fetched.get(url);
    if (cached && (cached.failedAt === undefined || this.#now() - cached.failedAt < this.#failureTtlMs)) return cached.key;
    if (cached) this.#fetched.delete(url);
    while (this.#fetched.size >= this.#maxCached) this.#fetched.delete(this.#fetched.keys().next().value!);
    const entry: { key: Promise<KeyObject>; failedAt?: number } = {
      key: (async () => {
        const res = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), redirect: 'error' });
        if (!res.ok) throw new Error(`public key fetch answered ${res.status}`);
        const pem = await res.text();
        if (pem.length > 16384) throw new Error('public key too large');
        return createPublicKey(pem);
      })(),
    };
    entry.key.catch(() => (entry.failedAt = this.#now()));
    this.#fetched.set(url, entry);
    return entry.key;
  }
}

/**
 * The prefix check is on the URL's text, so the text must mean what it says: a URL that is not
 * already in normal form (dot segments, `%2e%2e`, an upper-case host…), that carries credentials
 * or a fragment, or whose path hides a separator as `%2f`/`%5c` is refused. Otherwise
 * `<allowed prefix>/../anything` would pass the check and fetch a key from outside the prefix,
 * e.g. from a public bucket path where anyone can upload a PEM.
 */
function isPlainKeyUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return url.href === text && url.username === '' && url.password === '' && url.hash === '' && !/%(2f|5c)/i.test(url.pathname);
}

function verifyMd5(message: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify('md5', message, key, signature);
  } catch {
    return false;
  }
}

function decodeBase64Strict(s: string): Buffer | undefined {
  const t = s.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return undefined;
  return Buffer.from(t, 'base64');
}

/**
 * Upload callbacks (docs/oss.md, "Upload callback"): parameter validation, body templating, the signed POST to
 * the application's callbackUrl, and the 200 / 203 CallbackFailed answer to the uploader.
 *
 * The emulator signs with its own RSA key (the real OSS key's private half is Alibaba's), generated
 * once per data dir and kept in `<dataDir>/callback-key.pem` (in memory mode: once per start), and
 * serves the public half at `/_emulator/callback_pub_key.pem`, which `x-oss-pub-key-url` names.
 * A verifier must therefore be configured to trust that URL or key explicitly; the real OSS
 * verifier pins gosspublic.alicdn.com and would (rightly) reject the emulator's callbacks.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { EC, Errors, OssError } from './errors';
import { queryGet } from './request';
import type { ObjectRecord } from './storage';
import type { CallbackParams, CallbackSender, OpContext, OssResponse } from './types';

export type { CallbackParams } from './types';

export const FORM_TYPE = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';
const MAX_PARAM_BYTES = 5 * 1024;
const MAX_URLS = 5;

function invalid(name: 'callback' | 'callback-var', message: string, value?: string): OssError {
  return Errors.invalidArgument(message, name, value);
}

function decodeJsonParam(name: 'callback' | 'callback-var', b64: string): unknown {
  if (Buffer.byteLength(b64) > MAX_PARAM_BYTES) throw invalid(name, `The ${name} parameter is larger than 5 KB.`);
  if (!/^[A-Za-z0-9+/=\s]*$/.test(b64)) throw invalid(name, `The ${name} parameter is not valid base64.`, b64);
  const text = Buffer.from(b64, 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(name, `The ${name} configuration is not json format.`, b64);
  }
}

/** Validates base64 `callback` / `callback-var` values; nothing is stored if this throws. */
export function parseCallbackValues(callbackB64: string | undefined, varB64: string | undefined): CallbackParams | undefined {
  if (callbackB64 === undefined) {
    if (varB64 !== undefined) decodeJsonParam('callback-var', varB64);
    return undefined;
  }
  const cb = decodeJsonParam('callback', callbackB64);
  if (!cb || typeof cb !== 'object' || Array.isArray(cb)) throw invalid('callback', 'The callback configuration must be a JSON object.', callbackB64);
  const o = cb as Record<string, unknown>;
  if (typeof o.callbackUrl !== 'string' || o.callbackUrl.trim() === '') throw invalid('callback', 'The callbackUrl is required.', callbackB64);
  if (typeof o.callbackBody !== 'string' || o.callbackBody === '') throw invalid('callback', 'The callbackBody is required.', callbackB64);
  const rawUrls = o.callbackUrl.split(';').map((u) => u.trim()).filter((u) => u !== '');
  if (rawUrls.length === 0 || rawUrls.length > MAX_URLS) throw invalid('callback', `The callbackUrl must list 1 to ${MAX_URLS} URLs separated by ';'.`, callbackB64);
  const urls = rawUrls.map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw invalid('callback', `The callbackUrl ${u} is invalid.`, callbackB64);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('callback', `The callbackUrl ${u} must be http or https.`, callbackB64);
    if (isIPv6(url.hostname.replace(/^\[|\]$/g, ''))) throw invalid('callback', `The callbackUrl ${u} must not be an IPv6 address.`, callbackB64);
    return url;
  });
  let bodyType: CallbackParams['bodyType'] = FORM_TYPE;
  if (o.callbackBodyType !== undefined) {
    const t = typeof o.callbackBodyType === 'string' ? o.callbackBodyType.split(';')[0].trim().toLowerCase() : '';
    if (t !== FORM_TYPE && t !== JSON_TYPE) throw invalid('callback', 'The callbackBodyType must be application/x-www-form-urlencoded or application/json.', callbackB64);
    bodyType = t;
  }
  if (o.callbackHost !== undefined && typeof o.callbackHost !== 'string') throw invalid('callback', 'The callbackHost must be a string.', callbackB64);
  if (o.callbackSNI !== undefined && typeof o.callbackSNI !== 'boolean') throw invalid('callback', 'The callback sni is invalid.', callbackB64);
  const vars: Record<string, string> = {};
  if (varB64 !== undefined) {
    const v = decodeJsonParam('callback-var', varB64);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid('callback-var', 'The callback-var configuration must be a flat JSON object.', varB64);
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (!k.startsWith('x:') || k !== k.toLowerCase()) throw invalid('callback-var', `The callback-var key ${k} must start with x: and be lower-case.`, varB64);
      if (typeof val !== 'string') throw invalid('callback-var', `The callback-var value of ${k} must be a string.`, varB64);
      vars[k] = val;
    }
  }
  return { urls, host: o.callbackHost as string | undefined, body: o.callbackBody, bodyType, sni: o.callbackSNI as boolean | undefined, vars };
}

/** From `x-oss-callback(-var)` headers or `callback(-var)` query parameters; mixing is an error. */
export function parseCallbackParams(ctx: OpContext): CallbackParams | undefined {
  const h = ctx.req.headers;
  const q = ctx.req.query;
  const inHeaders = h['x-oss-callback'] !== undefined || h['x-oss-callback-var'] !== undefined;
  const inQuery = queryGet(q, 'callback') !== undefined || queryGet(q, 'callback-var') !== undefined;
  if (inHeaders && inQuery) throw invalid('callback', 'The callback must be given either in headers or in query parameters, not both.');
  return inQuery
    ? parseCallbackValues(queryGet(q, 'callback'), queryGet(q, 'callback-var'))
    : parseCallbackValues(h['x-oss-callback'], h['x-oss-callback-var']);
}

// --- body templating -----------------------------------------------------------------------------

const NUMERIC_VARS = new Set(['size']);

/**
 * Expands `${var}` in the template. Form mode URL-encodes each value. JSON mode: a variable outside
 * a JSON string becomes a JSON value (a quoted string; `size` a bare number), one inside quotes is
 * inserted raw (as OSS does, per the Cloudreve capture in §5). Unknown `${x:…}` variables expand
 * to ''; unknown system variables are left as written.
 */
export function expandTemplate(template: string, vars: Record<string, string>, mode: CallbackParams['bodyType']): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '$' && template[i + 1] === '{') {
      const end = template.indexOf('}', i + 2);
      if (end !== -1) {
        const name = template.slice(i + 2, end);
        const known = Object.prototype.hasOwnProperty.call(vars, name);
        if (known || name.startsWith('x:')) {
          const value = known ? vars[name] : '';
          if (mode === FORM_TYPE) out += encodeURIComponent(value);
          else if (inString) out += value;
          else out += NUMERIC_VARS.has(name) && /^\d+$/.test(value) ? value : JSON.stringify(value);
          i = end;
          continue;
        }
      }
    }
    if (mode === JSON_TYPE) {
      if (c === '\\' && inString) {
        out += c + (template[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') inString = !inString;
    }
    out += c;
  }
  return out;
}

export function callbackVariables(ctx: OpContext, rec: ObjectRecord, params: CallbackParams, operation: string): Record<string, string> {
  return {
    bucket: ctx.bucket,
    object: ctx.key,
    etag: rec.etag.replace(/"/g, ''),
    size: String(rec.size),
    mimeType: rec.contentType,
    crc64: rec.crc64 ?? '',
    contentMd5: operation === 'CompleteMultipartUpload' ? '' : (rec.contentMd5 ?? ''),
    'imageInfo.height': '',
    'imageInfo.width': '',
    'imageInfo.format': '',
    vpcId: '',
    clientIp: ctx.req.remoteAddress ?? '',
    reqId: ctx.req.requestId,
    operation,
    ...params.vars,
  };
}

// --- key -----------------------------------------------------------------------------------------

export interface CallbackKey {
  privateKeyPem: string;
  publicKeyPem: string;
}

const KEY_BITS = 1024;

function generateKey(): CallbackKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: KEY_BITS, publicExponent: 65537 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function keyFromPem(privateKeyPem: string): CallbackKey {
  const priv = createPrivateKey(privateKeyPem);
  return {
    privateKeyPem: priv.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: createPublicKey(priv).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The data dir's key, created (atomically) on first use; a fresh one without a data dir. */
export async function loadOrCreateKey(dataDir: string | undefined): Promise<CallbackKey> {
  if (!dataDir) return generateKey();
  const path = join(dataDir, 'callback-key.pem');
  try {
    return keyFromPem(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = generateKey();
  await mkdir(dataDir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, key.privateKeyPem, { mode: 0o600 });
  await rename(tmp, path);
  return key;
}

// --- sending -------------------------------------------------------------------------------------

export interface CallbackServiceOptions {
  key: CallbackKey;
  /** The public-key URL put (base64) in x-oss-pub-key-url. */
  publicKeyUrl: () => string;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface CallbackAttempt {
  url: string;
  ok: boolean;
  status?: number;
  error?: string;
  body?: Buffer;
}

/** What a callback request looks like, for the admin log and tests. */
export interface CallbackRecord {
  at: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  result: CallbackAttempt;
}

export class CallbackService implements CallbackSender {
  readonly #opts: CallbackServiceOptions;
  readonly log: CallbackRecord[] = [];

  constructor(opts: CallbackServiceOptions) {
    this.#opts = opts;
  }

  get publicKeyPem(): string {
    return this.#opts.key.publicKeyPem;
  }

  /** The signature OSS puts in `authorization`: base64 RSA-MD5 over urldecode(path) + query + "\n" + body. */
  signFor(url: URL, body: Buffer): string {
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const msg = Buffer.concat([Buffer.from(path + url.search + '\n', 'utf8'), body]);
    return sign('md5', msg, this.#opts.key.privateKeyPem).toString('base64');
  }

  /** Stores-then-calls-back: runs the callback and builds the uploader's response. */
  async respond(ctx: OpContext, params: CallbackParams, rec: ObjectRecord, headers: Record<string, string>, operation: string): Promise<OssResponse> {
    const body = Buffer.from(expandTemplate(params.body, callbackVariables(ctx, rec, params, operation), params.bodyType), 'utf8');
    let last: CallbackAttempt | undefined;
    for (const url of params.urls) {
      last = await this.#post(ctx, url, params, body);
      if (last.ok) {
        return { status: 200, headers: { ...headers, 'Content-Type': 'application/json' }, body: last.body };
      }
    }
    const err = new OssError(203, 'CallbackFailed', callbackFailureMessage(last!), {}, EC.CALLBACK_FAILED);
    err.headers = headers;
    throw err;
  }

  #post(ctx: OpContext, url: URL, params: CallbackParams, body: Buffer): Promise<CallbackAttempt> {
    const headers: Record<string, string> = {
      Host: params.host || url.host,
      'Content-Type': params.bodyType,
      'Content-Length': String(body.length),
      'Content-MD5': createHash('md5').update(body).digest('base64'),
      Date: new Date().toUTCString(),
      'User-Agent': 'aliyun-oss-callback',
      authorization: this.signFor(url, body),
      'x-oss-pub-key-url': Buffer.from(this.#opts.publicKeyUrl(), 'utf8').toString('base64'),
      'x-oss-bucket': ctx.bucket,
      'x-oss-request-id': ctx.req.requestId,
      'x-oss-tag': 'CALLBACK',
      'x-oss-owner': 'local-emulator',
      'x-oss-requester': ctx.principal.accessKeyId ?? 'anonymous',
      'x-oss-signature-version': '1.0',
    };
    const record = (result: CallbackAttempt): CallbackAttempt => {
      this.log.push({ at: new Date().toISOString(), url: url.href, headers, body: body.toString('utf8'), result: { ...result, body: undefined } });
      if (this.log.length > 100) this.log.shift();
      return result;
    };
    return new Promise<CallbackAttempt>((resolve) => {
      let settled = false;
      const done = (r: CallbackAttempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(record(r));
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          headers,
          ...(url.protocol === 'https:' ? { servername: params.sni === false ? undefined : (params.host || url.hostname).replace(/:\d+$/, ''), rejectUnauthorized: false } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const declared = res.headers['content-length'];
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.#opts.maxResponseBytes) {
              res.destroy();
              done({ url: url.href, ok: false, status: res.statusCode, error: `Response body is too large (more than ${this.#opts.maxResponseBytes} bytes).` });
              return;
            }
            chunks.push(c);
          });
          res.on('error', (e) => done({ url: url.href, ok: false, status: res.statusCode, error: e.message }));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const data = Buffer.concat(chunks);
            if (status !== 200) return done({ url: url.href, ok: false, status, error: `Error status : ${status}.` });
            if (declared === undefined) return done({ url: url.href, ok: false, status, error: 'Response has no Content-Length.' });
            try {
              JSON.parse(data.toString('utf8'));
            } catch {
              return done({ url: url.href, ok: false, status, error: 'Response body is not valid json format.' });
            }
            done({ url: url.href, ok: true, status, body: data });
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done({ url: url.href, ok: false, error: `Error status : -1. OSS can not connect to your callbackUrl within ${this.#opts.timeoutMs} ms (timeout).` });
      }, this.#opts.timeoutMs);
      req.on('error', (e) => done({ url: url.href, ok: false, error: `Error status : -1. OSS can not connect to your callbackUrl, please check it: ${e.message}` }));
      req.end(body);
    });
  }
}

function callbackFailureMessage(a: CallbackAttempt): string {
  return a.error ?? `Error status : ${a.status ?? -1}.`;
}

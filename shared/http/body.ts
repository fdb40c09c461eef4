/**
 * Reading a JSON request body under a byte cap (413), as JSON only (415), into a plain object
 * (400 INVALID_JSON). Its fields are then checked by their schema (validate.ts, shared/api/).
 */
import type { Context } from 'hono';
import { httpError, HttpError } from './errors';
import type { FcBindings } from './fc-adapter';

export type JsonObject = Record<string, unknown>;

export interface ReadJsonOptions {
  /** Largest body accepted, in bytes (config `MAX_BODY_BYTES`). */
  maxBytes: number;
  /**
   * Require `Content-Type: application/json` (or `+json`); default true. A cross-origin page can
   * POST `text/plain` without a CORS preflight; insisting on JSON forces the preflight, which
   * matters once cookies can authenticate a caller (AUTH_COOKIE_NAME).
   */
  requireJsonContentType?: boolean;
}

/**
 * Reads and parses the body as a JSON object.
 * - `Content-Length` over `maxBytes` -> 413 `PAYLOAD_TOO_LARGE` before reading anything;
 * - without a length, the stream is counted while reading and cut off at `maxBytes` + 1;
 * - not JSON, not UTF-8, empty, or not an object at the top -> 400 `INVALID_JSON`;
 * - wrong content type -> 415 `UNSUPPORTED_MEDIA_TYPE`.
 */
export async function readJson(c: Context, options: ReadJsonOptions): Promise<JsonObject> {
  const { maxBytes, requireJsonContentType = true } = options;

  if (requireJsonContentType) {
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!/^application\/([\w.-]+\+)?json$/.test(type)) {
      throw httpError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON (Content-Type: application/json)');
    }
  }

  const bytes = await readBody(c, { maxBytes });
  if (bytes.length === 0) throw httpError('INVALID_JSON', 'Request body is empty; expected a JSON object');

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw httpError('INVALID_JSON', 'Request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's own message quotes the body, which may hold a token; keep ours generic.
    throw httpError('INVALID_JSON', 'Request body is not valid JSON');
  }
  if (!isPlainObject(value)) throw httpError('INVALID_JSON', 'Request body must be a JSON object');
  return value;
}

/**
 * The raw body under a byte cap: a declared Content-Length over the cap -> 413 before reading;
 * without one, reading stops as soon as the count passes the cap (the rest is never buffered).
 * Under the FC adapter, whose event carries the whole body already, the bytes come from
 * `c.env.body` and are counted there.
 */
export async function readBody(c: Context, options: { maxBytes: number }): Promise<Uint8Array> {
  const { maxBytes } = options;
  const declared = c.req.header('content-length');
  if (declared !== undefined) {
    if (!/^\d+$/.test(declared.trim())) throw httpError('BAD_REQUEST', 'Invalid Content-Length header');
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
  }
  // Under the FC adapter the bytes are at hand (c.env.body, the Request's own body, unread).
  const bytes = (c.env as Partial<FcBindings> | undefined)?.body;
  if (bytes) {
    if (bytes.length > maxBytes) throw tooLarge(maxBytes);
    return bytes;
  }
  return readCapped(c.req.raw, maxBytes);
}

function tooLarge(maxBytes: number): HttpError {
  return httpError('PAYLOAD_TOO_LARGE', `Request body is larger than ${maxBytes} bytes`, { maxBytes });
}

/**
 * Reads the whole body, failing as soon as it passes `maxBytes` (the rest is not read). A client
 * that closes the connection mid-body is its own fault, not ours: 400, not 500 with a stack trace
 * in the log. (Only off FC: FC hands the function the whole body.)
 */
async function readCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw httpError('BAD_REQUEST', 'The request body ended early: the client closed the connection');
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

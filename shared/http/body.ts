/**
 * Reading a JSON request body under a byte cap, and small field validators.
 *
 * Every validator throws `HttpError(400, 'VALIDATION_FAILED')` whose message names the field,
 * and puts the field name in `details.field` so a client can point at it.
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

// ---------------------------------------------------------------------------------------------
// Field validators. `field` is the name used in messages; pass a path like `parts[3].etag` for
// nested values. They return the typed value so call sites read as declarations.

export function invalid(field: string, message: string): HttpError {
  return httpError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

export interface StringRule {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Human wording of `pattern`, used in the error message. */
  patternHint?: string;
}

export function requireString(obj: JsonObject, field: string, rule: StringRule = {}): string {
  return checkString(obj[field], field, rule);
}

export function optionalString(obj: JsonObject, field: string, rule: StringRule = {}): string | undefined {
  const v = obj[field];
  return v === undefined || v === null ? undefined : checkString(v, field, rule);
}

/** Validates one string value (for array items and nested fields). */
export function checkString(v: unknown, field: string, rule: StringRule = {}): string {
  const { minLength = 1, maxLength, pattern, patternHint } = rule;
  if (typeof v !== 'string') throw invalid(field, v === undefined ? 'is required' : 'must be a string');
  if (v.length < minLength) throw invalid(field, minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters`);
  if (maxLength !== undefined && v.length > maxLength) throw invalid(field, `must be at most ${maxLength} characters`);
  if (pattern && !pattern.test(v)) throw invalid(field, patternHint ? `must be ${patternHint}` : 'has an invalid format');
  return v;
}

export interface IntRule {
  min?: number;
  max?: number;
}

export function requireInt(obj: JsonObject, field: string, rule: IntRule = {}): number {
  return checkInt(obj[field], field, rule);
}

export function optionalInt(obj: JsonObject, field: string, rule: IntRule = {}): number | undefined {
  const v = obj[field];
  return v === undefined || v === null ? undefined : checkInt(v, field, rule);
}

/** A JSON number that is a safe integer in [min, max]. Numeric strings are not accepted. */
export function checkInt(v: unknown, field: string, rule: IntRule = {}): number {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = rule;
  if (v === undefined) throw invalid(field, 'is required');
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(field, 'must be an integer');
  if (v < min || v > max) throw invalid(field, `must be between ${min} and ${max}`);
  return v;
}

export function optionalBoolean(obj: JsonObject, field: string): boolean | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(field, 'must be true or false');
  return v;
}

export interface ArrayRule {
  minLength?: number;
  maxLength?: number;
}

export function requireArray(obj: JsonObject, field: string, rule: ArrayRule = {}): unknown[] {
  return checkArray(obj[field], field, rule);
}

export function optionalArray(obj: JsonObject, field: string, rule: ArrayRule = {}): unknown[] | undefined {
  const v = obj[field];
  return v === undefined || v === null ? undefined : checkArray(v, field, rule);
}

export function checkArray(v: unknown, field: string, rule: ArrayRule = {}): unknown[] {
  const { minLength = 0, maxLength } = rule;
  if (v === undefined) throw invalid(field, 'is required');
  if (!Array.isArray(v)) throw invalid(field, 'must be an array');
  if (v.length < minLength) throw invalid(field, `must have at least ${minLength} item${minLength === 1 ? '' : 's'}`);
  if (maxLength !== undefined && v.length > maxLength) throw invalid(field, `must have at most ${maxLength} items`);
  return v;
}

export function optionalObject(obj: JsonObject, field: string): JsonObject | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw invalid(field, 'must be an object');
  return v;
}

export function requireObject(obj: JsonObject, field: string): JsonObject {
  const v = obj[field];
  if (v === undefined) throw invalid(field, 'is required');
  if (!isPlainObject(v)) throw invalid(field, 'must be an object');
  return v;
}

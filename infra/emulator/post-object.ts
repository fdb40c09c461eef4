/**
 * PostObject: browser form upload (`POST /` on the bucket, multipart/form-data) with a signed
 * policy. The form fields come first and are read into memory; the `file` field must be last and
 * is streamed into storage (fields after it are ignored, as OSS does).
 *
 * Policy: base64 JSON `{expiration, conditions}`; conditions are `{"field": value}` (exact),
 * `["eq"|"starts-with", "$field", value]`, `["in"|"not-in", "$field", [values]]` and
 * `["content-length-range", min, max]`. A V4 form's policy must mention x-oss-signature-version,
 * x-oss-credential and x-oss-date. As OSS (docs/oss.md, "PostObject policy conditions"): fields
 * the policy does not name are accepted; a condition naming a field the form lacks fails (it is
 * not compared as ""), EC 0006-00000226; a field failing its condition is 403 AccessDenied
 * "Invalid according to Policy: Policy Condition failed: …", EC 0006-00000227.
 */
import { parseCallbackValues } from './callback';
import { entityTooLarge, receiveStream } from './body';
import { EC, Errors, OssError } from './errors';
import { checkForbidOverwrite, isTrue, objectLocation, storeUploadedObject, uploadedBodyFields, validateKey, STORAGE_CLASSES } from './objects';
import type { ObjectRecord } from './storage';
import type { OpContext, OssResponse } from './types';
import { el, xmlDocument } from './xml';

const MAX_FIELDS_BYTES = 64 * 1024;

class BufferedReader {
  #buf: Buffer = Buffer.alloc(0);
  #it: AsyncIterator<Uint8Array>;
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    if (this.#done) return false;
    const r = await this.#it.next();
    if (r.done) {
      this.#done = true;
      return false;
    }
    this.#buf = this.#buf.length === 0 ? Buffer.from(r.value) : Buffer.concat([this.#buf, r.value]);
    return true;
  }

  /** Bytes up to `delim` (which is consumed); throws past `limit` or at end of input. */
  async readUntil(delim: Buffer, limit: number): Promise<Buffer> {
    for (;;) {
      const i = this.#buf.indexOf(delim);
      if (i !== -1) {
        const out = this.#buf.subarray(0, i);
        this.#buf = this.#buf.subarray(i + delim.length);
        return Buffer.from(out);
      }
      if (this.#buf.length > limit) throw malformed('A form field is too large.');
      if (!(await this.#fill())) throw malformed('Unexpected end of the multipart body.');
    }
  }

  async read(n: number): Promise<Buffer> {
    while (this.#buf.length < n) if (!(await this.#fill())) throw malformed('Unexpected end of the multipart body.');
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return Buffer.from(out);
  }

  /** Streams bytes up to `delim` (consumed, not yielded). */
  async *streamUntil(delim: Buffer): AsyncGenerator<Uint8Array> {
    for (;;) {
      const i = this.#buf.indexOf(delim);
      if (i !== -1) {
        if (i > 0) yield this.#buf.subarray(0, i);
        this.#buf = this.#buf.subarray(i + delim.length);
        return;
      }
      const keep = delim.length - 1;
      if (this.#buf.length > keep) {
        const out = this.#buf.subarray(0, this.#buf.length - keep);
        this.#buf = Buffer.from(this.#buf.subarray(this.#buf.length - keep));
        yield out;
      }
      if (!(await this.#fill())) throw malformed('Unexpected end of the file field.');
    }
  }

  async drain(): Promise<void> {
    this.#buf = Buffer.alloc(0);
    while (await this.#fill()) this.#buf = Buffer.alloc(0);
  }
}

function malformed(message: string): OssError {
  return new OssError(400, 'MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data. ${message}`);
}

interface FilePart {
  filename: string;
  contentType?: string;
  data: AsyncIterable<Uint8Array>;
}

interface ParsedForm {
  /** Lower-cased field names -> value. */
  fields: Map<string, string>;
  file: FilePart;
  reader: BufferedReader;
}

function dispositionParam(header: string, param: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${param}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header) ?? new RegExp(`(?:^|;)\\s*${param}=([^;]*)`, 'i').exec(header);
  return m ? m[1].replace(/\\(.)/g, '$1').trim() : undefined;
}

async function parseForm(source: AsyncIterable<Uint8Array>, boundary: string): Promise<ParsedForm> {
  const reader = new BufferedReader(source);
  const dash = Buffer.from(`--${boundary}`);
  const delim = Buffer.from(`\r\n--${boundary}`);
  await reader.readUntil(dash, MAX_FIELDS_BYTES);
  const fields = new Map<string, string>();
  let total = 0;
  for (;;) {
    const after = await reader.read(2);
    if (after.toString() === '--') throw Errors.invalidArgument('The file field is missing from the form.', 'file');
    if (after.toString() !== '\r\n') throw malformed('Bad boundary line.');
    const headerText = (await reader.readUntil(Buffer.from('\r\n\r\n'), 16 * 1024)).toString('utf8');
    const headers = new Map<string, string>();
    for (const line of headerText.split('\r\n')) {
      const c = line.indexOf(':');
      if (c > 0) headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name === undefined) throw malformed('A part has no name.');
    if (name.toLowerCase() === 'file') {
      return {
        fields,
        reader,
        file: { filename: dispositionParam(disposition, 'filename') ?? '', contentType: headers.get('content-type'), data: reader.streamUntil(delim) },
      };
    }
    const value = (await reader.readUntil(delim, MAX_FIELDS_BYTES)).toString('utf8');
    total += value.length + name.length;
    if (total > MAX_FIELDS_BYTES) throw malformed('The form fields are too large.');
    fields.set(name.toLowerCase(), value);
  }
}

// --- policy ---------------------------------------------------------------------------------------

interface Policy {
  expiration: Date;
  conditions: unknown[];
}

function policyFailed(detail: string, ec: string = EC.POST_POLICY_CONDITION_FAILED): OssError {
  return new OssError(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${detail}`, {}, ec);
}

function parsePolicy(b64: string): Policy {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw new OssError(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  if (!doc || typeof doc !== 'object') throw new OssError(400, 'InvalidPolicyDocument', 'Invalid Policy: not an object.');
  const o = doc as Record<string, unknown>;
  const expiration = typeof o.expiration === 'string' ? new Date(o.expiration) : undefined;
  if (!expiration || Number.isNaN(expiration.getTime())) throw new OssError(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid or missing expiration.');
  if (!Array.isArray(o.conditions)) throw new OssError(400, 'InvalidPolicyDocument', 'Invalid Policy: conditions must be an array.');
  return { expiration, conditions: o.conditions };
}

/** The value a condition compares: the bucket, or the form field (undefined when the form lacks it). */
function fieldValue(name: string, fields: Map<string, string>, bucket: string): string | undefined {
  const n = name.replace(/^\$/, '').toLowerCase();
  if (n === 'bucket') return bucket;
  return fields.get(n);
}

/** Checks every condition except content-length-range; returns that range if given. */
function checkConditions(policy: Policy, fields: Map<string, string>, bucket: string, v4: boolean): { min: number; max: number } | undefined {
  let range: { min: number; max: number } | undefined;
  const mentioned = new Set<string>();
  for (const c of policy.conditions) {
    if (Array.isArray(c)) {
      const op = String(c[0]).toLowerCase();
      if (op === 'content-length-range') {
        const min = Number(c[1]);
        const max = Number(c[2]);
        if (!Number.isFinite(min) || !Number.isFinite(max) || min < 0 || max < min) throw new OssError(400, 'InvalidPolicyDocument', 'Invalid Policy: bad content-length-range.');
        range = { min, max };
        continue;
      }
      if (c.length !== 3 || typeof c[1] !== 'string' || !c[1].startsWith('$')) throw new OssError(400, 'InvalidPolicyDocument', `Invalid Policy: bad condition ${JSON.stringify(c)}.`);
      const name = c[1].slice(1).toLowerCase();
      mentioned.add(name);
      const actual = fieldValue(name, fields, bucket);
      const expected = c[2];
      if (actual === undefined) throw policyFailed(`[${c.map((v) => JSON.stringify(v)).join(', ')}]`, EC.POST_POLICY_FIELD_MISSING);
      if (op === 'eq') {
        if (actual !== String(expected)) throw policyFailed(`["eq", "$${name}", ${JSON.stringify(expected)}]`);
      } else if (op === 'starts-with') {
        if (!actual.startsWith(String(expected))) throw policyFailed(`["starts-with", "$${name}", ${JSON.stringify(expected)}]`);
      } else if (op === 'in' || op === 'not-in') {
        if (!Array.isArray(expected)) throw new OssError(400, 'InvalidPolicyDocument', `Invalid Policy: ${op} needs a list.`);
        const hit = expected.map(String).includes(actual);
        if (hit !== (op === 'in')) throw policyFailed(`["${op}", "$${name}", ${JSON.stringify(expected)}]`);
      } else {
        throw new OssError(400, 'InvalidPolicyDocument', `Invalid Policy: unknown condition ${op}.`);
      }
    } else if (c && typeof c === 'object') {
      for (const [k, v] of Object.entries(c as Record<string, unknown>)) {
        const name = k.toLowerCase();
        mentioned.add(name);
        const actual = fieldValue(name, fields, bucket);
        if (actual === undefined) throw policyFailed(`{"${k}": ${JSON.stringify(v)}}`, EC.POST_POLICY_FIELD_MISSING);
        if (actual !== String(v)) throw policyFailed(`{"${k}": ${JSON.stringify(v)}}`);
      }
    } else {
      throw new OssError(400, 'InvalidPolicyDocument', 'Invalid Policy: a condition must be an object or an array.');
    }
  }
  if (v4) {
    for (const required of ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date']) {
      if (!mentioned.has(required)) throw new OssError(403, 'AccessDenied', `Invalid according to Policy: the policy must contain a condition on ${required}.`);
    }
  }
  return range;
}

// --- the operation --------------------------------------------------------------------------------

export async function postObject(ctx: OpContext): Promise<OssResponse> {
  const { req } = ctx;
  const ct = req.headers['content-type'] ?? '';
  const m = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  if (!m) throw new OssError(400, 'InvalidArgument', 'PostObject needs a multipart/form-data body with a boundary.', { ArgumentName: 'Content-Type', ArgumentValue: ct });
  const form = await parseForm(req.body(), m[1] ?? m[2]);
  try {
    return await storeForm(ctx, form);
  } catch (err) {
    // Refused before the file was read: read the rest of the body (discarding it) before
    // answering, so the client gets the answer on a connection it can keep using.
    await form.reader.drain().catch(() => undefined);
    throw err;
  }
}

async function storeForm(ctx: OpContext, form: ParsedForm): Promise<OssResponse> {
  const { core } = ctx;
  const { fields, file } = form;

  const principal = core.auth.authenticatePost(fields);
  const policyB64 = fields.get('policy');
  let range: { min: number; max: number } | undefined;
  if (policyB64 !== undefined && principal.scheme !== 'anonymous') {
    const policy = parsePolicy(policyB64);
    if (policy.expiration.getTime() < core.auth.config.now().getTime()) {
      throw new OssError(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    }
    range = checkConditions(policy, fields, ctx.bucket, principal.scheme === 'v4-post');
  }

  const keyTemplate = fields.get('key');
  if (keyTemplate === undefined) throw Errors.invalidArgument('The key field is missing from the form.', 'key');
  const key = keyTemplate.replace(/\$\{filename\}/g, file.filename);
  validateKey(key);
  const octx: OpContext = { ...ctx, key, principal };

  const storageClass = fields.get('x-oss-storage-class') ?? 'Standard';
  if (!STORAGE_CLASSES.includes(storageClass)) throw Errors.invalidArgument(`Invalid storage class ${storageClass}.`, 'x-oss-storage-class', storageClass);
  const forbid = isTrue(fields.get('x-oss-forbid-overwrite'));
  checkForbidOverwrite(octx, forbid);
  const callback = parseCallbackValues(fields.get('callback'), fields.get('callback-var'));
  if (callback) for (const [k, v] of fields) if (k.startsWith('x:')) callback.vars[k] ??= v;

  const max = Math.min(core.limits.maxObjectSize, range ? range.max : Infinity);
  let body;
  try {
    body = await receiveStream(file.data, core.storage.blobs, { maxSize: max });
  } catch (err) {
    if (err instanceof OssError && err.code === 'EntityTooLarge' && range) {
      throw new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', { MaxSizeAllowed: String(range.max) });
    }
    throw err;
  }
  void form.reader.drain().catch(() => undefined);
  if (range && body.size < range.min) {
    await core.storage.blobs.delete(body.blob.id);
    throw new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', { MinSizeAllowed: String(range.min), ProposedSize: String(body.size) });
  }
  if (body.size > max) throw entityTooLarge(max);

  const meta: Record<string, string> = {};
  for (const [k, v] of fields) if (k.startsWith('x-oss-meta-')) meta[k] = v;
  const rec: ObjectRecord = {
    contentType: fields.get('content-type') || file.contentType || 'application/octet-stream',
    cacheControl: fields.get('cache-control'),
    contentDisposition: fields.get('content-disposition'),
    contentEncoding: fields.get('content-encoding'),
    expires: fields.get('expires'),
    meta,
    sse: fields.get('x-oss-server-side-encryption') ? { 'x-oss-server-side-encryption': fields.get('x-oss-server-side-encryption')! } : {},
    storageClass,
    bucket: ctx.bucket,
    key,
    ...uploadedBodyFields(body),
  };
  await storeUploadedObject(octx, rec, forbid, 'PostObject');

  const headers: Record<string, string> = { ETag: rec.etag, 'x-oss-hash-crc64ecma': rec.crc64!, 'Content-MD5': rec.contentMd5! };
  if (callback) return core.callbacks.respond(octx, callback, rec, headers, 'PostObject');
  const redirect = fields.get('success_action_redirect');
  if (redirect) {
    const u = new URL(redirect);
    u.searchParams.set('bucket', ctx.bucket);
    u.searchParams.set('key', key);
    u.searchParams.set('etag', rec.etag);
    return { status: 303, headers: { ...headers, Location: u.href } };
  }
  const status = Number(fields.get('success_action_status') ?? '204');
  if (status === 201) {
    return {
      status: 201,
      headers: { ...headers, 'Content-Type': 'application/xml', Location: objectLocation(octx) },
      body: xmlDocument('PostResponse', [el('Bucket', ctx.bucket), el('Location', objectLocation(octx)), el('Key', key), el('ETag', rec.etag)]),
    };
  }
  return { status: status === 200 ? 200 : 204, headers };
}

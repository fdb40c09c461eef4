/**
 * callback: POST <any path> — called by OSS after CompleteMultipartUpload with `x-oss-callback`.
 * Verifies the RSA-MD5 signature over the path, query and raw body BEFORE parsing anything
 * (pinned OSS key, plus CALLBACK_PUBLIC_KEYS / CALLBACK_KEY_URL_PREFIXES), then checks the body
 * is the one complete asked for. Its JSON answer is what complete's caller receives, so it must
 * come back within OSS's 5 s.
 * -> 200 {ok, bucket, key, size, etag, mimeType, crc64, uploadId, sub, verifiedAt}
 * -> 403 CALLBACK_SIGNATURE_INVALID (bad signature, or a key URL on an unlisted host)
 * -> 400 VALIDATION_FAILED (genuine signature over a body we did not ask for)
 */
import { httpError } from '../../shared/http/errors';
import { handle } from '../../shared/http/fc-adapter';
import { isPlainObject, readBody } from '../../shared/http/body';
import { CallbackVerifier } from '../../shared/oss/callback';
import { isSafeSegment, keyBelongsTo } from '../../shared/policy/keys';
import { createFunctionApp, configOf, type Deps } from '../../shared/runtime';
import type { Config } from '../../shared/config';

/** OSS's callback body is our template, a few hundred bytes; anything large is not from us. */
const MAX_CALLBACK_BODY = 16 * 1024;

export function createApp(deps: Deps = {}) {
  const verifiers = new WeakMap<Config, CallbackVerifier>();
  const verifierFor = (config: Config) => {
    let v = verifiers.get(config);
    if (!v) {
      v = new CallbackVerifier({ trustedKeys: config.callback.publicKeys, keyUrlPrefixes: config.callback.keyUrlPrefixes, fetch: deps.fetch });
      verifiers.set(config, v);
    }
    return v;
  };

  return createFunctionApp(deps, (app) => {
    app.post('*', async (c) => {
      const config = configOf(deps);
      const body = await readBody(c, { maxBytes: MAX_CALLBACK_BODY });

      // The path as received (still encoded) and the query as received: OSS signed exactly these.
      const url = new URL(c.req.url);
      const verdict = await verifierFor(config).verify({
        path: url.pathname,
        rawQuery: url.search,
        body,
        authorization: c.req.header('authorization'),
        pubKeyUrl: c.req.header('x-oss-pub-key-url'),
      });
      if (!verdict.ok) throw httpError('CALLBACK_SIGNATURE_INVALID', `Callback signature rejected (${verdict.reason})`);

      return c.json({ ok: true, ...parseCallbackBody(body, config), verifiedAt: new Date().toISOString() });
    });
  });
}

export interface CallbackFacts {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  mimeType: string;
  crc64: string;
  uploadId: string;
  sub: string;
}

/** The body our CALLBACK_BODY template expands to, checked field by field. */
export function parseCallbackBody(raw: Uint8Array, config: Config): CallbackFacts {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw httpError('VALIDATION_FAILED', 'Callback body is not JSON');
  }
  if (!isPlainObject(json)) throw httpError('VALIDATION_FAILED', 'Callback body must be a JSON object');
  const str = (name: string) => {
    const v = json[name];
    if (typeof v !== 'string' || v.length > 2048) throw httpError('VALIDATION_FAILED', `Callback body field ${name} must be a string`, { field: name });
    return v;
  };
  const size = json.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw httpError('VALIDATION_FAILED', 'Callback body field size must be a non-negative integer', { field: 'size' });
  }
  const facts: CallbackFacts = {
    bucket: str('bucket'),
    key: str('key'),
    size,
    etag: str('etag'),
    mimeType: str('mimeType'),
    crc64: str('crc64'),
    uploadId: str('uploadId'),
    sub: str('sub'),
  };
  if (facts.bucket !== config.oss.bucket) throw httpError('VALIDATION_FAILED', 'Callback names another bucket', { field: 'bucket' });
  if (!isSafeSegment(facts.sub)) throw httpError('VALIDATION_FAILED', 'Callback sub is not a caller id', { field: 'sub' });
  if (!keyBelongsTo(facts.key, config.policy.keyPrefix, facts.sub)) {
    throw httpError('VALIDATION_FAILED', "Callback key is not under its caller's prefix", { field: 'key' });
  }
  if (facts.crc64 !== '' && !/^\d{1,20}$/.test(facts.crc64)) throw httpError('VALIDATION_FAILED', 'Callback crc64 must be decimal', { field: 'crc64' });
  return facts;
}

export const app = createApp();
export const handler = handle(app);

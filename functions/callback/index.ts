/**
 * callback: POST <any path>, called by OSS after CompleteMultipartUpload with `x-oss-callback`.
 * Verifies the RSA-MD5 signature over path, query and raw body BEFORE parsing anything (OSS's
 * pinned key, CALLBACK_PUBLIC_KEYS, CALLBACK_KEY_URL_PREFIXES), then that the body is the one
 * complete asked for (shared/policy/callback.ts). Its answer reaches complete's caller: within 5 s.
 * -> 200 {ok, bucket, key, size, etag, mimeType, crc64, uploadId, sub, issuedAt, verifiedAt}
 * -> 403 CALLBACK_SIGNATURE_INVALID; 400 VALIDATION_FAILED (a genuine but unexpected or stale body)
 */
import { httpError } from '../../shared/http/errors';
import { handle } from '../../shared/http/fc-adapter';
import { isPlainObject, readBody } from '../../shared/http/body';
import { parseInput } from '../../shared/http/validate';
import { CallbackBody } from './schema';
import { CallbackVerifier } from '../../shared/oss/callback';
import { checkCallbackFacts, type CallbackFacts } from '../../shared/policy/callback';
import { createFunctionApp, configOf, type Deps } from '../../shared/runtime';
import { INTERNAL, type Config } from '../../shared/config/index';

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
      const config = configOf(deps, INTERNAL);
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

      const now = (deps.now?.() ?? new Date()).getTime();
      const facts = parseCallbackBody(body);
      checkCallbackFacts(facts, { bucket: config.oss.bucket, keyPrefix: config.policy.keyPrefix, maxAgeSeconds: config.uploadToken.ttlSeconds }, now);
      return c.json({ ok: true, ...facts, verifiedAt: new Date(now).toISOString() });
    });
  }, INTERNAL);
}

/** The body our CALLBACK_BODY template expands to, by its schema (policy checks follow). */
export function parseCallbackBody(raw: Uint8Array): CallbackFacts {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw httpError('VALIDATION_FAILED', 'Callback body is not JSON');
  }
  if (!isPlainObject(json)) throw httpError('VALIDATION_FAILED', 'Callback body must be a JSON object');
  return parseInput(CallbackBody, json);
}

export const app = createApp();
export const handler = handle(app);

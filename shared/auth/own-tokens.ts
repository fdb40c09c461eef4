/**
 * Our own tokens: HS256 JWTs signed with UPLOAD_TOKEN_SECRET (jwt.ts), told apart by a `typ`
 * claim so that none can stand in for another:
 *  - `upload`: the JSON API's upload token (upload-token.ts);
 *  - `facade-upload`: the upload id the Uppy facade hands to Uppy (policy/facade-upload.ts).
 * A caller JWT carries neither (caller.ts refuses both), and each verifier refuses the other kind.
 */
import { LONE_SURROGATE, objectKeyProblem } from '../oss/endpoint';
import { JwtError, signHs256Jwt, verifyOwnToken, type Claims } from './jwt';

export const UPLOAD_TOKEN_TYPE = 'upload';
export const FACADE_UPLOAD_TYPE = 'facade-upload';
export const OWN_TOKEN_TYPES: readonly string[] = [UPLOAD_TOKEN_TYPE, FACADE_UPLOAD_TYPE];

export interface IssuedToken<C> {
  token: string;
  claims: C & { typ: string; iat: number; exp: number };
}

/** Signs `claims` as a token of kind `typ`, valid from now (whole seconds) until `exp`. */
export async function issueOwnToken<C extends Record<string, unknown>>(typ: string, claims: C, secret: string, exp: number, nowMs: number): Promise<IssuedToken<C>> {
  const iat = Math.floor(nowMs / 1000);
  if (!Number.isSafeInteger(exp) || exp <= iat) throw new RangeError('exp must be a whole second after now');
  const full = { typ, ...claims, iat, exp };
  return { token: await signHs256Jwt(full, secret), claims: full };
}

/** Verifies a token of kind `typ` (JwtError `claims` for another kind). */
export async function verifyOwnTokenOfType(token: unknown, typ: string, secret: string, nowMs: number, opts: { allowExpired?: boolean } = {}): Promise<{ claims: Claims; expired: boolean }> {
  const r = await verifyOwnToken(token, secret, nowMs, opts);
  if (r.claims.typ !== typ) throw new JwtError('claims', `not a token of kind ${typ}`);
  return r;
}

// What the OSS client accepts (shared/oss/client.ts validateObjectKey / validateUploadId), so the
// claims of a verified token can always be used in an OSS call: a key objectKeyProblem finds no
// fault with (the rules validateObjectKey throws by); a non-blank upload id, valid UTF-16.
export const isObjectKey = (k: unknown): k is string => typeof k === 'string' && objectKeyProblem(k) === undefined;
export const isUploadId = (u: unknown): u is string => typeof u === 'string' && u.trim() !== '' && u.length <= 1024 && !LONE_SURROGATE.test(u);

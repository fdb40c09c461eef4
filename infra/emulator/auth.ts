/**
 * Request authentication as OSS does it: V1 (HMAC-SHA1) and V4 (OSS4-HMAC-SHA256), each in header
 * and presigned-URL form, long-term keys and STS tokens, expiry and clock skew.
 *
 * The canonical strings come from shared/oss/signer (the same code our client signs with); the
 * emulator's own job is to pick the right inputs from the raw request, which is where clients and
 * servers tend to disagree: the key decoded once, every query parameter decoded without turning
 * `+` into a space, the headers exactly as received.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  canonicalRequestV4,
  signatureV1,
  signatureV4,
  signingKeyV4,
  stringToSignV1,
  stringToSignV4,
  bareRegion,
  UNSIGNED_PAYLOAD,
  V4_ALGORITHM,
  MAX_V4_EXPIRES,
  type QueryPairs,
} from '../../shared/oss/signer';
import { EC, Errors, OssError } from './errors';
import { queryGet, queryHas, type OssRequest } from './request';

export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface StsToken extends AccessKey {
  securityToken: string;
  /** ISO string or Date; after it the token gives SecurityTokenExpired. */
  expiration?: string | Date;
}

export interface AuthConfig {
  /** false: accept every request unsigned (internal/testing only). */
  enabled: boolean;
  /** Bare region id V4 scopes must name; '*' accepts any. */
  region: string;
  keys: AccessKey[];
  stsTokens: StsToken[];
  /** Allowed clock difference for header-signed requests, ms (OSS: 15 min). */
  clockSkewMs: number;
  now: () => Date;
}

export interface Principal {
  accessKeyId?: string;
  securityToken?: string;
  scheme: 'anonymous' | 'v1-header' | 'v1-query' | 'v4-header' | 'v4-query' | 'v1-post' | 'v4-post';
}

const V4_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseV4Date(s: string): Date | undefined {
  const m = V4_DATE_RE.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function bytesHex(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function mismatch(stringToSign: string, provided: string, accessKeyId: string, canonicalRequest?: string): OssError {
  return new OssError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    {
      StringToSign: stringToSign,
      StringToSignBytes: bytesHex(stringToSign),
      ...(canonicalRequest !== undefined ? { CanonicalRequest: canonicalRequest } : {}),
      SignatureProvided: provided,
      OSSAccessKeyId: accessKeyId,
    },
  );
}

export class Authenticator {
  readonly #cfg: AuthConfig;

  constructor(cfg: AuthConfig) {
    this.#cfg = cfg;
  }

  get config(): AuthConfig {
    return this.#cfg;
  }

  /** The secret for this key id (and STS token, if any), or the OSS error for a bad credential. */
  secretFor(accessKeyId: string, securityToken: string | undefined): string {
    const cfg = this.#cfg;
    if (securityToken !== undefined && securityToken !== '') {
      const sts = cfg.stsTokens.find((t) => t.securityToken === securityToken);
      if (!sts) throw new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.');
      if (sts.expiration !== undefined && cfg.now().getTime() > new Date(sts.expiration).getTime()) {
        throw new OssError(403, 'SecurityTokenExpired', 'The security token you provided has expired.');
      }
      if (sts.accessKeyId !== accessKeyId) {
        throw new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not match the security token.', { OSSAccessKeyId: accessKeyId });
      }
      return sts.accessKeySecret;
    }
    const key = cfg.keys.find((k) => k.accessKeyId === accessKeyId);
    if (!key) {
      throw new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', { OSSAccessKeyId: accessKeyId });
    }
    return key.accessKeySecret;
  }

  #checkSkew(t: Date, raw: string): void {
    const now = this.#cfg.now();
    if (Math.abs(now.getTime() - t.getTime()) > this.#cfg.clockSkewMs) {
      throw new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
        RequestTime: raw,
        ServerTime: now.toISOString().replace(/\.\d{3}Z$/, '.000Z'),
      });
    }
  }

  /** Verifies the request's signature; throws the OSS error a real server would give. */
  authenticate(req: OssRequest): Principal {
    if (!this.#cfg.enabled) return { scheme: 'anonymous' };
    const auth = req.headers['authorization'];
    const q = req.query;
    const v1Query = queryHas(q, 'OSSAccessKeyId') || queryHas(q, 'Signature');
    const v4Query = queryHas(q, 'x-oss-signature-version') || queryHas(q, 'x-oss-signature') || queryHas(q, 'x-oss-credential');
    const kinds = [auth !== undefined, v1Query, v4Query].filter(Boolean).length;
    if (kinds > 1) throw Errors.invalidArgument('Only one auth mechanism allowed; only the Authorization header, V1 query or V4 query parameters may be used.', 'Authorization');
    if (auth !== undefined) {
      if (auth.startsWith('OSS4-HMAC-SHA256')) return this.#v4Header(req, auth);
      if (auth.startsWith('OSS ')) return this.#v1Header(req, auth);
      throw Errors.invalidArgument('Authorization header is invalid.', 'Authorization', auth);
    }
    if (v1Query) return this.#v1Query(req);
    if (v4Query) return this.#v4Query(req);
    throw Errors.accessDenied('You have no right to access this object because of bucket acl.');
  }

  #v1Header(req: OssRequest, auth: string): Principal {
    const m = /^OSS ([^:\s]+):(\S+)$/.exec(auth.trim());
    if (!m) throw Errors.invalidArgument('Authorization header is invalid.', 'Authorization', auth);
    const [, accessKeyId, provided] = m;
    const dateLine = req.headers['x-oss-date'] ?? req.headers['date'];
    const t = dateLine === undefined ? NaN : Date.parse(dateLine);
    if (dateLine === undefined || Number.isNaN(t)) {
      throw Errors.accessDenied('OSS authentication requires a valid Date.', EC.NO_DATE);
    }
    this.#checkSkew(new Date(t), dateLine);
    const token = req.headers['x-oss-security-token'];
    const secret = this.secretFor(accessKeyId, token);
    const sts = stringToSignV1({ ...this.#target(req), headers: req.headers, date: dateLine });
    if (!safeEqual(signatureV1(secret, sts), provided)) throw mismatch(sts, provided, accessKeyId);
    return { accessKeyId, securityToken: token, scheme: 'v1-header' };
  }

  #v1Query(req: OssRequest): Principal {
    const q = req.query;
    const accessKeyId = queryGet(q, 'OSSAccessKeyId');
    const expires = queryGet(q, 'Expires');
    const provided = queryGet(q, 'Signature');
    if (!accessKeyId || !expires || !provided) {
      throw Errors.accessDenied('OSSAccessKeyId, Expires and Signature are all required in a signed URL.');
    }
    if (!/^\d+$/.test(expires)) throw Errors.invalidArgument('Expires must be a unix time in seconds.', 'Expires', expires);
    const now = this.#cfg.now();
    if (now.getTime() > Number(expires) * 1000) {
      throw new OssError(403, 'AccessDenied', 'Request has expired.', { Expires: new Date(Number(expires) * 1000).toISOString(), ServerTime: now.toISOString() }, EC.URL_EXPIRED);
    }
    const token = queryGet(q, 'security-token');
    const secret = this.secretFor(accessKeyId, token);
    const sts = stringToSignV1({ ...this.#target(req), headers: req.headers, date: expires });
    if (!safeEqual(signatureV1(secret, sts), provided)) throw mismatch(sts, provided, accessKeyId);
    return { accessKeyId, securityToken: token, scheme: 'v1-query' };
  }

  #target(req: OssRequest): { method: string; bucket?: string; key?: string; query: QueryPairs } {
    return { method: req.method, bucket: req.target.bucket, key: req.target.key || undefined, query: req.query };
  }

  /** Checks a V4 credential scope; returns its parts. */
  #scope(credential: string, isoDate: string): { accessKeyId: string; day: string; region: string; product: string } {
    const parts = credential.split('/');
    if (parts.length !== 5 || parts[0] === '') throw Errors.invalidArgument('Invalid credential in the request.', 'Credential', credential);
    const [accessKeyId, day, region, product, terminator] = parts;
    if (!/^\d{8}$/.test(day)) throw new OssError(400, 'InvalidArgument', 'Invalid signing date in credential; expected yyyymmdd.', { ArgumentName: 'Credential', ArgumentValue: credential }, EC.BAD_V4_DATE);
    if (isoDate.slice(0, 8) !== day) throw Errors.invalidArgument(`Invalid signing date in credential: ${day} does not match x-oss-date ${isoDate}.`, 'Credential', credential);
    if (this.#cfg.region !== '*' && region !== bareRegion(this.#cfg.region)) {
      throw Errors.invalidArgument(`Invalid signing region in credential: ${region}; this emulator expects ${bareRegion(this.#cfg.region)}.`, 'Credential', credential);
    }
    if (product !== 'oss') throw Errors.invalidArgument(`Invalid signing product in credential: ${product}.`, 'Credential', credential);
    if (terminator !== 'aliyun_v4_request') throw Errors.invalidArgument('Invalid credential terminator; expected aliyun_v4_request.', 'Credential', credential);
    return { accessKeyId, day, region, product };
  }

  #additional(list: string | undefined, headers: Record<string, string>): string[] {
    if (list === undefined || list === '') return [];
    const names = list.split(';').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
    for (const n of names) {
      if (n.includes('_')) throw new OssError(400, 'InvalidArgument', `Additional header name ${n} must not contain '_'.`, { ArgumentName: 'AdditionalHeaders', ArgumentValue: list }, EC.ADDITIONAL_HEADER_UNDERSCORE);
      if (!(n in headers)) throw new OssError(400, 'InvalidArgument', `Additional header ${n} is listed but not present in the request.`, { ArgumentName: 'AdditionalHeaders', ArgumentValue: list }, EC.ADDITIONAL_HEADER_MISSING);
    }
    return names;
  }

  #v4Header(req: OssRequest, auth: string): Principal {
    const m = /^OSS4-HMAC-SHA256\s+(.*)$/.exec(auth.trim());
    const fields: Record<string, string> = {};
    for (const piece of (m?.[1] ?? '').split(',')) {
      const eq = piece.indexOf('=');
      if (eq > 0) fields[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
    }
    const credential = fields['Credential'];
    const provided = fields['Signature'];
    if (!m || !credential || !provided) throw Errors.invalidArgument('Authorization header is invalid.', 'Authorization', auth);
    const isoDate = req.headers['x-oss-date'];
    const t = isoDate === undefined ? undefined : parseV4Date(isoDate);
    if (isoDate === undefined || !t) throw Errors.accessDenied('OSS V4 authentication requires a valid x-oss-date header (yyyymmddTHHMMSSZ).', EC.NO_DATE);
    const scope = this.#scope(credential, isoDate);
    this.#checkSkew(t, isoDate);
    const sha = req.headers['x-oss-content-sha256'];
    if (sha === undefined) throw new OssError(400, 'InvalidArgument', 'x-oss-content-sha256 header is required with V4 header signing.', { ArgumentName: 'x-oss-content-sha256' }, EC.BAD_CONTENT_SHA256);
    if (sha !== UNSIGNED_PAYLOAD) throw new OssError(400, 'InvalidArgument', `x-oss-content-sha256 must be ${UNSIGNED_PAYLOAD}.`, { ArgumentName: 'x-oss-content-sha256', ArgumentValue: sha }, EC.BAD_CONTENT_SHA256);
    const additional = this.#additional(fields['AdditionalHeaders'], req.headers);
    const token = req.headers['x-oss-security-token'];
    const secret = this.secretFor(scope.accessKeyId, token);
    const cr = canonicalRequestV4({ ...this.#target(req), headers: req.headers, additionalHeaders: additional, hashedPayload: sha });
    const sts = stringToSignV4(isoDate, `${scope.day}/${scope.region}/${scope.product}/aliyun_v4_request`, cr);
    const expected = signatureV4(secret, scope.day, scope.region, sts, scope.product);
    if (!safeEqual(expected, provided.toLowerCase())) throw mismatch(sts, provided, scope.accessKeyId, cr);
    return { accessKeyId: scope.accessKeyId, securityToken: token, scheme: 'v4-header' };
  }

  #v4Query(req: OssRequest): Principal {
    const q = req.query;
    const version = queryGet(q, 'x-oss-signature-version');
    const credential = queryGet(q, 'x-oss-credential');
    const isoDate = queryGet(q, 'x-oss-date');
    const expires = queryGet(q, 'x-oss-expires');
    const provided = queryGet(q, 'x-oss-signature');
    if (version !== V4_ALGORITHM) throw Errors.invalidArgument(`x-oss-signature-version must be ${V4_ALGORITHM}.`, 'x-oss-signature-version', version);
    if (!credential || !isoDate || !expires || !provided) {
      throw Errors.accessDenied('x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature are all required in a V4 signed URL.');
    }
    const t = parseV4Date(isoDate);
    if (!t) throw new OssError(400, 'InvalidArgument', 'x-oss-date must be yyyymmddTHHMMSSZ.', { ArgumentName: 'x-oss-date', ArgumentValue: isoDate }, EC.BAD_V4_DATE);
    if (!/^\d+$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_V4_EXPIRES) {
      throw new OssError(400, 'InvalidArgument', `x-oss-expires must be from 1 to ${MAX_V4_EXPIRES} seconds.`, { ArgumentName: 'x-oss-expires', ArgumentValue: expires }, EC.BAD_V4_EXPIRES);
    }
    const scope = this.#scope(credential, isoDate);
    const now = this.#cfg.now();
    if (t.getTime() - now.getTime() > this.#cfg.clockSkewMs) {
      throw new OssError(403, 'RequestTimeTooSkewed', 'The signing time of the URL is too far in the future.', { RequestTime: isoDate, ServerTime: now.toISOString() });
    }
    if (now.getTime() > t.getTime() + Number(expires) * 1000) {
      throw new OssError(403, 'AccessDenied', 'Request has expired.', { Expires: new Date(t.getTime() + Number(expires) * 1000).toISOString(), ServerTime: now.toISOString() }, EC.URL_EXPIRED);
    }
    const additional = this.#additional(queryGet(q, 'x-oss-additional-headers'), req.headers);
    const token = queryGet(q, 'x-oss-security-token');
    const secret = this.secretFor(scope.accessKeyId, token);
    const cr = canonicalRequestV4({
      ...this.#target(req),
      query: q.filter(([k]) => k !== 'x-oss-signature'),
      headers: req.headers,
      additionalHeaders: additional,
      hashedPayload: UNSIGNED_PAYLOAD,
    });
    const sts = stringToSignV4(isoDate, `${scope.day}/${scope.region}/${scope.product}/aliyun_v4_request`, cr);
    const expected = signatureV4(secret, scope.day, scope.region, sts, scope.product);
    if (!safeEqual(expected, provided.toLowerCase())) throw mismatch(sts, provided, scope.accessKeyId, cr);
    return { accessKeyId: scope.accessKeyId, securityToken: token, scheme: 'v4-query' };
  }

  /**
   * PostObject: the form's policy signature. V4 (x-oss-signature-version=OSS4-HMAC-SHA256):
   * hex HMAC-SHA256 of the base64 policy with the V4 signing key. V1 (OSSAccessKeyId + Signature):
   * base64 HMAC-SHA1 of the base64 policy. `fields` has lower-cased names.
   */
  authenticatePost(fields: Map<string, string>): Principal {
    if (!this.#cfg.enabled) return { scheme: 'anonymous' };
    const policy = fields.get('policy');
    const version = fields.get('x-oss-signature-version');
    if (version !== undefined) {
      if (version !== V4_ALGORITHM) throw Errors.invalidArgument(`x-oss-signature-version must be ${V4_ALGORITHM}.`, 'x-oss-signature-version', version);
      const credential = fields.get('x-oss-credential');
      const isoDate = fields.get('x-oss-date');
      const provided = fields.get('x-oss-signature');
      if (!policy || !credential || !isoDate || !provided) {
        throw Errors.accessDenied('A V4 POST form needs policy, x-oss-credential, x-oss-date and x-oss-signature.');
      }
      if (!parseV4Date(isoDate)) throw new OssError(400, 'InvalidArgument', 'x-oss-date must be yyyymmddTHHMMSSZ.', { ArgumentName: 'x-oss-date', ArgumentValue: isoDate }, EC.BAD_V4_DATE);
      const scope = this.#scope(credential, isoDate);
      const token = fields.get('x-oss-security-token');
      const secret = this.secretFor(scope.accessKeyId, token);
      const expected = createHmac('sha256', signingKeyV4(secret, scope.day, scope.region, scope.product)).update(policy, 'utf8').digest('hex');
      if (!safeEqual(expected, provided.toLowerCase())) throw mismatch(policy, provided, scope.accessKeyId);
      return { accessKeyId: scope.accessKeyId, securityToken: token, scheme: 'v4-post' };
    }
    const accessKeyId = fields.get('ossaccesskeyid');
    const provided = fields.get('signature');
    if (accessKeyId !== undefined || provided !== undefined) {
      if (!policy || !accessKeyId || !provided) throw Errors.accessDenied('A V1 POST form needs policy, OSSAccessKeyId and Signature.');
      const token = fields.get('x-oss-security-token');
      const secret = this.secretFor(accessKeyId, token);
      if (!safeEqual(signatureV1(secret, policy), provided)) throw mismatch(policy, provided, accessKeyId);
      return { accessKeyId, securityToken: token, scheme: 'v1-post' };
    }
    throw Errors.accessDenied('You have no right to access this object because of bucket acl.');
  }
}

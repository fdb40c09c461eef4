/**
 * PostObject (browser form upload) policies: the base64 policy document and the form fields that
 * authenticate it, for V4 (OSS4-HMAC-SHA256, the default) and V1 (HMAC-SHA1).
 *
 * V4: the policy must carry exact-match conditions on `x-oss-signature-version`,
 * `x-oss-credential` and `x-oss-date` (and `x-oss-security-token` with STS credentials), which
 * this module adds; `x-oss-signature` = hex(HMAC-SHA256(signing key of the day/region, base64
 * policy)). The signing key is the same as for header and URL signatures (`signingKeyV4`).
 * V1: `Signature` = base64(HMAC-SHA1(secret, base64 policy)) with `OSSAccessKeyId`.
 *
 * Pure: no I/O, the clock is the `date` argument.
 */
import { createHmac } from 'node:crypto';
import { bareRegion, formatV4Date, scopeV4, signatureV1, signingKeyV4, V4_ALGORITHM, type Credentials, type SignatureVersion } from './signer';

/** One policy condition: `{"field": value}`, `["eq"|"starts-with", "$field", value]`, `["content-length-range", min, max]`, `["in"|"not-in", "$field", [..]]`. */
export type PostPolicyCondition = Record<string, string> | [string, string, string | string[]] | ['content-length-range', number, number];

export interface PostPolicyInput {
  version: SignatureVersion;
  credentials: Credentials;
  /** Bare region id; V4 only. */
  region: string;
  bucket: string;
  /** Signing time (V4 `x-oss-date`). */
  date: Date;
  /** Seconds from `date` until the policy expires. */
  expires: number;
  /** The caller's conditions; bucket and the authentication fields are added here. */
  conditions: PostPolicyCondition[];
}

export interface SignedPostPolicy {
  /** `policy`, the signature and the credential fields, ready to be sent as form fields. */
  fields: Record<string, string>;
  /** The decoded policy document (for logs and tests; never secret). */
  document: { expiration: string; conditions: PostPolicyCondition[] };
  expiresAt: Date;
}

export function signPostPolicy(input: PostPolicyInput): SignedPostPolicy {
  const { credentials, date } = input;
  if (!Number.isInteger(input.expires) || input.expires < 1 || input.expires > 604800) {
    throw new RangeError('post policy expires must be an integer from 1 to 604800 seconds');
  }
  const expiresAt = new Date(date.getTime() + input.expires * 1000);
  const auth: Record<string, string> = {};
  if (input.version === 'v4') {
    const dt = formatV4Date(date);
    auth['x-oss-signature-version'] = V4_ALGORITHM;
    auth['x-oss-credential'] = `${credentials.accessKeyId}/${scopeV4(dt.slice(0, 8), bareRegion(input.region))}`;
    auth['x-oss-date'] = dt;
  }
  if (credentials.securityToken) auth['x-oss-security-token'] = credentials.securityToken;

  const conditions: PostPolicyCondition[] = [{ bucket: input.bucket }, ...Object.entries(auth).map(([k, v]) => ({ [k]: v })), ...input.conditions];
  const document = { expiration: expiresAt.toISOString(), conditions };
  const policy = Buffer.from(JSON.stringify(document), 'utf8').toString('base64');

  const fields: Record<string, string> = { ...auth, policy };
  if (input.version === 'v4') {
    const day = auth['x-oss-date'].slice(0, 8);
    fields['x-oss-signature'] = createHmac('sha256', signingKeyV4(credentials.accessKeySecret, day, input.region)).update(policy, 'utf8').digest('hex');
  } else {
    fields['OSSAccessKeyId'] = credentials.accessKeyId;
    fields['Signature'] = signatureV1(credentials.accessKeySecret, policy);
  }
  return { fields, document, expiresAt };
}

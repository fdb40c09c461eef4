/**
 * What browsers are handed instead of credentials: presigned UploadPart URLs and signed PostObject
 * forms, with the client's signature version and current credentials, pointing at its public
 * endpoint (neither V1 nor V4 signs the host). No request is sent.
 */
import { presignUploadPartsV4, presignV1 } from './signer';
import { objectUrl } from './endpoint';
import { signPostPolicy, type PostPolicyCondition } from './post-policy';
import { checkHeaders, validateObjectKey, validateUploadId, type EndpointLike, type OssClient } from './client';

export interface PresignedRequest {
  url: string;
  method: string;
  /** Headers the caller must send with the URL (they are signed). Never includes Content-Type. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignedPost {
  /** Where the form is POSTed: the bucket's URL. */
  url: string;
  /** Authentication fields (policy, signature, credential, date, token); add the conditioned ones. */
  fields: Record<string, string>;
  expiresAt: Date;
}

export interface PresignPartsOptions {
  /** Seconds (V4: 1..604800). */
  expires: number;
  /** Where the URLs point. Default: `publicEndpoint`, else the client's endpoint. */
  publicEndpoint?: EndpointLike;
}

export interface PartToSign {
  partNumber: number;
  /** base64 MD5 of the part; signed, so the browser must send exactly this Content-MD5. */
  contentMd5?: string;
  /** Signed on V4 (OSS then refuses a body of another length); V1 cannot sign it and ignores it. */
  contentLength?: number;
}

/**
 * The URLs (and headers) a browser PUTs parts to, with one credentials lookup and one signing
 * time. No Content-Type is signed: send none. Pinning the length: docs/oss.md "Pinning a part's size".
 */
export async function presignUploadParts(
  client: OssClient,
  key: string,
  uploadId: string,
  parts: readonly PartToSign[],
  opts: PresignPartsOptions,
): Promise<PresignedRequest[]> {
  validateObjectKey(key);
  validateUploadId(uploadId);
  for (const { partNumber, contentMd5, contentLength } of parts) {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new RangeError(`part number ${partNumber} is outside 1..10000`);
    if (contentLength !== undefined && !(Number.isSafeInteger(contentLength) && contentLength >= 0)) throw new RangeError(`part ${partNumber}: contentLength must be a non-negative integer`);
    if (contentMd5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
      throw new TypeError(`part ${partNumber}: contentMd5 must be the base64 of a 16-byte MD5`);
    }
  }
  const credentials = await client.credentials();
  const date = client.now();
  const ep = client.publicEndpointOr(opts.publicEndpoint);
  if (client.signatureVersion === 'v4') {
    // The sign function's hot path: constant parts of every URL built once per batch.
    const signed = presignUploadPartsV4(
      { bucket: client.bucket, key, uploadId, parts, objectUrl: objectUrl(ep, client.bucket, key) },
      { credentials, region: client.region, date, expires: opts.expires },
    );
    return signed.parts.map((p, i): PresignedRequest => {
      const md5 = parts[i].contentMd5;
      return { url: p.url, method: 'PUT', headers: md5 === undefined ? {} : { 'Content-MD5': md5 }, expiresAt: signed.expiresAt };
    });
  }
  return parts.map(({ partNumber, contentMd5 }): PresignedRequest => {
    const headers: Record<string, string> = contentMd5 === undefined ? {} : { 'Content-MD5': contentMd5 };
    checkHeaders(headers);
    const query: Array<[string, string]> = [['partNumber', String(partNumber)], ['uploadId', uploadId]];
    const signed = presignV1(
      { method: 'PUT', bucket: client.bucket, key, query, headers },
      { credentials, region: client.region, date, expires: opts.expires },
    );
    return { url: objectUrl(ep, client.bucket, key, signed.query), method: 'PUT', headers, expiresAt: signed.expiresAt };
  });
}

/**
 * A PostObject (browser form upload) for `conditions`: the bucket's URL on the public endpoint
 * (no trailing slash; the form is POSTed there) and the fields that authenticate the policy
 * with the client's signature version and current credentials. See post-policy.ts.
 */
export async function presignPostObject(
  client: OssClient,
  opts: { conditions: PostPolicyCondition[]; expires: number; endpoint?: EndpointLike },
): Promise<PresignedPost> {
  const credentials = await client.credentials();
  const ep = client.publicEndpointOr(opts.endpoint);
  const signed = signPostPolicy({
    version: client.signatureVersion,
    credentials,
    region: client.region,
    bucket: client.bucket,
    date: client.now(),
    expires: opts.expires,
    conditions: opts.conditions,
  });
  return { url: objectUrl(ep, client.bucket).replace(/\/+$/, ''), fields: signed.fields, expiresAt: signed.expiresAt };
}

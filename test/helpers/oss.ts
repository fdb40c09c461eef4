// OSS conveniences only tests use, built on the client's exported pieces: a presigned URL for any
// request, and one part's URL. The functions sign batches of parts (shared/oss/presign.ts).
import { presign as signQuery, toQueryPairs, type QueryInput } from '../../shared/oss/signer.ts';
import { objectUrl } from '../../shared/oss/endpoint.ts';
import { checkHeaders, validateObjectKey, type EndpointLike, type OssClient } from '../../shared/oss/client.ts';
import { presignUploadParts, type PresignedRequest, type PresignPartsOptions } from '../../shared/oss/presign.ts';

export interface PresignOptions {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  key?: string;
  query?: QueryInput;
  /** Headers the URL is signed for; the user agent must send exactly these. */
  headers?: Record<string, string>;
  /** Seconds (V4: 1..604800). */
  expires: number;
  /** Where the URL points. Default: `publicEndpoint`, else the client's endpoint. */
  endpoint?: EndpointLike;
  /** V4 only: extra header names to sign (e.g. `host`). */
  additionalHeaders?: string[];
}

/** A presigned URL for any request, with the client's signature version and credentials. */
export async function presign(client: OssClient, req: PresignOptions): Promise<PresignedRequest> {
  if (req.key !== undefined) validateObjectKey(req.key);
  const headers = { ...(req.headers ?? {}) };
  checkHeaders(headers);
  const signed = signQuery(
    client.signatureVersion,
    { method: req.method, bucket: client.bucket, key: req.key, query: toQueryPairs(req.query), headers },
    { credentials: await client.credentials(), region: client.region, date: client.now(), expires: req.expires, additionalHeaders: req.additionalHeaders },
  );
  const url = objectUrl(client.publicEndpointOr(req.endpoint), client.bucket, req.key, signed.query);
  return { url, method: req.method, headers, expiresAt: signed.expiresAt };
}

/** One part's presigned UploadPart URL (the batch of one). */
export async function presignUploadPart(
  client: OssClient,
  key: string,
  uploadId: string,
  partNumber: number,
  opts: PresignPartsOptions & { contentMd5?: string },
): Promise<PresignedRequest> {
  const [one] = await presignUploadParts(client, key, uploadId, [{ partNumber, contentMd5: opts.contentMd5 }], opts);
  return one;
}

/**
 * The bucket settings browser uploads need, defined once: the CORS rule (the emulator's default
 * rule, `doctor`'s recommendation, and the XML in README.md and docs/deploy.md) and the lifecycle
 * rule that backs the sweeper. test/unit/bucket-rules.test.ts fails when a copy drifts.
 */

export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/**
 * What a page uploading through our functions needs from OSS, whatever its origin:
 * - PUT: part uploads; POST: PostObject forms (Uppy's small-file path); GET and HEAD: reading the
 *   stored object back from the page. No DELETE: aborts go through the functions, never from the
 *   browser to OSS.
 * - any request header: presigned parts may carry content-type, content-md5 and x-oss-* headers.
 * - ETag exposed (the browser sends each part's ETag to complete), x-oss-hash-crc64ecma (CRC-64
 *   checks in the browser) and x-oss-request-id (what OSS support asks for).
 * - a 10-minute preflight cache, so a many-part upload is not one preflight per part.
 */
export const UPLOAD_CORS: Omit<CorsRule, 'allowedOrigins'> = {
  allowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
  allowedHeaders: ['*'],
  exposeHeaders: ['ETag', 'x-oss-request-id', 'x-oss-hash-crc64ecma'],
  maxAgeSeconds: 600,
};

/** Origin used in the documentation's examples. */
export const EXAMPLE_ORIGIN = 'https://app.example.com';

export function uploadCorsRule(origins: readonly string[]): CorsRule {
  return { allowedOrigins: [...origins], ...structuredClone(UPLOAD_CORS) };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The PutBucketCors body for these origins (one rule; ResponseVary off). */
export function uploadCorsXml(origins: readonly string[]): string {
  const rule = uploadCorsRule(origins.length ? origins : [EXAMPLE_ORIGIN]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<CORSConfiguration>',
    '  <CORSRule>',
    ...rule.allowedOrigins.map((o) => `    <AllowedOrigin>${esc(o)}</AllowedOrigin>`),
    ...rule.allowedMethods.map((m) => `    <AllowedMethod>${m}</AllowedMethod>`),
    ...rule.allowedHeaders.map((h) => `    <AllowedHeader>${esc(h)}</AllowedHeader>`),
    ...rule.exposeHeaders.map((h) => `    <ExposeHeader>${esc(h)}</ExposeHeader>`),
    `    <MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>`,
    '  </CORSRule>',
    '  <ResponseVary>false</ResponseVary>',
    '</CORSConfiguration>',
  ].join('\n');
}

/**
 * Days after which OSS aborts an incomplete multipart upload under the prefix: a backstop for the
 * sweeper (SWEEP_MAX_AGE_HOURS, 24 h), above the upload token's default life
 * (UPLOAD_TOKEN_TTL_SECONDS, 1 day) so it never aborts an upload whose token still works.
 */
export const ABORT_AFTER_DAYS = 3;

/** The PutBucketLifecycle body aborting incomplete multipart uploads under `keyPrefix/`. */
export function abortUploadsLifecycleXml(keyPrefix: string, days = ABORT_AFTER_DAYS): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<LifecycleConfiguration>',
    '  <Rule>',
    '    <ID>abort-incomplete-multipart-uploads</ID>',
    `    <Prefix>${esc(keyPrefix)}/</Prefix>`,
    '    <Status>Enabled</Status>',
    '    <AbortMultipartUpload>',
    `      <Days>${days}</Days>`,
    '    </AbortMultipartUpload>',
    '  </Rule>',
    '</LifecycleConfiguration>',
  ].join('\n');
}

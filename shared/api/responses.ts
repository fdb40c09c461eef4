/**
 * What every route answers (200s; errors: errors.ts): the schemas the OpenAPI document shows and
 * real answers are checked against (test/unit/openapi.test.ts), and the types the upload
 * operations and the handlers return. Type-only imports elsewhere: no bundle carries these.
 */
import * as v from 'valibot';
import { Crc64OrNull, IsoTime, Url } from './fields';

// ---- the JSON API (functions/init, sign, list, complete, abort) --------------------------------


export const SignedPart = v.strictObject({
  partNumber: v.pipe(v.number(), v.integer()),
  url: Url(
    'Presigned UploadPart URL on OSS_PUBLIC_ENDPOINT. With V4 signatures (the default) it also signs the part size (`x-oss-additional-headers=content-length`): OSS answers a body of any other length with 403 SignatureDoesNotMatch.',
  ),
  method: v.picklist(['PUT']),
  headers: v.pipe(
    v.record(v.string(), v.string()),
    v.description('Headers the PUT must send exactly (e.g. Content-MD5). Never Content-Length: browsers and fetch set it from the body, which must be `size` bytes.'),
  ),
  size: v.pipe(v.number(), v.integer(), v.description('Bytes this part must have (signed into the URL with V4; checked at complete either way).')),
});

export const SignResponse = v.strictObject({
  parts: v.array(SignedPart),
  expiresAt: IsoTime('When the URLs expire (URL_EXPIRES_SECONDS, never after the upload token).'),
});

export const InitResponse = v.strictObject({
  uploadId: v.pipe(v.string(), v.description('OSS upload id.')),
  bucket: v.string(),
  key: v.pipe(v.string(), v.description('`<KEY_PREFIX>/<sub>/<yyyy>/<mm>/<random>/<sanitised filename>`')),
  partSize: v.pipe(v.number(), v.integer(), v.description('Every part but the last has exactly this size.')),
  partCount: v.pipe(v.number(), v.integer(), v.description('Parts 1..partCount make the file.')),
  token: v.pipe(v.string(), v.description('Upload token for sign, list, complete and abort.')),
  expiresAt: IsoTime('When the upload token expires (UPLOAD_TOKEN_TTL_SECONDS).'),
  signed: v.pipe(
    v.optional(SignResponse),
    v.description('Only when the request asked for `signParts`: the first parts\' URLs, as `POST /uploads/sign` answers them.'),
  ),
});

export const ListedPart = v.strictObject({
  partNumber: v.pipe(v.number(), v.integer()),
  etag: v.pipe(v.string(), v.description('As OSS lists it (quoted).')),
  size: v.pipe(v.number(), v.integer()),
  crc64: Crc64OrNull('CRC-64/ECMA of the part, decimal; null when OSS gave none.'),
  lastModified: IsoTime('When OSS stored the part.'),
});

export const ListResponse = v.strictObject({
  parts: v.array(ListedPart),
  uploadedBytes: v.pipe(v.number(), v.integer(), v.description('Sum of the listed sizes (of this page, when paging).')),
  nextPartNumberMarker: v.pipe(
    v.optional(v.nullable(v.pipe(v.number(), v.integer()))),
    v.description('Only when paging: pass it as partNumberMarker for the next page; null on the last page.'),
  ),
});

export const CompleteResponse = v.strictObject({
  bucket: v.string(),
  key: v.string(),
  etag: v.pipe(v.nullable(v.string()), v.description("The object's ETag (quoted), when OSS gave one.")),
  size: v.pipe(v.number(), v.integer()),
  crc64: Crc64OrNull("The object's CRC-64/ECMA, decimal; checked against the parts'."),
  location: Url('Object URL on OSS_PUBLIC_ENDPOINT.'),
  callbackStatus: v.pipe(
    v.picklist(['none', 'ok', 'failed', 'unknown']),
    v.description(
      "`none`: no CALLBACK_URL. `ok`: `callback` holds the callback function's JSON. `failed`: OSS answered 203 CallbackFailed; the object IS stored, `callbackError` says why. `unknown`: recovered after a lost response; the callback ran with the earlier attempt.",
    ),
  ),
  callback: v.pipe(v.optional(v.unknown()), v.description("The callback function's JSON as relayed by OSS (see the /oss/callback 200 response).")),
  callbackError: v.optional(
    v.strictObject({
      code: v.picklist(['CALLBACK_FAILED']),
      message: v.pipe(v.string(), v.description('Says the object is stored, and why the callback failed.')),
    }),
  ),
  recovered: v.pipe(
    v.optional(v.literal(true)),
    v.description('An earlier attempt completed the upload (its response was lost); this call confirmed the object by HEAD.'),
  ),
});

export const AbortResponse = v.strictObject({
  aborted: v.literal(true),
  alreadyGone: v.pipe(v.boolean(), v.description('The upload was already gone (aborted, completed or swept); repeating abort is safe.')),
});

export type InitResult = v.InferOutput<typeof InitResponse>;
export type SignedPartResult = v.InferOutput<typeof SignedPart>;
export type ListedPartResult = v.InferOutput<typeof ListedPart>;
export type SignResult = v.InferOutput<typeof SignResponse>;
export type ListResult = v.InferOutput<typeof ListResponse>;
export type CompleteResult = v.InferOutput<typeof CompleteResponse>;
export type AbortResult = v.InferOutput<typeof AbortResponse>;

// ---- the OSS callback (functions/callback) ----------------------------------------------------

export const CallbackResponse = v.strictObject({
  ok: v.literal(true),
  bucket: v.string(),
  key: v.string(),
  size: v.pipe(v.number(), v.integer()),
  etag: v.string(),
  mimeType: v.string(),
  crc64: v.string(),
  uploadId: v.string(),
  sub: v.string(),
  issuedAt: v.pipe(v.number(), v.integer(), v.description('When complete (or the form) asked for this callback, seconds since the epoch.')),
  verifiedAt: IsoTime('When the signature was verified.'),
});

// ---- the Uppy Companion facade (functions/companion) ------------------------------------------

export const CompanionParams = v.strictObject({
  method: v.picklist(['POST']),
  url: Url('The bucket URL to POST the form to.'),
  fields: v.pipe(
    v.record(v.string(), v.string()),
    v.description('Form fields to send before the file: key, Content-Type, policy, signature fields, callback when configured.'),
  ),
  expires: v.pipe(v.number(), v.integer(), v.description('Seconds the policy stays valid (URL_EXPIRES_SECONDS).')),
});

export const CompanionCreateResponse = v.strictObject({
  key: v.string(),
  uploadId: v.pipe(
    v.string(),
    v.description(
      "The facade's upload id: a signed token (HS256 JWT, ~350 characters) binding the caller, bucket, key, OSS upload id, MAX_FILE_SIZE at create time and the expiry. Opaque to Uppy; send it back unchanged.",
    ),
  ),
  bucket: v.string(),
  expiresAt: IsoTime('When the upload expires (UPLOAD_TOKEN_TTL_SECONDS after create): sign, list and complete then answer 410 UPLOAD_EXPIRED; abort still works.'),
});

export const CompanionBatchResponse = v.strictObject({
  presignedUrls: v.pipe(v.record(v.string(), v.pipe(v.string(), v.url())), v.description('Part number -> presigned UploadPart URL (no headers).')),
});

export const CompanionSignResponse = v.strictObject({
  url: Url('Presigned UploadPart URL, signed for no Content-Type, no Content-MD5 and no size (Uppy parts have no plan).'),
  expires: v.pipe(v.number(), v.integer(), v.description("Seconds (URL_EXPIRES_SECONDS, never past the upload's expiresAt).")),
});

export const CompanionPart = v.strictObject({
  PartNumber: v.pipe(v.number(), v.integer()),
  ETag: v.string(),
  Size: v.pipe(v.number(), v.integer()),
  LastModified: IsoTime('When OSS stored the part.'),
});

export type CallbackResult = v.InferOutput<typeof CallbackResponse>;
export type CompanionCreateResult = v.InferOutput<typeof CompanionCreateResponse>;
export type CompanionPartResult = v.InferOutput<typeof CompanionPart>;

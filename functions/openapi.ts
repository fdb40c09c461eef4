/**
 * The OpenAPI 3.1 document of the HTTP API: every route of `functions/routes.ts` (the JSON API,
 * the OSS callback and the Uppy Companion `/s3/*` facade), every request and response body, and
 * every error code each operation can answer (from `ERROR_CODES`, shared/http/errors.ts).
 *
 * Source of truth and files:
 *  - this module is the source; the local stack imports `openApiDocument` and serves it at
 *    `/openapi.json`, so it carries no Node-only imports;
 *  - `openapi.json` at the repository root is generated from it and committed, for readers and
 *    tools that want a file (`npx tsx infra/write-openapi.ts` rewrites it);
 *  - test/unit/openapi.test.ts fails when the file is stale, when a route or error code is not
 *    documented, and when a real response (success or error, against the local stack) does not
 *    match the schema documented for its path, method and status. So the document cannot drift.
 *
 * Error responses are grouped by status; each lists, in its `code` enum, exactly the codes that
 * operation can answer with that status.
 */
import { ERROR_CODES, type ErrorCode } from '../shared/http/errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', ...(description ? { description } : {}), ...extra });
const obj = (properties: Record<string, Schema>, required: string[], extra: Schema = {}): Schema => ({
  type: 'object',
  required,
  properties,
  additionalProperties: false,
  ...extra,
});
const json = (schema: Schema) => ({ 'application/json': { schema } });

const REQUEST_ID_HEADER = { 'x-request-id': { $ref: '#/components/headers/RequestId' } };

/** What each error code means, for the ErrorCode schema's description. */
const CODE_MEANING: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request is malformed at the HTTP level (e.g. an invalid Content-Length).',
  INVALID_JSON: 'The body is empty, not UTF-8, not JSON, or not a JSON object.',
  VALIDATION_FAILED: 'A field is missing or invalid; `details.field` names it.',
  UPLOAD_ID_INVALID: 'The `/s3/multipart` upload id is not one this service issued, was altered or truncated, or is another kind of token (a JSON-API upload token, a raw OSS upload id).',
  UNAUTHENTICATED: 'No caller credentials (Authorization: Bearer <JWT>, or the AUTH_COOKIE_NAME cookie).',
  TOKEN_INVALID: 'The caller JWT or the upload token is invalid, tampered with, of the wrong kind, or expired.',
  FORBIDDEN: 'Authenticated, but not allowed: the upload or key belongs to another caller or bucket, or the JWT subject cannot scope keys.',
  CALLBACK_SIGNATURE_INVALID: 'The OSS callback signature is missing or wrong, or its public key URL is not trusted.',
  NOT_FOUND: 'No such path (any path not in this document).',
  METHOD_NOT_ALLOWED: "The path exists but not with this method; the `Allow` header lists the path's methods.",
  UPLOAD_NOT_FOUND: 'The multipart upload no longer exists in OSS (completed, aborted or swept).',
  CONFLICT: 'An object already exists at the key, or a listed part has a different ETag in OSS.',
  UPLOAD_EXPIRED: 'The `/s3/multipart` upload is past its `expiresAt` (UPLOAD_TOKEN_TTL_SECONDS after create); only abort still accepts it.',
  INCOMPLETE_UPLOAD: 'Parts are missing or have the wrong size; `details` lists them.',
  PAYLOAD_TOO_LARGE: 'The request body is over MAX_BODY_BYTES (16 KiB for callbacks).',
  FILE_TOO_LARGE: 'The file is over MAX_FILE_SIZE (or over 10,000 parts of 5 GiB).',
  UNSUPPORTED_MEDIA_TYPE: 'The request is not Content-Type: application/json, or the file type is not in ALLOWED_CONTENT_TYPES.',
  TOO_MANY_UPLOADS: 'The caller has MAX_ACTIVE_UPLOADS unfinished uploads; complete or abort one first.',
  INTERNAL: 'An unexpected error; details are in the function log under the request id, never in the response.',
  MISCONFIGURED: 'The function configuration is invalid or incomplete; it refuses every request (fails closed).',
  OSS_ERROR: 'OSS answered an error or could not be reached; `details.ossCode` and `details.ossRequestId` when it answered.',
  INTEGRITY_MISMATCH:
    "A CRC-64 disagrees: the object's is not its parts' combined CRC-64, or the parts (or the object) do not have the CRC-64 the client sent in `crc64`. `details.completed` says whether an object was stored (it is kept); when false the upload is kept too, so the parts that differ can be uploaded again.",
  AUTH_UNAVAILABLE: "The identity provider's JWKS could not be fetched; the caller's token may be fine, retry later.",
};

/** The error responses of an operation: one per status, each with the exact codes it can carry. */
function errorResponses(codes: ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: `${list.join(', ')} (see ErrorCode).`,
      headers: REQUEST_ID_HEADER,
      content: json({
        allOf: [ref('Error'), { properties: { error: { properties: { code: { enum: list } } } } }],
      }),
    };
  }
  return out;
}

function ok(status: number, description: string, schema: Schema, headers: Record<string, Json> = {}): Record<string, Json> {
  return { [String(status)]: { description, headers: { ...REQUEST_ID_HEADER, ...headers }, content: json(schema) } };
}

const NO_STORE = { 'cache-control': { description: '`no-store`: signed URLs and policies are per caller and short-lived.', schema: { type: 'string' } } };

// Codes every authenticated JSON operation can answer.
const CALLER: ErrorCode[] = ['UNAUTHENTICATED', 'TOKEN_INVALID', 'FORBIDDEN', 'INTERNAL', 'MISCONFIGURED', 'AUTH_UNAVAILABLE'];
const JSON_BODY: ErrorCode[] = ['BAD_REQUEST', 'INVALID_JSON', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

const TOKEN = str('The upload token from `POST /uploads` (HS256, binds caller, bucket, key, upload id and plan).', { minLength: 1 });
const ISO_TIME = (description: string) => str(description, { format: 'date-time' });
const CRC64 = (description: string) => ({ type: ['string', 'null'], pattern: '^[0-9]{1,20}$', description }) as Schema;

const schemas: Record<string, Schema> = {
  ErrorCode: {
    type: 'string',
    enum: Object.keys(ERROR_CODES),
    description: Object.entries(ERROR_CODES)
      .map(([code, status]) => `\`${code}\` (${status}): ${CODE_MEANING[code as ErrorCode]}`)
      .join('\n'),
    'x-status': ERROR_CODES as unknown as Json,
  },
  Error: obj(
    {
      error: obj(
        {
          code: ref('ErrorCode'),
          message: str('Human-readable; never contains tokens, signatures or secrets.'),
          requestId: str('Matches the x-request-id header and the function log.'),
          details: {
            type: 'object',
            description:
              'Safe extra facts, by code: VALIDATION_FAILED `field`; INCOMPLETE_UPLOAD `missing`, `missingCount`, `wrongSize`, `uploadedBytes`, `size`; ' +
              'INTEGRITY_MISMATCH `key`, `expectedCrc64`, `reportedCrc64`, `completed`; OSS_ERROR `ossCode`, `ossRequestId` or `reason`; TOO_MANY_UPLOADS `limit`; ' +
              'PAYLOAD_TOO_LARGE `maxBytes`; FILE_TOO_LARGE `maxFileSize`; UNSUPPORTED_MEDIA_TYPE `allowed`; CONFLICT `partNumber`, `ossEtag` or `ossCode`.',
            properties: {
              field: str(),
              missing: { type: 'array', items: int() },
              missingCount: int(),
              uploadedBytes: int(),
              size: int(),
              key: str(),
              expectedCrc64: str(),
              reportedCrc64: str(),
              completed: { type: 'boolean', description: 'INTEGRITY_MISMATCH: whether an object was stored.' },
              ossCode: str(),
              ossRequestId: str(),
              limit: int(),
              maxBytes: int(),
              maxFileSize: int(),
              allowed: { type: 'array', items: str() },
              partNumber: {},
            },
          },
        },
        ['code', 'message', 'requestId'],
      ),
      message: str('Same as error.message, where Uppy looks for it.'),
    },
    ['error', 'message'],
    { description: 'Every error: a fitting HTTP status and this body.' },
  ),

  InitRequest: {
    type: 'object',
    required: ['filename', 'size'],
    description: 'Unknown fields are ignored.',
    properties: {
      filename: str(
        "The file's name, 1..4096 UTF-8 bytes. Sanitised into the key's last segment (path components, control and bidi characters and `<>:\"|?*` removed or replaced, at most 200 bytes, extension kept); never refused for its characters.",
        { minLength: 1 },
      ),
      size: int('Exact file size in bytes; at most MAX_FILE_SIZE.', { minimum: 0 }),
      contentType: { type: ['string', 'null'], description: 'Media type (parameters allowed, printable ASCII); default application/octet-stream; must match ALLOWED_CONTENT_TYPES.' },
      partSize: {
        type: ['integer', 'null'],
        minimum: 102400,
        maximum: 5368709120,
        description: 'Part size in bytes (100 KiB..5 GiB, at most 10,000 parts); default DEFAULT_PART_SIZE, raised as needed to fit 10,000 parts.',
      },
      metadata: {
        type: ['object', 'null'],
        description: 'User metadata (x-oss-meta-*): keys of a-z, 0-9 and - (1..64), printable ASCII values, 2 KiB in all.',
        additionalProperties: { type: 'string' },
      },
    },
  },
  InitResponse: obj(
    {
      uploadId: str('OSS upload id.'),
      bucket: str(),
      key: str('`<KEY_PREFIX>/<sub>/<yyyy>/<mm>/<random>/<sanitised filename>`'),
      partSize: int('Every part but the last has exactly this size.'),
      partCount: int('Parts 1..partCount make the file.'),
      token: str('Upload token for sign, list, complete and abort.'),
      expiresAt: ISO_TIME('When the upload token expires (UPLOAD_TOKEN_TTL_SECONDS).'),
    },
    ['uploadId', 'bucket', 'key', 'partSize', 'partCount', 'token', 'expiresAt'],
  ),

  SignRequest: {
    type: 'object',
    required: ['token', 'partNumbers'],
    properties: {
      token: TOKEN,
      partNumbers: { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: int(undefined, { minimum: 1 }), description: 'Integers 1..partCount, each once; at most MAX_PARTS_PER_SIGN (1000).' },
      contentMd5: {
        type: 'object',
        description: 'Optional base64 MD5 per part number (keys are part numbers in partNumbers); the URL is then signed for that Content-MD5 and OSS rejects other bytes.',
        additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9+/]{22}==$' },
      },
    },
  },
  SignedPart: obj(
    {
      partNumber: int(),
      url: str(
        'Presigned UploadPart URL on OSS_PUBLIC_ENDPOINT. With V4 signatures (the default) it also signs the part size (`x-oss-additional-headers=content-length`): OSS answers a body of any other length with 403 SignatureDoesNotMatch.',
        { format: 'uri' },
      ),
      method: { type: 'string', enum: ['PUT'] },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Headers the PUT must send exactly (e.g. Content-MD5). Never Content-Length: browsers and fetch set it from the body, which must be `size` bytes.',
      },
      size: int('Bytes this part must have (signed into the URL with V4; checked at complete either way).'),
    },
    ['partNumber', 'url', 'method', 'headers', 'size'],
  ),
  SignResponse: obj(
    { parts: { type: 'array', items: ref('SignedPart') }, expiresAt: ISO_TIME('When the URLs expire (URL_EXPIRES_SECONDS, never after the upload token).') },
    ['parts', 'expiresAt'],
  ),

  TokenRequest: { type: 'object', required: ['token'], properties: { token: TOKEN } },
  ListRequest: {
    type: 'object',
    required: ['token'],
    properties: {
      token: TOKEN,
      maxParts: { type: ['integer', 'null'], minimum: 1, maximum: 1000, description: 'Page size; with it or partNumberMarker the answer is one page (ListParts once) and carries nextPartNumberMarker.' },
      partNumberMarker: { type: ['integer', 'null'], minimum: 0, maximum: 10000, description: 'List the parts numbered above this (0: from the first). Default 0.' },
    },
  },
  ListedPart: obj(
    {
      partNumber: int(),
      etag: str('As OSS lists it (quoted).'),
      size: int(),
      crc64: CRC64('CRC-64/ECMA of the part, decimal; null when OSS gave none.'),
      lastModified: ISO_TIME('When OSS stored the part.'),
    },
    ['partNumber', 'etag', 'size', 'crc64', 'lastModified'],
  ),
  ListResponse: obj(
    {
      parts: { type: 'array', items: ref('ListedPart') },
      uploadedBytes: int('Sum of the listed sizes (of this page, when paging).'),
      nextPartNumberMarker: { type: ['integer', 'null'], description: 'Only when paging: pass it as partNumberMarker for the next page; null on the last page.' },
    },
    ['parts', 'uploadedBytes'],
  ),

  CompleteRequest: {
    type: 'object',
    required: ['token'],
    properties: {
      token: TOKEN,
      parts: {
        type: ['array', 'null'],
        maxItems: 10000,
        description: 'Optional: the parts as the client saw them; each must match OSS (else 409 CONFLICT) and all of 1..partCount be listed. Without it the server lists the parts itself.',
        items: obj({ partNumber: int(undefined, { minimum: 1 }), etag: str(undefined, { maxLength: 128 }) }, ['partNumber', 'etag']),
      },
      crc64: {
        type: ['string', 'null'],
        pattern: '^[0-9]{1,20}$',
        description:
          "Optional: the whole file's CRC-64/XZ (as OSS's x-oss-hash-crc64ecma), unsigned decimal, computed by the client from the bytes it read. The parts in OSS must add up to it before they are assembled (else 502 INTEGRITY_MISMATCH with `completed: false`; the upload is kept), and the object must have it (else 502 INTEGRITY_MISMATCH with `completed: true`). A string: JSON numbers lose 64-bit precision. Not a decimal up to 2^64-1: 400 VALIDATION_FAILED.",
      },
    },
  },
  CompleteResponse: obj(
    {
      bucket: str(),
      key: str(),
      etag: { type: ['string', 'null'], description: "The object's ETag (quoted), when OSS gave one." },
      size: int(),
      crc64: CRC64("The object's CRC-64/ECMA, decimal; checked against the parts'."),
      location: str('Object URL on OSS_PUBLIC_ENDPOINT.', { format: 'uri' }),
      callbackStatus: {
        type: 'string',
        enum: ['none', 'ok', 'failed', 'unknown'],
        description:
          '`none`: no CALLBACK_URL. `ok`: `callback` holds the callback function\'s JSON. `failed`: OSS answered 203 CallbackFailed; the object IS stored, `callbackError` says why. `unknown`: recovered after a lost response; the callback ran with the earlier attempt.',
      },
      callback: { description: "The callback function's JSON as relayed by OSS (see the /oss/callback 200 response)." },
      callbackError: obj({ code: { type: 'string', enum: ['CALLBACK_FAILED'] }, message: str('Says the object is stored, and why the callback failed.') }, ['code', 'message']),
      recovered: { type: 'boolean', enum: [true], description: 'An earlier attempt completed the upload (its response was lost); this call confirmed the object by HEAD.' },
    },
    ['bucket', 'key', 'etag', 'size', 'crc64', 'location', 'callbackStatus'],
  ),
  AbortResponse: obj(
    { aborted: { type: 'boolean', enum: [true] }, alreadyGone: { type: 'boolean', description: 'The upload was already gone (aborted, completed or swept); repeating abort is safe.' } },
    ['aborted', 'alreadyGone'],
  ),

  CallbackBody: obj(
    {
      bucket: str(),
      key: str(),
      etag: str(),
      size: int(undefined, { minimum: 0 }),
      mimeType: str(),
      crc64: str('Decimal, or empty.', { pattern: '^[0-9]{0,20}$' }),
      uploadId: str('Empty for PostObject uploads.'),
      sub: str('The caller.'),
      issuedAt: str('When complete (or the form) asked for this callback, seconds since the epoch; older than UPLOAD_TOKEN_TTL_SECONDS is refused (400).', { pattern: '^[0-9]{1,12}$' }),
    },
    ['bucket', 'key', 'etag', 'size', 'mimeType', 'crc64', 'uploadId', 'sub', 'issuedAt'],
    { description: 'What OSS expands the callback body template to (JSON mode). Signed by OSS; sent by OSS, not by browsers.' },
  ),
  CallbackResponse: obj(
    {
      ok: { type: 'boolean', enum: [true] },
      bucket: str(),
      key: str(),
      size: int(),
      etag: str(),
      mimeType: str(),
      crc64: str(),
      uploadId: str(),
      sub: str(),
      issuedAt: int('When complete (or the form) asked for this callback, seconds since the epoch.'),
      verifiedAt: ISO_TIME('When the signature was verified.'),
    },
    ['ok', 'bucket', 'key', 'size', 'etag', 'mimeType', 'crc64', 'uploadId', 'sub', 'issuedAt', 'verifiedAt'],
  ),

  // ---- Uppy Companion /s3/* ----
  CompanionParams: obj(
    {
      method: { type: 'string', enum: ['POST'] },
      url: str('The bucket URL to POST the form to.', { format: 'uri' }),
      fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'Form fields to send before the file: key, Content-Type, policy, signature fields, callback when configured.' },
      expires: int('Seconds the policy stays valid (URL_EXPIRES_SECONDS).'),
    },
    ['method', 'url', 'fields', 'expires'],
  ),
  CompanionCreateRequest: {
    type: 'object',
    required: ['filename'],
    properties: {
      filename: str('As for POST /uploads.'),
      type: { type: ['string', 'null'], description: 'Media type; must match ALLOWED_CONTENT_TYPES.' },
      metadata: { type: ['object', 'null'], description: "Uppy's file meta; names are lower-cased to a-z0-9-, null and non-scalar values dropped, values stored percent-encoded." },
    },
  },
  CompanionCreateResponse: obj(
    {
      key: str(),
      uploadId: str(
        "The facade's upload id: a signed token (HS256 JWT, ~350 characters) binding the caller, bucket, key, OSS upload id, MAX_FILE_SIZE at create time and the expiry. Opaque to Uppy; send it back unchanged.",
      ),
      bucket: str(),
      expiresAt: ISO_TIME('When the upload expires (UPLOAD_TOKEN_TTL_SECONDS after create): sign, list and complete then answer 410 UPLOAD_EXPIRED; abort still works.'),
    },
    ['key', 'uploadId', 'bucket', 'expiresAt'],
  ),
  CompanionBatchResponse: obj({ presignedUrls: { type: 'object', additionalProperties: str(undefined, { format: 'uri' }), description: 'Part number -> presigned UploadPart URL (no headers).' } }, ['presignedUrls']),
  CompanionSignResponse: obj(
    { url: str('Presigned UploadPart URL, signed for no Content-Type, no Content-MD5 and no size (Uppy parts have no plan).', { format: 'uri' }), expires: int('Seconds (URL_EXPIRES_SECONDS, never past the upload\'s expiresAt).') },
    ['url', 'expires'],
  ),
  CompanionPart: obj({ PartNumber: int(), ETag: str(), Size: int(), LastModified: ISO_TIME('When OSS stored the part.') }, ['PartNumber', 'ETag', 'Size', 'LastModified']),
  CompanionCompleteRequest: {
    type: 'object',
    required: ['parts'],
    properties: {
      parts: {
        type: 'array',
        maxItems: 10000,
        items: { type: 'object', required: ['PartNumber', 'ETag'], properties: { PartNumber: { type: ['integer', 'string'] }, ETag: str(undefined, { maxLength: 128 }) } },
        description: 'Parts 1..N, each once, with the ETags OSS returned.',
      },
    },
  },
  CompanionCompleteResponse: {
    ...ref('CompleteResponse'),
    description: 'As POST /uploads/complete (Companion reads `location`, `key` and `bucket`).',
  },
  ContentCheck: obj(
    {
      result: {
        type: 'string',
        enum: ['verified', 'declared-only', 'mismatch', 'not-allowed'],
        description:
          '`verified`: the first bytes are the declared type (or the declared type is generic, application/octet-stream, and the bytes were recognised). ' +
          '`declared-only`: a type without magic bytes (text, CSV, JSON…), accepted on the declared type. `mismatch`, `not-allowed` (ALLOWED_CONTENT_TYPES): rejected.',
      },
      declared: str('The stored Content-Type without parameters.'),
      detected: { type: ['string', 'null'], description: 'What the bytes are (file-type), or null when not recognised.' },
      reason: str('Why it was rejected.'),
    },
    ['result', 'declared', 'detected'],
  ),
  UploadEventData: obj(
    {
      bucket: str(),
      key: str('The object key: `<KEY_PREFIX>/<sub>/<yyyy>/<mm>/<random>/<filename>`.'),
      size: int('Bytes.', { minimum: 0 }),
      etag: str('As OSS reports it, without quotes (`<hex>-<parts>` for multipart objects).'),
      crc64: CRC64('CRC-64/ECMA of the object, a decimal string as OSS writes it; null when OSS reports none.'),
      contentType: str('The stored Content-Type (declared by the uploader).'),
      sub: str('The caller who uploaded it (the JWT `sub`).'),
      metadata: { type: 'object', additionalProperties: str(), description: "The upload's user metadata (the object's x-oss-meta-*)." },
      storedAt: ISO_TIME('When OSS stored the object (its Last-Modified).'),
      check: ref('ContentCheck'),
      quarantine: {
        anyOf: [
          obj({ action: { const: 'moved' }, key: str('Where the object is kept, under QUARANTINE_PREFIX, until the sweeper deletes it.') }, ['action', 'key']),
          obj({ action: { const: 'deleted' } }, ['action']),
        ],
        description: 'upload.rejected only: what became of the object. It no longer answers at `key` either way.',
      },
    },
    ['bucket', 'key', 'size', 'etag', 'crc64', 'contentType', 'sub', 'metadata', 'storedAt', 'check'],
  ),
  UploadEvent: obj(
    {
      id: str('`evt_` + 32 hex characters derived from bucket, key and ETag: every delivery of the same object carries the same id (and body). Deduplicate by it; it is also the `webhook-id` header.', { pattern: '^evt_[0-9a-f]{32}$' }),
      type: { type: 'string', enum: ['upload.completed', 'upload.rejected'] },
      timestamp: ISO_TIME("When the event happened: the object's storage time."),
      data: ref('UploadEventData'),
    },
    ['id', 'type', 'timestamp', 'data'],
  ),
};

const webhookHeader = (name: string, description: string) => ({ name, in: 'header', required: true, schema: { type: 'string' }, description });

/** The events function's deliveries to WEBHOOK_URL (Standard Webhooks): one per stored object. */
const webhook = (type: 'upload.completed' | 'upload.rejected', summary: string, description: string): Json => ({
  post: {
    operationId: type === 'upload.completed' ? 'uploadCompleted' : 'uploadRejected',
    summary,
    description:
      `${description} Sent by the events function (OSS trigger) to WEBHOOK_URL, signed by the Standard Webhooks specification with WEBHOOK_SECRET: ` +
      'verify `webhook-signature` over `<webhook-id>.<webhook-timestamp>.<raw body>` with any Standard Webhooks library before parsing. ' +
      'Answer 2xx to acknowledge; any other answer or no answer within WEBHOOK_TIMEOUT_MS is retried (FC asynchronous invocation), then kept as a dead letter.',
    tags: ['events'],
    security: [],
    parameters: [
      webhookHeader('webhook-id', 'The event id (the same as `id` in the body).'),
      webhookHeader('webhook-timestamp', 'Seconds since the epoch when this delivery was signed; reject deliveries outside your tolerance (the libraries use 5 minutes).'),
      webhookHeader('webhook-signature', '`v1,<base64 HMAC-SHA256>`; space-separated when several.'),
    ],
    requestBody: { required: true, content: json({ allOf: [ref('UploadEvent'), { properties: { type: { const: type } } }] }) },
    responses: { '200': { description: 'Received (any 2xx).' } },
  },
});

const webhooks: Record<string, Json> = {
  'upload.completed': webhook('upload.completed', 'An upload is stored and passed the content check.', 'The object is at `data.key` and its first bytes are what it declares (or it has no magic bytes: `data.check.result` says which).'),
  'upload.rejected': webhook('upload.rejected', 'A stored upload failed the content check and was quarantined.', 'The bytes are not the declared type, or a type ALLOWED_CONTENT_TYPES refuses; the object no longer answers at `data.key` (`data.quarantine`).'),
};

const companionQueryKey = { name: 'key', in: 'query', required: true, schema: { type: 'string' }, description: 'The object key from create; must be the key the upload id binds (else 403).' };
const uploadIdParam = {
  name: 'uploadId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', maxLength: 4096 },
  description:
    "The id create answered (a signed token). A raw OSS upload id, a JSON-API upload token, or an altered or truncated id -> 400 UPLOAD_ID_INVALID; another caller's -> 403; expired -> 410 UPLOAD_EXPIRED (abort excepted).",
};
const COMPANION_GET: ErrorCode[] = [...CALLER, 'VALIDATION_FAILED', 'UPLOAD_ID_INVALID', 'UPLOAD_EXPIRED'];

const paths: Record<string, Json> = {
  '/uploads': {
    post: {
      operationId: 'init',
      tags: ['uploads'],
      summary: 'Start an upload',
      description:
        'Checks policy (size, type, part plan, active uploads counted in OSS), picks the key under the caller\'s prefix, InitiateMultipartUpload (forbid-overwrite), and returns the plan and an upload token.',
      requestBody: { required: true, content: json(ref('InitRequest')) },
      responses: {
        ...ok(201, 'Upload started.', ref('InitResponse')),
        ...errorResponses([...JSON_BODY, ...CALLER, 'FILE_TOO_LARGE', 'TOO_MANY_UPLOADS', 'CONFLICT', 'OSS_ERROR']),
      },
    },
  },
  '/uploads/sign': {
    post: {
      operationId: 'sign',
      tags: ['uploads'],
      summary: 'Presign part uploads',
      description:
        'Presigned UploadPart URLs for up to 1000 part numbers of the token\'s upload. With SIGN_CHECKS_UPLOAD (default) one ListParts call checks the upload still exists (404 UPLOAD_NOT_FOUND); otherwise no OSS call. Answers over 1 KiB go compressed (Content-Encoding br, else gzip) to callers whose Accept-Encoding allows it: a 1000-part answer is ~458 KB as JSON, ~41 KB as brotli.',
      requestBody: { required: true, content: json(ref('SignRequest')) },
      responses: { ...ok(200, 'Signed URLs, in the order asked.', ref('SignResponse')), ...errorResponses([...JSON_BODY, ...CALLER, 'UPLOAD_NOT_FOUND', 'OSS_ERROR']) },
    },
  },
  '/uploads/list': {
    post: {
      operationId: 'list',
      tags: ['uploads'],
      summary: 'List uploaded parts',
      description:
        "Every part OSS holds for the token's upload (paging through ListParts), to resume after a reload; or one page of them with `maxParts`/`partNumberMarker`. Answers over 1 KiB are compressed (br or gzip) for callers that accept it, as sign's are.",
      requestBody: { required: true, content: json(ref('ListRequest')) },
      responses: { ...ok(200, 'The parts, ascending.', ref('ListResponse')), ...errorResponses([...JSON_BODY, ...CALLER, 'UPLOAD_NOT_FOUND', 'OSS_ERROR']) },
    },
  },
  '/uploads/complete': {
    post: {
      operationId: 'complete',
      tags: ['uploads'],
      summary: 'Complete an upload',
      description:
        'Checks the parts in OSS against the plan (all of 1..partCount, planned sizes) and, when the client sends `crc64`, that they add up to it; CompleteMultipartUpload with the OSS upload callback (CALLBACK_URL), then checks the object\'s CRC-64 against the parts\' (and the client\'s). A repeated call after a lost response answers 200 with `recovered: true`.',
      requestBody: { required: true, content: json(ref('CompleteRequest')) },
      responses: {
        ...ok(200, 'Completed (or confirmed completed). A failed callback is still 200: see callbackStatus.', ref('CompleteResponse')),
        ...errorResponses([...JSON_BODY, ...CALLER, 'UPLOAD_NOT_FOUND', 'CONFLICT', 'INCOMPLETE_UPLOAD', 'OSS_ERROR', 'INTEGRITY_MISMATCH']),
      },
    },
  },
  '/uploads/abort': {
    post: {
      operationId: 'abort',
      tags: ['uploads'],
      summary: 'Abort an upload',
      description: 'AbortMultipartUpload; an upload already gone counts as aborted, so it is safe to repeat.',
      requestBody: { required: true, content: json(ref('TokenRequest')) },
      responses: { ...ok(200, 'Aborted.', ref('AbortResponse')), ...errorResponses([...JSON_BODY, ...CALLER, 'OSS_ERROR']) },
    },
  },
  '/oss/callback': {
    post: {
      operationId: 'callback',
      tags: ['oss'],
      summary: 'OSS upload callback (called by OSS, not by browsers)',
      description:
        'OSS POSTs here after CompleteMultipartUpload (or a PostObject) with `x-oss-callback`. The RSA-MD5 signature over the path, query and raw body is verified first (pinned OSS key, plus CALLBACK_PUBLIC_KEYS and CALLBACK_KEY_URL_PREFIXES), then the body must be the one complete asked for, issued no longer ago than UPLOAD_TOKEN_TTL_SECONDS (a replayed capture is refused after that). The JSON answer is what the completing caller receives in `callback`. The function answers on any path; this is the one the route table gives it.',
      security: [],
      parameters: [
        { name: 'authorization', in: 'header', required: true, schema: { type: 'string' }, description: 'Base64 RSA-MD5 signature by OSS.' },
        { name: 'x-oss-pub-key-url', in: 'header', required: true, schema: { type: 'string' }, description: "Base64 URL of the signing key; must be OSS's (pinned) or under a configured prefix." },
      ],
      requestBody: { required: true, content: json(ref('CallbackBody')) },
      responses: {
        ...ok(200, 'Verified; the facts of the stored object.', ref('CallbackResponse')),
        ...errorResponses(['VALIDATION_FAILED', 'CALLBACK_SIGNATURE_INVALID', 'PAYLOAD_TOO_LARGE', 'INTERNAL', 'MISCONFIGURED']),
      },
    },
  },

  // ---- Uppy Companion facade (functions/companion): the `/s3/*` route of functions/routes.ts ----
  '/s3/params': {
    get: {
      operationId: 'companionParams',
      tags: ['companion'],
      summary: 'PostObject form for a small file',
      parameters: [
        { name: 'filename', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'type', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'metadata', in: 'query', required: false, style: 'deepObject', explode: true, schema: { type: 'object', additionalProperties: { type: 'string' } }, description: '`metadata[name]=value`' },
      ],
      responses: { ...ok(200, 'A signed PostObject form with a concrete key.', ref('CompanionParams'), NO_STORE), ...errorResponses([...COMPANION_GET, 'UNSUPPORTED_MEDIA_TYPE']) },
    },
  },
  '/s3/multipart': {
    post: {
      operationId: 'companionCreate',
      tags: ['companion'],
      summary: 'Create a multipart upload',
      requestBody: { required: true, content: json(ref('CompanionCreateRequest')) },
      responses: { ...ok(200, 'Created.', ref('CompanionCreateResponse')), ...errorResponses([...JSON_BODY, ...CALLER, 'TOO_MANY_UPLOADS', 'CONFLICT', 'OSS_ERROR']) },
    },
  },
  '/s3/multipart/{uploadId}/batch': {
    get: {
      operationId: 'companionBatchSign',
      tags: ['companion'],
      summary: 'Presign several parts (older clients)',
      description: 'Part numbers up to the most an upload within the MAX_FILE_SIZE bound at create can have (every part but the last is at least 100 KiB), at most 10,000; URLs never outlive the upload.',
      parameters: [uploadIdParam, companionQueryKey, { name: 'partNumbers', in: 'query', required: true, schema: { type: 'string', pattern: '^\\d{1,5}(,\\d{1,5})*$' }, description: 'e.g. `1,2,3`' }],
      responses: { ...ok(200, 'Signed URLs by part number.', ref('CompanionBatchResponse'), NO_STORE), ...errorResponses([...COMPANION_GET, 'UPLOAD_NOT_FOUND', 'OSS_ERROR']) },
    },
  },
  '/s3/multipart/{uploadId}/{partNumber}': {
    get: {
      operationId: 'companionSignPart',
      tags: ['companion'],
      summary: 'Presign one part',
      description:
        'No OSS call (whatever SIGN_CHECKS_UPLOAD says): Uppy signs each part on its own. A dead upload only yields a URL that OSS answers 404 NoSuchUpload. Part numbers as for batch.',
      parameters: [uploadIdParam, { name: 'partNumber', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: 10000 } }, companionQueryKey],
      responses: { ...ok(200, 'A signed URL.', ref('CompanionSignResponse'), NO_STORE), ...errorResponses(COMPANION_GET) },
    },
  },
  '/s3/multipart/{uploadId}': {
    get: {
      operationId: 'companionListParts',
      tags: ['companion'],
      summary: 'List uploaded parts (every page)',
      parameters: [uploadIdParam, companionQueryKey],
      responses: { ...ok(200, 'A bare array of parts.', { type: 'array', items: ref('CompanionPart') }, NO_STORE), ...errorResponses([...COMPANION_GET, 'UPLOAD_NOT_FOUND', 'OSS_ERROR']) },
    },
    delete: {
      operationId: 'companionAbort',
      tags: ['companion'],
      summary: 'Abort (safe to repeat)',
      description: 'Also accepts an expired upload id of the same caller: aborting only cleans up that caller\'s own upload.',
      parameters: [uploadIdParam, companionQueryKey],
      responses: { ...ok(200, 'Aborted.', obj({}, [])), ...errorResponses([...CALLER, 'VALIDATION_FAILED', 'UPLOAD_ID_INVALID', 'OSS_ERROR']) },
    },
  },
  '/s3/multipart/{uploadId}/complete': {
    post: {
      operationId: 'companionComplete',
      tags: ['companion'],
      summary: 'Complete a multipart upload',
      parameters: [uploadIdParam, companionQueryKey],
      requestBody: { required: true, content: json(ref('CompanionCompleteRequest')) },
      responses: {
        ...ok(200, 'Completed, with the callback result.', ref('CompanionCompleteResponse')),
        ...errorResponses([...JSON_BODY, ...CALLER, 'UPLOAD_ID_INVALID', 'UPLOAD_EXPIRED', 'UPLOAD_NOT_FOUND', 'CONFLICT', 'INCOMPLETE_UPLOAD', 'FILE_TOO_LARGE', 'OSS_ERROR', 'INTEGRITY_MISMATCH']),
      },
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'oss-upload-functions',
    version: '0.1.0',
    summary: 'Browser multipart uploads to Alibaba Cloud OSS, orchestrated by stateless Function Compute functions.',
    description:
      'Browsers upload file bytes straight to OSS through presigned part URLs; these functions start the upload, sign part URLs, list, complete (with the OSS upload callback) and abort. ' +
      'Flow: `POST /uploads` -> `POST /uploads/sign` -> PUT each part to its URL (keep the ETag) -> `POST /uploads/complete`. Resume with `POST /uploads/list`. ' +
      'The `/s3/*` routes speak the Uppy Companion contract for `@uppy/aws-s3`. ' +
      'Every route answers CORS preflights (OPTIONS) with 204 (CORS headers only for CORS_ALLOWED_ORIGINS) and any other path or method with 404 `NOT_FOUND`. ' +
      'The sweep function runs on a timer and has no HTTP route. ' +
      'The events function (OSS trigger) delivers `upload.completed` / `upload.rejected` to your WEBHOOK_URL: see `webhooks`.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/', description: 'The origin serving this document (the local stack, or the custom domain in front of the functions).' }],
  security: [{ bearerAuth: [] }, { cookieAuth: [] }],
  tags: [
    { name: 'uploads', description: 'The JSON upload API.' },
    { name: 'oss', description: 'Called by OSS.' },
    { name: 'companion', description: 'Uppy Companion /s3/* facade over the same policy.' },
    { name: 'events', description: 'What the events function delivers to your WEBHOOK_URL (webhooks).' },
  ],
  paths,
  webhooks,
  components: {
    schemas,
    headers: {
      RequestId: { description: 'FC request id (or a generated UUID); the same as error.requestId in error bodies.', schema: { type: 'string' } },
    },
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Caller JWT (AUTH_JWT_SECRET HS256 or AUTH_JWKS_URL RS256/ES256); `sub` scopes the keys.' },
      cookieAuth: { type: 'apiKey', in: 'cookie', name: 'oss_upload_token', description: 'The same JWT in the AUTH_COOKIE_NAME cookie (default oss_upload_token), for same-origin Uppy.' },
    },
  },
} as const;

/** The document as the committed `openapi.json` holds it (2-space indent, final newline). */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument, null, 2)}\n`;
}

/**
 * The error answers in the OpenAPI document: what each code of ERROR_CODES (shared/http/errors.ts)
 * means, and the envelope errorBody builds, as schemas.
 */
import * as v from 'valibot';
import { ERROR_CODES, type ErrorCode } from '../../shared/http/errors';
import { MAX_PROBLEMS } from '../../shared/http/validate';

/** What each error code means, for the ErrorCode schema's description. */
export const CODE_MEANING: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request is malformed at the HTTP level (e.g. an invalid Content-Length).',
  INVALID_JSON: 'The body is empty, not UTF-8, not JSON, or not a JSON object.',
  VALIDATION_FAILED:
    'Fields are missing or invalid; `details.problems` lists every one (`field`, `message`), `details.field` names the first, and `message` says them all.',
  UPLOAD_ID_INVALID:
    'The `/s3/multipart` upload id is not one this service issued, was altered or truncated, or is another kind of token (a JSON-API upload token, a raw OSS upload id).',
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

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

export const ErrorCodeSchema = v.pipe(
  v.picklist(codes),
  v.description(codes.map((code) => `\`${code}\` (${ERROR_CODES[code]}): ${CODE_MEANING[code]}`).join('\n')),
  v.metadata({ 'x-status': ERROR_CODES }),
);

const int = v.pipe(v.number(), v.integer());

/** errorBody's envelope (shared/http/errors.ts). */
export const ErrorSchema = v.pipe(
  v.strictObject({
    error: v.strictObject({
      code: ErrorCodeSchema,
      message: v.pipe(v.string(), v.description('Human-readable; never contains tokens, signatures or secrets.')),
      requestId: v.pipe(v.string(), v.description('Matches the x-request-id header and the function log.')),
      details: v.pipe(
        v.optional(
          v.object({
            field: v.pipe(v.optional(v.string()), v.description("VALIDATION_FAILED: the first problem's field ('' for the request as a whole).")),
            problems: v.pipe(
              v.optional(
                v.pipe(
                  v.array(
                    v.strictObject({
                      field: v.pipe(v.string(), v.description("A path like `parts[3].etag` or `metadata.x-y`; '' for the request as a whole.")),
                      message: v.pipe(v.string(), v.description('A sentence naming the field, e.g. `size must be an integer`.')),
                    }),
                  ),
                  v.minLength(1),
                  v.maxLength(MAX_PROBLEMS + 1),
                ),
              ),
              v.description(`VALIDATION_FAILED: every problem of the request, in one answer (the first ${MAX_PROBLEMS}, then one saying how many more).`),
            ),
            missing: v.optional(v.array(int)),
            missingCount: v.optional(int),
            uploadedBytes: v.optional(int),
            size: v.optional(int),
            key: v.optional(v.string()),
            expectedCrc64: v.optional(v.string()),
            reportedCrc64: v.optional(v.string()),
            completed: v.pipe(v.optional(v.boolean()), v.description('INTEGRITY_MISMATCH: whether an object was stored.')),
            ossCode: v.optional(v.string()),
            ossRequestId: v.optional(v.string()),
            limit: v.optional(int),
            maxBytes: v.optional(int),
            maxFileSize: v.optional(int),
            allowed: v.optional(v.array(v.string())),
            partNumber: v.optional(v.unknown()),
          }),
        ),
        v.description(
          'Safe extra facts, by code: VALIDATION_FAILED `problems`, `field`; INCOMPLETE_UPLOAD `missing`, `missingCount`, `wrongSize`, `uploadedBytes`, `size`; ' +
            'INTEGRITY_MISMATCH `key`, `expectedCrc64`, `reportedCrc64`, `completed`; OSS_ERROR `ossCode`, `ossRequestId` or `reason`; TOO_MANY_UPLOADS `limit`; ' +
            'PAYLOAD_TOO_LARGE `maxBytes`; FILE_TOO_LARGE `maxFileSize`; UNSUPPORTED_MEDIA_TYPE `allowed`; CONFLICT `partNumber`, `ossEtag` or `ossCode`.',
        ),
      ),
    }),
    message: v.pipe(v.string(), v.description('Same as error.message, where Uppy looks for it.')),
  }),
  v.description('Every error: a fitting HTTP status and this body.'),
);

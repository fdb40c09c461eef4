/**
 * The OpenAPI document's words for every route: summary, description, parameters, body, answer and
 * the error codes it can give. document.ts turns these, the route table (functions/routes.ts), the
 * schemas (functions/<name>/schema.ts, shared/api/responses.ts) and ERROR_CODES into openapi.json.
 */
import * as v from 'valibot';
import type { GenericSchema } from 'valibot';
import type { ErrorCode } from '../../shared/http/errors';
import { InitRequest } from '../../functions/init/schema';
import { SignRequest } from '../../functions/sign/schema';
import { ListRequest } from '../../functions/list/schema';
import { CompleteRequest } from '../../functions/complete/schema';
import { TokenRequest } from '../../functions/abort/schema';
import { CallbackBody } from '../../functions/callback/schema';
import { BatchQuery, CompanionCompleteRequest, CompanionCreateRequest, KeyQuery, ParamsQuery, PartParams, UploadParams } from '../../functions/companion/schema';
import {
  AbortResponse,
  CallbackResponse,
  CompanionBatchResponse,
  CompanionCreateResponse,
  CompanionParams,
  CompanionPart,
  CompanionSignResponse,
  CompleteResponse,
  InitResponse,
  ListResponse,
  SignResponse,
} from '../../shared/api/responses';

export interface Operation {
  /** The function serving it (functions/routes.ts); its route gives the path unless `path` does. */
  fn: string;
  method: 'get' | 'post' | 'delete';
  /** OpenAPI path template, for a function with several paths (`/s3/multipart/{uploadId}`). */
  path?: string;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** `[]`: no caller credentials (the OSS callback). Default: the document's. */
  security?: [];
  /** Path parameters, query parameters: an object schema each, one parameter per member. */
  params?: GenericSchema;
  query?: GenericSchema;
  /** Header parameters, as OpenAPI writes them. */
  headers?: Array<{ name: string; description: string }>;
  body?: GenericSchema;
  ok: { status: number; description: string; schema: GenericSchema; noStore?: boolean };
  /** Every code the route can answer; grouped by status in the document. */
  errors: readonly ErrorCode[];
}

/** Codes every JSON-body route can answer before its own checks. */
export const JSON_BODY_ERRORS = ['BAD_REQUEST', 'INVALID_JSON', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const;
/** Codes every authenticated route can answer. */
export const CALLER_ERRORS = ['UNAUTHENTICATED', 'TOKEN_INVALID', 'FORBIDDEN', 'INTERNAL', 'MISCONFIGURED', 'AUTH_UNAVAILABLE'] as const;

const uploads: Operation[] = [
  {
    fn: 'init',
    method: 'post',
    operationId: 'init',
    tags: ['uploads'],
    summary: 'Start an upload',
    description:
      "Checks policy (size, type, part plan, active uploads counted in OSS), picks the key under the caller's prefix, InitiateMultipartUpload (forbid-overwrite), and returns the plan and an upload token.",
    body: InitRequest,
    ok: { status: 201, description: 'Upload started.', schema: InitResponse },
    errors: [...JSON_BODY_ERRORS, ...CALLER_ERRORS, 'FILE_TOO_LARGE', 'TOO_MANY_UPLOADS', 'CONFLICT', 'OSS_ERROR'],
  },
  {
    fn: 'sign',
    method: 'post',
    operationId: 'sign',
    tags: ['uploads'],
    summary: 'Presign part uploads',
    description:
      "Presigned UploadPart URLs for up to 1000 part numbers of the token's upload. With SIGN_CHECKS_UPLOAD (default) one ListParts call checks the upload still exists (404 UPLOAD_NOT_FOUND); otherwise no OSS call. Answers over 1 KiB go compressed (Content-Encoding br, else gzip) to callers whose Accept-Encoding allows it: a 1000-part answer is ~458 KB as JSON, ~41 KB as brotli.",
    body: SignRequest,
    ok: { status: 200, description: 'Signed URLs, in the order asked.', schema: SignResponse },
    errors: [...JSON_BODY_ERRORS, ...CALLER_ERRORS, 'UPLOAD_NOT_FOUND', 'OSS_ERROR'],
  },
  {
    fn: 'list',
    method: 'post',
    operationId: 'list',
    tags: ['uploads'],
    summary: 'List uploaded parts',
    description:
      "Every part OSS holds for the token's upload (paging through ListParts), to resume after a reload; or one page of them with `maxParts`/`partNumberMarker`. Answers over 1 KiB are compressed (br or gzip) for callers that accept it, as sign's are.",
    body: ListRequest,
    ok: { status: 200, description: 'The parts, ascending.', schema: ListResponse },
    errors: [...JSON_BODY_ERRORS, ...CALLER_ERRORS, 'UPLOAD_NOT_FOUND', 'OSS_ERROR'],
  },
  {
    fn: 'complete',
    method: 'post',
    operationId: 'complete',
    tags: ['uploads'],
    summary: 'Complete an upload',
    description:
      "Checks the parts in OSS against the plan (all of 1..partCount, planned sizes) and, when the client sends `crc64`, that they add up to it; CompleteMultipartUpload with the OSS upload callback (CALLBACK_URL), then checks the object's CRC-64 against the parts' (and the client's). A repeated call after a lost response answers 200 with `recovered: true`.",
    body: CompleteRequest,
    ok: { status: 200, description: 'Completed (or confirmed completed). A failed callback is still 200: see callbackStatus.', schema: CompleteResponse },
    errors: [...JSON_BODY_ERRORS, ...CALLER_ERRORS, 'UPLOAD_NOT_FOUND', 'CONFLICT', 'INCOMPLETE_UPLOAD', 'OSS_ERROR', 'INTEGRITY_MISMATCH'],
  },
  {
    fn: 'abort',
    method: 'post',
    operationId: 'abort',
    tags: ['uploads'],
    summary: 'Abort an upload',
    description: 'AbortMultipartUpload; an upload already gone counts as aborted, so it is safe to repeat.',
    body: TokenRequest,
    ok: { status: 200, description: 'Aborted.', schema: AbortResponse },
    errors: [...JSON_BODY_ERRORS, ...CALLER_ERRORS, 'OSS_ERROR'],
  },
];

const callback: Operation[] = [
  {
    fn: 'callback',
    method: 'post',
    operationId: 'callback',
    tags: ['oss'],
    summary: 'OSS upload callback (called by OSS, not by browsers)',
    description:
      'OSS POSTs here after CompleteMultipartUpload (or a PostObject) with `x-oss-callback`. The RSA-MD5 signature over the path, query and raw body is verified first (pinned OSS key, plus CALLBACK_PUBLIC_KEYS and CALLBACK_KEY_URL_PREFIXES), then the body must be the one complete asked for, issued no longer ago than UPLOAD_TOKEN_TTL_SECONDS (a replayed capture is refused after that). The JSON answer is what the completing caller receives in `callback`. The function answers on any path; this is the one the route table gives it.',
    security: [],
    headers: [
      { name: 'authorization', description: 'Base64 RSA-MD5 signature by OSS.' },
      { name: 'x-oss-pub-key-url', description: "Base64 URL of the signing key; must be OSS's (pinned) or under a configured prefix." },
    ],
    body: CallbackBody,
    ok: { status: 200, description: 'Verified; the facts of the stored object.', schema: CallbackResponse },
    errors: ['VALIDATION_FAILED', 'CALLBACK_SIGNATURE_INVALID', 'PAYLOAD_TOO_LARGE', 'INTERNAL', 'MISCONFIGURED'],
  },
];

const COMPANION_GET: ErrorCode[] = [...CALLER_ERRORS, 'VALIDATION_FAILED', 'UPLOAD_ID_INVALID', 'UPLOAD_EXPIRED'];

const companion: Operation[] = [
  {
    fn: 'companion',
    method: 'get',
    path: '/s3/params',
    operationId: 'companionParams',
    tags: ['companion'],
    summary: 'PostObject form for a small file',
    query: ParamsQuery,
    ok: { status: 200, description: 'A signed PostObject form with a concrete key.', schema: CompanionParams, noStore: true },
    errors: [...COMPANION_GET, 'UNSUPPORTED_MEDIA_TYPE'],
  },
  {
    fn: 'companion',
    method: 'post',
    path: '/s3/multipart',
    operationId: 'companionCreate',
    tags: ['companion'],
    summary: 'Create a multipart upload',
    body: CompanionCreateRequest,
    ok: { status: 200, description: 'Created.', schema: CompanionCreateResponse },
    errors: [...JSON_BODY_ERRORS, ...CALLER_ERRORS, 'TOO_MANY_UPLOADS', 'CONFLICT', 'OSS_ERROR'],
  },
  {
    fn: 'companion',
    method: 'get',
    path: '/s3/multipart/{uploadId}/batch',
    operationId: 'companionBatchSign',
    tags: ['companion'],
    summary: 'Presign several parts (older clients)',
    description:
      'Part numbers up to the most an upload within the MAX_FILE_SIZE bound at create can have (every part but the last is at least 100 KiB), at most 10,000; URLs never outlive the upload.',
    params: UploadParams,
    query: BatchQuery,
    ok: { status: 200, description: 'Signed URLs by part number.', schema: CompanionBatchResponse, noStore: true },
    errors: [...COMPANION_GET, 'UPLOAD_NOT_FOUND', 'OSS_ERROR'],
  },
  {
    fn: 'companion',
    method: 'get',
    path: '/s3/multipart/{uploadId}/{partNumber}',
    operationId: 'companionSignPart',
    tags: ['companion'],
    summary: 'Presign one part',
    description:
      'No OSS call (whatever SIGN_CHECKS_UPLOAD says): Uppy signs each part on its own. A dead upload only yields a URL that OSS answers 404 NoSuchUpload. Part numbers as for batch.',
    params: PartParams,
    query: KeyQuery,
    ok: { status: 200, description: 'A signed URL.', schema: CompanionSignResponse, noStore: true },
    errors: COMPANION_GET,
  },
  {
    fn: 'companion',
    method: 'get',
    path: '/s3/multipart/{uploadId}',
    operationId: 'companionListParts',
    tags: ['companion'],
    summary: 'List uploaded parts (every page)',
    params: UploadParams,
    query: KeyQuery,
    ok: { status: 200, description: 'A bare array of parts.', schema: v.array(CompanionPart), noStore: true },
    errors: [...COMPANION_GET, 'UPLOAD_NOT_FOUND', 'OSS_ERROR'],
  },
  {
    fn: 'companion',
    method: 'delete',
    path: '/s3/multipart/{uploadId}',
    operationId: 'companionAbort',
    tags: ['companion'],
    summary: 'Abort (safe to repeat)',
    description: "Also accepts an expired upload id of the same caller: aborting only cleans up that caller's own upload.",
    params: UploadParams,
    query: KeyQuery,
    ok: { status: 200, description: 'Aborted.', schema: v.strictObject({}) },
    errors: [...CALLER_ERRORS, 'VALIDATION_FAILED', 'UPLOAD_ID_INVALID', 'OSS_ERROR'],
  },
  {
    fn: 'companion',
    method: 'post',
    path: '/s3/multipart/{uploadId}/complete',
    operationId: 'companionComplete',
    tags: ['companion'],
    summary: 'Complete a multipart upload',
    params: UploadParams,
    query: KeyQuery,
    body: CompanionCompleteRequest,
    ok: { status: 200, description: 'Completed, with the callback result. As POST /uploads/complete (Companion reads `location`, `key` and `bucket`).', schema: CompleteResponse },
    errors: [...JSON_BODY_ERRORS, ...CALLER_ERRORS, 'UPLOAD_ID_INVALID', 'UPLOAD_EXPIRED', 'UPLOAD_NOT_FOUND', 'CONFLICT', 'INCOMPLETE_UPLOAD', 'FILE_TOO_LARGE', 'OSS_ERROR', 'INTEGRITY_MISMATCH'],
  },
];

/** Every operation, in the document's order. */
export const OPERATIONS: readonly Operation[] = [...uploads, ...callback, ...companion];

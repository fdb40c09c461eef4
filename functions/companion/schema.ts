/**
 * What the Uppy Companion `/s3/*` routes accept (index.ts): path and query parameters and bodies,
 * as Uppy's `@uppy/aws-s3` sends them, parsed with shared/http/validate.ts (answers:
 * shared/api/responses.ts). The upload id in the path is a credential
 * (policy/facade-upload.ts verifies it: 400 UPLOAD_ID_INVALID, 403, 410), so its schema only
 * describes it; the metadata Uppy sends is turned into object metadata by shared/upload/companion.ts.
 */
import * as v from 'valibot';
import { MAX_PARTS } from '../../shared/policy/parts';

const PART_RANGE = `must be an integer from 1 to ${MAX_PARTS}`;

// ---- parameters -------------------------------------------------------------------------------

const uploadId = v.pipe(
  v.string(),
  v.metadata({ pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', maxLength: 4096 }),
  v.description(
    "The id create answered (a signed token). A raw OSS upload id, a JSON-API upload token, or an altered or truncated id -> 400 UPLOAD_ID_INVALID; another caller's -> 403; expired -> 410 UPLOAD_EXPIRED (abort excepted).",
  ),
);
const key = v.pipe(v.string(), v.minLength(1), v.description('The object key from create; must be the key the upload id binds (else 403).'));

export const UploadParams = v.object({ uploadId });
export const PartParams = v.object({
  uploadId,
  partNumber: v.pipe(v.string(), v.regex(/^\d{1,5}$/, PART_RANGE), v.transform(Number), v.minValue(1, PART_RANGE), v.maxValue(MAX_PARTS, PART_RANGE)),
});

export const KeyQuery = v.object({ key });
export const BatchQuery = v.object({
  key,
  partNumbers: v.pipe(
    v.string(),
    v.regex(/^ *\d{1,5} *(, *\d{1,5} *)*$/, 'must list part numbers like 1,2,3'),
    v.description('e.g. `1,2,3`'),
    v.transform((s: string) => s.split(',').map(Number)),
    v.maxLength(MAX_PARTS, `must list at most ${MAX_PARTS} parts`),
    v.check((ns: number[]) => ns.every((n) => n >= 1 && n <= MAX_PARTS), `must be integers from 1 to ${MAX_PARTS}`),
  ),
});
export const ParamsQuery = v.object({
  filename: v.string(),
  type: v.optional(v.string()),
  metadata: v.pipe(v.optional(v.record(v.string(), v.string())), v.description('`metadata[name]=value`')),
});

// ---- bodies -----------------------------------------------------------------------------------

export const CompanionCreateRequest = v.object({
  filename: v.pipe(v.string(), v.description('As for POST /uploads.')),
  type: v.pipe(v.nullish(v.string()), v.description('Media type; must match ALLOWED_CONTENT_TYPES.')),
  metadata: v.pipe(
    v.nullish(v.record(v.string(), v.unknown())),
    v.description("Uppy's file meta; names are lower-cased to a-z0-9-, null and non-scalar values dropped, values stored percent-encoded."),
  ),
});

const ETAG_RULE = 'must be the ETag OSS returned for the part';
export const CompanionCompleteRequest = v.object({
  parts: v.pipe(
    v.array(
      v.object({
        PartNumber: v.pipe(
          v.union([v.pipe(v.number(), v.integer(PART_RANGE)), v.pipe(v.string(), v.regex(/^\d{1,5}$/, PART_RANGE))], PART_RANGE),
          v.transform(Number),
          v.minValue(1, PART_RANGE),
          v.maxValue(MAX_PARTS, PART_RANGE),
        ),
        ETag: v.pipe(v.string(ETAG_RULE), v.maxLength(128, ETAG_RULE), v.check((s) => s.replace(/"/g, '').trim() !== '', ETAG_RULE)),
      }),
    ),
    v.maxLength(MAX_PARTS),
    v.description('Parts 1..N, each once, with the ETags OSS returned.'),
  ),
});

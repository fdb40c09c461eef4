/**
 * What POST /uploads/complete accepts: the shape of its body, parsed by the handler (index.ts) with
 * shared/http/validate.ts, every problem at once. Limits the configuration sets are policy
 * (shared/policy/); the answer is shared/api/responses.ts.
 */
import * as v from 'valibot';
import { MAX_PARTS } from '../../shared/policy/parts';
import { PartEtag, PartNumber, UploadToken } from '../../shared/api/fields';

/** 2^64 - 1: a CRC-64 fits in 20 digits, but not every 20-digit number is one. */
const MAX_CRC64 = 0xffff_ffff_ffff_ffffn;
const CRC64_RULE = 'must be the CRC-64/XZ of the whole file as an unsigned decimal string (1 to 20 digits, at most 2^64-1)';

export const CompleteRequest = v.object({
  token: UploadToken,
  parts: v.pipe(
    v.nullish(v.pipe(v.array(v.object({ partNumber: PartNumber, etag: PartEtag })), v.maxLength(MAX_PARTS))),
    v.description(
      'Optional: the parts as the client saw them; each must match OSS (else 409 CONFLICT) and all of 1..partCount be listed. Without it the server lists the parts itself.',
    ),
  ),
  crc64: v.pipe(
    v.nullish(
      v.pipe(
        v.string('must be a decimal string: a 64-bit number loses precision in JSON'),
        v.regex(/^[0-9]{1,20}$/, CRC64_RULE),
        // (The regex reports other text; this the 20-digit numbers above 2^64-1.)
        v.check((s) => !/^[0-9]{1,20}$/.test(s) || BigInt(s) <= MAX_CRC64, CRC64_RULE),
        v.transform((s: string) => BigInt(s)),
      ),
    ),
    v.description(
      "Optional: the whole file's CRC-64/XZ (as OSS's x-oss-hash-crc64ecma), unsigned decimal, computed by the client from the bytes it read. The parts in OSS must add up to it before they are assembled (else 502 INTEGRITY_MISMATCH with `completed: false`; the upload is kept), and the object must have it (else 502 INTEGRITY_MISMATCH with `completed: true`). A string: JSON numbers lose 64-bit precision. Not a decimal up to 2^64-1: 400 VALIDATION_FAILED.",
    ),
  ),
});

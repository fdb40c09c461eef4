/**
 * What POST /uploads/sign accepts: the shape of its body, parsed by the handler (index.ts) with
 * shared/http/validate.ts, every problem at once. Limits the configuration sets are policy
 * (shared/policy/); the answer is shared/api/responses.ts.
 */
import * as v from 'valibot';
import { MAX_PARTS } from '../../shared/policy/parts';
import { PartNumber, UploadToken } from '../../shared/api/fields';

export const SignRequest = v.object({
  token: UploadToken,
  partNumbers: v.pipe(
    // The cap bounds parsing work only; the service allows MAX_PARTS_PER_SIGN (policy).
    v.array(PartNumber),
    v.minLength(1),
    v.maxLength(MAX_PARTS),
    v.metadata({ uniqueItems: true }),
    v.description('Integers 1..partCount, each once; at most MAX_PARTS_PER_SIGN (1000).'),
  ),
  contentMd5: v.pipe(
    v.nullish(v.record(v.string(), v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{22}==$/, 'must be the base64 of a 16-byte MD5')))),
    v.description('Optional base64 MD5 per part number (keys are part numbers in partNumbers); the URL is then signed for that Content-MD5 and OSS rejects other bytes.'),
  ),
});

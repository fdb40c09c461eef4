/**
 * What POST /uploads/list accepts: the shape of its body, parsed by the handler (index.ts) with
 * shared/http/validate.ts, every problem at once. Limits the configuration sets are policy
 * (shared/policy/); the answer is shared/api/responses.ts.
 */
import * as v from 'valibot';
import { MAX_PARTS } from '../../shared/policy/parts';
import { UploadToken } from '../../shared/api/fields';

export const ListRequest = v.object({
  token: UploadToken,
  maxParts: v.pipe(
    v.nullish(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    v.description('Page size; with it or partNumberMarker the answer is one page (ListParts once) and carries nextPartNumberMarker.'),
  ),
  partNumberMarker: v.pipe(
    v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_PARTS))),
    v.description('List the parts numbered above this (0: from the first). Default 0.'),
  ),
});

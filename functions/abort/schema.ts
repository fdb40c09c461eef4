/**
 * What POST /uploads/abort accepts: the shape of its body, parsed by the handler (index.ts) with
 * shared/http/validate.ts, every problem at once. Limits the configuration sets are policy
 * (shared/policy/); the answer is shared/api/responses.ts.
 */
import * as v from 'valibot';
import { UploadToken } from '../../shared/api/fields';

export const TokenRequest = v.object({ token: UploadToken });

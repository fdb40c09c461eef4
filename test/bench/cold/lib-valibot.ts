/**
 * Cold start of request validation alone: valibot with two of our real schemas (POST /uploads and
 * the Companion complete body) and our step (shared/http/validate.ts): load + one valid parse and
 * one that lists problems.
 */
import { parseInput } from '../../../shared/http/validate';
import { InitRequest } from '../../../functions/init/schema';
import { CompanionCompleteRequest } from '../../../functions/companion/schema';

export const handler = async () => {
  const ok = parseInput(InitRequest, { filename: 'a.bin', size: 1024, partSize: 5 * 1024 * 1024, metadata: { k: 'v' } });
  parseInput(CompanionCompleteRequest, { parts: [{ PartNumber: 1, ETag: '"a"' }, { PartNumber: '2', ETag: '"b"' }] });
  let problems = 0;
  try {
    parseInput(InitRequest, { filename: '', size: -1 });
  } catch (e) {
    problems = ((e as { details?: { problems?: unknown[] } }).details?.problems ?? []).length;
  }
  return { statusCode: ok.size === 1024 && problems === 2 ? 200 : 500 };
};

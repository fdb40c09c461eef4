/**
 * What POST /uploads accepts: the shape of its body, parsed by the handler (index.ts) with
 * shared/http/validate.ts, every problem at once. Limits the configuration sets are policy
 * (shared/policy/); the answer is shared/api/responses.ts.
 */
import * as v from 'valibot';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../../shared/policy/parts';
import { formatBytes } from '../../shared/policy/size';
import { MetadataStrings } from '../../shared/api/fields';

export const InitRequest = v.pipe(
  v.object({
    filename: v.pipe(
      v.string(),
      v.minLength(1),
      v.description(
        "The file's name, 1..4096 UTF-8 bytes. Sanitised into the key's last segment (path components, control and bidi characters and `<>:\"|?*` removed or replaced, at most 200 bytes, extension kept); never refused for its characters.",
      ),
    ),
    size: v.pipe(v.number(), v.integer(), v.minValue(0), v.description('Exact file size in bytes; at most MAX_FILE_SIZE.')),
    contentType: v.pipe(
      v.nullish(v.string()),
      v.description('Media type (parameters allowed, printable ASCII); default application/octet-stream; must match ALLOWED_CONTENT_TYPES.'),
    ),
    partSize: v.pipe(
      v.nullish(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(MIN_PART_SIZE, `must be at least ${formatBytes(MIN_PART_SIZE)}`),
          v.maxValue(MAX_PART_SIZE, `must be at most ${formatBytes(MAX_PART_SIZE)}`),
        ),
      ),
      v.description('Part size in bytes (100 KiB..5 GiB, at most 10,000 parts); default DEFAULT_PART_SIZE, raised as needed to fit 10,000 parts.'),
    ),
    metadata: v.pipe(
      v.nullish(MetadataStrings),
      v.description('User metadata (x-oss-meta-*): keys of a-z, 0-9 and - (1..64), printable ASCII values, 2 KiB in all.'),
    ),
    signParts: v.pipe(
      v.nullish(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000))),
      v.description(
        'Also sign the first parts\' URLs, up to this many (at most MAX_PARTS_PER_SIGN and partCount), and answer them as `signed`: the first `POST /uploads/sign` call, saved. Without Content-MD5 (sign parts that need one with /uploads/sign).',
      ),
    ),
  }),
  v.description('Unknown fields are ignored.'),
);

/**
 * What the OSS upload callback (index.ts) accepts: the body OSS expands from our template
 * (shared/policy/callback.ts), read only after its signature is verified. Sent by OSS, never by
 * browsers.
 */
import * as v from 'valibot';

/** OSS fills these from the object and our variables; 2 KiB bounds anything that is not ours. */
const text = (description?: string) => (description ? v.pipe(v.string(), v.maxLength(2048), v.description(description)) : v.pipe(v.string(), v.maxLength(2048)));

export const CallbackBody = v.pipe(
  v.object({
    bucket: text(),
    key: text(),
    etag: text(),
    size: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
    mimeType: text(),
    crc64: v.pipe(v.string(), v.regex(/^[0-9]{0,20}$/, 'must be decimal'), v.description('Decimal, or empty.')),
    uploadId: text('Empty for PostObject uploads.'),
    sub: text('The caller.'),
    issuedAt: v.pipe(
      v.string(),
      v.regex(/^[0-9]{1,12}$/, 'must be whole seconds'),
      v.description('When complete (or the form) asked for this callback, seconds since the epoch; older than UPLOAD_TOKEN_TTL_SECONDS is refused (400).'),
      v.transform(Number),
    ),
  }),
  v.description('What OSS expands the callback body template to (JSON mode). Signed by OSS; sent by OSS, not by browsers.'),
);

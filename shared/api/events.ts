/**
 * What the events function delivers to WEBHOOK_URL (`upload.completed`, `upload.rejected`): the
 * payload the OpenAPI document shows under `webhooks`, and deliveries are checked against
 * (test/integration/events-*.test.ts read it through openapi.json). Built by shared/events/event.ts.
 */
import * as v from 'valibot';
import { Crc64OrNull, IsoTime } from './fields';

export const ContentCheck = v.strictObject({
  result: v.pipe(
    v.picklist(['verified', 'declared-only', 'mismatch', 'not-allowed']),
    v.description(
      '`verified`: the first bytes are the declared type (or the declared type is generic, application/octet-stream, and the bytes were recognised). ' +
        '`declared-only`: a type without magic bytes (text, CSV, JSON…), accepted on the declared type. `mismatch`, `not-allowed` (ALLOWED_CONTENT_TYPES): rejected.',
    ),
  ),
  declared: v.pipe(v.string(), v.description('The stored Content-Type without parameters.')),
  detected: v.pipe(v.nullable(v.string()), v.description('What the bytes are (file-type), or null when not recognised.')),
  reason: v.pipe(v.optional(v.string()), v.description('Why it was rejected.')),
});

export const UploadEventData = v.strictObject({
  bucket: v.string(),
  key: v.pipe(v.string(), v.description('The object key: `<KEY_PREFIX>/<sub>/<yyyy>/<mm>/<random>/<filename>`.')),
  size: v.pipe(v.number(), v.integer(), v.minValue(0), v.description('Bytes.')),
  etag: v.pipe(v.string(), v.description('As OSS reports it, without quotes (`<hex>-<parts>` for multipart objects).')),
  crc64: Crc64OrNull('CRC-64/ECMA of the object, a decimal string as OSS writes it; null when OSS reports none.'),
  contentType: v.pipe(v.string(), v.description('The stored Content-Type (declared by the uploader).')),
  sub: v.pipe(v.string(), v.description('The caller who uploaded it (the JWT `sub`).')),
  metadata: v.pipe(v.record(v.string(), v.string()), v.description("The upload's user metadata (the object's x-oss-meta-*).")),
  storedAt: IsoTime('When OSS stored the object (its Last-Modified).'),
  check: ContentCheck,
  quarantine: v.pipe(
    v.optional(
      v.union([
        v.strictObject({
          action: v.literal('moved'),
          key: v.pipe(v.string(), v.description('Where the object is kept, under QUARANTINE_PREFIX, until the sweeper deletes it.')),
        }),
        v.strictObject({ action: v.literal('deleted') }),
      ]),
    ),
    v.description('upload.rejected only: what became of the object. It no longer answers at `key` either way.'),
  ),
});

export const UploadEvent = v.strictObject({
  id: v.pipe(
    v.string(),
    v.regex(/^evt_[0-9a-f]{32}$/),
    v.description(
      '`evt_` + 32 hex characters derived from bucket, key and ETag: every delivery of the same object carries the same id (and body). Deduplicate by it; it is also the `webhook-id` header.',
    ),
  ),
  type: v.picklist(['upload.completed', 'upload.rejected']),
  timestamp: IsoTime("When the event happened: the object's storage time."),
  data: UploadEventData,
});

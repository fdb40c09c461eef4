/**
 * The OSS trigger's event (docs/fc.md, "OSS trigger events"): a JSON Buffer
 * `{events: [{eventName: 'ObjectCreated:PutObject', eventTime, oss: {bucket: {name}, object: {key, eTag, size}}}]}`.
 * Only what the events function uses is read and checked; anything malformed throws, so the
 * invocation fails and FC keeps the event (retries, then the onFailure destination) intact.
 */
import { parseEvent, type RawFcEvent } from '../http/fc-adapter';

export interface ObjectCreatedRecord {
  /** Without the `oss:` prefix: `ObjectCreated:PutObject`. */
  eventName: string;
  eventTime: string;
  bucket: string;
  key: string;
  /** Without quotes. */
  etag: string;
  size: number;
}

export class OssEventError extends Error {
  override readonly name = 'OssEventError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseOssEvent(raw: RawFcEvent): ObjectCreatedRecord[] {
  let event: Record<string, unknown>;
  try {
    event = parseEvent(raw);
  } catch {
    throw new OssEventError('the event is not JSON');
  }
  const events = event.events;
  if (!Array.isArray(events) || events.length === 0) throw new OssEventError('the event has no "events" list (not an OSS trigger event)');
  return events.map((e, i) => {
    const bad = (what: string) => new OssEventError(`events[${i}]: ${what}`);
    if (!isObject(e) || !isObject(e.oss) || !isObject(e.oss.bucket) || !isObject(e.oss.object)) throw bad('not an OSS event record');
    const { bucket, object } = e.oss as { bucket: Record<string, unknown>; object: Record<string, unknown> };
    if (typeof e.eventName !== 'string') throw bad('eventName is missing');
    if (typeof bucket.name !== 'string' || bucket.name === '') throw bad('oss.bucket.name is missing');
    if (typeof object.key !== 'string' || object.key === '') throw bad('oss.object.key is missing');
    if (typeof object.eTag !== 'string' || object.eTag === '') throw bad('oss.object.eTag is missing');
    const size = typeof object.size === 'number' && Number.isSafeInteger(object.size) && object.size >= 0 ? object.size : -1;
    return {
      eventName: e.eventName.replace(/^oss:/, ''),
      eventTime: typeof e.eventTime === 'string' ? e.eventTime : '',
      bucket: bucket.name,
      key: object.key,
      etag: object.eTag.replace(/"/g, ''),
      size,
    };
  });
}

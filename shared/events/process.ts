/**
 * One created object, start to finish: is it ours, is it still there, is it what it claims to be;
 * then `upload.completed`, or quarantine and `upload.rejected`. Every step may run again (OSS and
 * FC retry); how each retry ends: docs/events.md.
 */
import type { Config } from '../config/index';
import type { OssClient } from '../oss/client';
import { getObject, headObject } from '../oss/objects';
import type { ObjectInfo } from '../oss/objects';
import { OssError } from '../oss/errors';
import { parseObjectKey } from '../policy/keys';
import { CHECK_BYTES, checkContent } from './content-check';
import { eventIdFor, normalizeEtag, type UploadEvent } from './event';
import type { ObjectCreatedRecord } from './oss-event';
import { quarantine, quarantineOutcome, recordedRejection } from './quarantine';
import { deliver, type WebhookTarget } from './webhook';

export interface EventsContext {
  oss: OssClient;
  config: Config;
  webhook: WebhookTarget;
}

export type Outcome =
  | { outcome: 'delivered' | 'rejected' | 'rejection-redelivered'; key: string; id: string; type: UploadEvent['type']; status: number }
  | { outcome: 'gone' | 'superseded'; key: string; id: string }
  | { outcome: 'ignored'; key: string; reason: string };

export async function handleObjectCreated(r: ObjectCreatedRecord, ctx: EventsContext): Promise<Outcome> {
  const { config, oss } = ctx;
  const ignored = (reason: string): Outcome => ({ outcome: 'ignored', key: r.key, reason });
  if (!r.eventName.startsWith('ObjectCreated:')) return ignored(`event ${r.eventName}`);
  if (r.bucket !== config.oss.bucket) return ignored(`bucket ${r.bucket} is not OSS_BUCKET`);

  // The key as sent, and percent-decoded: whether OSS encodes non-ASCII keys in the event is not
  // documented (docs/fc.md), so a key that is not found as sent is looked up decoded.
  const candidates = [...new Set([r.key, decodedKey(r.key)].filter((k): k is string => k !== undefined))];
  let key: string | undefined;
  let info: ObjectInfo | null = null;
  for (const k of candidates) {
    if (!parseObjectKey(k, config.policy.keyPrefix)) continue;
    key ??= k;
    info = await headObject(oss, k);
    if (info) {
      key = k;
      break;
    }
  }
  if (key === undefined) {
    return ignored(r.key.startsWith(`${config.policy.keyPrefix}/`) ? 'not a key our uploads make' : 'outside KEY_PREFIX');
  }

  if (!info) {
    // Gone: quarantined by an earlier attempt of ours (deliver its rejection again), or removed.
    for (const k of candidates) {
      const id = eventIdFor(r.bucket, k, r.etag);
      const recorded = await recordedRejection(oss, config.events.quarantine.prefix, id);
      if (recorded) return { outcome: 'rejection-redelivered', key: k, id, type: recorded.type, status: (await deliver(ctx.webhook, recorded)).status };
    }
    return { outcome: 'gone', key, id: eventIdFor(r.bucket, key, r.etag) };
  }
  const id = eventIdFor(r.bucket, key, r.etag);
  if (normalizeEtag(info.etag) !== normalizeEtag(r.etag)) return { outcome: 'superseded', key, id };

  let head: Uint8Array = new Uint8Array(0);
  if (info.size > 0) {
    try {
      // If-Match: the bytes checked are the object this event is about.
      head = (await getObject(oss, key, { range: `bytes=0-${CHECK_BYTES - 1}`, headers: { 'If-Match': info.etag } })).body;
    } catch (e) {
      if (e instanceof OssError && (e.status === 412 || e.status === 404)) return { outcome: 'superseded', key, id };
      throw e;
    }
  }
  const check = await checkContent({ declared: info.contentType, head, allowed: config.policy.allowedContentTypes });
  const ok = check.result === 'verified' || check.result === 'declared-only';
  const sub = parseObjectKey(key, config.policy.keyPrefix)!.sub;
  const storedAt = Number.isNaN(info.lastModified.getTime()) ? r.eventTime : info.lastModified.toISOString();
  const event: UploadEvent = {
    id,
    type: ok ? 'upload.completed' : 'upload.rejected',
    timestamp: storedAt,
    data: {
      bucket: r.bucket,
      key,
      size: info.size,
      etag: info.etag.replace(/"/g, ''),
      crc64: info.crc64 === undefined ? null : info.crc64.toString(),
      contentType: info.contentType,
      sub,
      metadata: info.metadata,
      storedAt,
      check,
      ...(ok ? {} : { quarantine: quarantineOutcome(config.events.quarantine, id) }),
    },
  };
  if (!ok && !(await quarantine(oss, config.events.quarantine, key, info.etag, event))) return { outcome: 'superseded', key, id };
  const { status } = await deliver(ctx.webhook, event);
  return { outcome: ok ? 'delivered' : 'rejected', key, id, type: event.type, status };
}

function decodedKey(key: string): string | undefined {
  if (!/%[0-9A-Fa-f]{2}|\+/.test(key)) return undefined;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

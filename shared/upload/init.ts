/**
 * init: a new multipart upload under the caller's prefix, within MAX_ACTIVE_UPLOADS (which holds
 * under concurrency: policy/active-uploads.ts). Planned (`initUpload`: size known, the upload
 * token carries the plan; on request also the first parts' URLs) or open (`initOpenUpload`: the
 * Companion facade, no size).
 */
import { httpError } from '../http/errors';
import { buildObjectKey, callerPrefix } from '../policy/keys';
import { planParts } from '../policy/parts';
import { atActiveUploadLimit, keepsNewUpload, type ListedUpload } from '../policy/active-uploads';
import { issueFacadeUpload } from '../policy/facade-upload';
import { issueUploadToken } from '../auth/upload-token';
import type { Caller } from '../auth/caller';
import { abortMultipartUpload, initiateMultipartUpload, isNoSuchUpload } from '../oss/multipart';
import { iterateMultipartUploads } from '../oss/paginators';
import { presignPlannedParts } from './sign';
import type { InitInput, InitResult, NewObjectInput, OpenUpload, UploadService } from './service';

export async function initUpload(s: UploadService, caller: Caller, input: InitInput): Promise<InitResult> {
  const plan = planParts(input.size, input.partSize, s.settings.defaultPartSize ? { defaultPartSize: s.settings.defaultPartSize } : {});
  const { key, uploadId, now } = await initiate(s, caller, input);
  const { token, expiresAt, claims } = await issueUploadToken(
    {
      sub: caller.sub,
      bucket: s.settings.bucket,
      key,
      uploadId,
      size: input.size,
      partSize: plan.partSize,
      partCount: plan.partCount,
      contentType: input.contentType,
    },
    s.settings.uploadTokenSecret,
    s.settings.uploadTokenTtlSeconds,
    now.getTime(),
  );
  const result: InitResult = {
    uploadId,
    bucket: s.settings.bucket,
    key,
    partSize: plan.partSize,
    partCount: plan.partCount,
    token,
    expiresAt,
  };
  if (input.signParts) {
    const count = Math.min(input.signParts, plan.partCount, s.settings.maxPartsPerSign);
    const numbers = Array.from({ length: count }, (_, i) => i + 1);
    try {
      // The same URLs sign gives, without its ListParts check: this request just made the upload.
      result.signed = await presignPlannedParts(s, claims, numbers);
    } catch (err) {
      await abortQuietly(s, key, uploadId);
      throw err;
    }
  }
  return result;
}

/**
 * An upload without a plan (Companion `POST /s3/multipart` sends no size). Its id is the facade's
 * signed token, bound to MAX_FILE_SIZE as it is now and expiring with the upload token lifetime.
 */
export async function initOpenUpload(s: UploadService, caller: Caller, input: NewObjectInput): Promise<OpenUpload> {
  const { key, uploadId, now } = await initiate(s, caller, input);
  const maxSize = s.settings.maxFileSize ?? Number.MAX_SAFE_INTEGER;
  let facade;
  try {
    facade = await issueFacadeUpload({ sub: caller.sub, bucket: s.settings.bucket, key, uploadId, maxSize }, s.settings.uploadTokenSecret, s.settings.uploadTokenTtlSeconds, now.getTime());
  } catch (err) {
    await abortQuietly(s, key, uploadId);
    throw err;
  }
  return { key, uploadId: facade.id, bucket: s.settings.bucket, expiresAt: facade.expiresAt };
}

async function initiate(s: UploadService, caller: Caller, input: NewObjectInput): Promise<{ key: string; uploadId: string; now: Date }> {
  const limit = s.settings.maxActiveUploads;
  const prefix = callerPrefix(s.settings.keyPrefix, caller.sub);
  if (limit > 0) await refuseAtLimit(s, prefix, limit);
  const now = s.now();
  const key = buildObjectKey({ prefix: s.settings.keyPrefix, sub: caller.sub, now, filename: input.filename });
  // forbid-overwrite: keys are unique per upload, so an existing object means something is off.
  const { uploadId } = await initiateMultipartUpload(s.oss, key, { contentType: input.contentType, metadata: input.metadata, forbidOverwrite: true });
  if (limit > 0) {
    // The second half of the limit (policy/active-uploads.ts): list, then keep or abort ours.
    const listed: ListedUpload[] = [];
    try {
      for await (const u of iterateMultipartUploads(s.oss, { prefix })) listed.push(u);
    } catch (err) {
      await abortQuietly(s, key, uploadId);
      throw err;
    }
    if (!keepsNewUpload(listed, { key, uploadId }, limit)) {
      await abortQuietly(s, key, uploadId);
      throw tooManyUploads(limit);
    }
  }
  return { key, uploadId, now };
}

/** The cheap half of the limit: refuse without initiating when the caller already has `limit`. */
async function refuseAtLimit(s: UploadService, prefix: string, limit: number): Promise<void> {
  let active = 0;
  for await (const _ of iterateMultipartUploads(s.oss, { prefix })) {
    if (++active >= limit) break;
  }
  if (atActiveUploadLimit(active, limit)) throw tooManyUploads(limit);
}

/**
 * Aborts an upload this request started and will not hand out, trying three times. If OSS still
 * refuses, the sweeper (and the bucket's lifecycle rule) is the backstop; the failure is logged.
 */
async function abortQuietly(s: UploadService, key: string, uploadId: string): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await abortMultipartUpload(s.oss, key, uploadId);
      return;
    } catch (err) {
      if (isNoSuchUpload(err)) return;
      if (attempt === 3) {
        console.error(JSON.stringify({ level: 'warn', msg: 'could not abort a refused upload; the sweeper will', key, error: (err as Error).message }));
      }
    }
  }
}

function tooManyUploads(limit: number) {
  return httpError('TOO_MANY_UPLOADS', `You have ${limit} uploads in progress; complete or abort one before starting another.`, { limit });
}

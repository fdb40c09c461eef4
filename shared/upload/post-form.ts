/** A PostObject form: small files in one request, straight to OSS. */
import { encodeCallbackParam, encodeCallbackVar } from '../oss/callback';
import { presignPostObject } from '../oss/presign';
import { buildObjectKey } from '../policy/keys';
import { CALLBACK_BODY, callbackVariables } from '../policy/callback';
import { postFormPolicy } from '../policy/post-form';
import type { Caller } from '../auth/caller';
import { MAX_POST_OBJECT_SIZE, type NewObjectInput, type PostForm, type UploadService } from './service';

/**
 * A signed PostObject form for a new object under the caller's prefix; what the policy pins is
 * policy/post-form.ts. With CALLBACK_URL, the form carries the upload callback too (see
 * functions/companion for why that is safe with Uppy). Makes no OSS call.
 */
export async function postForm(s: UploadService, caller: Caller, input: NewObjectInput): Promise<PostForm> {
  const now = s.now();
  const key = buildObjectKey({ prefix: s.settings.keyPrefix, sub: caller.sub, now, filename: input.filename });
  const { fields, conditions } = postFormPolicy({
    key,
    contentType: input.contentType,
    metadata: input.metadata ?? {},
    maxSize: Math.min(s.settings.maxFileSize ?? MAX_POST_OBJECT_SIZE, MAX_POST_OBJECT_SIZE),
    // No multipart upload id: the callback body says "" for it.
    callback: s.settings.callbackUrl
      ? {
          param: encodeCallbackParam({ url: s.settings.callbackUrl, body: CALLBACK_BODY, bodyType: 'application/json' }),
          vars: encodeCallbackVar(callbackVariables(caller.sub, '', now.getTime())),
        }
      : undefined,
  });
  const expires = s.settings.urlExpiresSeconds;
  const signed = await presignPostObject(s.oss, { conditions, expires });
  return { method: 'POST', url: signed.url, fields: { ...fields, ...signed.fields }, expires, expiresAt: signed.expiresAt.toISOString() };
}

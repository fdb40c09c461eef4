/**
 * OSS and transport failures as the API's errors: what a caller can act on (404 upload gone,
 * 409 conflict or refused parts, 502 OSS failed), with OSS's code and request id as details.
 */
import { httpError, type HttpError } from '../http/errors';
import { OssError } from '../oss/errors';

/** The API error for an upload OSS no longer has (completed, aborted or swept). */
export function isUploadGone(err: unknown): boolean {
  return (err as HttpError)?.code === 'UPLOAD_NOT_FOUND';
}

/** Runs an OSS call, translating OSS and transport failures into the API's errors. */
export async function ossCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}

export function toApiError(err: unknown): unknown {
  if (err instanceof OssError) {
    const details = { ossCode: err.code, ossRequestId: err.requestId };
    switch (err.code) {
      case 'NoSuchUpload':
        return httpError('UPLOAD_NOT_FOUND', 'The upload no longer exists in OSS (completed, aborted or swept).', details);
      case 'FileAlreadyExists':
        return httpError('CONFLICT', 'An object already exists at this key.', details);
      case 'InvalidPart':
      case 'InvalidPartOrder':
      case 'EntityTooSmall':
        return httpError('INCOMPLETE_UPLOAD', `OSS refused the parts: ${err.code}.`, details);
      default:
        return httpError('OSS_ERROR', `OSS answered ${err.status} ${err.code}.`, details);
    }
  }
  if (err && typeof err === 'object' && (err as { name?: string }).name?.startsWith('Oss')) {
    return httpError('OSS_ERROR', 'OSS could not be reached.', { reason: (err as Error).name });
  }
  return err;
}

/** abort: AbortMultipartUpload, safe to repeat. */
import { abortMultipartUpload, isNoSuchUpload } from '../oss/multipart';
import type { UploadRef, UploadService } from './service';

/** Safe to repeat: an upload that is already gone counts as aborted. */
export async function abortUpload(s: UploadService, upload: Pick<UploadRef, 'key' | 'uploadId'>): Promise<{ aborted: true; alreadyGone: boolean }> {
  try {
    await abortMultipartUpload(s.oss, upload.key, upload.uploadId);
    return { aborted: true, alreadyGone: false };
  } catch (err) {
    if (isNoSuchUpload(err)) return { aborted: true, alreadyGone: true };
    throw err;
  }
}

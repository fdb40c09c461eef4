/**
 * GetBucketLifecycle. The emulator applies no lifecycle rules (incomplete uploads go only when the
 * sweeper or a client aborts them), so it answers as OSS does for a bucket without any: 404
 * NoSuchLifecycle, and `doctor` warns that no rule backs the sweeper, which is true here.
 * PutBucketLifecycle and DeleteBucketLifecycle stay NotImplemented: rules it would store but not
 * apply would make GetBucketLifecycle lie.
 */
import { OssError } from './errors';
import type { OpContext, OssResponse } from './types';

export async function getBucketLifecycle(ctx: OpContext): Promise<OssResponse> {
  // Code, message and BucketName as OSS's GetBucketLifecycle page shows them (its EC: errors.ts).
  throw new OssError(404, 'NoSuchLifecycle', 'No Row found in Lifecycle Table.', { BucketName: ctx.bucket });
}

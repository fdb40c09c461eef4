/**
 * The upload service's settings (`UploadSettings`, shared/upload/service.ts) from the validated
 * config. Typed where runtime.ts hands them to the service, so config/ does not import upload/.
 */
import type { Config } from './types';

export function uploadSettings(config: Config) {
  return {
    bucket: config.oss.bucket,
    keyPrefix: config.policy.keyPrefix,
    uploadTokenSecret: config.uploadToken.secret,
    uploadTokenTtlSeconds: config.uploadToken.ttlSeconds,
    urlExpiresSeconds: config.policy.urlExpiresSeconds,
    maxPartsPerSign: config.policy.maxPartsPerSign,
    maxActiveUploads: config.policy.maxActiveUploads,
    defaultPartSize: config.policy.defaultPartSize,
    callbackUrl: config.callback.url,
    signChecksUpload: config.policy.signChecksUpload,
    maxFileSize: config.policy.maxFileSize,
  };
}

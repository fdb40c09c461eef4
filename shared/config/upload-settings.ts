/** The upload service's settings (shared/upload/service.ts `UploadSettings`) from the validated config. */
import type { UploadSettings } from '../upload/service';
import type { Config } from './types';

export function uploadSettings(config: Config): UploadSettings {
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

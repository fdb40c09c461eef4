/** OSS credentials: the ALIBABA_CLOUD_* variables, and which credentials an invocation uses. */
import { httpError } from '../http/errors';
import type { FcContext, FcCredentials } from '../http/fc-adapter';
import type { EnvReader } from './reader';
import type { Config } from './types';

/** Optional: the function role's context.credentials usually supplies them. */
export function envCredentials(r: EnvReader): FcCredentials | undefined {
  const akId = r.str('ALIBABA_CLOUD_ACCESS_KEY_ID');
  const akSecret = r.str('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const stsToken = r.str('ALIBABA_CLOUD_SECURITY_TOKEN');
  if (akId && akSecret) return { accessKeyId: akId, accessKeySecret: akSecret, ...(stsToken ? { securityToken: stsToken } : {}) };
  if (akId || akSecret || stsToken) {
    r.problem('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set together');
  }
  return undefined;
}

/**
 * OSS credentials for this invocation: the function role's STS credentials from
 * `context.credentials` when present (read per invocation, they rotate), else the ALIBABA_CLOUD_*
 * variables. Neither -> 500 `MISCONFIGURED`.
 */
export function credentialsFrom(context: Pick<FcContext, 'credentials'> | undefined, config: Pick<Config, 'envCredentials'>): FcCredentials {
  const c = context?.credentials;
  if (c?.accessKeyId && c.accessKeySecret) {
    return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) };
  }
  if (config.envCredentials) return config.envCredentials;
  throw httpError(
    'MISCONFIGURED',
    'No OSS credentials: give the function a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  );
}

/**
 * `parseConfig`: every area read in turn, every problem collected, then thrown together as one
 * `ConfigError` (500 `MISCONFIGURED` in the functions: fail closed, never serve with a gap).
 */
import { authConfig, uploadTokenConfig } from './auth';
import { callbackConfig } from './callback';
import { envCredentials } from './credentials';
import { eventsConfig } from './events';
import { httpConfig } from './http';
import { ossClientConfig, ossConfig } from './oss';
import { policyConfig } from './policy';
import { ConfigError, EnvReader, type Env } from './reader';
import type { Config } from './types';

/**
 * What a function needs of the secrets. Only the caller-facing functions authenticate callers and
 * use upload tokens, so only they are given AUTH_* and UPLOAD_TOKEN_SECRET (s.yaml); the others
 * parse without them, and would fail closed if they ever tried (no key: MISCONFIGURED, and an
 * empty HMAC key is refused).
 */
export interface ConfigNeeds {
  callers: boolean;
}
export const CALLER_FACING: ConfigNeeds = { callers: true };
export const INTERNAL: ConfigNeeds = { callers: false };

/** Parses and validates `env` without memoising. Throws `ConfigError` listing every problem. */
export function parseConfig(env: Env, needs: ConfigNeeds = CALLER_FACING): Config {
  const r = new EnvReader(env);
  const oss = ossConfig(r);
  const ossClient = ossClientConfig(r);
  const credentials = envCredentials(r);
  const auth = authConfig(r, needs.callers);
  const uploadToken = uploadTokenConfig(r, auth.jwtSecret, needs.callers);
  const policy = policyConfig(r);
  const http = httpConfig(r);
  const callback = callbackConfig(r);
  const sweep = { maxAgeHours: r.positive('SWEEP_MAX_AGE_HOURS', 24, 8760), dryRun: r.bool('SWEEP_DRY_RUN', false) };
  const events = eventsConfig(r, policy.keyPrefix);

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze({ oss, ossClient, ...(credentials ? { envCredentials: credentials } : {}), auth, uploadToken, policy, http, callback, sweep, events });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** AUTH_* variables (how callers prove who they are) and UPLOAD_TOKEN_* (our own upload tokens). */
import { isSafeSegment, SAFE_SEGMENT_HINT } from '../policy/keys';
import type { EnvReader } from './reader';
import type { AuthConfig, UploadTokenConfig } from './types';

/** Asymmetric algorithms a JWKS may be configured with (AUTH_JWKS_ALGORITHMS); the secret verifies HS256 only. */
export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const DEFAULT_JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

/** `required`: a caller-facing function, which cannot work without a way to verify callers. */
export function authConfig(r: EnvReader, required = true): AuthConfig {
  const mode = r.oneOf('AUTH_MODE', ['jwt', 'none'] as const, 'jwt');
  const jwtSecret = r.secret('AUTH_JWT_SECRET', false);
  const jwksRaw = r.str('AUTH_JWKS_URL');
  const jwksUrl = jwksRaw ? r.httpUrl('AUTH_JWKS_URL', jwksRaw, { httpsUnlessLocal: true })?.toString() : undefined;
  if (required && mode === 'jwt' && !jwtSecret && !jwksRaw) {
    r.problem('AUTH_MODE=jwt needs AUTH_JWT_SECRET or AUTH_JWKS_URL (set AUTH_MODE=none explicitly to run without authentication)');
  }
  const audience = r.str('AUTH_AUDIENCE');
  if (jwksRaw && !audience) {
    r.problem('AUTH_JWKS_URL needs AUTH_AUDIENCE: an identity provider signs tokens for other applications with the same keys, and without an audience check any of them would be accepted here');
  }
  const jwksAlgorithms = r.list('AUTH_JWKS_ALGORITHMS');
  const badAlgs = jwksAlgorithms.filter((a) => !(JWKS_ALGORITHMS as readonly string[]).includes(a));
  if (badAlgs.length > 0) r.bad('AUTH_JWKS_ALGORITHMS', `must list only ${JWKS_ALGORITHMS.join(', ')} (HS256 belongs to AUTH_JWT_SECRET)`);
  const typ = r.str('AUTH_TOKEN_TYP');
  const cookieName = r.str('AUTH_COOKIE_NAME') ?? 'oss_upload_token';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(cookieName)) r.bad('AUTH_COOKIE_NAME', 'must be a valid cookie name');
  const anonymousSub = r.str('AUTH_ANONYMOUS_SUB') ?? 'anonymous';
  if (!isSafeSegment(anonymousSub)) r.bad('AUTH_ANONYMOUS_SUB', `must be a safe key segment: ${SAFE_SEGMENT_HINT}`);
  return {
    mode,
    ...(jwtSecret ? { jwtSecret } : {}),
    ...(jwksUrl ? { jwksUrl } : {}),
    jwksAlgorithms: jwksAlgorithms.length > 0 && badAlgs.length === 0 ? jwksAlgorithms : [...DEFAULT_JWKS_ALGORITHMS],
    ...(r.str('AUTH_ISSUER') ? { issuer: r.str('AUTH_ISSUER') } : {}),
    ...(audience ? { audience } : {}),
    clockToleranceSeconds: r.int('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    maxTokenAgeSeconds: r.int('AUTH_MAX_TOKEN_AGE_SECONDS', 0, 1, 2_592_000),
    ...(typ ? { typ } : {}),
    cookieName,
    anonymousSub,
  };
}

export function uploadTokenConfig(r: EnvReader, jwtSecret: string | undefined, required = true): UploadTokenConfig {
  const secret = r.secret('UPLOAD_TOKEN_SECRET', required);
  if (secret && jwtSecret && secret === jwtSecret) {
    r.problem('UPLOAD_TOKEN_SECRET must differ from AUTH_JWT_SECRET (whoever holds the caller secret could otherwise mint upload tokens)');
  }
  return { secret: secret ?? '', ttlSeconds: r.int('UPLOAD_TOKEN_TTL_SECONDS', 86_400, 60, 604_800) };
}

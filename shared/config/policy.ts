/** What callers may store: key prefix, sizes, content types, URL lifetimes, per-caller limits. */
import { normalizeKeyPrefix } from '../policy/keys';
import { parseContentTypePatterns } from '../policy/content-type';
import { GiB, MAX_PART_SIZE, MAX_PARTS, MiB, MIN_PART_SIZE } from '../policy/parts';
import type { EnvReader } from './reader';
import type { PolicyConfig } from './types';

export function policyConfig(r: EnvReader): PolicyConfig {
  const keyPrefix = keyPrefixOf(r, 'KEY_PREFIX', 'uploads');
  let allowedContentTypes = ['*/*'];
  const typesRaw = r.str('ALLOWED_CONTENT_TYPES');
  if (typesRaw !== undefined) {
    try {
      allowedContentTypes = parseContentTypePatterns(typesRaw);
      if (allowedContentTypes.length === 0) r.problem('ALLOWED_CONTENT_TYPES must list at least one type');
    } catch (e) {
      r.problem(`ALLOWED_CONTENT_TYPES ${(e as Error).message}`);
    }
  }
  return {
    keyPrefix,
    maxFileSize: r.bytes('MAX_FILE_SIZE', 5 * GiB, 1, MAX_PARTS * MAX_PART_SIZE),
    allowedContentTypes,
    defaultPartSize: r.bytes('DEFAULT_PART_SIZE', 8 * MiB, MIN_PART_SIZE, MAX_PART_SIZE),
    urlExpiresSeconds: r.int('URL_EXPIRES_SECONDS', 3600, 1, 604_800),
    maxPartsPerSign: r.int('MAX_PARTS_PER_SIGN', 1000, 1, 1000),
    maxActiveUploads: r.int('MAX_ACTIVE_UPLOADS', 10, 0, 1_000_000),
    signChecksUpload: r.bool('SIGN_CHECKS_UPLOAD', true),
  };
}

/** A key prefix variable, normalised (KEY_PREFIX, QUARANTINE_PREFIX); `def` when unset or bad. */
export function keyPrefixOf(r: EnvReader, name: string, def: string): string {
  const raw = r.str(name);
  if (raw === undefined) return def;
  try {
    return normalizeKeyPrefix(raw);
  } catch (e) {
    r.bad(name, (e as Error).message);
    return def;
  }
}

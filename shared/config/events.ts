/** WEBHOOK_* and QUARANTINE_* variables: the events function's deliveries and the quarantine. */
import { keyPrefixOf } from './policy';
import type { EnvReader } from './reader';
import type { EventsConfig } from './types';

/** `whsec_` + base64 of the key (Standard Webhooks); 24-64 bytes, as the specification recommends. */
const WEBHOOK_SECRET_FORM = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

export function eventsConfig(r: EnvReader, keyPrefix: string): EventsConfig {
  let webhookUrl: string | undefined;
  const urlRaw = r.str('WEBHOOK_URL');
  if (urlRaw !== undefined) {
    const url = r.httpUrl('WEBHOOK_URL', urlRaw, { httpsUnlessLocal: true });
    if (url && (url.username || url.password || url.hash)) r.bad('WEBHOOK_URL', 'must not hold credentials or a fragment');
    else if (url) webhookUrl = url.toString();
  }
  const secret = r.str('WEBHOOK_SECRET');
  if (secret !== undefined) {
    const b64 = WEBHOOK_SECRET_FORM.exec(secret)?.[1];
    const bytes = b64 && b64.length % 4 === 0 ? Buffer.from(b64, 'base64').length : 0;
    if (bytes < 24 || bytes > 64) r.bad('WEBHOOK_SECRET', 'must be whsec_ followed by the base64 of 24 to 64 random bytes (Standard Webhooks)');
  }
  if (urlRaw !== undefined && secret === undefined) r.problem('WEBHOOK_URL needs WEBHOOK_SECRET (deliveries are always signed)');
  if (secret !== undefined && urlRaw === undefined) r.problem('WEBHOOK_SECRET is set without WEBHOOK_URL');

  const prefix = keyPrefixOf(r, 'QUARANTINE_PREFIX', 'quarantine');
  // Under KEY_PREFIX the OSS trigger would see quarantine copies; KEY_PREFIX under it would be swept.
  if (`${prefix}/`.startsWith(`${keyPrefix}/`) || `${keyPrefix}/`.startsWith(`${prefix}/`)) {
    r.bad('QUARANTINE_PREFIX', `must not overlap KEY_PREFIX (${keyPrefix})`);
  }
  return {
    ...(webhookUrl ? { webhookUrl } : {}),
    ...(secret ? { webhookSecret: secret } : {}),
    webhookTimeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    quarantine: {
      mode: r.oneOf('QUARANTINE_MODE', ['move', 'delete'] as const, 'move'),
      prefix,
      maxAgeHours: r.positive('QUARANTINE_MAX_AGE_HOURS', 168, 87_600),
    },
  };
}

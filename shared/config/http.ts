/** How the functions speak HTTP: the largest request body and the CORS origins. */
import { KiB, MiB } from '../policy/parts';
import type { EnvReader } from './reader';
import type { HttpConfig } from './types';

export function httpConfig(r: EnvReader): HttpConfig {
  const corsAllowedOrigins: string[] = [];
  for (const o of r.list('CORS_ALLOWED_ORIGINS')) {
    if (o === '*') {
      corsAllowedOrigins.push('*');
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== o.replace(/\/+$/, '').toLowerCase()) {
      r.problem(`CORS_ALLOWED_ORIGINS entry "${o.slice(0, 100)}" must be * or an origin like https://app.example.com (no path)`);
    } else corsAllowedOrigins.push(url.origin);
  }
  return { maxBodyBytes: r.bytes('MAX_BODY_BYTES', MiB, KiB, 32 * MiB), corsAllowedOrigins };
}

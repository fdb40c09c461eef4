/** CALLBACK_* variables: where OSS posts the upload callback, and which keys may sign it. */
import { createPublicKey } from 'node:crypto';
import type { EnvReader } from './reader';
import type { CallbackConfig } from './types';

export function callbackConfig(r: EnvReader): CallbackConfig {
  let callbackUrl: string | undefined;
  const cbRaw = r.str('CALLBACK_URL');
  if (cbRaw !== undefined) {
    const url = r.httpUrl('CALLBACK_URL', cbRaw, { httpsUnlessLocal: false });
    if (url && (url.search || url.hash)) {
      r.bad('CALLBACK_URL', 'must not have a query string or fragment (FC passes no raw query string, so the OSS signature could not be verified)');
    } else if (url) callbackUrl = url.toString();
  }
  const keyUrlPrefixes: string[] = [];
  for (const p of r.list('CALLBACK_KEY_URL_PREFIXES')) {
    let url: URL | undefined;
    try {
      url = new URL(p);
    } catch {
      /* reported below */
    }
    // The host must be closed by a `/`, or `https://keys.example` would also match `https://keys.example.evil.net/`.
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !p.startsWith(`${url.origin}/`)) {
      r.problem(`CALLBACK_KEY_URL_PREFIXES entry "${p.slice(0, 100)}" must be an http(s) URL prefix with a path, e.g. http://127.0.0.1:9000/keys/`);
    } else keyUrlPrefixes.push(p);
  }
  return { ...(callbackUrl ? { url: callbackUrl } : {}), publicKeys: publicKeys(r, 'CALLBACK_PUBLIC_KEYS'), keyUrlPrefixes };
}

/** The PEM blocks in one variable, each checked to be a public key. */
function publicKeys(r: EnvReader, name: string): string[] {
  const raw = r.str(name);
  if (raw === undefined) return [];
  const text = raw.replace(/\\n/g, '\n');
  const blocks = text.match(/-----BEGIN (?:RSA )?PUBLIC KEY-----[\s\S]*?-----END (?:RSA )?PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) {
    r.problem(`${name} must hold one or more PEM public keys (-----BEGIN PUBLIC KEY----- …)`);
    return [];
  }
  blocks.forEach((pem, i) => {
    try {
      createPublicKey(pem);
    } catch {
      r.problem(`${name} key ${i + 1} is not a valid public key`);
    }
  });
  return blocks;
}

/**
 * Reading variables: `EnvReader` collects every problem instead of stopping at the first, and
 * quotes a bad value in its message only when the variable is not secret. `ConfigError` carries
 * the problems together.
 */
import { parseBytes } from '../policy/size';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`${problems.length} configuration problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
  }
}

/** Variables whose values never appear in a message. */
const SECRET_VARS = new Set([
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'AUTH_JWT_SECRET',
  'UPLOAD_TOKEN_SECRET',
  'WEBHOOK_SECRET',
  // A receiver URL may carry a token in its query.
  'WEBHOOK_URL',
]);

const MIN_SECRET_BYTES = 32;

/** Reads variables and records problems instead of stopping at the first one. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** Trimmed value; empty counts as unset. */
  str(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v ? v : undefined;
  }

  required(name: string): string | undefined {
    const v = this.str(name);
    if (v === undefined) this.problem(`${name} is required`);
    return v;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** A problem about a value; the value is quoted unless the variable is secret. */
  bad(name: string, rule: string): void {
    const v = this.str(name) ?? '';
    const shown = SECRET_VARS.has(name) ? '' : ` (got "${v.length > 60 ? `${v.slice(0, 60)}…` : v}")`;
    this.problem(`${name} ${rule}${shown}`);
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.str(name);
    if (v === undefined) return def;
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.bad(name, `must be an integer from ${min} to ${max}`);
      return def;
    }
    return n;
  }

  /** Bytes, plain or with a binary unit (KiB, MiB, GiB, TiB). */
  bytes(name: string, def: number, min: number, max: number): number {
    const v = this.str(name);
    if (v === undefined) return def;
    const n = parseBytes(v);
    if (n === undefined || n < min || n > max) {
      this.bad(name, `must be a byte size from ${min} to ${max} (a number of bytes, or with KiB/MiB/GiB/TiB)`);
      return def;
    }
    return n;
  }

  positive(name: string, def: number, max: number): number {
    const v = this.str(name);
    if (v === undefined) return def;
    const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    if (!(n > 0 && n <= max)) {
      this.bad(name, `must be a number above 0 and at most ${max}`);
      return def;
    }
    return n;
  }

  bool(name: string, def: boolean): boolean {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return def;
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    this.bad(name, 'must be true or false');
    return def;
  }

  oneOf<T extends string>(name: string, values: readonly T[], def: T): T {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return def;
    if ((values as readonly string[]).includes(v)) return v as T;
    this.bad(name, `must be one of ${values.join(', ')}`);
    return def;
  }

  list(name: string): string[] {
    return (this.str(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  }

  secret(name: string, required: boolean): string | undefined {
    const v = required ? this.required(name) : this.str(name);
    if (v !== undefined && Buffer.byteLength(v, 'utf8') < MIN_SECRET_BYTES) {
      this.bad(name, `must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    return v;
  }

  /** `raw` parsed as a URL; else the problem `rule`. */
  url(name: string, raw: string, rule: string): URL | undefined {
    try {
      return new URL(raw);
    } catch {
      this.bad(name, rule);
      return undefined;
    }
  }

  /** An http(s) URL; with `httpsUnlessLocal`, plain http only for localhost. */
  httpUrl(name: string, raw: string, { httpsUnlessLocal }: { httpsUnlessLocal: boolean }): URL | undefined {
    const url = this.url(name, raw, 'must be an absolute URL');
    if (!url) return undefined;
    const okScheme = url.protocol === 'https:' || (url.protocol === 'http:' && (!httpsUnlessLocal || isLocalHost(url.hostname)));
    if (!okScheme) {
      this.bad(name, httpsUnlessLocal ? 'must be an https URL (http only for localhost)' : 'must be an http or https URL');
      return undefined;
    }
    return url;
  }
}

const isLocalHost = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/**
 * `sign`: signs one OSS request with shared/oss/signer.ts and prints everything that went into the
 * signature as one JSON object, to compare with OSS's SignatureDoesNotMatch response
 * (docs/cli-sign.md). Deterministic: the signing time is always given (`--date`).
 *
 * Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET; the secret is
 * never printed.
 */
import { parseArgs } from 'node:util';
import {
  MAX_V4_EXPIRES,
  presign,
  signHeader,
  type Credentials,
  type QueryPairs,
  type SignatureVersion,
} from '../../shared/oss/signer.ts';
import { bucketHost, normalizeRegion, objectUrl, resolveEndpoint, validateBucketName, type ResolvedEndpoint } from '../../shared/oss/endpoint.ts';
import { EXIT_USAGE, UsageError, type CliIo, type Command } from './common.ts';

export const usage = `usage: npm run --silent cli -- sign [flags]

Signs one OSS request and prints a JSON object (see docs/cli-sign.md).

required:
  --method M                 HTTP method (GET, PUT, POST, DELETE, HEAD…)
  --bucket B                 bucket name
  --region R                 region id (cn-hangzhou; a leading oss- is stripped)
  --date T                   signing time, ISO 8601 UTC: 2023-12-16T16:20:57Z (fraction allowed)
                             or the V4 basic form 20231216T162057Z. Optional only for --version v1
                             without --presign when a Date or x-oss-date header is given.
optional:
  --key K                    object key, raw (not URL-encoded); omit for bucket-level requests
  --version v4|v1            signature version (default v4)
  --query name=value         query parameter, raw (repeatable); --query name for a bare one
  --header "Name: value"     request header (repeatable); repeated names are joined with ","
  --additional-headers a,b   V4 only: extra header names to sign (host is filled from the URL; names
                             not among --header, and x-oss-*, are dropped with a note, as the SDKs do)
  --security-token T         STS token
  --presign                  presigned URL instead of an Authorization header (needs --expires)
  --expires SECONDS          presign lifetime: V4 1..${MAX_V4_EXPIRES} (x-oss-expires), V1 >= 1
                             (Expires = date + SECONDS)
  --endpoint URL             default https://<bucket>.oss-<region>.aliyuncs.com. A host starting
                             with "<bucket>." or ending in ".aliyuncs.com" is virtual-hosted,
                             anything else (emulator, proxy, IP) is path-style <endpoint>/<bucket>/<key>

environment:
  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (required)

exit codes: 0 ok, 2 bad flags or missing credentials, 1 unexpected error
`;

export interface SignOptions {
  method: string;
  bucket: string;
  key?: string;
  region: string;
  date?: Date;
  version: SignatureVersion;
  query: QueryPairs;
  headers: Record<string, string>;
  additionalHeaders?: string[];
  securityToken?: string;
  presign: boolean;
  expires?: number;
  endpoint?: string;
}

/** Header mode output. `canonicalRequest` is null for V1 (V1 has no canonical request). */
export interface HeaderOutput {
  mode: 'header';
  version: SignatureVersion;
  method: string;
  url: string;
  authorization: string;
  headers: Record<string, string>;
  stringToSign: string;
  canonicalRequest: string | null;
}

/** Presign output. `headers`: what the request must still carry (the --header values, signed). */
export interface PresignOutput {
  mode: 'presign';
  version: SignatureVersion;
  method: string;
  url: string;
  signature: string;
  expiresAt: string;
  headers: Record<string, string>;
  stringToSign: string;
  canonicalRequest: string | null;
}

// ---------------------------------------------------------------------------------------------
// Flag parsing

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 field-name / method token

const ISO_EXTENDED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Strict ISO 8601 UTC (`Z` only): no local times, no offsets, no rolled-over dates (Feb 30). */
export function parseIsoUtc(text: string): Date {
  const m = ISO_EXTENDED.exec(text) ?? ISO_BASIC.exec(text);
  if (!m) {
    throw new UsageError(`--date must be ISO 8601 UTC like 2023-12-16T16:20:57Z or 20231216T162057Z, got ${JSON.stringify(text)}`);
  }
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  const same =
    date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d &&
    date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
  if (!same || y < 1970) throw new UsageError(`--date is not a valid UTC time from 1970 on: ${JSON.stringify(text)}`);
  return date;
}

function parseQuery(items: string[]): QueryPairs {
  return items.map((item) => {
    const i = item.indexOf('=');
    const name = i < 0 ? item : item.slice(0, i);
    if (name === '') throw new UsageError(`--query needs a name: ${JSON.stringify(item)} (use name=value or name)`);
    return [name, i < 0 ? '' : item.slice(i + 1)];
  });
}

function parseHeaders(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const spelling = new Map<string, string>(); // lower-case name -> first spelling
  for (const item of items) {
    const i = item.indexOf(':');
    const name = i < 0 ? '' : item.slice(0, i);
    if (i < 0 || !TOKEN.test(name)) {
      throw new UsageError(`--header must be "Name: value" with a valid header name, got ${JSON.stringify(item)}`);
    }
    const value = item.slice(i + 1).trim();
    const lower = name.toLowerCase();
    const first = spelling.get(lower);
    if (first === undefined) {
      spelling.set(lower, name);
      out[name] = value;
    } else out[first] = `${out[first]},${value}`;
  }
  return out;
}

function findHeader(headers: Record<string, string>, lower: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function asUsage<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

export function parseSignArgs(argv: string[]): SignOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      method: { type: 'string' },
      bucket: { type: 'string' },
      key: { type: 'string' },
      region: { type: 'string' },
      date: { type: 'string' },
      version: { type: 'string' },
      query: { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
      'additional-headers': { type: 'string' },
      'security-token': { type: 'string' },
      presign: { type: 'boolean' },
      expires: { type: 'string' },
      endpoint: { type: 'string' },
    },
  });

  const version = (values.version ?? 'v4').toLowerCase();
  if (version !== 'v4' && version !== 'v1') throw new UsageError(`--version must be v4 or v1, got ${JSON.stringify(values.version)}`);
  const isPresign = values.presign === true;
  const headers = parseHeaders(values.header ?? []);
  const hasDateHeader = findHeader(headers, 'x-oss-date') !== undefined || findHeader(headers, 'date') !== undefined;
  const dateOptional = version === 'v1' && !isPresign && hasDateHeader;

  const missing = (['method', 'bucket', 'region'] as const).filter((f) => values[f] === undefined).map((f) => `--${f}`);
  if (values.date === undefined && !dateOptional) missing.push('--date');
  if (isPresign && values.expires === undefined) missing.push('--expires (with --presign)');
  if (missing.length) throw new UsageError(`missing required flag${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);

  const method = values.method!;
  if (!/^[A-Za-z]+$/.test(method)) throw new UsageError(`--method must be an HTTP method name, got ${JSON.stringify(method)}`);

  const bucket = asUsage('--bucket', () => validateBucketName(values.bucket!));
  const region = asUsage('--region', () => normalizeRegion(values.region!));

  const key = values.key === '' ? undefined : values.key;
  if (key !== undefined && (key.startsWith('/') || key.startsWith('\\'))) {
    throw new UsageError(`--key must not start with "/" or "\\" (OSS rejects such names); give the key without it: ${JSON.stringify(key)}`);
  }

  const date = values.date === undefined ? undefined : parseIsoUtc(values.date);

  let expires: number | undefined;
  if (values.expires !== undefined) {
    if (!isPresign) throw new UsageError('--expires only applies with --presign');
    const n = /^\d+$/.test(values.expires) ? Number(values.expires) : NaN;
    const max = version === 'v4' ? MAX_V4_EXPIRES : Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new UsageError(`--expires must be a whole number of seconds from 1 to ${version === 'v4' ? `${MAX_V4_EXPIRES} (7 days) for V4` : 'a safe integer for V1'}, got ${JSON.stringify(values.expires)}`);
    }
    expires = n;
  }

  let additionalHeaders: string[] | undefined;
  if (values['additional-headers'] !== undefined) {
    if (version !== 'v4') throw new UsageError('--additional-headers is V4 only');
    additionalHeaders = values['additional-headers'].split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const n of additionalHeaders) {
      if (!TOKEN.test(n)) throw new UsageError(`--additional-headers: invalid header name ${JSON.stringify(n)}`);
      if (n.includes('_')) throw new UsageError(`--additional-headers: OSS rejects names containing "_" (EC 0002-00000077): ${JSON.stringify(n)}`);
    }
  }

  if (version === 'v4' && findHeader(headers, 'x-oss-date') !== undefined) {
    throw new UsageError('V4 takes its signing time from --date; do not pass x-oss-date as a --header');
  }

  const securityToken = values['security-token'];
  if (securityToken === '') throw new UsageError('--security-token is empty');

  return {
    method: method.toUpperCase(),
    bucket,
    key,
    region,
    date,
    version,
    query: parseQuery(values.query ?? []),
    headers,
    additionalHeaders,
    securityToken,
    presign: isPresign,
    expires,
    endpoint: values.endpoint,
  };
}

// ---------------------------------------------------------------------------------------------
// Endpoint

/**
 * Default: virtual-hosted `https://<bucket>.oss-<region>.aliyuncs.com`. A custom endpoint is
 * virtual-hosted when its host already starts with `<bucket>.` or is an OSS service host
 * (`*.aliyuncs.com`: internal, accelerate, another region), else path-style
 * (`<endpoint>/<bucket>/<key>`: the emulator, a proxy, an IP). The host is not signed, so only the
 * printed URL depends on this, never the signature.
 */
export function endpointFor(bucket: string, region: string, endpoint: string | undefined): ResolvedEndpoint {
  if (endpoint === undefined) return resolveEndpoint({ region });
  const probe = asUsage('--endpoint', () => resolveEndpoint({ region, endpoint, pathStyle: true }));
  const hostname = probe.host.replace(/:\d+$/, '');
  const virtual = hostname.startsWith(`${bucket}.`) || hostname.endsWith('.aliyuncs.com');
  return virtual ? resolveEndpoint({ region, endpoint, pathStyle: false }) : probe;
}

// ---------------------------------------------------------------------------------------------
// Signing

/**
 * Signs the request. `--additional-headers` names the request does not carry, and names V4 signs
 * anyway (x-oss-*, content-type, content-md5), are dropped before signing, as the official SDKs do
 * (go-sdk-v2 getCommonAdditionalHeaders, python-sdk-v2 _common_additional_headers): OSS would
 * reject a listed name that is missing from the request (EC 0002-00000078). `host` is filled from
 * the URL. Each dropped name is reported through `warn`.
 */
export function signRequest(opts: SignOptions, credentials: Credentials, warn: (message: string) => void = () => {}): HeaderOutput | PresignOutput {
  const ep = endpointFor(opts.bucket, opts.region, opts.endpoint);
  const headers = { ...opts.headers };
  let additionalHeaders = opts.additionalHeaders;
  if (additionalHeaders) {
    const kept: string[] = [];
    for (const name of additionalHeaders) {
      const lower = name.toLowerCase();
      if (lower.startsWith('x-oss-') || lower === 'content-type' || lower === 'content-md5') {
        warn(`--additional-headers: dropped ${JSON.stringify(name)}: V4 signs it whenever the request carries it`);
        continue;
      }
      if (findHeader(headers, lower) === undefined) {
        if (lower !== 'host') {
          warn(`--additional-headers: dropped ${JSON.stringify(name)}: no such --header (OSS rejects a listed header the request lacks, EC 0002-00000078)`);
          continue;
        }
        headers['Host'] = bucketHost(ep, opts.bucket);
      }
      kept.push(name);
    }
    additionalHeaders = kept.length > 0 ? kept : undefined;
  }
  const req = { method: opts.method, bucket: opts.bucket, key: opts.key, query: opts.query, headers };
  const ctx = { credentials, region: opts.region, date: opts.date, additionalHeaders };

  if (opts.presign) {
    const r = presign(opts.version, req, { ...ctx, expires: opts.expires! });
    return {
      mode: 'presign',
      version: opts.version,
      method: opts.method,
      url: objectUrl(ep, opts.bucket, opts.key, r.query),
      signature: r.signature,
      expiresAt: r.expiresAt.toISOString(),
      headers,
      stringToSign: r.stringToSign,
      canonicalRequest: r.canonicalRequest ?? null,
    };
  }
  const r = signHeader(opts.version, req, ctx);
  return {
    mode: 'header',
    version: opts.version,
    method: opts.method,
    url: objectUrl(ep, opts.bucket, opts.key, opts.query),
    authorization: r.authorization,
    headers: r.headers,
    stringToSign: r.stringToSign,
    canonicalRequest: r.canonicalRequest ?? null,
  };
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv, securityToken?: string): Credentials | undefined {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID?.trim();
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) return undefined;
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

export const command: Command = {
  summary: 'sign an OSS request (V4 or V1, header or presigned URL) and print StringToSign & co. as JSON',
  usage,
  run(argv: string[], io: CliIo): number {
    const opts = parseSignArgs(argv);
    const credentials = credentialsFromEnv(io.env, opts.securityToken);
    if (!credentials) {
      io.stderr('sign: missing credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment\n');
      return EXIT_USAGE;
    }
    io.stdout(`${JSON.stringify(signRequest(opts, credentials, (m) => io.stderr(`sign: note: ${m}\n`)), null, 2)}\n`);
    return 0;
  },
};

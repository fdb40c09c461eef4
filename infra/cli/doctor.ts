/**
 * `doctor`: is this bucket ready for browser uploads? Reads the bucket's CORS rules and lifecycle
 * rules (signed GetBucketCors / GetBucketLifecycle with shared/oss/signer.ts), sends the preflight a
 * browser would send before PUTting a part, and prints what is missing, with the XML that fixes it.
 *
 * What a browser upload needs, per web-app origin (the first CORS rule matching origin and method
 * is the one OSS applies, so that is the rule checked):
 *   fail  PUT allowed (part uploads) and POST allowed (PostObject, Uppy's small-file path)
 *   fail  allowed headers cover content-type, content-md5 and x-oss-* (signed part headers)
 *   fail  ETag exposed (the browser reads each part's ETag for complete)
 *   fail  x-oss-hash-crc64ecma exposed (end-to-end CRC-64 checks in the browser)
 *   fail  a live preflight from the origin is answered with Access-Control-Allow-Origin
 *   warn  no MaxAgeSeconds (every part PUT then costs a preflight)
 *   warn  no enabled lifecycle rule aborting incomplete multipart uploads under KEY_PREFIX
 *         (the sweeper does this too; the rule is the backstop when the sweeper is off or failing)
 *
 * Exit codes: 0 no failures (and no warnings with --strict), 1 otherwise, 2 usage.
 * Read-only: doctor never changes the bucket.
 */
import { parseArgs } from 'node:util';
import { signHeader, type Credentials, type QueryPairs, type SignatureVersion } from '../../shared/oss/signer.ts';
import { objectUrl, normalizeRegion, validateBucketName, type ResolvedEndpoint } from '../../shared/oss/endpoint.ts';
import { parseErrorFields, parseXml, type XmlNode } from '../../shared/oss/xml.ts';
import { normalizeKeyPrefix } from '../../shared/policy/keys.ts';
import { abortUploadsLifecycleXml, uploadCorsXml, type CorsRule } from '../bucket-rules.ts';
import { credentialsFromEnv, endpointFor } from './sign.ts';
import { EXIT_FAILURE, EXIT_USAGE, UsageError, type CliIo, type Command } from './common.ts';

export const usage = `usage: npm run --silent cli -- doctor [flags]

Checks that a bucket's CORS and lifecycle settings allow browser multipart uploads from your web
app, and prints what to change. Read-only.

flags (defaults from the same environment variables the functions read):
  --bucket B            bucket (OSS_BUCKET)
  --region R            region id, e.g. cn-hangzhou (OSS_REGION)
  --endpoint URL        the endpoint BROWSERS use (OSS_PUBLIC_ENDPOINT, else OSS_ENDPOINT unless it
                        is an -internal host, else the regional public endpoint, as the functions
                        choose it); the live preflight goes there. A host on *.aliyuncs.com or
                        starting with "<bucket>." is virtual-hosted, anything else path-style.
  --origin O            web-app origin, e.g. https://app.example.com (repeatable; default
                        CORS_ALLOWED_ORIGINS)
  --key-prefix P        where uploads go (KEY_PREFIX, default uploads)
  --signature-version   v4 (default) or v1 (OSS_SIGNATURE_VERSION)
  --no-preflight        skip the live OPTIONS request
  --strict              warnings fail too
  --json                print the findings as JSON

environment:
  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (required; needs
  oss:GetBucketCors and oss:GetBucketLifecycle), ALIBABA_CLOUD_SECURITY_TOKEN (STS, optional)

exit codes: 0 ready, 1 problems found (or warnings with --strict), 2 bad flags or no credentials
`;

export type Level = 'ok' | 'warn' | 'fail' | 'info';

export interface Finding {
  level: Level;
  check: string;
  message: string;
  /** Which origin the finding is about, when it is about one. */
  origin?: string;
}

export interface LifecycleRule {
  id: string;
  prefix: string;
  enabled: boolean;
  abortDays?: number;
  abortCreatedBefore?: string;
}

export interface DoctorOptions {
  bucket: string;
  region: string;
  endpoint: ResolvedEndpoint;
  origins: string[];
  keyPrefix: string;
  signatureVersion: SignatureVersion;
  preflight: boolean;
  strict: boolean;
  json: boolean;
}

export interface DoctorReport {
  bucket: string;
  region: string;
  endpoint: string;
  origins: string[];
  keyPrefix: string;
  findings: Finding[];
  failures: number;
  warnings: number;
  ok: boolean;
  /** The CORS XML that would satisfy every check for these origins. */
  recommendedCors: string;
  recommendedLifecycle: string;
}

// ---------------------------------------------------------------------------------------------
// Signed bucket sub-resource requests

export interface BucketResponse {
  status: number;
  body: string;
  headers: Headers;
  /** From the error XML, when status >= 300. */
  code?: string;
  message?: string;
}

/** A signed request on the bucket itself (`?cors`, `?lifecycle`…), no retries. */
export async function bucketRequest(
  opts: { bucket: string; region: string; endpoint: ResolvedEndpoint; credentials: Credentials; signatureVersion?: SignatureVersion; fetch?: typeof fetch },
  method: 'GET' | 'PUT' | 'DELETE',
  query: QueryPairs,
  body?: string,
): Promise<BucketResponse> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/xml';
  const signed = signHeader(
    opts.signatureVersion ?? 'v4',
    { method, bucket: opts.bucket, query, headers },
    { credentials: opts.credentials, region: opts.region },
  );
  const res = await (opts.fetch ?? fetch)(objectUrl(opts.endpoint, opts.bucket, undefined, query), {
    method,
    headers: { ...signed.headers, 'accept-encoding': 'identity' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const out: BucketResponse = { status: res.status, body: text, headers: res.headers };
  if (res.status >= 300) {
    const f = parseErrorFields(text);
    out.code = f?.Code ?? `HTTP${res.status}`;
    out.message = f?.Message ?? text.slice(0, 200);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// XML

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strs = (v: unknown): string[] => asArray(v).filter((x): x is string => typeof x === 'string').map((s) => s.trim()).filter(Boolean);
const node = (v: unknown): XmlNode => (v && typeof v === 'object' && !Array.isArray(v) ? (v as XmlNode) : {});

export function parseCorsRules(xml: string): CorsRule[] {
  const root = node(parseXml(xml).CORSConfiguration);
  return asArray(root.CORSRule).map((r) => {
    const n = node(r);
    const rule: CorsRule = {
      allowedOrigins: strs(n.AllowedOrigin),
      allowedMethods: strs(n.AllowedMethod).map((m) => m.toUpperCase()),
      allowedHeaders: strs(n.AllowedHeader),
      exposeHeaders: strs(n.ExposeHeader),
    };
    const age = typeof n.MaxAgeSeconds === 'string' ? Number(n.MaxAgeSeconds) : NaN;
    if (Number.isFinite(age)) rule.maxAgeSeconds = age;
    return rule;
  });
}

export function parseLifecycleRules(xml: string): LifecycleRule[] {
  const root = node(parseXml(xml).LifecycleConfiguration);
  return asArray(root.Rule).map((r) => {
    const n = node(r);
    const filter = node(n.Filter);
    const prefix = typeof n.Prefix === 'string' ? n.Prefix : typeof filter.Prefix === 'string' ? filter.Prefix : '';
    const abort = node(n.AbortMultipartUpload);
    const rule: LifecycleRule = { id: typeof n.ID === 'string' ? n.ID : '', prefix, enabled: n.Status === 'Enabled' };
    if (typeof abort.Days === 'string' && /^\d+$/.test(abort.Days)) rule.abortDays = Number(abort.Days);
    if (typeof abort.CreatedBeforeDate === 'string') rule.abortCreatedBefore = abort.CreatedBeforeDate;
    return rule;
  });
}

// ---------------------------------------------------------------------------------------------
// Rule evaluation (OSS semantics: `*` matches any run of characters; origins case-sensitive,
// headers case-insensitive; the first rule matching origin + method (+ headers) applies)

export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

const originMatches = (rule: CorsRule, origin: string) => rule.allowedOrigins.some((o) => wildcardMatch(o, origin));
const headerAllowed = (rule: CorsRule, header: string) => rule.allowedHeaders.some((h) => wildcardMatch(h, header, true));
const exposes = (rule: CorsRule, header: string) => rule.exposeHeaders.some((h) => h.toLowerCase() === header.toLowerCase());

/** Sample request headers standing for the groups a browser upload sends. */
const NEEDED_HEADERS: Array<[label: string, samples: string[]]> = [
  ['content-type', ['content-type']],
  ['content-md5', ['content-md5']],
  ['x-oss-*', ['x-oss-meta-probe', 'x-oss-security-token', 'x-oss-forbid-overwrite']],
];

export function checkCors(rules: CorsRule[], origin: string): Finding[] {
  const out: Finding[] = [];
  const f = (level: Level, check: string, message: string) => out.push({ level, check, message, origin });
  // The rule OSS applies to each method; methods sharing a rule are checked together.
  const byRule = new Map<number, string[]>();
  for (const [method, why] of [['PUT', 'part uploads'], ['POST', 'PostObject, Uppy small files']] as const) {
    const index = rules.findIndex((r) => originMatches(r, origin) && r.allowedMethods.includes(method));
    if (index < 0) {
      const originOnly = rules.some((r) => originMatches(r, origin));
      f('fail', `cors.${method.toLowerCase()}`, `${method} is not allowed (${why})${originOnly ? '' : ': no CORS rule matches this origin'}`);
    } else byRule.set(index, [...(byRule.get(index) ?? []), method]);
  }
  for (const [index, methods] of byRule) {
    const name = `rule ${index + 1}`;
    const rule = rules[index];
    const m = methods.join(' and ');
    for (const method of methods) f('ok', `cors.${method.toLowerCase()}`, `${method} allowed (${name})`);
    const missingHeaders = NEEDED_HEADERS.filter(([, samples]) => !samples.every((h) => headerAllowed(rule, h))).map(([label]) => label);
    if (missingHeaders.length) f('fail', 'cors.headers', `${name} does not allow request header(s) ${missingHeaders.join(', ')} for ${m} (AllowedHeader * covers all)`);
    else f('ok', 'cors.headers', `${name} allows content-type, content-md5 and x-oss-* request headers`);
    for (const h of ['ETag', 'x-oss-hash-crc64ecma']) {
      const check = `cors.expose.${h.toLowerCase()}`;
      if (exposes(rule, h)) f('ok', check, `${name} exposes ${h}`);
      else {
        const reason = h === 'ETag' ? 'the browser cannot read part ETags to complete the upload' : 'the browser cannot check CRC-64 end to end';
        f('fail', check, `${name} does not expose ${h} to ${m} responses: ${reason}`);
      }
    }
    if (methods.includes('PUT') && rule.maxAgeSeconds === undefined) f('warn', 'cors.max-age', `${name} has no MaxAgeSeconds: browsers repeat the preflight before every part`);
  }
  return out;
}

export function checkLifecycle(rules: LifecycleRule[], keyPrefix: string): Finding {
  const covering = rules.filter(
    (r) => r.enabled && (r.abortDays !== undefined || r.abortCreatedBefore !== undefined) && `${keyPrefix}/`.startsWith(r.prefix),
  );
  if (covering.length === 0) {
    return {
      level: 'warn',
      check: 'lifecycle.abort-multipart',
      message: `no enabled lifecycle rule aborts incomplete multipart uploads under ${keyPrefix}/ (recommended as a backstop to the sweeper)`,
    };
  }
  const r = covering[0];
  return {
    level: 'ok',
    check: 'lifecycle.abort-multipart',
    message: `lifecycle rule ${r.id || '(no id)'} aborts incomplete multipart uploads under "${r.prefix}" ${r.abortDays !== undefined ? `after ${r.abortDays} day(s)` : `created before ${r.abortCreatedBefore}`}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Running it

export async function runDoctor(opts: DoctorOptions, credentials: Credentials, fetchImpl: typeof fetch = fetch): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const req = { bucket: opts.bucket, region: opts.region, endpoint: opts.endpoint, credentials, signatureVersion: opts.signatureVersion, fetch: fetchImpl };
  const endpointUrl = objectUrl(opts.endpoint, opts.bucket);

  // CORS rules
  let rules: CorsRule[] | undefined;
  try {
    const r = await bucketRequest(req, 'GET', [['cors', '']]);
    if (r.status === 200) {
      rules = parseCorsRules(r.body);
      findings.push({ level: 'info', check: 'cors.read', message: `${rules.length} CORS rule(s) on the bucket` });
    } else if (r.code === 'NoSuchCORSConfiguration') {
      rules = [];
      findings.push({ level: 'fail', check: 'cors.read', message: 'the bucket has no CORS rules: browsers cannot upload parts to it' });
    } else {
      findings.push({ level: 'fail', check: 'cors.read', message: `GetBucketCors failed: ${r.status} ${r.code}: ${r.message}` });
    }
  } catch (e) {
    findings.push({ level: 'fail', check: 'cors.read', message: `GetBucketCors failed: ${(e as Error).message}` });
  }
  if (rules && rules.length > 0) for (const origin of opts.origins) findings.push(...checkCors(rules, origin));

  // What a browser actually gets: the preflight before a part PUT, at the endpoint browsers use.
  if (opts.preflight) {
    const probe = objectUrl(opts.endpoint, opts.bucket, `${opts.keyPrefix}/oss-upload-doctor-probe`, [['partNumber', '1'], ['uploadId', 'probe']]);
    for (const origin of opts.origins) {
      try {
        const res = await fetchImpl(probe, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,content-md5' },
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        const allow = res.headers.get('access-control-allow-origin');
        if (res.status >= 200 && res.status < 300 && (allow === origin || allow === '*')) {
          findings.push({ level: 'ok', check: 'preflight', message: `preflight PUT from ${origin} allowed by ${new URL(probe).host}`, origin });
        } else {
          findings.push({ level: 'fail', check: 'preflight', message: `preflight PUT from ${origin} refused by ${new URL(probe).host}: ${res.status}${allow ? `, Access-Control-Allow-Origin ${allow}` : ', no Access-Control-Allow-Origin'}`, origin });
        }
      } catch (e) {
        findings.push({ level: 'fail', check: 'preflight', message: `preflight to ${new URL(probe).host} failed: ${(e as Error).message}`, origin });
      }
    }
  }

  // Lifecycle
  try {
    const r = await bucketRequest(req, 'GET', [['lifecycle', '']]);
    if (r.status === 200) findings.push(checkLifecycle(parseLifecycleRules(r.body), opts.keyPrefix));
    else if (r.code === 'NoSuchLifecycle') findings.push(checkLifecycle([], opts.keyPrefix));
    else findings.push({ level: 'warn', check: 'lifecycle.abort-multipart', message: `could not read lifecycle rules (${r.status} ${r.code}): check by hand that incomplete multipart uploads under ${opts.keyPrefix}/ are aborted` });
  } catch (e) {
    findings.push({ level: 'warn', check: 'lifecycle.abort-multipart', message: `could not read lifecycle rules: ${(e as Error).message}` });
  }

  const failures = findings.filter((f) => f.level === 'fail').length;
  const warnings = findings.filter((f) => f.level === 'warn').length;
  return {
    bucket: opts.bucket,
    region: opts.region,
    endpoint: endpointUrl,
    origins: opts.origins,
    keyPrefix: opts.keyPrefix,
    findings,
    failures,
    warnings,
    ok: failures === 0 && (!opts.strict || warnings === 0),
    recommendedCors: uploadCorsXml(opts.origins),
    recommendedLifecycle: abortUploadsLifecycleXml(opts.keyPrefix),
  };
}

export function formatReport(r: DoctorReport): string {
  const tag: Record<Level, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', info: 'info' };
  const lines = [`bucket ${r.bucket} (${r.region}) at ${r.endpoint}, uploads under ${r.keyPrefix}/`];
  const show = (fs: Finding[]) => fs.forEach((f) => lines.push(`  ${tag[f.level]}  ${f.message}`));
  const isLifecycle = (f: Finding) => f.check.startsWith('lifecycle');
  show(r.findings.filter((f) => !f.origin && !isLifecycle(f)));
  for (const origin of r.origins) {
    lines.push(`from ${origin}:`);
    show(r.findings.filter((f) => f.origin === origin));
  }
  lines.push('lifecycle:');
  show(r.findings.filter(isLifecycle));
  lines.push('');
  const corsProblem = r.findings.some((f) => f.level === 'fail' && (f.check.startsWith('cors') || f.check === 'preflight'));
  if (corsProblem) {
    lines.push('Fix: set this CORS rule (console: Bucket > Content Security > CORS, or PutBucketCors; it replaces');
    lines.push('the existing rules, so merge by hand if the bucket has others):', '', r.recommendedCors, '');
  }
  if (r.findings.some((f) => f.check === 'lifecycle.abort-multipart' && f.level !== 'ok')) {
    lines.push('Recommended: a lifecycle rule aborting incomplete multipart uploads (console: Bucket > Data Management >');
    lines.push('Lifecycle, or PutBucketLifecycle; it replaces the existing rules, so merge by hand):', '', r.recommendedLifecycle, '');
  }
  const verdict = r.ok ? 'ready for browser uploads' : 'NOT ready for browser uploads';
  lines.push(`${verdict}: ${r.failures} problem(s), ${r.warnings} warning(s)`);
  return `${lines.join('\n')}\n`;
}

export function parseDoctorArgs(argv: string[], env: NodeJS.ProcessEnv): DoctorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      bucket: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'key-prefix': { type: 'string' },
      'signature-version': { type: 'string' },
      'no-preflight': { type: 'boolean' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const bucketRaw = blank(values.bucket) ?? blank(env.OSS_BUCKET);
  const regionRaw = blank(values.region) ?? blank(env.OSS_REGION);
  const missing = [!bucketRaw && '--bucket (or OSS_BUCKET)', !regionRaw && '--region (or OSS_REGION)'].filter(Boolean);
  if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);
  let bucket: string;
  let region: string;
  try {
    bucket = validateBucketName(bucketRaw!);
    region = normalizeRegion(regionRaw!);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // Like the functions' OSS_PUBLIC_ENDPOINT default: OSS_ENDPOINT unless it is an internal host.
  const ossEndpoint = blank(env.OSS_ENDPOINT);
  const endpointRaw = blank(values.endpoint) ?? blank(env.OSS_PUBLIC_ENDPOINT) ?? (ossEndpoint && !/-internal\./.test(ossEndpoint) ? ossEndpoint : undefined);
  let endpoint: ResolvedEndpoint;
  try {
    endpoint = endpointFor(bucket, region, endpointRaw);
  } catch (e) {
    throw new UsageError(`--endpoint: ${(e as Error).message}`);
  }
  const origins = (values.origin?.length ? values.origin : (env.CORS_ALLOWED_ORIGINS ?? '').split(','))
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  if (origins.length === 0) throw new UsageError('give the web app origin: --origin https://app.example.com (or set CORS_ALLOWED_ORIGINS)');
  for (const o of origins) {
    if (o === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      /* below */
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== o) throw new UsageError(`--origin must be an origin like https://app.example.com, got ${JSON.stringify(o)}`);
  }
  let keyPrefix: string;
  try {
    keyPrefix = normalizeKeyPrefix(blank(values['key-prefix']) ?? blank(env.KEY_PREFIX) ?? 'uploads');
  } catch (e) {
    throw new UsageError(`--key-prefix: ${(e as Error).message}`);
  }
  const sv = (blank(values['signature-version']) ?? blank(env.OSS_SIGNATURE_VERSION) ?? 'v4').toLowerCase();
  if (sv !== 'v4' && sv !== 'v1') throw new UsageError(`--signature-version must be v4 or v1, got ${JSON.stringify(sv)}`);
  return {
    bucket,
    region,
    endpoint,
    origins,
    keyPrefix,
    signatureVersion: sv,
    preflight: !values['no-preflight'],
    strict: values.strict === true,
    json: values.json === true,
  };
}

export const command: Command = {
  summary: 'check a bucket\'s CORS and lifecycle settings for browser uploads (read-only)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const opts = parseDoctorArgs(argv, io.env);
    const credentials = credentialsFromEnv(io.env, io.env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim() || undefined);
    if (!credentials) {
      io.stderr('doctor: missing credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET\n');
      return EXIT_USAGE;
    }
    const report = await runDoctor(opts, credentials);
    io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.ok ? 0 : EXIT_FAILURE;
  },
};

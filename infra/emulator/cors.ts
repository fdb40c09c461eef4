/**
 * Bucket CORS (docs/oss.md, "Bucket CORS"): PutBucketCors/GetBucketCors/DeleteBucketCors, preflight
 * (OPTIONS) handling and the CORS headers on actual requests. Rules are tried in order; the first
 * match wins. A bucket starts with DEFAULT_CORS: our browser-upload rule (infra/bucket-rules.ts)
 * for local dev pages (http://localhost:*, http://127.0.0.1:*), so pages on this machine can
 * upload and read the ETag. GetBucketCors answers with the rules in force, so `doctor` sees what
 * a browser gets; after DeleteBucketCors the bucket has none, as on OSS.
 */
import { uploadCorsRule } from '../bucket-rules';
import { readSmallBody } from './body';
import { Errors, OssError } from './errors';
import type { CorsConfig, CorsRule } from './storage';
import type { OpContext, OssResponse } from './types';
import { el, parseXml, xmlDocument } from './xml';

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

/** Origins of pages served from this machine. */
export const LOCAL_ORIGINS = ['http://localhost', 'http://localhost:*', 'http://127.0.0.1', 'http://127.0.0.1:*', 'https://localhost', 'https://localhost:*'];

export const DEFAULT_CORS: CorsConfig = { responseVary: false, rules: [uploadCorsRule(LOCAL_ORIGINS)] };

const NO_CORS: CorsConfig = { responseVary: false, rules: [] };

/** `*` (at most one) matches any run of characters; comparison is case-sensitive for origins. */
function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star === -1) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

/** The rules in force: the bucket's own, none after DeleteBucketCors, else the defaults. */
export function effectiveCors(ctx: { core: OpContext['core'] }, bucket: string): CorsConfig {
  const cors = ctx.core.storage.getBucket(bucket)?.cors;
  return cors === null ? NO_CORS : (cors ?? DEFAULT_CORS);
}

function findRule(cors: CorsConfig, origin: string, method: string, requestHeaders: string[] | undefined): CorsRule | undefined {
  return cors.rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcardMatch(o, origin)) &&
      r.allowedMethods.includes(method) &&
      (requestHeaders === undefined || requestHeaders.every((h) => r.allowedHeaders.some((a) => wildcardMatch(a, h, true)))),
  );
}

function allowOriginValue(rule: CorsRule, origin: string): string {
  return rule.allowedOrigins.includes('*') ? '*' : origin;
}

/** OPTIONS preflight: 200 with the Access-Control-* headers, or 403 AccessForbidden. */
export function preflight(core: OpContext['core'], bucket: string, headers: Record<string, string>): OssResponse {
  const origin = headers['origin'];
  const method = headers['access-control-request-method'];
  if (!origin || !method) {
    throw new OssError(403, 'AccessForbidden', 'CORSResponse: Insufficient information. Origin request header needed.');
  }
  const requested = (headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const cors = effectiveCors({ core }, bucket);
  const rule = findRule(cors, origin, method.toUpperCase(), requested);
  if (!rule) {
    throw new OssError(
      403,
      'AccessForbidden',
      'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource\'s CORS spec.',
    );
  }
  const out: Record<string, string> = {
    'Access-Control-Allow-Origin': allowOriginValue(rule, origin),
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
  };
  if (requested.length > 0) out['Access-Control-Allow-Headers'] = requested.join(', ');
  if (rule.exposeHeaders.length > 0) out['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) out['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  out['Vary'] = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  return { status: 200, headers: out };
}

/** CORS headers for an actual (non-preflight) request, if a rule matches its origin and method. */
export function actualCorsHeaders(core: OpContext['core'], bucket: string | undefined, method: string, headers: Record<string, string>): Record<string, string> {
  const origin = headers['origin'];
  if (!origin || !bucket || !core.storage.hasBucket(bucket)) return {};
  const cors = effectiveCors({ core }, bucket);
  const rule = findRule(cors, origin, method === 'OPTIONS' ? 'GET' : method, undefined);
  if (!rule) return cors.responseVary ? { Vary: 'Origin' } : {};
  const out: Record<string, string> = {
    'Access-Control-Allow-Origin': allowOriginValue(rule, origin),
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
    Vary: 'Origin',
  };
  if (rule.exposeHeaders.length > 0) out['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) out['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  return out;
}

// --- Put/Get/DeleteBucketCors --------------------------------------------------------------------

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => (typeof x === 'string' ? x : '')).filter((x) => x !== '');
}

export function parseCorsXml(text: string): CorsConfig {
  const doc = parseXml(text);
  const root = doc?.['CORSConfiguration'];
  if (!root || typeof root !== 'object') throw Errors.malformedXml();
  const r = root as Record<string, unknown>;
  const rawRules = r['CORSRule'];
  if (!Array.isArray(rawRules) || rawRules.length === 0) throw Errors.malformedXml('CORSConfiguration needs at least one CORSRule.');
  if (rawRules.length > 10) throw new OssError(400, 'InvalidArgument', 'A bucket can have at most 10 CORS rules.', { ArgumentName: 'CORSRule' });
  const rules = rawRules.map((raw): CorsRule => {
    if (!raw || typeof raw !== 'object') throw Errors.malformedXml();
    const o = raw as Record<string, unknown>;
    const rule: CorsRule = {
      allowedOrigins: strings(o['AllowedOrigin']),
      allowedMethods: strings(o['AllowedMethod']).map((m) => m.toUpperCase()),
      allowedHeaders: strings(o['AllowedHeader']),
      exposeHeaders: strings(o['ExposeHeader']),
    };
    if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0) {
      throw Errors.invalidArgument('Each CORSRule needs at least one AllowedOrigin and one AllowedMethod.', 'CORSRule');
    }
    for (const m of rule.allowedMethods) if (!METHODS.includes(m)) throw Errors.invalidArgument(`Unsupported AllowedMethod ${m}.`, 'AllowedMethod', m);
    for (const origin of rule.allowedOrigins) {
      if (origin.split('*').length > 2) throw Errors.invalidArgument('An AllowedOrigin may contain at most one *.', 'AllowedOrigin', origin);
    }
    for (const h of rule.allowedHeaders) {
      if (h.split('*').length > 2) throw Errors.invalidArgument('An AllowedHeader may contain at most one *.', 'AllowedHeader', h);
    }
    for (const h of rule.exposeHeaders) {
      if (h.includes('*')) throw Errors.invalidArgument('An ExposeHeader must not contain *.', 'ExposeHeader', h);
    }
    const maxAge = o['MaxAgeSeconds'];
    if (maxAge !== undefined) {
      if (typeof maxAge !== 'string' || !/^\d+$/.test(maxAge)) throw Errors.invalidArgument('MaxAgeSeconds must be a non-negative integer.', 'MaxAgeSeconds', String(maxAge));
      rule.maxAgeSeconds = Number(maxAge);
    }
    return rule;
  });
  const vary = r['ResponseVary'];
  return { rules, responseVary: typeof vary === 'string' && vary.toLowerCase() === 'true' };
}

export function corsXml(cors: CorsConfig): string {
  return xmlDocument('CORSConfiguration', [
    ...cors.rules.map((r) =>
      el('CORSRule', [
        ...r.allowedOrigins.map((o) => el('AllowedOrigin', o)),
        ...r.allowedMethods.map((m) => el('AllowedMethod', m)),
        ...r.allowedHeaders.map((h) => el('AllowedHeader', h)),
        ...r.exposeHeaders.map((h) => el('ExposeHeader', h)),
        ...(r.maxAgeSeconds !== undefined ? [el('MaxAgeSeconds', r.maxAgeSeconds)] : []),
      ]),
    ),
    el('ResponseVary', cors.responseVary),
  ]);
}

export async function putBucketCors(ctx: OpContext): Promise<OssResponse> {
  const body = await readSmallBody(ctx.req, 16 * 1024, () => Errors.invalidArgument('The CORS configuration must be at most 16 KB.', 'CORSConfiguration'));
  await ctx.core.storage.setCors(ctx.bucket, parseCorsXml(body.toString('utf8')));
  return { status: 200, headers: {} };
}

export async function getBucketCors(ctx: OpContext): Promise<OssResponse> {
  const cors = effectiveCors(ctx, ctx.bucket);
  if (cors.rules.length === 0) throw new OssError(404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist.', { BucketName: ctx.bucket });
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body: corsXml(cors) };
}

export async function deleteBucketCors(ctx: OpContext): Promise<OssResponse> {
  await ctx.core.storage.setCors(ctx.bucket, null);
  return { status: 204, headers: {} };
}

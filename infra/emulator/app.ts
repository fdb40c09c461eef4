/**
 * The emulator's HTTP front: a Hono app whose catch-all route turns each request into an OSS
 * operation (path-style or virtual-hosted), authenticates it, applies fault rules, runs it and
 * writes the answer the way OSS does (x-oss-request-id, Date, Server: AliyunOSS; errors as XML with
 * x-oss-ec, or base64 in x-oss-err for HEAD; CORS headers when a rule matches the Origin).
 *
 * `/_emulator/*` on a non-bucket host is the admin API (admin.ts).
 */
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { Readable } from 'node:stream';
import { adminApp, type AdminDeps } from './admin';
import { actualCorsHeaders, deleteBucketCors, getBucketCors, preflight, putBucketCors } from './cors';
import { EC, Errors, OssError, errorXml, newRequestId } from './errors';
import { corruptCrc, type FaultInjector } from './faults';
import { getBucketLifecycle } from './lifecycle';
import { abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, listMultipartUploads, listParts, uploadPart } from './multipart';
import { copyObject } from './copy-object';
import { deleteObject, getObject, getObjectMeta, putObject, validateKey } from './objects';
import { postObject } from './post-object';
import type { RequestLog } from './request-log';
import { bodyFrom, headersFromFetch, headersFromRaw, isValidBucketName, parseQuery, parseTarget, queryGet, queryHas, splitTarget, type OssRequest } from './request';
import type { Core, OpContext, OpName, OssResponse } from './types';
import { el, xmlDocument } from './xml';

export interface AppDeps extends AdminDeps {
  core: Core;
  faults: FaultInjector;
  requests: RequestLog;
  log?: (line: string) => void;
}

/** Sub-resources we implement; any other V1 sub-resource on a request gives NotImplemented. */
const HANDLED_QUERY = new Set([
  'uploads', 'uploadId', 'partNumber', 'cors', 'security-token', 'callback', 'callback-var', 'encoding-type',
  'max-parts', 'part-number-marker', 'max-uploads', 'key-marker', 'upload-id-marker', 'prefix', 'delimiter',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'OSSAccessKeyId', 'Expires', 'Signature', 'objectMeta',
]);
const UNHANDLED_SUBRESOURCES = new Set([
  'acl', 'bucketInfo', 'location', 'stat', 'delete', 'append', 'tagging', 'position', 'restore',
  'versions', 'versioning', 'versionId', 'sequential', 'symlink', 'lifecycle', 'website', 'referer', 'logging',
  'policy', 'encryption', 'worm', 'replication', 'inventory', 'x-oss-process', 'comp',
]);

export function identifyOperation(method: string, req: Pick<OssRequest, 'target' | 'query'> & { headers?: OssRequest['headers'] }): OpName | OssError {
  const { target, query } = req;
  const has = (n: string) => queryHas(query, n);
  // Of the lifecycle API only GetBucketLifecycle answers (lifecycle.ts); Put/Delete fall below.
  if (method === 'GET' && target.bucket !== undefined && target.key === '' && has('lifecycle')) return 'GetBucketLifecycle';
  for (const [name] of query) {
    if (UNHANDLED_SUBRESOURCES.has(name)) return Errors.notImplemented(`The ${name} sub-resource`);
  }
  if (target.bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    return Errors.methodNotAllowed(method);
  }
  if (method === 'OPTIONS') return 'Options';
  if (target.key === '') {
    if (has('cors')) {
      if (method === 'GET') return 'GetBucketCors';
      if (method === 'PUT') return 'PutBucketCors';
      if (method === 'DELETE') return 'DeleteBucketCors';
      return Errors.methodNotAllowed(method);
    }
    if (has('uploads')) return method === 'GET' ? 'ListMultipartUploads' : Errors.methodNotAllowed(method);
    if (method === 'POST') return 'PostObject';
    if (method === 'PUT') return 'PutBucket';
    if (method === 'GET') return 'ListObjects';
    return Errors.methodNotAllowed(method);
  }
  if (has('uploads')) return method === 'POST' ? 'InitiateMultipartUpload' : Errors.methodNotAllowed(method);
  if (has('uploadId')) {
    switch (method) {
      case 'PUT':
        return has('partNumber') ? 'UploadPart' : new OssError(400, 'InvalidArgument', 'Unexpected query string parameter', { ArgumentName: 'ResourceType', ArgumentValue: 'partNumber' }, EC.PART_NUMBER_MISSING);
      case 'POST':
        return 'CompleteMultipartUpload';
      case 'GET':
        return 'ListParts';
      case 'DELETE':
        return 'AbortMultipartUpload';
      default:
        return Errors.methodNotAllowed(method);
    }
  }
  if (has('partNumber') && method === 'PUT') return Errors.invalidArgument('uploadId is required with partNumber.', 'uploadId');
  // GetObjectMeta is a HEAD (oss2 moved off GET because OSS answered it with a length and no body).
  if (has('objectMeta')) return method === 'HEAD' ? 'GetObjectMeta' : Errors.methodNotAllowed(method);
  switch (method) {
    case 'PUT':
      return req.headers?.['x-oss-copy-source'] !== undefined ? 'CopyObject' : 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      return Errors.methodNotAllowed(method);
  }
}

async function run(op: OpName, ctx: OpContext): Promise<OssResponse> {
  switch (op) {
    case 'InitiateMultipartUpload':
      return initiateMultipartUpload(ctx);
    case 'UploadPart':
      return uploadPart(ctx);
    case 'CompleteMultipartUpload':
      return completeMultipartUpload(ctx);
    case 'ListParts':
      return listParts(ctx);
    case 'ListMultipartUploads':
      return listMultipartUploads(ctx);
    case 'AbortMultipartUpload':
      return abortMultipartUpload(ctx);
    case 'PutObject':
      return putObject(ctx);
    case 'PostObject':
      return postObject(ctx);
    case 'CopyObject':
      return copyObject(ctx);
    case 'GetObject':
      return getObject(ctx, false);
    case 'HeadObject':
      return getObject(ctx, true);
    case 'GetObjectMeta':
      return getObjectMeta(ctx);
    case 'DeleteObject':
      return deleteObject(ctx);
    case 'GetBucketCors':
      return getBucketCors(ctx);
    case 'PutBucketCors':
      return putBucketCors(ctx);
    case 'DeleteBucketCors':
      return deleteBucketCors(ctx);
    case 'GetBucketLifecycle':
      return getBucketLifecycle(ctx);
    case 'PutBucket':
      return putBucket(ctx);
    case 'ListObjects':
      return listObjects(ctx);
    case 'ListBuckets':
      return listBuckets(ctx);
    default:
      throw Errors.notImplemented(op);
  }
}

async function putBucket(ctx: OpContext): Promise<OssResponse> {
  if (!isValidBucketName(ctx.bucket)) throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: ctx.bucket });
  if (!(await ctx.core.storage.createBucket(ctx.bucket))) {
    throw new OssError(409, 'BucketAlreadyExists', 'The requested bucket name is not available.', { BucketName: ctx.bucket });
  }
  return { status: 200, headers: { Location: `/${ctx.bucket}` } };
}

async function listBuckets(ctx: OpContext): Promise<OssResponse> {
  const buckets = ctx.core.storage.bucketNames().map((n) => ctx.core.storage.getBucket(n)!);
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml' },
    body: xmlDocument('ListAllMyBucketsResult', [
      el('Owner', [el('ID', 'local-emulator'), el('DisplayName', 'local-emulator')]),
      el('Buckets', buckets.map((b) => el('Bucket', [el('CreationDate', new Date(b.created).toISOString()), el('Name', b.name), el('StorageClass', 'Standard')]))),
    ]),
  };
}

/** A minimal ListObjects (V1 and V2): prefix, delimiter, marker/start-after/continuation, max-keys. */
async function listObjects(ctx: OpContext): Promise<OssResponse> {
  const q = new Map(ctx.req.query);
  const v2 = q.get('list-type') === '2';
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const marker = v2 ? (q.get('continuation-token') ?? q.get('start-after') ?? '') : (q.get('marker') ?? '');
  const maxRaw = q.get('max-keys') ?? '100';
  if (!/^\d+$/.test(maxRaw) || Number(maxRaw) < 1 || Number(maxRaw) > 1000) throw Errors.invalidArgument('max-keys must be 1..1000.', 'max-keys', maxRaw);
  const max = Number(maxRaw);
  const objects = ctx.core.storage
    .listObjects(ctx.bucket)
    .filter((o) => o.key.startsWith(prefix))
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  const contents: string[] = [];
  const prefixes = new Set<string>();
  let truncated = false;
  let last = '';
  for (const o of objects) {
    let cp: string | undefined;
    if (delimiter) {
      const i = o.key.indexOf(delimiter, prefix.length);
      if (i !== -1) cp = o.key.slice(0, i + delimiter.length);
    }
    const sortKey = cp ?? o.key;
    if (marker && Buffer.compare(Buffer.from(sortKey), Buffer.from(marker)) <= 0) continue;
    if (cp && prefixes.has(cp)) continue;
    if (contents.length + prefixes.size >= max) {
      truncated = true;
      break;
    }
    last = sortKey;
    if (cp) prefixes.add(cp);
    else
      contents.push(
        el('Contents', [
          el('Key', o.key),
          el('LastModified', new Date(o.lastModified).toISOString()),
          el('ETag', o.etag),
          el('Type', o.objectType),
          el('Size', o.size),
          el('StorageClass', o.storageClass),
        ]),
      );
  }
  const common = [...prefixes].map((p) => el('CommonPrefixes', [el('Prefix', p)]));
  const body = v2
    ? xmlDocument('ListBucketResult', [
        el('Name', ctx.bucket), el('Prefix', prefix), el('MaxKeys', max), el('Delimiter', delimiter), el('IsTruncated', truncated),
        ...(truncated ? [el('NextContinuationToken', last)] : []), el('KeyCount', contents.length + prefixes.size), ...contents, ...common,
      ])
    : xmlDocument('ListBucketResult', [
        el('Name', ctx.bucket), el('Prefix', prefix), el('Marker', marker), el('MaxKeys', max), el('Delimiter', delimiter), el('IsTruncated', truncated),
        ...(truncated ? [el('NextMarker', last)] : []), ...contents, ...common,
      ]);
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class DroppedConnection extends Error {}

function corruptListParts(xml: string): string {
  return xml.replace(/<HashCrc64ecma>(\d+)<\/HashCrc64ecma>/g, (_, v: string) => `<HashCrc64ecma>${corruptCrc(v)}</HashCrc64ecma>`);
}

export function createApp(deps: AppDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const admin = adminApp(deps);
  const { core, faults } = deps;

  app.all('*', async (c) => {
    const started = Date.now();
    const request = c.req.raw;
    const incoming = c.env?.incoming;
    const requestId = newRequestId();
    const method = request.method.toUpperCase();
    const rawTarget = incoming?.url ?? (() => {
      const u = new URL(request.url);
      return u.pathname + u.search;
    })();
    const headers = incoming ? headersFromRaw(incoming.rawHeaders) : headersFromFetch(request.headers);
    const host = headers['host'] ?? new URL(request.url).host;
    const { rawPath, rawQuery } = splitTarget(rawTarget);

    let op: OpName | undefined;
    let req: OssRequest | undefined;
    let res: OssResponse;
    let dropAfter = false;
    let corrupt = false;
    try {
      const target = parseTarget(host, rawPath, (b) => core.storage.hasBucket(b));
      if (target.style === 'path' && (rawPath === '/_emulator' || rawPath.startsWith('/_emulator/'))) {
        return admin.fetch(request, c.env);
      }
      req = {
        requestId,
        method,
        rawTarget,
        rawPath,
        rawQuery,
        query: parseQuery(rawQuery),
        headers,
        host,
        target,
        remoteAddress: incoming?.socket?.remoteAddress,
        socket: incoming?.socket,
        body: bodyFrom(incoming, request),
        receivedAt: new Date(),
      };
      const identified = identifyOperation(method, req);
      if (identified instanceof OssError) throw identified;
      op = identified;
      const bucket = target.bucket ?? '';
      if (op !== 'ListBuckets' && op !== 'PutBucket') {
        if (!isValidBucketName(bucket) || !core.storage.hasBucket(bucket)) throw Errors.noSuchBucket(bucket);
      }
      if (op === 'Options') {
        res = preflight(core, bucket, headers);
      } else {
        const principal = op === 'PostObject' ? { scheme: 'anonymous' as const } : core.auth.authenticate(req);
        if (target.key !== '') validateKey(target.key);
        const plan = faults.take(op, target.bucket, target.key);
        if (plan.delayMs > 0) await sleep(plan.delayMs);
        if (plan.dropBefore) throw new DroppedConnection();
        if (plan.error) {
          const s = plan.error.status ?? 500;
          throw new OssError(
            s,
            plan.error.code ?? (s === 503 ? 'ServiceUnavailable' : s >= 500 ? 'InternalError' : 'InvalidRequest'),
            plan.error.message ?? (s === 503 ? 'Service is temporarily unavailable (injected fault).' : 'We encountered an internal error. Please try again. (injected fault)'),
          );
        }
        dropAfter = plan.dropAfter;
        corrupt = plan.corruptCrc;
        const ctx: OpContext = { core, req, bucket, key: target.key, principal, corruptStored: plan.corruptStored };
        res = await run(op, ctx);
      }
    } catch (err) {
      if (err instanceof DroppedConnection) {
        dropAfter = true;
        res = { status: 0, headers: {} };
      } else {
        res = errorResponse(err, requestId, host, method);
      }
    }

    if (op && op !== 'Options' && req) {
      const partNumber = queryGet(req.query, 'partNumber');
      const uploadId = queryGet(req.query, 'uploadId');
      deps.requests.record({
        op,
        method,
        bucket: req.target.bucket ?? '',
        key: req.target.key,
        partNumber: partNumber === undefined ? undefined : Number(partNumber),
        uploadId,
        status: dropAfter ? 0 : res.status,
      });
    }

    if (dropAfter) {
      deps.log?.(`${method} ${rawTarget} -> dropped ${op ?? '-'} ${Date.now() - started}ms`);
      if (incoming) {
        incoming.socket.destroy();
        return new Response(null, { headers: { 'x-hono-already-sent': '1' } });
      }
      throw new Error('connection dropped (fault injection)');
    }

    if (corrupt) {
      const crc = res.headers['x-oss-hash-crc64ecma'];
      if (crc !== undefined) res.headers['x-oss-hash-crc64ecma'] = corruptCrc(crc);
      if (op === 'ListParts' && typeof res.body === 'string') res.body = corruptListParts(res.body);
    }

    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) out.set(k, v);
    out.set('x-oss-request-id', requestId);
    out.set('Date', new Date().toUTCString());
    out.set('Server', 'AliyunOSS');
    if (op !== 'Options') {
      for (const [k, v] of Object.entries(actualCorsHeaders(core, req?.target.bucket, method, headers))) out.set(k, v);
    }
    deps.log?.(`${method} ${rawTarget} -> ${res.status} ${op ?? '-'}${out.get('x-oss-ec') ? ' ' + out.get('x-oss-ec') : ''} ${Date.now() - started}ms`);

    let body: BodyInit | null = null;
    if (method !== 'HEAD' && res.status !== 204 && res.status !== 304 && res.body != null) {
      if (res.body instanceof Readable) body = Readable.toWeb(res.body) as unknown as ReadableStream<Uint8Array>;
      else body = res.body as string | Uint8Array<ArrayBuffer>;
    } else if (res.body instanceof Readable) {
      res.body.destroy();
    }
    return new Response(body, { status: res.status, headers: out });
  });

  return app;
}

export function errorResponse(err: unknown, requestId: string, hostId: string, method: string): OssResponse {
  let e: OssError;
  if (err instanceof OssError) e = err;
  else if (isClientGone(err)) {
    e = new OssError(400, 'IncompleteBody', 'The client closed the connection before the request body was complete.');
  } else {
    console.error('[oss-emulator] internal error:', err);
    e = new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.');
  }
  const xml = errorXml(e, requestId, hostId);
  const headers: Record<string, string> = { ...e.headers, 'x-oss-ec': e.ec };
  if (method === 'HEAD') {
    headers['x-oss-err'] = Buffer.from(xml, 'utf8').toString('base64');
    return { status: e.status, headers };
  }
  headers['Content-Type'] = 'application/xml';
  return { status: e.status, headers, body: xml };
}

function isClientGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED' || (err as Error | undefined)?.message === 'aborted';
}

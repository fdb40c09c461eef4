// A scripted fake OSS on loopback for the client tests: records every request, re-computes its
// signature (header form and presigned form, V1 and V4) with the signer's canonical functions from
// exactly what arrived on the wire, answers 403 SignatureDoesNotMatch (with StringToSign, like
// OSS) when it does not match, and otherwise replies from a queue of canned replies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  canonicalRequestV4,
  scopeV4,
  signatureV1,
  signatureV4,
  stringToSignV1,
  stringToSignV4,
  UNSIGNED_PAYLOAD,
  type Credentials,
  type QueryPairs,
} from '../../shared/oss/signer';

export interface Recorded {
  method: string;
  /** Raw request target (path + query), as received. */
  target: string;
  rawPath: string;
  rawQuery: string;
  /** Decoded query pairs in arrival order. */
  query: QueryPairs;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
  bucket: string;
  key: string;
  /** 'header' | 'presigned' | 'none'. */
  auth: 'header' | 'presigned' | 'none';
  signatureVersion?: 'v1' | 'v4';
  sigOk: boolean;
  sigError?: string;
  stringToSign?: string;
  accessKeyId?: string;
  requestId: string;
}

export interface CannedReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** `drop`: destroy the socket without answering. `hang`: never answer. */
export type Reply = CannedReply | 'drop' | 'hang' | ((req: Recorded) => CannedReply | 'drop' | 'hang');

export interface FakeOssOptions {
  bucket: string;
  /** Accepted credentials (any of them). */
  credentials: Credentials[];
  /** `path`: /bucket/key; `cname`: /key with the configured bucket. */
  style?: 'path' | 'cname';
  /** Verify signatures (default true). */
  verify?: boolean;
}

function decode(s: string): string {
  return decodeURIComponent(s);
}

function parseQuery(raw: string): QueryPairs {
  if (!raw) return [];
  return raw.split('&').filter(Boolean).map((kv) => {
    const i = kv.indexOf('=');
    return i < 0 ? [decode(kv), ''] : [decode(kv.slice(0, i)), decode(kv.slice(i + 1))];
  });
}

export function errorXml(code: string, message: string, requestId: string, extra: Record<string, string> = {}): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let x = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${esc(message)}</Message>\n  <RequestId>${requestId}</RequestId>\n  <HostId>127.0.0.1</HostId>\n`;
  for (const [k, v] of Object.entries(extra)) x += `  <${k}>${esc(v)}</${k}>\n`;
  return x + '</Error>\n';
}

export class FakeOss {
  readonly requests: Recorded[] = [];
  private queue: Reply[] = [];
  fallback: Reply = { status: 500, body: 'no canned reply' };
  private server!: Server;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(readonly opts: FakeOssOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(opts: FakeOssOptions): Promise<FakeOss> {
    const f = new FakeOss(opts);
    f.server = createServer((req, res) => void f.handle(req, res));
    f.server.on('connection', (s) => {
      f.sockets.add(s);
      s.on('close', () => f.sockets.delete(s));
    });
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  reply(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = req.url ?? '/';
    const qi = target.indexOf('?');
    const rawPath = qi < 0 ? target : target.slice(0, qi);
    const rawQuery = qi < 0 ? '' : target.slice(qi + 1);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let bucket: string;
    let key: string;
    const path = decode(rawPath);
    if ((this.opts.style ?? 'path') === 'path') {
      const m = /^\/([^/]+)\/?(.*)$/s.exec(path);
      bucket = m?.[1] ?? '';
      key = m?.[2] ?? '';
    } else {
      bucket = this.opts.bucket;
      key = path.slice(1);
    }
    const rec: Recorded = {
      method: req.method ?? 'GET',
      target,
      rawPath,
      rawQuery,
      query: parseQuery(rawQuery),
      headers,
      body: Buffer.concat(chunks),
      bucket,
      key,
      auth: 'none',
      sigOk: false,
      requestId: randomBytes(12).toString('hex').toUpperCase(),
    };
    this.verify(rec);
    this.requests.push(rec);

    if (this.opts.verify !== false && !rec.sigOk) {
      const extra: Record<string, string> = {};
      if (rec.stringToSign !== undefined) extra.StringToSign = rec.stringToSign;
      if (rec.accessKeyId) extra.OSSAccessKeyId = rec.accessKeyId;
      extra.SignatureProvided = 'provided-signature-value';
      extra.EC = '0002-00000040';
      const code = rec.auth === 'none' ? 'AccessDenied' : 'SignatureDoesNotMatch';
      const body = errorXml(code, rec.sigError ?? 'signature mismatch', rec.requestId, extra);
      res.writeHead(403, { 'content-type': 'application/xml', 'x-oss-request-id': rec.requestId, 'x-oss-ec': '0002-00000040' });
      res.end(rec.method === 'HEAD' ? undefined : body);
      return;
    }

    let reply = this.queue.shift() ?? this.fallback;
    if (typeof reply === 'function') reply = reply(rec);
    if (reply === 'drop') {
      req.socket.destroy();
      return;
    }
    if (reply === 'hang') return;
    const status = reply.status ?? 200;
    const body = reply.body === undefined ? undefined : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body, 'utf8');
    const out: Record<string, string> = {
      'x-oss-request-id': rec.requestId,
      server: 'AliyunOSS',
      date: new Date().toUTCString(),
    };
    if (body && body.toString('utf8', 0, 1) === '<') out['content-type'] = 'application/xml';
    Object.assign(out, reply.headers ?? {});
    if (body) out['content-length'] = String(body.length);
    res.writeHead(status, out);
    res.end(rec.method === 'HEAD' ? undefined : body);
  }

  private secretFor(accessKeyId: string): Credentials | undefined {
    return this.opts.credentials.find((c) => c.accessKeyId === accessKeyId);
  }

  /** Recomputes the signature from what arrived. */
  private verify(rec: Recorded): void {
    const auth = rec.headers['authorization'];
    const q = new Map(rec.query);
    try {
      if (auth?.startsWith('OSS4-HMAC-SHA256 ')) {
        rec.auth = 'header';
        rec.signatureVersion = 'v4';
        const m = /^OSS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/oss\/aliyun_v4_request(?:,AdditionalHeaders=([^,]+))?,Signature=([0-9a-f]{64})$/.exec(auth);
        if (!m) throw new Error(`malformed V4 Authorization`);
        const [, ak, day, region, additional, sig] = m;
        rec.accessKeyId = ak;
        const dt = rec.headers['x-oss-date'];
        if (!dt || !/^\d{8}T\d{6}Z$/.test(dt) || dt.slice(0, 8) !== day) throw new Error('bad x-oss-date');
        if (!rec.headers['x-oss-content-sha256']) throw new Error('missing x-oss-content-sha256');
        const creds = this.secretFor(ak);
        if (!creds) throw new Error('unknown access key');
        if (creds.securityToken !== undefined && rec.headers['x-oss-security-token'] !== creds.securityToken) throw new Error('bad security token');
        const canonical = canonicalRequestV4({
          method: rec.method,
          bucket: rec.bucket,
          key: rec.key,
          query: rec.query,
          headers: rec.headers,
          additionalHeaders: additional ? additional.split(';') : [],
        });
        rec.stringToSign = stringToSignV4(dt, scopeV4(day, region), canonical);
        const expected = signatureV4(creds.accessKeySecret, day, region, rec.stringToSign);
        if (expected !== sig) throw new Error('V4 signature mismatch');
      } else if (auth?.startsWith('OSS ')) {
        rec.auth = 'header';
        rec.signatureVersion = 'v1';
        const m = /^OSS ([^:]+):(.+)$/.exec(auth);
        if (!m) throw new Error('malformed V1 Authorization');
        const [, ak, sig] = m;
        rec.accessKeyId = ak;
        const date = rec.headers['x-oss-date'] ?? rec.headers['date'];
        if (!date) throw new Error('no date');
        const creds = this.secretFor(ak);
        if (!creds) throw new Error('unknown access key');
        if (creds.securityToken !== undefined && rec.headers['x-oss-security-token'] !== creds.securityToken) throw new Error('bad security token');
        rec.stringToSign = stringToSignV1({ method: rec.method, bucket: rec.bucket, key: rec.key, query: rec.query, headers: rec.headers, date });
        if (signatureV1(creds.accessKeySecret, rec.stringToSign) !== sig) throw new Error('V1 signature mismatch');
      } else if (q.has('x-oss-signature')) {
        rec.auth = 'presigned';
        rec.signatureVersion = 'v4';
        const cred = q.get('x-oss-credential') ?? '';
        const [ak, day, region] = cred.split('/');
        rec.accessKeyId = ak;
        const dt = q.get('x-oss-date') ?? '';
        const expires = Number(q.get('x-oss-expires'));
        const t = Date.UTC(+dt.slice(0, 4), +dt.slice(4, 6) - 1, +dt.slice(6, 8), +dt.slice(9, 11), +dt.slice(11, 13), +dt.slice(13, 15));
        if (!(t + expires * 1000 > Date.now())) throw new Error('presigned URL expired');
        const creds = this.secretFor(ak);
        if (!creds) throw new Error('unknown access key');
        const additional = q.get('x-oss-additional-headers');
        const canonical = canonicalRequestV4({
          method: rec.method,
          bucket: rec.bucket,
          key: rec.key,
          query: rec.query.filter(([k]) => k !== 'x-oss-signature'),
          headers: rec.headers,
          additionalHeaders: additional ? additional.split(';') : [],
          hashedPayload: UNSIGNED_PAYLOAD,
        });
        rec.stringToSign = stringToSignV4(dt, scopeV4(day, region), canonical);
        if (signatureV4(creds.accessKeySecret, day, region, rec.stringToSign) !== q.get('x-oss-signature')) throw new Error('V4 presigned signature mismatch');
      } else if (q.has('Signature')) {
        rec.auth = 'presigned';
        rec.signatureVersion = 'v1';
        const ak = q.get('OSSAccessKeyId') ?? '';
        rec.accessKeyId = ak;
        const expires = q.get('Expires') ?? '';
        if (!(Number(expires) * 1000 > Date.now())) throw new Error('presigned URL expired');
        const creds = this.secretFor(ak);
        if (!creds) throw new Error('unknown access key');
        rec.stringToSign = stringToSignV1({
          method: rec.method,
          bucket: rec.bucket,
          key: rec.key,
          query: rec.query.filter(([k]) => k !== 'OSSAccessKeyId' && k !== 'Expires' && k !== 'Signature'),
          headers: rec.headers,
          date: expires,
        });
        if (signatureV1(creds.accessKeySecret, rec.stringToSign) !== q.get('Signature')) throw new Error('V1 presigned signature mismatch');
      } else {
        throw new Error('no authorization');
      }
      rec.sigOk = true;
    } catch (e) {
      rec.sigOk = false;
      rec.sigError = (e as Error).message;
    }
  }
}

/**
 * Turning an HTTP request into what OSS sees: bucket and key (path-style or virtual-hosted), the
 * decoded query in order, lower-cased headers, and the body as a Node stream.
 *
 * - The path is percent-decoded exactly once, so `%2B` is a `+` in the key and `+` stays `+`.
 * - Query names and values are decoded with decodeURIComponent only: `+` is NOT a space (OSS and
 *   the SDKs encode `+` as `%2B`, and a literal `+` must survive for signatures to match).
 * - Header values that arrive as UTF-8 bytes (Node reads them as latin1) are turned back into the
 *   UTF-8 strings the client signed.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { OssError } from './errors';
import type { QueryPairs } from '../../shared/oss/signer';

export interface ParsedTarget {
  /** undefined: service level (`GET /`). */
  bucket?: string;
  /** '' when the request is for the bucket itself. */
  key: string;
  style: 'path' | 'virtual';
}

export interface OssRequest {
  requestId: string;
  method: string;
  /** The request target as received: path and query, still encoded. */
  rawTarget: string;
  rawPath: string;
  /** Without the leading `?`; '' if none. */
  rawQuery: string;
  query: QueryPairs;
  /** Lower-case names; repeated headers joined with `,`. */
  headers: Record<string, string>;
  /** Host header as sent (with port). */
  host: string;
  target: ParsedTarget;
  remoteAddress?: string;
  socket?: Socket;
  /** The request body; consume at most once. */
  body(): Readable;
  /** Resolves when the client goes away before we answered. */
  receivedAt: Date;
}

export function queryGet(query: QueryPairs, name: string): string | undefined {
  for (const [k, v] of query) if (k === name) return v;
  return undefined;
}

export function queryHas(query: QueryPairs, name: string): boolean {
  return query.some(([k]) => k === name);
}

function decodeComponent(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new OssError(400, 'InvalidURI', `Couldn't parse the specified URI: bad percent-encoding in the ${what}.`);
  }
}

export function parseQuery(raw: string): QueryPairs {
  if (raw === '') return [];
  const pairs: QueryPairs = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([decodeComponent(name, 'query'), decodeComponent(value, 'query')]);
  }
  return pairs;
}

function fixUtf8(value: string): string {
  // Node gives header bytes as latin1 characters; UTF-8 clients' non-ASCII bytes land >= 0x80.
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}

/** Lower-cased header map from Node's rawHeaders (keeps duplicates joined with ','). */
export function headersFromRaw(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = fixUtf8(raw[i + 1].trim());
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

export function headersFromFetch(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = fixUtf8(value.split(', ').map((v) => v.trim()).join(','));
  });
  return out;
}

/** Bucket names as OSS allows them: 3–63 of a–z 0–9 -, not starting or ending with -. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name);
}

/**
 * Virtual-hosted if the host is `<bucket>.<anything>` and `<bucket>` is a known bucket, or the host
 * is `<label>.localhost`; otherwise path-style (`/<bucket>/<key>`). IP-address hosts are always
 * path-style.
 */
export function parseTarget(host: string, rawPath: string, knownBucket: (name: string) => boolean): ParsedTarget {
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  if (!isIP(hostname)) {
    const dot = hostname.indexOf('.');
    if (dot > 0) {
      const label = hostname.slice(0, dot);
      const rest = hostname.slice(dot + 1);
      if (knownBucket(label) || rest === 'localhost') {
        const key = decodeComponent(rawPath.replace(/^\//, ''), 'path');
        return { bucket: label, key, style: 'virtual' };
      }
    }
  }
  const path = rawPath.replace(/^\//, '');
  if (path === '') return { key: '', style: 'path' };
  const slash = path.indexOf('/');
  const bucket = decodeComponent(slash === -1 ? path : path.slice(0, slash), 'path');
  const key = slash === -1 ? '' : decodeComponent(path.slice(slash + 1), 'path');
  return { bucket, key, style: 'path' };
}

export function splitTarget(target: string): { rawPath: string; rawQuery: string } {
  const q = target.indexOf('?');
  let rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  // An absolute-form target (proxies): keep only the path.
  const abs = /^https?:\/\/[^/]*/i.exec(rawPath);
  if (abs) rawPath = rawPath.slice(abs[0].length) || '/';
  const hash = rawQuery.indexOf('#');
  return { rawPath, rawQuery: hash === -1 ? rawQuery : rawQuery.slice(0, hash) };
}

/** Body as a Node stream, from the Node request if we have it, else from the fetch Request. */
export function bodyFrom(incoming: IncomingMessage | undefined, request: Request): () => Readable {
  let taken = false;
  return () => {
    if (taken) throw new Error('request body already consumed');
    taken = true;
    if (incoming) return incoming;
    if (!request.body) return Readable.from([]);
    return Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>);
  };
}

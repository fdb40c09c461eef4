/**
 * OSS XML: parsing the responses the multipart client reads, and building the Complete body.
 *
 * Parsing goes through our own reader (./xml-reader.ts: small, strict, no DTDs; fast-xml-parser,
 * which it replaced to save cold-start time, is its test oracle). What the reader gives, and why
 * it suits these responses:
 * - every value stays a string. ETags, upload ids and 20-digit CRC-64s
 *   (`12066172435287683848` > 2^53) must never go through `Number`; we convert fields ourselves.
 * - `isArray` for list elements (Part, Upload, CommonPrefixes): a one-element list is still an array.
 * - the five predefined entities and numeric character references (`&#x41;`; control characters
 *   such as `&#x1;` and `&#x0;` too, which an echoed key or upload id may hold) are decoded, once;
 *   anything else (`&nbsp;`, a bare `&`, a surrogate reference, a DOCTYPE, mismatched tags) is a
 *   syntax error: parseRoot's OssProtocolError, parseErrorFields' undefined.
 * - no trimming: keys and prefixes may legitimately start or end with spaces.
 * - attributes are dropped; comments, processing instructions and the declaration are skipped.
 * - `encoding-type=url`: when the response says `<EncodingType>url</EncodingType>`, Key, Prefix,
 *   KeyMarker, NextKeyMarker, Delimiter (and CommonPrefixes/Prefix) are URL-decoded. We decode as
 *   go-v2 (`url.QueryUnescape`) and the Java SDK (`URLDecoder`) do: `+` is a space, then
 *   percent-decoding. A literal `+` in a key arrives as `%2B`.
 */
import { OssProtocolError } from './protocol-error';
import { parseCrc64 } from './crc64';
import { readXml, type XmlNode } from './xml-reader';

export type { XmlNode };

const ARRAY_PATHS = new Set([
  'ListPartsResult.Part',
  'ListMultipartUploadsResult.Upload',
  'ListMultipartUploadsResult.CommonPrefixes',
  'ListBucketResult.Contents',
  'ListBucketResult.CommonPrefixes',
  'CompleteMultipartUpload.Part',
]);

const isArray = (path: string) => ARRAY_PATHS.has(path);

/**
 * Parses an XML document into null-prototype objects (strings, nested objects, arrays for list
 * paths): `{ [rootName]: content }`. Throws XmlSyntaxError when it is not well-formed.
 */
export function parseXml(text: string): XmlNode {
  return readXml(text, { isArray });
}

/** The root element's content, checking its name. */
export function parseRoot(text: string, rootName: string, operation = rootName): XmlNode {
  let doc: XmlNode;
  try {
    doc = parseXml(text);
  } catch (e) {
    throw new OssProtocolError(`${operation}: response is not well-formed XML`, { cause: e });
  }
  const root = doc[rootName];
  if (root === undefined) throw new OssProtocolError(`${operation}: expected <${rootName}>, got <${Object.keys(doc)[0]}>`);
  return isNode(root) ? root : {};
}

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A text field: '' when absent or when the element has child elements. */
export function text(node: XmlNode, name: string): string {
  const v = node[name];
  if (typeof v === 'string') return v;
  if (isNode(v) && typeof v['#text'] === 'string') return v['#text'];
  return '';
}

function optText(node: XmlNode, name: string): string | undefined {
  return name in node ? text(node, name) : undefined;
}

function list(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return arr.map((x) => (isNode(x) ? x : {}));
}

/** `+` -> space, then percent-decoding (url.QueryUnescape). Malformed input is returned unchanged. */
export function urlDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function isUrlEncoded(node: XmlNode): boolean {
  return text(node, 'EncodingType').trim().toLowerCase() === 'url';
}

function int(value: string, field: string, operation: string, fallback?: number): number {
  const s = value.trim();
  if (s === '' && fallback !== undefined) return fallback;
  if (!/^\d+$/.test(s)) throw new OssProtocolError(`${operation}: bad ${field} ${JSON.stringify(value)}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new OssProtocolError(`${operation}: ${field} out of range`);
  return n;
}

function date(value: string, field: string, operation: string): Date {
  const d = new Date(value.trim());
  if (Number.isNaN(d.getTime())) throw new OssProtocolError(`${operation}: bad ${field} ${JSON.stringify(value)}`);
  return d;
}

function required(value: string, field: string, operation: string): string {
  if (value === '') throw new OssProtocolError(`${operation}: response has no ${field}`);
  return value;
}

function bool(value: string): boolean {
  return value.trim().toLowerCase() === 'true';
}

// ---------------------------------------------------------------------------------------------
// Results

export interface InitiateXmlResult {
  bucket: string;
  key: string;
  uploadId: string;
}

export function parseInitiateResult(body: string): InitiateXmlResult {
  const op = 'InitiateMultipartUpload';
  const r = parseRoot(body, 'InitiateMultipartUploadResult', op);
  const dec = isUrlEncoded(r) ? urlDecode : (s: string) => s;
  return {
    bucket: text(r, 'Bucket'),
    key: dec(text(r, 'Key')),
    uploadId: required(text(r, 'UploadId').trim(), 'UploadId', op),
  };
}

export interface CompleteXmlResult {
  location: string;
  bucket: string;
  key: string;
  etag: string;
}

export function parseCompleteResult(body: string): CompleteXmlResult {
  const op = 'CompleteMultipartUpload';
  const r = parseRoot(body, 'CompleteMultipartUploadResult', op);
  const dec = isUrlEncoded(r) ? urlDecode : (s: string) => s;
  return {
    location: text(r, 'Location'),
    bucket: text(r, 'Bucket'),
    key: dec(text(r, 'Key')),
    etag: text(r, 'ETag').trim(),
  };
}

export interface PartInfo {
  partNumber: number;
  /** As OSS sends it: quoted upper-case hex, e.g. `"7265F4D211B56873A381D321F586AAAA"`. */
  etag: string;
  size: number;
  /** `HashCrc64ecma`; absent for parts without one (copied parts). */
  crc64?: bigint;
  lastModified: Date;
}

export interface ListPartsXmlPage {
  bucket: string;
  key: string;
  uploadId: string;
  storageClass?: string;
  partNumberMarker: number;
  /** 0 when OSS sends none (no parts). */
  nextPartNumberMarker: number;
  maxParts: number;
  isTruncated: boolean;
  parts: PartInfo[];
}

export function parseListPartsResult(body: string): ListPartsXmlPage {
  const op = 'ListParts';
  const r = parseRoot(body, 'ListPartsResult', op);
  const dec = isUrlEncoded(r) ? urlDecode : (s: string) => s;
  const parts = list(r, 'Part').map(
    (p): PartInfo => {
      const part: PartInfo = {
        partNumber: int(text(p, 'PartNumber'), 'PartNumber', op),
        etag: required(text(p, 'ETag').trim(), 'Part/ETag', op),
        size: int(text(p, 'Size'), 'Size', op),
        lastModified: date(text(p, 'LastModified'), 'LastModified', op),
      };
      const crc = parseCrc64(optText(p, 'HashCrc64ecma')?.trim());
      if (crc !== undefined) part.crc64 = crc;
      return part;
    },
  );
  const page: ListPartsXmlPage = {
    bucket: text(r, 'Bucket'),
    key: dec(text(r, 'Key')),
    uploadId: text(r, 'UploadId').trim(),
    partNumberMarker: int(text(r, 'PartNumberMarker'), 'PartNumberMarker', op, 0),
    nextPartNumberMarker: int(text(r, 'NextPartNumberMarker'), 'NextPartNumberMarker', op, 0),
    maxParts: int(text(r, 'MaxParts'), 'MaxParts', op, 0),
    isTruncated: bool(text(r, 'IsTruncated')),
    parts,
  };
  const sc = text(r, 'StorageClass').trim();
  if (sc) page.storageClass = sc;
  return page;
}

export interface MultipartUploadInfo {
  key: string;
  uploadId: string;
  initiated: Date;
  storageClass?: string;
}

export interface ListUploadsXmlPage {
  bucket: string;
  prefix: string;
  delimiter: string;
  keyMarker: string;
  uploadIdMarker: string;
  /** '' when not truncated. */
  nextKeyMarker: string;
  nextUploadIdMarker: string;
  maxUploads: number;
  isTruncated: boolean;
  uploads: MultipartUploadInfo[];
  commonPrefixes: string[];
}

export function parseListUploadsResult(body: string): ListUploadsXmlPage {
  const op = 'ListMultipartUploads';
  const r = parseRoot(body, 'ListMultipartUploadsResult', op);
  const dec = isUrlEncoded(r) ? urlDecode : (s: string) => s;
  const uploads = list(r, 'Upload').map((u): MultipartUploadInfo => {
    const info: MultipartUploadInfo = {
      key: dec(required(text(u, 'Key'), 'Upload/Key', op)),
      uploadId: required(text(u, 'UploadId').trim(), 'Upload/UploadId', op),
      initiated: date(text(u, 'Initiated'), 'Initiated', op),
    };
    const sc = text(u, 'StorageClass').trim();
    if (sc) info.storageClass = sc;
    return info;
  });
  return {
    bucket: text(r, 'Bucket'),
    prefix: dec(text(r, 'Prefix')),
    delimiter: dec(text(r, 'Delimiter')),
    keyMarker: dec(text(r, 'KeyMarker')),
    uploadIdMarker: text(r, 'UploadIdMarker').trim(),
    nextKeyMarker: dec(text(r, 'NextKeyMarker')),
    // The doc's table says NextUploadMarker; its sample XML and go-v2 say NextUploadIdMarker.
    nextUploadIdMarker: (text(r, 'NextUploadIdMarker') || text(r, 'NextUploadMarker')).trim(),
    maxUploads: int(text(r, 'MaxUploads'), 'MaxUploads', op, 0),
    isTruncated: bool(text(r, 'IsTruncated')),
    uploads,
    commonPrefixes: list(r, 'CommonPrefixes').map((c) => dec(text(c, 'Prefix'))),
  };
}

export interface ObjectSummary {
  key: string;
  size: number;
  /** As OSS sends it, quoted. */
  etag: string;
  lastModified: Date;
}

export interface ListObjectsXmlPage {
  prefix: string;
  isTruncated: boolean;
  /** '' when not truncated. */
  nextContinuationToken: string;
  objects: ObjectSummary[];
}

export function parseListObjectsV2Result(body: string): ListObjectsXmlPage {
  const op = 'ListObjectsV2';
  const r = parseRoot(body, 'ListBucketResult', op);
  const dec = isUrlEncoded(r) ? urlDecode : (s: string) => s;
  return {
    prefix: dec(text(r, 'Prefix')),
    isTruncated: bool(text(r, 'IsTruncated')),
    nextContinuationToken: text(r, 'NextContinuationToken'),
    objects: list(r, 'Contents').map((c) => ({
      key: dec(required(text(c, 'Key'), 'Contents/Key', op)),
      size: int(text(c, 'Size'), 'Size', op),
      etag: text(c, 'ETag').trim(),
      lastModified: date(text(c, 'LastModified'), 'LastModified', op),
    })),
  };
}

export function parseCopyObjectResult(body: string): { etag: string; lastModified: Date } {
  const op = 'CopyObject';
  const r = parseRoot(body, 'CopyObjectResult', op);
  return { etag: required(text(r, 'ETag').trim(), 'ETag', op), lastModified: date(text(r, 'LastModified'), 'LastModified', op) };
}

/**
 * The fields of an `<Error>` document, flat, as strings (Code, Message, RequestId, HostId, EC,
 * StringToSign, …). Undefined when `body` is not an OSS error document.
 */
export function parseErrorFields(body: string): Record<string, string> | undefined {
  if (!body || !body.includes('<Error')) return undefined;
  let doc: XmlNode;
  try {
    doc = parseXml(body);
  } catch {
    return undefined;
  }
  const root = doc['Error'];
  if (!isNode(root)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(root)) {
    if (k.startsWith('#')) continue;
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building

// Characters XML 1.0 cannot carry at all, even escaped.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Escapes XML text content (`&`, `<`, `>`); throws on characters XML 1.0 cannot represent. */
export function escapeXmlText(s: string): string {
  if (XML_INVALID.test(s)) throw new TypeError('value contains characters XML 1.0 cannot represent');
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface CompletePart {
  partNumber: number;
  etag: string;
}

/** Quotes an ETag the way UploadPart returns it (`"HEX"`), leaving an already quoted one alone. */
export function quoteEtag(etag: string): string {
  const e = etag.trim();
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) return e;
  return `"${e.replace(/^"|"$/g, '')}"`;
}

/**
 * Sorted ascending, exact duplicates collapsed, ETags quoted. The same part number with two
 * different ETags is ambiguous (which upload of that part is meant?) and throws.
 */
export function normalizeCompleteParts(parts: readonly CompletePart[]): CompletePart[] {
  const byNumber = new Map<number, string>();
  for (const p of parts) {
    const n = p.partNumber;
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw new RangeError(`part number ${n} is outside 1..10000`);
    if (typeof p.etag !== 'string' || p.etag.trim().replace(/"/g, '') === '') throw new TypeError(`part ${n} has no ETag`);
    const etag = quoteEtag(p.etag);
    const seen = byNumber.get(n);
    if (seen !== undefined && seen !== etag) throw new TypeError(`part ${n} is listed twice with different ETags`);
    byNumber.set(n, etag);
  }
  return [...byNumber.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
}

/** The CompleteMultipartUpload request body. */
export function buildCompleteBody(parts: readonly CompletePart[]): string {
  const sorted = normalizeCompleteParts(parts);
  if (sorted.length === 0) throw new TypeError('CompleteMultipartUpload needs at least one part (or completeAll)');
  let xml = '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>';
  for (const p of sorted) xml += `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXmlText(p.etag)}</ETag></Part>`;
  return xml + '</CompleteMultipartUpload>';
}

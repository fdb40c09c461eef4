/**
 * OSS XML: parsing the responses the multipart client reads, and building the Complete body.
 *
 * Parsing is fast-xml-parser's, configured and checked for OSS responses (docs/oss.md, "Reading
 * OSS XML", says why each way): values stay strings (ETags, upload ids and 20-digit CRC-64s never
 * go through `Number`; fields are converted here); list elements (Part, Upload, Contents,
 * CommonPrefixes) are arrays even when single; no DTD (any `<!` but a comment or CDATA is refused
 * before parsing); only the five XML entities and numeric references are decoded, once; no
 * trimming (keys may start or end with spaces); attributes, comments and processing instructions
 * are dropped. Every failure is an XmlSyntaxError, which parseRoot wraps in an OssProtocolError
 * and parseErrorFields turns into undefined.
 *
 * `encoding-type=url`: when the response says `<EncodingType>url</EncodingType>`, Key, Prefix,
 * KeyMarker, NextKeyMarker, Delimiter (and CommonPrefixes/Prefix) are URL-decoded, as go-v2
 * (`url.QueryUnescape`) and the Java SDK (`URLDecoder`) do: `+` is a space, then percent-decoding.
 * A literal `+` in a key arrives as `%2B`.
 *
 * Over 400 lines on purpose: the parser's strict set-up and the seven OSS documents read through it
 * (Initiate, Complete, ListParts, ListMultipartUploads, ListObjectsV2, CopyObject, Error) are one
 * reading of OSS's XML, kept together so each document's checks sit beside the parser they rely on.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OssProtocolError } from './protocol-error';
import { parseCrc64 } from './crc64';

/** A parsed element with child elements: its children by name, mixed-in text under '#text'. */
export type XmlNode = Record<string, unknown>;

/** The document is not one we read: not well-formed, a DTD, an unknown entity, too deep. */
export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
  constructor(what: string, options?: { cause?: unknown }) {
    // A message quotes a few characters of the input at most: long words and long messages are cut.
    const short = what.replace(/[^\s'"]{17,}/g, (w) => `${w.slice(0, 16)}…`);
    super(`XML: ${short.length > 120 ? `${short.slice(0, 120)}…` : short}`, options);
  }
}

const ARRAY_PATHS = new Set([
  'ListPartsResult.Part',
  'ListMultipartUploadsResult.Upload',
  'ListMultipartUploadsResult.CommonPrefixes',
  'ListBucketResult.Contents',
  'ListBucketResult.CommonPrefixes',
  'CompleteMultipartUpload.Part',
]);

const ARRAY_NAMES = new Set([...ARRAY_PATHS].map((p) => p.slice(p.lastIndexOf('.') + 1)));

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&([^&;]*)(;?)/g;

// What a reference may name: any Unicode scalar value. XML 1.0 forbids control characters (1.1
// allows all but NUL), but a server that echoes a key or an upload id holding one can only write
// it as a reference (the emulator does, in error documents), and refusing the reference would lose
// the whole document: an error's Code, so NoSuchUpload (404) would turn into a 502.
const scalar = (c: number) => (c >= 0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0x10ffff);

/** fast-xml-parser's entity hook: the five XML entities and numeric references, nothing else. */
function decodeReferences(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(REFERENCE, (_m, ref: string, semi: string) => {
    if (semi && Object.hasOwn(ENTITIES, ref)) return ENTITIES[ref];
    const num = semi ? /^#(?:x([\da-fA-F]+)|(\d+))$/.exec(ref) : null;
    if (!num) throw new XmlSyntaxError(`unknown entity or bare '&' ('&${ref}${semi}')`);
    const c = num[1] ? parseInt(num[1], 16) : Number(num[2]);
    if (!scalar(c)) throw new XmlSyntaxError(`reference to no Unicode character ('&${ref};')`);
    return String.fromCodePoint(c);
  });
}

const refuse = (what: string) => (): never => {
  throw new XmlSyntaxError(what);
};

// Made on the first parse, so a bundle that never reads XML does not construct it.
let parser: XMLParser | undefined;
const getParser = () =>
  (parser ??= new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: 99, // its count excludes the root: 100 levels in all
    // The path only for the few list names, not a path string for every tag: a 1000-part
    // ListParts page, parseXml medians of 3 runs of 100, 21.0 -> 18.6 ms.
    jPath: false,
    isArray: (name, path) => ARRAY_NAMES.has(name) && ARRAY_PATHS.has(String(path)),
    // It would rename `toString` and the like to `__toString`: refused instead, as it refuses
    // `__proto__`, `constructor` and `prototype` itself. OSS sends none of them.
    onDangerousProperty: (name) => refuse(`element name '${name}' is not accepted`)(),
    entityDecoder: {
      decode: decodeReferences,
      reset: () => {},
      setXmlVersion: () => {},
      setExternalEntities: refuse('external entities'),
      addInputEntities: refuse('DOCTYPE (DTDs are not supported)'),
    },
  }));

/** Refuses `<!` markup other than comments and CDATA sections: DOCTYPE, ENTITY, ELEMENT… */
function refuseDeclarations(xml: string): void {
  for (let at = xml.indexOf('<!'); at >= 0; at = xml.indexOf('<!', at)) {
    const close = xml.startsWith('<!--', at) ? '-->' : xml.startsWith('<![CDATA[', at) ? ']]>' : '';
    if (!close) throw new XmlSyntaxError(xml.startsWith('<!DOCTYPE', at) ? 'DOCTYPE (DTDs are not supported)' : "unknown markup '<!'");
    const end = xml.indexOf(close, at + (close === '-->' ? 4 : 9));
    if (end < 0) return; // unterminated: the validator says so
    at = end + close.length;
  }
}

/**
 * Parses an XML document into plain objects (strings, nested objects, arrays for list paths):
 * `{ [rootName]: content }`. Throws XmlSyntaxError when it is not one we read (see the header).
 */
export function parseXml(text: string): XmlNode {
  const xml = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  refuseDeclarations(xml);
  let doc: XmlNode;
  try {
    const valid = XMLValidator.validate(xml);
    if (valid !== true) throw new XmlSyntaxError(`${valid.err.msg} (line ${valid.err.line}${valid.err.col ? `, column ${valid.err.col}` : ''})`);
    doc = getParser().parse(xml) as XmlNode;
  } catch (e) {
    throw e instanceof XmlSyntaxError ? e : new XmlSyntaxError(e instanceof Error ? e.message : String(e), { cause: e });
  }
  // Only whitespace beside the root. The validator lets text or a second element after a
  // self-closing root through; the parser keeps such text as the document's '#text', or drops it
  // when nothing follows.
  const outside = doc['#text'];
  delete doc['#text'];
  if ((typeof outside === 'string' && /[^ \t\n]/.test(outside)) || /[^ \t\r\n]/.test(xml.slice(xml.lastIndexOf('>') + 1))) {
    throw new XmlSyntaxError('text outside the root element');
  }
  const names = Object.keys(doc);
  if (names.length !== 1 || Array.isArray(doc[names[0]])) throw new XmlSyntaxError(names.length ? 'more than one root element' : 'no root element');
  return doc;
}

/** The root element's content, checking its name. */
export function parseRoot(text: string, rootName: string, operation = rootName): XmlNode {
  let doc: XmlNode;
  try {
    doc = parseXml(text);
  } catch (e) {
    throw new OssProtocolError(`${operation}: response is not well-formed XML`, { cause: e });
  }
  const root = own(doc, rootName);
  if (root === undefined) throw new OssProtocolError(`${operation}: expected <${rootName}>, got <${Object.keys(doc)[0]}>`);
  return isNode(root) ? root : {};
}

/** A field of a parsed node; only its own, so `toString` and the like are absent unless sent. */
function own(node: XmlNode, name: string): unknown {
  return Object.hasOwn(node, name) ? node[name] : undefined;
}

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A text field: '' when absent or when the element has child elements. */
export function text(node: XmlNode, name: string): string {
  const v = own(node, name);
  if (typeof v === 'string') return v;
  if (isNode(v) && typeof v['#text'] === 'string') return v['#text'];
  return '';
}

function optText(node: XmlNode, name: string): string | undefined {
  return Object.hasOwn(node, name) ? text(node, name) : undefined;
}

function list(node: XmlNode, name: string): XmlNode[] {
  const v = own(node, name);
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
  const root = own(doc, 'Error');
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

/**
 * OSS error responses: the XML body, the codes and HTTP statuses of OSS, and the request ids
 * every response carries.
 *
 * EC values: where OSS documents (or a recorded OSS answer shows) the EC for a situation, the
 * emulator sends that one; elsewhere a placeholder of the same `NNNN-NNNNNNNN` shape. Each EC
 * and its source is in the table "Error codes (EC)" of infra/emulator/README.md (a test keeps
 * the table and this file in step); do not match on placeholders.
 */
import { randomBytes } from 'node:crypto';
import { xmlDocument, el } from './xml';

export interface OssErrorExtra {
  /** Extra child elements of <Error>, in order (e.g. StringToSign, Key, ArgumentName). */
  [element: string]: string | undefined;
}

export class OssError extends Error {
  readonly status: number;
  readonly code: string;
  readonly ec: string;
  readonly extra: OssErrorExtra;
  /** Extra response headers (e.g. ETag on a 203 CallbackFailed). */
  headers: Record<string, string> = {};

  constructor(status: number, code: string, message: string, extra: OssErrorExtra = {}, ec?: string) {
    super(message);
    this.name = 'OssError';
    this.status = status;
    this.code = code;
    this.ec = ec ?? DEFAULT_EC[code] ?? '0000-00000000';
    this.extra = extra;
  }
}

/** Documented ECs for situations a code alone does not tell apart (sources: infra/emulator/README.md). */
export const EC = {
  NO_DATE: '0002-00000503',
  BAD_CONTENT_SHA256: '0002-00000214',
  BAD_V4_EXPIRES: '0002-00000232',
  BAD_V4_DATE: '0002-00000223',
  ADDITIONAL_HEADER_UNDERSCORE: '0002-00000077',
  ADDITIONAL_HEADER_MISSING: '0002-00000078',
  URL_EXPIRED: '0002-00000069',
  CALLBACK_FAILED: '0007-00000203',
  /** PostObject: a policy condition names a form field the form lacks (docs/oss.md). */
  POST_POLICY_FIELD_MISSING: '0006-00000226',
  /** PostObject: a form field fails its policy condition. */
  POST_POLICY_CONDITION_FAILED: '0006-00000227',
  OBJECT_NAME_EMPTY: '0016-00000001',
  OBJECT_NAME_TOO_LONG: '0016-00000003',
  OBJECT_NAME_LEADING_SLASH: '0016-00000005',
  CONTENT_MD5_MALFORMED: '0017-00000502',
  CONTENT_MD5_MISMATCH: '0017-00000503',
  PART_NUMBER_MISSING: '0017-00000219',
  PART_NUMBER_INVALID: '0017-00000220',
  /** ListParts, AbortMultipartUpload and (by the same page) the other multipart requests. */
  NO_SUCH_UPLOAD: '0042-00000002',
  UPLOAD_PART_NO_SUCH_UPLOAD: '0042-00000104',
  COMPLETE_MALFORMED_XML: '0042-00000205',
  COMPLETE_PART_ORDER: '0042-00000209',
  COMPLETE_PART_TOO_SMALL: '0042-00000213',
  COMPLETE_FORBID_OVERWRITE: '0042-00000214',
  COMPLETE_ALL_WITH_BODY: '0042-00000216',
} as const;

/** EC per code when the call site gives none: documented where the table says so, else a placeholder. */
const DEFAULT_EC: Record<string, string> = {
  AccessDenied: '0003-00000001',
  AccessForbidden: '0003-00000002',
  CallbackFailed: EC.CALLBACK_FAILED,
  EntityTooLarge: '0006-00000001',
  EntityTooSmall: '0042-00000003',
  FileAlreadyExists: '0017-00000208',
  IncompleteBody: '0006-00000002',
  InternalError: '0000-00000001',
  InvalidAccessKeyId: '0002-00000902',
  InvalidArgument: '0002-00000001',
  InvalidBucketName: '0015-00000001',
  InvalidCRC64: '0006-00000004',
  InvalidDigest: EC.CONTENT_MD5_MISMATCH,
  InvalidEncryptionAlgorithmError: '0006-00000006',
  InvalidObjectName: EC.OBJECT_NAME_LEADING_SLASH,
  InvalidPart: '0042-00000001',
  InvalidPartOrder: EC.COMPLETE_PART_ORDER,
  InvalidPolicyDocument: '0004-00000001',
  InvalidRange: '0026-00000003',
  InvalidSecurityToken: '0002-00000903',
  InvalidURI: '0000-00000004',
  MalformedPOSTRequest: '0004-00000002',
  MalformedXML: '0001-00000001',
  MethodNotAllowed: '0005-00000001',
  MissingContentLength: '0017-00000101',
  NoSuchBucket: '0015-00000101',
  NoSuchCORSConfiguration: '0034-00000001',
  NoSuchKey: '0026-00000001',
  NoSuchLifecycle: '0034-00000002',
  NoSuchUpload: EC.NO_SUCH_UPLOAD,
  NotImplemented: '0000-00000002',
  PreconditionFailed: '0017-00001001',
  RequestTimeTooSkewed: '0002-00000504',
  SecurityTokenExpired: '0002-00000904',
  ServiceUnavailable: '0000-00000003',
  SignatureDoesNotMatch: '0002-00000040',
  BucketAlreadyExists: '0015-00000104',
};

/** 24 uppercase hex characters, like OSS's x-oss-request-id. */
export function newRequestId(): string {
  // 4 bytes of time (seconds) + 8 random bytes: sortable enough, unique enough.
  const t = Buffer.alloc(4);
  t.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0);
  return Buffer.concat([t, randomBytes(8)]).toString('hex').toUpperCase();
}

export function errorXml(err: OssError, requestId: string, hostId: string): string {
  const children = [
    el('Code', err.code),
    el('Message', err.message),
    el('RequestId', requestId),
    el('HostId', hostId),
  ];
  for (const [k, v] of Object.entries(err.extra)) if (v !== undefined) children.push(el(k, v));
  children.push(el('EC', err.ec));
  children.push(el('RecommendDoc', `https://api.aliyun.com/troubleshoot?q=${err.ec}`));
  return xmlDocument('Error', children);
}

// Helpers for the common errors, so messages stay consistent.
export const Errors = {
  noSuchBucket: (bucket: string) =>
    new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: bucket }),
  noSuchKey: (key: string) => new OssError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }),
  noSuchUpload: (uploadId: string, ec?: string) =>
    new OssError(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId }, ec),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new OssError(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value }),
  accessDenied: (message: string, ec?: string) => new OssError(403, 'AccessDenied', message, {}, ec),
  malformedXml: (message = 'The XML you provided was not well-formed or did not validate against our published schema.', ec?: string) =>
    new OssError(400, 'MalformedXML', message, {}, ec),
  notImplemented: (what: string) => new OssError(501, 'NotImplemented', `${what} is outside what the local OSS emulator supports (it answers like OSS does for an unsupported request).`),
  methodNotAllowed: (method: string) =>
    new OssError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method }),
};

/**
 * The errors an upload can end with: one class per kind of failure, each with a stable `code`,
 * so callers branch with `instanceof` or on `err.code`, never on message text.
 *
 *   UploadError            base class of all of them
 *   ├ ApiError             our API refused the request (4xx) or kept failing (5xx): status, code, details
 *   ├ NetworkError         our API or OSS could not be reached, after every retry
 *   ├ PartUploadError      OSS refused a part PUT for a reason a retry cannot fix (status, ossCode)
 *   ├ IntegrityError       the object's CRC-64 is not the file's (as read from the user's disk)
 *   ├ UploadAbortedError   abort() or the `signal` ended the upload
 *   ├ UploadBusyError      the same file is being uploaded by another tab or call
 *   └ FileReadError        the file could not be read (moved, changed or permission lost)
 *
 * Messages never contain tokens, signatures or URLs with credentials.
 */

export class UploadError extends Error {
  // Written out, not `new.target.name`: minifiers rename classes.
  override name = 'UploadError';
  static code = 'ERR_UPLOAD';
  readonly code: string = UploadError.code;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Our JSON API answered an error: a 4xx, or a 5xx that outlived the retries. */
export class ApiError extends UploadError {
  override name = 'ApiError';
  static override code = 'ERR_UPLOAD_API';
  override readonly code = ApiError.code;
  /** The API's own code, e.g. `TOKEN_INVALID`, `FILE_TOO_LARGE`, `TOO_MANY_UPLOADS`. */
  readonly apiCode: string;
  readonly status: number;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;
  constructor(status: number, apiCode: string, message: string, extra: { requestId?: string; details?: Record<string, unknown> } = {}) {
    super(`${apiCode}: ${message}`);
    this.status = status;
    this.apiCode = apiCode;
    this.requestId = extra.requestId;
    this.details = extra.details;
  }
}

/** No answer from our API or OSS (offline, DNS, reset, timeout) after every retry. */
export class NetworkError extends UploadError {
  override name = 'NetworkError';
  static override code = 'ERR_UPLOAD_NETWORK';
  override readonly code = NetworkError.code;
}

/** OSS refused a part for good (e.g. 403 SignatureDoesNotMatch, 400 InvalidArgument). */
export class PartUploadError extends UploadError {
  override name = 'PartUploadError';
  static override code = 'ERR_UPLOAD_PART';
  override readonly code = PartUploadError.code;
  readonly partNumber: number;
  readonly status: number;
  /** OSS's error `Code`, e.g. `SignatureDoesNotMatch`. */
  readonly ossCode?: string;
  readonly ossRequestId?: string;
  constructor(partNumber: number, status: number, ossCode: string | undefined, message: string, ossRequestId?: string) {
    super(`part ${partNumber}: HTTP ${status}${ossCode ? ` ${ossCode}` : ''}: ${message}`);
    this.partNumber = partNumber;
    this.status = status;
    this.ossCode = ossCode;
    this.ossRequestId = ossRequestId;
  }
}

/** The stored object (or a part of it) does not have the CRC-64 of the bytes read from the file. */
export class IntegrityError extends UploadError {
  override name = 'IntegrityError';
  static override code = 'ERR_UPLOAD_INTEGRITY';
  override readonly code = IntegrityError.code;
  /** The CRC-64 of the file as the client read it (decimal). */
  readonly expectedCrc64?: string;
  /** What OSS reported (decimal), when it did. */
  readonly reportedCrc64?: string;
  /** Whether an object was stored anyway (then it is at `key`, with the wrong content). */
  readonly stored: boolean;
  readonly key?: string;
  constructor(message: string, extra: { expectedCrc64?: string; reportedCrc64?: string; stored: boolean; key?: string }) {
    super(message);
    this.expectedCrc64 = extra.expectedCrc64;
    this.reportedCrc64 = extra.reportedCrc64;
    this.stored = extra.stored;
    this.key = extra.key;
  }
}

/** abort() was called or the `signal` aborted; the multipart upload was aborted in OSS. */
export class UploadAbortedError extends UploadError {
  override name = 'UploadAbortedError';
  static override code = 'ERR_UPLOAD_ABORTED';
  override readonly code = UploadAbortedError.code;
}

/** The same file (same fingerprint, same API) is being uploaded elsewhere: another tab or call. */
export class UploadBusyError extends UploadError {
  override name = 'UploadBusyError';
  static override code = 'ERR_UPLOAD_BUSY';
  override readonly code = UploadBusyError.code;
}

/** The file could not be read: it was moved, changed on disk, or access was lost. */
export class FileReadError extends UploadError {
  override name = 'FileReadError';
  static override code = 'ERR_UPLOAD_FILE_READ';
  override readonly code = FileReadError.code;
}

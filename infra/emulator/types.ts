import type { Readable } from 'node:stream';
import type { Authenticator, Principal } from './auth';
import type { Notifier } from './notifications';
import type { OssRequest } from './request';
import type { ObjectRecord, Storage } from './storage';

/** The operations the emulator knows, named as in the OSS API reference (fault rules use them). */
export type OpName =
  | 'InitiateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads'
  | 'AbortMultipartUpload'
  | 'PutObject'
  | 'CopyObject'
  | 'PostObject'
  | 'GetObject'
  | 'HeadObject'
  | 'GetObjectMeta'
  | 'DeleteObject'
  | 'GetBucketCors'
  | 'PutBucketCors'
  | 'DeleteBucketCors'
  | 'GetBucketLifecycle'
  | 'PutBucket'
  | 'GetBucketInfo'
  | 'ListObjects'
  | 'ListBuckets'
  | 'Options';

export interface OssResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Uint8Array | Readable | null;
}

export interface Limits {
  /** Smallest non-last part at Complete (OSS: 102400). */
  minPartSize: number;
  /** Largest part (OSS: 5 GiB). */
  maxPartSize: number;
  /** Largest PutObject/PostObject body (OSS: 5 GB). */
  maxObjectSize: number;
  /** Largest CompleteMultipartUpload XML body we accept. */
  maxCompleteBody: number;
}

export const DEFAULT_LIMITS: Limits = {
  minPartSize: 102400,
  maxPartSize: 5 * 1024 * 1024 * 1024,
  maxObjectSize: 5 * 1000 * 1000 * 1000,
  maxCompleteBody: 4 * 1024 * 1024,
};

export interface Core {
  storage: Storage;
  auth: Authenticator;
  callbacks: CallbackSender;
  /** OSS event notifications for created objects (notifications.ts). */
  notifications: Notifier;
  limits: Limits;
}

export interface OpContext {
  core: Core;
  req: OssRequest;
  bucket: string;
  key: string;
  principal: Principal;
  /** Fault `corrupt-part`: store the part with a byte flipped (multipart.ts uploadPart). */
  corruptStored?: boolean;
}

/** A parsed `callback` / `callback-var` pair (callback.ts parses it). */
export interface CallbackParams {
  urls: URL[];
  host?: string;
  body: string;
  bodyType: 'application/x-www-form-urlencoded' | 'application/json';
  sni?: boolean;
  vars: Record<string, string>;
}

/** What an operation asks of the callback sender (callback.ts `CallbackService`). */
export interface CallbackSender {
  respond(ctx: OpContext, params: CallbackParams, rec: ObjectRecord, headers: Record<string, string>, operation: string): Promise<OssResponse>;
}

/**
 * The slice of the OSS client that the upload service uses. The service depends on this, not on
 * `OssClient` itself, so the seam between policy and transport is one small, typed interface.
 */
import type { MultipartUploadInfo, PartInfo } from '../oss/xml';
import type { CallbackParam } from '../oss/callback';
import type { PresignedPost } from '../oss/presign';
import type { PostPolicyCondition } from '../oss/post-policy';

export type { MultipartUploadInfo, PartInfo, PostPolicyCondition };

export interface InitiateOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  forbidOverwrite?: boolean;
}

export interface CompleteOptions {
  parts: Array<{ partNumber: number; etag: string }>;
  callback?: CallbackParam;
  callbackVar?: Record<string, string>;
  forbidOverwrite?: boolean;
}

/** What CompleteMultipartUpload produced; a 203 CallbackFailed is a result, not an error. */
export type CompleteOutcome =
  | { kind: 'completed'; etag: string; crc64?: bigint; requestId?: string }
  | { kind: 'callback'; etag: string; crc64?: bigint; callbackBody: unknown; requestId?: string }
  | { kind: 'callback-failed'; etag?: string; crc64?: bigint; message: string; requestId?: string };

export interface HeadOutcome {
  size: number;
  etag: string;
  contentType?: string;
  crc64?: bigint;
}

export interface PresignedPart {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: Date;
}

/** A signed PostObject form: the bucket URL and the fields that authenticate its policy. */
export type { PresignedPost } from '../oss/presign';

export interface OssPort {
  initiate(key: string, opts: InitiateOptions): Promise<{ uploadId: string }>;
  /** Every part, in ascending order, paging through ListParts. */
  listAllParts(key: string, uploadId: string): Promise<PartInfo[]>;
  /** One ListParts page: up to `maxParts` parts numbered above `partNumberMarker`. */
  listPartsPage(key: string, uploadId: string, page: { maxParts: number; partNumberMarker: number }): Promise<{ parts: PartInfo[]; nextPartNumberMarker?: number }>;
  /** Cheap existence check: one ListParts page of one part. Throws NoSuchUpload when gone. */
  assertUploadExists(key: string, uploadId: string): Promise<void>;
  uploadsUnder(prefix: string): AsyncIterable<MultipartUploadInfo>;
  complete(key: string, uploadId: string, opts: CompleteOptions): Promise<CompleteOutcome>;
  abort(key: string, uploadId: string): Promise<void>;
  head(key: string): Promise<HeadOutcome | null>;
  /**
   * Presigned UploadPart URLs for a batch, with one credentials lookup and one signing time. A
   * `contentLength` pins the part's size where the signature version can (V4; V1 ignores it).
   */
  presignParts(key: string, uploadId: string, parts: Array<{ partNumber: number; contentMd5?: string; contentLength?: number }>, expires: number): Promise<PresignedPart[]>;
  /** A signed PostObject policy over `conditions`: the bucket URL and the authentication fields. */
  presignPost(conditions: PostPolicyCondition[], expires: number): Promise<PresignedPost>;
  /** The object's URL as browsers see it (public endpoint). */
  objectUrl(key: string): string;
}

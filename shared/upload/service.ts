/**
 * What the upload operations share: the `UploadService` they run over (OSS client, settings,
 * clock), their input and answer types, and two helpers. One file per operation beside it (init,
 * sign, post-form, list, complete, abort), each calling shared/policy/ for the rules and
 * shared/oss/ for the OSS calls; planned vs open (Companion) uploads: docs/policy.md.
 */
import type { OssClient } from '../oss/client';
import { listAllParts } from '../oss/paginators';
import { objectUrl } from '../oss/endpoint';
import type { PartInfo } from '../oss/multipart';
import { GiB } from '../policy/parts';
// The answers' types come from their schemas (shared/api/responses.ts), which the document shows.
import type { CompanionCreateResult, CompleteResult, InitResult as InitAnswer, ListedPartResult, SignedPartResult } from '../api/responses';

export type { CompleteResult };

/** The settings the service needs; the functions derive them from the validated config. */
export interface UploadSettings {
  bucket: string;
  keyPrefix: string;
  uploadTokenSecret: string;
  uploadTokenTtlSeconds: number;
  urlExpiresSeconds: number;
  maxPartsPerSign: number;
  /** 0 = unlimited. */
  maxActiveUploads: number;
  defaultPartSize?: number;
  /** Where OSS should POST the upload callback; none when unset. */
  callbackUrl?: string;
  /**
   * Sign answers 404 for an upload that no longer exists, at the cost of one ListParts call per
   * batch. Without it sign makes no OSS call, and a dead upload shows up as OSS's 404 on the PUT.
   */
  signChecksUpload: boolean;
  /** Largest object (MAX_FILE_SIZE). Open uploads and PostObject forms enforce it; default: OSS's own limits only. */
  maxFileSize?: number;
}

/** OSS: PutObject/PostObject store at most 5 GB in one request. */
export const MAX_POST_OBJECT_SIZE = 5 * GiB;

/**
 * What an operation on an existing upload needs: whose it is, where, and its id. Upload token
 * claims are one; the Companion facade builds one from `?key=` and the path's upload id.
 */
export interface UploadRef {
  sub: string;
  bucket: string;
  key: string;
  uploadId: string;
}

/** An upload's new object: name, type, user metadata. */
export interface NewObjectInput {
  filename: string;
  contentType: string;
  metadata?: Record<string, string>;
}

export interface InitInput extends NewObjectInput {
  size: number;
  partSize?: number;
  /** Sign up to this many of the first parts too (capped by MAX_PARTS_PER_SIGN and partCount). */
  signParts?: number;
}

/** `POST /s3/multipart`'s answer: `uploadId` is the facade's signed id (policy/facade-upload.ts). */
export type OpenUpload = CompanionCreateResult;

/** A PostObject form: POST `fields` then the file (last) as multipart/form-data to `url`. */
export interface PostForm {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  /** Seconds the policy stays valid. */
  expires: number;
  expiresAt: string;
}

export type InitResult = InitAnswer;

export type SignedPart = SignedPartResult;

export type ListedPart = ListedPartResult;

export type CallbackStatus = CompleteResult['callbackStatus'];

/** What the upload operations work with: the OSS client (this invocation's credentials), the settings, the clock. */
export interface UploadService {
  oss: OssClient;
  settings: UploadSettings;
  now: () => Date;
}

/** Every part of the upload, in order (ListParts, paged). */
export async function allParts(s: UploadService, upload: Pick<UploadRef, 'key' | 'uploadId'>): Promise<PartInfo[]> {
  const parts: PartInfo[] = [];
  for await (const p of listAllParts(s.oss, upload.key, upload.uploadId)) parts.push(p);
  return parts;
}

/** The object's URL as browsers see it (the public endpoint). */
export function objectLocation(s: UploadService, key: string): string {
  return objectUrl(s.oss.publicEndpoint, s.oss.bucket, key);
}

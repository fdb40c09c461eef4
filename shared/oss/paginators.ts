/**
 * Paging over OSS's list operations: each follows the page's next marker while it is truncated,
 * and stops with an OssProtocolError when a truncated page does not advance (a server bug would
 * otherwise loop forever).
 */
import { OssProtocolError } from './errors';
import { listMultipartUploads, listParts, type ListPartsOptions, type ListPartsPage, type ListUploadsOptions, type ListUploadsPage } from './multipart';
import { listObjects, type ListObjectsOptions } from './objects';
import type { OssClient } from './client';
import type { MultipartUploadInfo, ObjectSummary, PartInfo } from './xml';

function stuck(operation: string, message: string, requestId: string): OssProtocolError {
  const err = new OssProtocolError(`${operation}: ${message}`);
  err.operation = operation;
  err.requestId = requestId;
  return err;
}

/** Every page of ListParts, following NextPartNumberMarker while IsTruncated. */
export async function* listPartPages(client: OssClient, key: string, uploadId: string, opts: ListPartsOptions = {}): AsyncGenerator<ListPartsPage, void, undefined> {
  let marker = opts.partNumberMarker ?? 0;
  for (;;) {
    const page = await listParts(client, key, uploadId, { ...opts, partNumberMarker: marker });
    yield page;
    if (!page.isTruncated) return;
    if (!(page.nextPartNumberMarker > marker)) {
      throw stuck('ListParts', `truncated page without an advancing NextPartNumberMarker (${page.nextPartNumberMarker})`, page.requestId);
    }
    marker = page.nextPartNumberMarker;
  }
}

/** Every uploaded part, in ascending part-number order, across all pages. */
export async function* listAllParts(client: OssClient, key: string, uploadId: string, opts: ListPartsOptions = {}): AsyncGenerator<PartInfo, void, undefined> {
  for await (const page of listPartPages(client, key, uploadId, opts)) yield* page.parts;
}

/** Every page of ListMultipartUploads, following NextKeyMarker/NextUploadIdMarker while IsTruncated. */
async function* listMultipartUploadPages(client: OssClient, opts: ListUploadsOptions = {}): AsyncGenerator<ListUploadsPage, void, undefined> {
  let keyMarker = opts.keyMarker ?? '';
  let uploadIdMarker = opts.uploadIdMarker ?? '';
  for (;;) {
    const page = await listMultipartUploads(client, { ...opts, keyMarker, uploadIdMarker });
    yield page;
    if (!page.isTruncated) return;
    if (page.nextKeyMarker === keyMarker && page.nextUploadIdMarker === uploadIdMarker) {
      throw stuck('ListMultipartUploads', 'truncated page without advancing markers', page.requestId);
    }
    keyMarker = page.nextKeyMarker;
    uploadIdMarker = page.nextUploadIdMarker;
  }
}

/** Every in-progress multipart upload (under `prefix`), across all pages. Common prefixes are skipped. */
export async function* iterateMultipartUploads(client: OssClient, opts: ListUploadsOptions = {}): AsyncGenerator<MultipartUploadInfo, void, undefined> {
  for await (const page of listMultipartUploadPages(client, opts)) yield* page.uploads;
}

/** Every object under `prefix`, across all pages (ListObjectsV2). */
export async function* iterateObjects(client: OssClient, opts: ListObjectsOptions = {}): AsyncGenerator<ObjectSummary, void, undefined> {
  let token = opts.continuationToken ?? '';
  for (;;) {
    const page = await listObjects(client, { ...opts, continuationToken: token });
    yield* page.objects;
    if (!page.isTruncated) return;
    if (!page.nextContinuationToken || page.nextContinuationToken === token) {
      throw stuck('ListObjectsV2', 'truncated page without an advancing NextContinuationToken', page.requestId);
    }
    token = page.nextContinuationToken;
  }
}

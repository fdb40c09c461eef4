/** list: the parts OSS holds for an upload, all of them or one page. */
import { listParts, type PartInfo } from '../oss/multipart';
import { allParts, type ListedPart, type UploadRef, type UploadService } from './service';

/**
 * Every part, or with `page` one page of them: up to `maxParts` numbered above
 * `partNumberMarker`, and `nextPartNumberMarker` (null on the last page) to ask for the next.
 */
export async function listUploadParts(
  s: UploadService,
  upload: Pick<UploadRef, 'key' | 'uploadId'>,
  page?: { maxParts: number; partNumberMarker: number },
): Promise<{ parts: ListedPart[]; uploadedBytes: number; nextPartNumberMarker?: number | null }> {
  let parts: PartInfo[];
  let next: number | undefined;
  if (page) {
    const r = await listParts(s.oss, upload.key, upload.uploadId, page);
    parts = r.parts;
    if (r.isTruncated) next = r.nextPartNumberMarker;
  } else {
    parts = await allParts(s, upload);
  }
  let uploadedBytes = 0;
  const out = parts.map((p) => {
    uploadedBytes += p.size;
    return {
      partNumber: p.partNumber,
      etag: p.etag,
      size: p.size,
      crc64: p.crc64 === undefined ? null : p.crc64.toString(),
      lastModified: p.lastModified.toISOString(),
    };
  });
  return page ? { parts: out, uploadedBytes, nextPartNumberMarker: next ?? null } : { parts: out, uploadedBytes };
}

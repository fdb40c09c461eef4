/** `OssPort` over the real `OssClient`. */
import type { OssClient } from '../oss/client';
import { presignPostObject, presignUploadParts } from '../oss/presign';
import { headObject } from '../oss/objects';
import { abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, listParts } from '../oss/multipart';
import { iterateMultipartUploads, listAllParts } from '../oss/paginators';
import { objectUrl } from '../oss/endpoint';
import type { OssPort, PresignedPart } from './oss-port';

export function ossPort(client: OssClient): OssPort {
  return {
    async initiate(key, opts) {
      const r = await initiateMultipartUpload(client, key, opts);
      return { uploadId: r.uploadId };
    },
    async listAllParts(key, uploadId) {
      const parts = [];
      for await (const p of listAllParts(client, key, uploadId)) parts.push(p);
      return parts;
    },
    async listPartsPage(key, uploadId, page) {
      const r = await listParts(client, key, uploadId, page);
      return { parts: r.parts, nextPartNumberMarker: r.isTruncated ? r.nextPartNumberMarker : undefined };
    },
    async assertUploadExists(key, uploadId) {
      await listParts(client, key, uploadId, { maxParts: 1 });
    },
    uploadsUnder(prefix) {
      return iterateMultipartUploads(client, { prefix });
    },
    async complete(key, uploadId, opts) {
      const r = await completeMultipartUpload(client, key, uploadId, opts);
      switch (r.kind) {
        case 'completed':
          return { kind: 'completed', etag: r.etag, crc64: r.crc64, requestId: r.requestId };
        case 'callback':
          return { kind: 'callback', etag: r.etag, crc64: r.crc64, callbackBody: r.callbackBody, requestId: r.requestId };
        case 'callback-failed':
          return { kind: 'callback-failed', etag: r.etag, crc64: r.crc64, message: r.message, requestId: r.requestId };
      }
    },
    async abort(key, uploadId) {
      await abortMultipartUpload(client, key, uploadId);
    },
    async head(key) {
      const h = await headObject(client, key);
      return h && { size: h.size, etag: h.etag, contentType: h.contentType, crc64: h.crc64 };
    },
    async presignParts(key, uploadId, parts, expires) {
      const signed = await presignUploadParts(client, key, uploadId, parts, { expires });
      return signed.map((s): PresignedPart => ({ url: s.url, method: 'PUT', headers: s.headers, expiresAt: s.expiresAt }));
    },
    presignPost(conditions, expires) {
      return presignPostObject(client, { conditions, expires });
    },
    objectUrl(key) {
      return objectUrl(client.publicEndpoint, client.bucket, key);
    },
  };
}

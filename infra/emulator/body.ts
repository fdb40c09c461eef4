/**
 * Request bodies: streamed into a blob while MD5 and CRC-64 are computed on the way (object and
 * part data never sit whole in memory), or read fully when they are small documents (XML, JSON).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Crc64 } from '../../shared/oss/crc64';
import type { BlobInfo, BlobStore } from './blobs';
import { OssError } from './errors';
import type { OssRequest } from './request';

export interface ReceivedBody {
  blob: BlobInfo;
  md5: Buffer;
  crc64: bigint;
  size: number;
}

export function declaredLength(req: OssRequest): number | undefined {
  const cl = req.headers['content-length'];
  if (cl === undefined || !/^\d+$/.test(cl)) return undefined;
  return Number(cl);
}

export function entityTooLarge(max: number): OssError {
  return new OssError(400, 'EntityTooLarge', `Your proposed upload exceeds the maximum allowed size (${max} bytes).`, { MaxSizeAllowed: String(max) });
}

/**
 * Streams `source` into the blob store, hashing as it goes. Stores nothing if the stream fails, is
 * shorter than `expectedLength`, or grows beyond `maxSize`.
 */
export async function receiveStream(
  source: AsyncIterable<Uint8Array>,
  blobs: BlobStore,
  opts: { maxSize: number; expectedLength?: number },
): Promise<ReceivedBody> {
  const md5 = createHash('md5');
  const crc = new Crc64();
  let size = 0;
  const hashed = (async function* () {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > opts.maxSize) throw entityTooLarge(opts.maxSize);
      md5.update(chunk);
      crc.update(chunk);
      yield chunk;
    }
    if (opts.expectedLength !== undefined && size !== opts.expectedLength) {
      throw new OssError(400, 'IncompleteBody', `You did not provide the number of bytes specified by the Content-Length HTTP header (${size} of ${opts.expectedLength}).`);
    }
  })();
  const blob = await blobs.write(hashed);
  return { blob, md5: md5.digest(), crc64: crc.digest(), size };
}

export async function receiveBody(req: OssRequest, blobs: BlobStore, opts: { maxSize: number }): Promise<ReceivedBody> {
  const expectedLength = declaredLength(req);
  if (expectedLength !== undefined && expectedLength > opts.maxSize) throw entityTooLarge(opts.maxSize);
  return receiveStream(req.body(), blobs, { maxSize: opts.maxSize, expectedLength });
}

/** Reads a small body fully; `tooLarge` is thrown past `limit` bytes. */
export async function readSmallBody(req: OssRequest, limit: number, tooLarge: () => OssError): Promise<Buffer> {
  const expected = declaredLength(req);
  if (expected !== undefined && expected > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  const source: Readable = req.body();
  for await (const chunk of source) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

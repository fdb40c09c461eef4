/**
 * `upload(file, options)`: the one-call form. Resolves with the complete answer (key, size, crc64,
 * callback…) once the object is stored and its CRC-64 equals the file's; rejects with one of the
 * errors in errors.ts. Stop it with `options.signal`.
 *
 *   const answer = await upload(file, { api: 'https://upload-api.example.com', headers: { authorization: `Bearer ${jwt}` } });
 */
import { createUpload } from './create-upload';
import type { CompleteAnswer, UploadOptions } from './types';

export function upload(file: Blob, options: UploadOptions): Promise<CompleteAnswer> {
  return createUpload(file, options).start();
}

/**
 * The browser (and Node 20+) client of our JSON API: resumable, parallel, verified uploads to OSS.
 * `npm run build` compiles it to one dependency-free ES module, dist/client/index.js.
 */
export { upload } from './upload';
export { createUpload, type Upload } from './create-upload';
export { memoryStore, indexedDbStore, type ResumeStore, type ResumeRecord } from './resume-store';
export { UploadError, ApiError, NetworkError, PartUploadError, IntegrityError, UploadAbortedError, UploadBusyError, FileReadError } from './errors';
export { DEFAULT_CONCURRENCY } from './lib/session';
export type { UploadOptions, UploadProgress, UploadState, UploadEvent, UploadStats, ApiOperation, CompleteAnswer } from './types';

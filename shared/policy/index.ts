/**
 * The upload policy: every rule about what a caller may store, one file per decision. The JSON
 * API (functions/init…abort), the Uppy facade (functions/companion) and the POST form all decide
 * through these; handlers only parse input, and shared/upload/ (one file per operation) makes the OSS calls.
 *
 * | decision | entry point | file |
 * |---|---|---|
 * | what a new object may be (on every path) | `checkNewObject`, `checkNewSizedObject` | new-object.ts |
 * | which content types may be stored | `normalizeContentType`, `assertContentTypeAllowed` | content-type.ts |
 * | how large an object may be | `assertSizeAllowed` (and `formatBytes` for messages) | size.ts |
 * | which user metadata may be attached | `validateMetadata` | metadata.ts |
 * | where an object goes (key layout) | `buildObjectKey`, `validateFilename` | keys.ts |
 * | whose a key is | `keyBelongsTo`, `callerPrefix`, `parseObjectKey` (a stored key's caller) | keys.ts |
 * | whose an upload is (caller, bucket, prefix) | `assertOwnUpload` | ownership.ts |
 * | which upload a JSON-API request names (its token, verified and owned) | `ownUploadFromToken` | ownership.ts |
 * | how many unfinished uploads a caller may have | `atActiveUploadLimit`, `keepsNewUpload` | active-uploads.ts |
 * | how a file is cut into parts; which part numbers exist | `planParts`, `partSizeOf`, `maxPartNumber` | parts.ts |
 * | what complete checks | `checkPlannedParts`, `checkClientParts`, `matchOpenParts`, `combinedCrc` | part-checks.ts |
 * | how long uploads and URLs live | `uploadExpiry`, `urlLifetime` | expiry.ts |
 * | the Uppy facade's upload id (signed state) | `issueFacadeUpload`, `verifyFacadeUpload` | facade-upload.ts |
 * | what a POST form lets its holder store | `postFormPolicy` | post-form.ts |
 * | what the OSS callback carries and must hold | `CALLBACK_BODY`, `callbackVariables`, `checkCallbackFacts` | callback.ts |
 *
 * Enforced elsewhere, by design: OSS itself refuses a V4 part of another size than planned (the
 * signer pins it, shared/oss/signer.ts) and a re-posted form (forbid-overwrite); upload tokens are
 * shared/auth/upload-token.ts; callers are shared/auth/caller.ts.
 *
 * Code imports the file it needs (not this index), so a function's bundle carries only its rules.
 */
export { checkNewObject, checkNewSizedObject } from './new-object';
export { normalizeContentType, assertContentTypeAllowed } from './content-type';
export { assertSizeAllowed, formatBytes } from './size';
export { validateMetadata } from './metadata';
export { buildObjectKey, validateFilename, keyBelongsTo, callerPrefix, parseObjectKey } from './keys';
export { planParts, partSizeOf, maxPartNumber } from './parts';
export { checkPlannedParts, checkClientParts, matchOpenParts, combinedCrc } from './part-checks';
export { assertOwnUpload, ownUploadFromToken } from './ownership';
export { atActiveUploadLimit, keepsNewUpload } from './active-uploads';
export { uploadExpiry, urlLifetime } from './expiry';
export { issueFacadeUpload, verifyFacadeUpload } from './facade-upload';
export { postFormPolicy } from './post-form';
export { CALLBACK_BODY, callbackVariables, checkCallbackFacts } from './callback';

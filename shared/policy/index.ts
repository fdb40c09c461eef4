/**
 * The upload policy: every rule about what a caller may store, one file per decision. The JSON
 * API (functions/init…abort), the Uppy facade (functions/companion) and the POST form all decide
 * through these; handlers only parse input, and shared/upload/service.ts makes the OSS calls.
 *
 * | decision | entry point | file |
 * |---|---|---|
 * | which content types may be stored | `normalizeContentType`, `assertContentTypeAllowed` | content-type.ts |
 * | how large an object may be | `assertSizeAllowed` (and `formatBytes` for messages) | size.ts |
 * | which user metadata may be attached | `validateMetadata` | metadata.ts |
 * | where an object goes (key layout) | `buildObjectKey`, `validateFilename` | keys.ts |
 * | whose a key is | `keyBelongsTo`, `callerPrefix` | keys.ts |
 * | how a file is cut into parts | `planParts`, `partSizeOf`, `maxPartNumber` | parts.ts |
 * | what complete checks | `checkPlannedParts`, `checkClientParts`, `matchOpenParts`, `combinedCrc` | part-checks.ts |
 *
 * Code imports the file it needs (not this index), so a function's bundle carries only its rules.
 */
export { normalizeContentType, assertContentTypeAllowed } from './content-type';
export { assertSizeAllowed, formatBytes } from './size';
export { validateMetadata } from './metadata';
export { buildObjectKey, validateFilename, keyBelongsTo, callerPrefix } from './keys';
export { planParts, partSizeOf, maxPartNumber } from './parts';
export { checkPlannedParts, checkClientParts, matchOpenParts, combinedCrc } from './part-checks';

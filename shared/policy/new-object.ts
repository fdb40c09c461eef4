/**
 * Policy: what a new object may be, decided the same way on every path that starts one: the JSON
 * API's init (which declares a size), the Uppy facade's create and its POST forms (which do not).
 * A usable filename (keys.ts sanitises it into the key), an allow-listed content type
 * (content-type.ts), valid metadata (metadata.ts), and a declared size within MAX_FILE_SIZE
 * (size.ts). Field names in errors follow each API's own wording (`contentType` or `type`).
 */
import { validateFilename } from './keys';
import { assertContentTypeAllowed, normalizeContentType } from './content-type';
import { validateMetadata } from './metadata';
import { assertSizeAllowed } from './size';

export interface NewObject {
  filename: string;
  contentType: string;
  metadata: Record<string, string>;
}

export interface NewObjectRules {
  maxFileSize: number;
  allowedContentTypes: readonly string[];
}

/** 400 / 413 / 415 unless the object described may be stored; the checked, normalised description. */
export function checkNewObject(
  input: { filename: unknown; contentType?: unknown; metadata?: unknown },
  rules: NewObjectRules,
  fields: { contentType?: string } = {},
): NewObject {
  return check(input, rules, fields);
}

/** `checkNewObject` plus a declared size (the JSON API's init): 413 over MAX_FILE_SIZE. */
export function checkNewSizedObject(input: { filename: unknown; contentType?: unknown; metadata?: unknown; size: unknown }, rules: NewObjectRules): NewObject & { size: number } {
  return check(input, rules, {}, true) as NewObject & { size: number };
}

function check(input: { filename: unknown; contentType?: unknown; metadata?: unknown; size?: unknown }, rules: NewObjectRules, fields: { contentType?: string }, sized = false): NewObject & { size?: number } {
  const filename = validateFilename(input.filename);
  const size = sized ? assertSizeAllowed(input.size, rules.maxFileSize) : undefined;
  const contentType = normalizeContentType(input.contentType, fields.contentType ?? 'contentType');
  assertContentTypeAllowed(contentType, rules.allowedContentTypes);
  const metadata = validateMetadata(input.metadata);
  return size === undefined ? { filename, contentType, metadata } : { filename, size, contentType, metadata };
}

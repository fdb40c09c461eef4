/**
 * Policy: what a PostObject form (small files, `GET /s3/params`) lets its holder store: every field
 * we send pinned by an `eq` condition, single-use through forbid-overwrite. What cannot be pinned:
 * docs/policy.md.
 */
import type { PostPolicyCondition } from '../oss/post-policy';

export interface PostFormInput {
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  /** Largest file, bytes (MAX_FILE_SIZE, at most 5 GB). */
  maxSize: number;
  /** The encoded `callback` and `callback-var` values, with CALLBACK_URL. */
  callback?: { param: string; vars: string };
}

/** The form fields we send (names as OSS documents them) and the conditions that pin them. */
export function postFormPolicy(input: PostFormInput): { fields: Record<string, string>; conditions: PostPolicyCondition[] } {
  const fields: Record<string, string> = {
    key: input.key,
    'Content-Type': input.contentType,
    success_action_status: '201',
    'x-oss-forbid-overwrite': 'true',
    'Content-Disposition': 'inline',
    'Content-Encoding': 'identity',
    'x-oss-object-acl': 'default',
  };
  for (const [name, value] of Object.entries(input.metadata)) fields[`x-oss-meta-${name}`] = value;
  if (input.callback) {
    fields.callback = input.callback.param;
    fields['callback-var'] = input.callback.vars;
  }
  const conditions: PostPolicyCondition[] = [['content-length-range', 0, input.maxSize]];
  // OSS compares field names case-insensitively; conditions name them in lower case.
  for (const [name, value] of Object.entries(fields)) conditions.push(['eq', `$${name.toLowerCase()}`, value]);
  return { fields, conditions };
}

/**
 * Policy: what a PostObject form (small files, `GET /s3/params`) lets its holder store. Every field
 * we send is pinned by an `eq` condition, so the form can be posted as given or not at all, and
 * `x-oss-forbid-overwrite: true` makes it single-use: re-posting it, altered or not, changes
 * nothing stored (OSS keeps the first object, 409 FileAlreadyExists).
 *
 * Pinned: the key (unique per form); the size range (0..MAX_FILE_SIZE, at most OSS's 5 GB);
 * Content-Type (the allow-listed, declared type); success_action_status; x-oss-forbid-overwrite;
 * Content-Disposition `inline` and Content-Encoding `identity` (what an absent header means, but
 * pinned); x-oss-object-acl `default` (the bucket's ACL); our metadata; with CALLBACK_URL the
 * callback and its variables (so the callback goes where we said, with what we said).
 *
 * Not pinnable: OSS accepts form fields its policy does not name, and a condition on a field the
 * form lacks fails, so a policy cannot require a field's absence (docs/oss.md, "PostObject policy
 * conditions"). On the first POST of its own form a caller can therefore add Cache-Control,
 * Expires, more x-oss-meta-*, x-oss-storage-class or x-oss-tagging, and, without CALLBACK_URL, a
 * callback of its choosing. README "Security model" lists what that allows.
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

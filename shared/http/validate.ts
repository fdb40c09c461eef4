/**
 * Input against its schema (shared/api/, functions/<name>/schema.ts): every problem at once, as one
 * 400 VALIDATION_FAILED. Called by the handler after authentication, not as middleware:
 * docs/http.md.
 */
import { safeParse, type BaseIssue, type GenericSchema, type InferOutput } from 'valibot';
import { validationFailed, type Problem } from './errors';

/** A long list of mistakes (10,000 bad part numbers) is cut here; the message says how many more. */
export const MAX_PROBLEMS = 20;

/** `input` as `schema` describes it (unknown fields dropped), or 400 VALIDATION_FAILED listing every problem. */
export function parseInput<S extends GenericSchema>(schema: S, input: unknown): InferOutput<S> {
  const result = safeParse(schema, input, { message: wording });
  if (result.success) return result.output;
  const problems: Problem[] = result.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const field = fieldOf(issue);
    return { field, message: field ? `${field} ${issue.message}` : issue.message };
  });
  const more = result.issues.length - problems.length;
  if (more > 0) problems.push({ field: '', message: `(and ${more} more problem${more === 1 ? '' : 's'})` });
  throw validationFailed(problems);
}

/**
 * `parts[3].etag`, `metadata.x-y`, `contentMd5.1`: array items by index, object members by name
 * (a client's own key cut to 64 characters: it is echoed back).
 */
function fieldOf(issue: BaseIssue<unknown>): string {
  let out = '';
  for (const { key } of issue.path ?? []) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      out += `${out ? '.' : ''}${name.length > 64 ? `${name.slice(0, 64)}…` : name}`;
    }
  }
  return out;
}

/** Plain words for valibot's issues; a schema gives its own where these would be vague (patterns). */
function wording(issue: BaseIssue<unknown>): string {
  // A missing member: the object reports it with the member's path and nothing received.
  if (issue.kind === 'schema' && issue.input === undefined) return 'is required';
  const n = issue.requirement as number;
  const items = Array.isArray(issue.input);
  switch (issue.type) {
    case 'string':
      return 'must be a string';
    case 'number':
      return 'must be a number';
    case 'boolean':
      return 'must be true or false';
    case 'array':
      return 'must be an array';
    case 'object':
    case 'loose_object':
    case 'record':
      return 'must be an object';
    case 'integer':
    case 'safe_integer':
      return 'must be an integer';
    case 'min_value':
      return `must be at least ${n}`;
    case 'max_value':
      return `must be at most ${n}`;
    case 'min_length':
      if (items) return `must have at least ${n} item${n === 1 ? '' : 's'}`;
      return n === 1 ? 'must not be empty' : `must be at least ${n} characters`;
    case 'max_length':
      return items ? `must have at most ${n} items` : `must be at most ${n} characters`;
    default:
      return 'is not valid';
  }
}

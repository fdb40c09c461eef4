/**
 * A small JSON Schema (2020-12 subset, as OpenAPI 3.1 uses it) validator for checking real
 * responses against the OpenAPI document. It enforces exactly the keywords in `ENFORCED`; the
 * OpenAPI test checks the document uses no other assertion keyword, so nothing in the document
 * is silently unchecked.
 */

export type JsonSchema = { [key: string]: unknown };

/** Keywords this validator checks. */
export const ENFORCED = new Set([
  '$ref',
  'allOf',
  'anyOf',
  'type',
  'enum',
  'const',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'format',
]);

/** Keywords that only annotate (never make a value invalid). */
export const ANNOTATIONS = new Set(['description', 'title', 'examples', 'example', 'default', 'deprecated', 'readOnly', 'writeOnly']);

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;

function matchesType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function resolve(root: unknown, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(seg in (node as object))) throw new Error(`unresolved $ref ${ref}`);
    node = (node as Record<string, unknown>)[seg];
  }
  return node as JsonSchema;
}

const FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  uri: (s) => {
    try {
      return new URL(s).protocol.length > 0;
    } catch {
      return false;
    }
  },
};

/** Every violation of `schema` by `value`, as `path: message` strings (empty when valid). */
export function validate(value: unknown, schema: JsonSchema, root: unknown, path = '$'): string[] {
  const errors: string[] = [];
  const s = schema;
  if (s.$ref !== undefined) errors.push(...validate(value, resolve(root, s.$ref as string), root, path));
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) errors.push(...validate(value, sub as JsonSchema, root, path));
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validate(value, sub as JsonSchema, root, path).length === 0)) {
    errors.push(`${path}: matches none of anyOf`);
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => matchesType(value, t))) {
      errors.push(`${path}: expected ${types.join('|')}, got ${typeOf(value)}`);
      return errors; // the rest would only repeat the type error
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${path}: ${JSON.stringify(value)?.slice(0, 80)} not in enum ${JSON.stringify(s.enum).slice(0, 200)}`);
  }
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value)) errors.push(`${path}: expected const ${JSON.stringify(s.const)}`);

  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && [...value].length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && [...value].length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${path}: ${JSON.stringify(value.slice(0, 80))} does not match ${s.pattern}`);
    if (typeof s.format === 'string' && FORMATS[s.format] && !FORMATS[s.format](value)) errors.push(`${path}: not a ${s.format}: ${value.slice(0, 80)}`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: below minimum ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: above maximum ${s.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
    if (s.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${path}: items not unique`);
    if (s.items && typeof s.items === 'object') value.forEach((item, i) => errors.push(...validate(item, s.items as JsonSchema, root, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    if (Array.isArray(s.required)) for (const k of s.required as string[]) if (!(k in o)) errors.push(`${path}: missing required ${k}`);
    for (const [k, v] of Object.entries(o)) {
      if (k in props) errors.push(...validate(v, props[k], root, `${path}.${k}`));
      else if (s.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') errors.push(...validate(v, s.additionalProperties as JsonSchema, root, `${path}.${k}`));
    }
  }
  return errors;
}

/**
 * Stands in for three packages fast-xml-parser imports but, as shared/oss/xml.ts configures it,
 * never calls (infra/build.ts `alias`): `is-unsafe` and `@nodable/entities`' EntityDecoder (its
 * default entity decoder; we pass our own), and `strnum` (number parsing; values stay strings).
 * Together ~27 KB of each bundle that reads XML. If an option change ever reaches one of them,
 * it throws, and the bundle tests, which run real uploads through the bundles, fail.
 */
function unused(what: string): never {
  throw new Error(`fast-xml-parser called ${what}, which infra/build.ts aliases away: see shared/fast-xml-parser-unused.ts`);
}

// strnum
export default function toNumber(): never {
  return unused('strnum');
}

// is-unsafe
export function isUnsafe(): never {
  return unused('is-unsafe');
}
export const HTML = {};

// @nodable/entities: `XML` is spread into the default decoder's options even when a decoder is given.
export class EntityDecoder {
  constructor() {
    unused('@nodable/entities EntityDecoder');
  }
}
export const ENTITY_ACTION = {};
export const XML = {};
export const COMMON_HTML = {};
export const CURRENCY = {};

/**
 * Which function serves which path. One table for the local stack (one origin), the s.yaml
 * custom-domain routes (checked by test/unit/s-yaml.test.ts) and the OpenAPI document.
 * Paths are exact, except `/s3/*`, so a custom domain can route each to its own function.
 */
export type FunctionName = 'init' | 'sign' | 'list' | 'complete' | 'abort' | 'callback' | 'companion' | 'sweep' | 'events';

export interface Route {
  fn: FunctionName;
  path: string;
  /** Methods the route answers; OPTIONS is added for CORS preflights. */
  methods: string[];
}

export const ROUTES: readonly Route[] = [
  { fn: 'init', path: '/uploads', methods: ['POST'] },
  { fn: 'sign', path: '/uploads/sign', methods: ['POST'] },
  { fn: 'list', path: '/uploads/list', methods: ['POST'] },
  { fn: 'complete', path: '/uploads/complete', methods: ['POST'] },
  { fn: 'abort', path: '/uploads/abort', methods: ['POST'] },
  { fn: 'callback', path: '/oss/callback', methods: ['POST'] },
  { fn: 'companion', path: '/s3/*', methods: ['GET', 'POST', 'DELETE'] },
];

/** The HTTP functions (sweep runs on a timer, events on an OSS trigger; neither has a route). */
export const HTTP_FUNCTIONS: readonly FunctionName[] = ['init', 'sign', 'list', 'complete', 'abort', 'callback', 'companion'];
export const ALL_FUNCTIONS: readonly FunctionName[] = [...HTTP_FUNCTIONS, 'sweep', 'events'];
/**
 * The functions that verify callers and upload tokens, and so alone are given AUTH_* and
 * UPLOAD_TOKEN_SECRET (shared/config/variables.ts `only`); the rest load config as INTERNAL.
 */
export const CALLER_FACING_FUNCTIONS: readonly FunctionName[] = ['init', 'sign', 'list', 'complete', 'abort', 'companion'];

/** The route serving `path`, exact match first, then `/s3/*`. */
export function routeFor(path: string): Route | undefined {
  return ROUTES.find((r) => r.path === path) ?? ROUTES.find((r) => r.path.endsWith('/*') && path.startsWith(r.path.slice(0, -1)));
}

/**
 * The fuzzing harness: generators of hostile input, the invariants every answer must keep, and
 * the tally the campaign prints (inputs tried per endpoint and kind, with the statuses they got).
 *
 * Invariants, for every request whatever it carries:
 *  - no 5xx, and no crash: the app answers (an exception escaping Hono would reject `request()`);
 *  - an error (4xx) is JSON in the API's error shape, with a code from ERROR_CODES and its status;
 *  - a JSON 2xx parses;
 *  - no secret (caller JWT secret, upload-token secret, OSS access key secret) appears in it.
 * Unhandled rejections and uncaught exceptions anywhere in the process are counted too.
 */
import fc from 'fast-check';
import { ERROR_CODES } from '../../../shared/http/errors.ts';
import { signHs256 } from '../../helpers/jwt.ts';
import { table } from './report.ts';

export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 10_000));

export interface FuzzCase {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** When set, the only statuses this input may get (on top of the general invariants). */
  expect?: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Values

export const HUGE_NUMBERS: unknown[] = [
  1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, 2 ** 64, -(2 ** 63), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
  Number.MAX_VALUE, Number.MIN_VALUE, 5 * 2 ** 30, 5 * 2 ** 30 + 1, 10_000, 10_001, 102_399, 102_400, 1e21, 1e-7, -0, 0.5, -1, -1.5, 4294967296,
];
export const SPECIAL_STRINGS = [
  '', ' ', '\t', '1', '0', '-1', '0x10', '1e3', '1.0', 'NaN', 'Infinity', 'null', 'true', '__proto__', 'constructor', 'prototype', 'toString',
  '..', '../..', '/', '//', '\\', '\u0000', '\ud800', '\udc00', '\ufeff', '\u202e', '%00', '%zz', '%2e%2e', '${bucket}', '${object}', '<x/>', '"', "'",
  'a'.repeat(300), 'é'.repeat(600), '😀'.repeat(300), 'x/y', 'uploads/alice/../bob/x', '\r\nX-Injected: 1',
];

/** Strings of every sort: printable, full unicode (with lone surrogates), control characters, specials. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 3000 }) },
);

export const anyNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HUGE_NUMBERS),
  fc.integer(),
  fc.integer({ min: -5, max: 10_005 }),
  fc.double(),
  fc.maxSafeInteger(),
);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false) },
  { weight: 3, arbitrary: anyNumber },
  { weight: 3, arbitrary: anyString },
);

/** Anything JSON can carry, nested. */
export const junk: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.dictionary(anyString, tie('value'), { maxKeys: 6 }) },
  ),
})).value;

/** An object with the endpoint's field names (and others), each holding junk or a plausible value. */
export function objectOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(fields).map(([k, arb]) => [k, fc.option(fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: junk }), { nil: undefined, freq: 4 })] as const);
  return fc
    .tuple(fc.record(Object.fromEntries(entries)), fc.dictionary(anyString, junk, { maxKeys: 3 }))
    .map(([known, extra]) => {
      const o: Record<string, unknown> = { ...extra };
      for (const [k, v] of Object.entries(known)) if (v !== undefined) o[k] = v;
      return o;
    });
}

/** Bodies that are not a JSON object: arrays, scalars, broken JSON, invalid UTF-8, empty, huge. */
export const notAnObjectBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom('', '{', '{"a":', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\ufeff{}', 'NaN', '[]', '{"__proto__":{"x":1}}', '{"a":"\\ud800"}'),
  fc.constantFrom(new Uint8Array([0xff, 0xfe]), new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]), new Uint8Array([0xed, 0xa0, 0x80])),
  fc.integer({ min: 1, max: 3 }).map((n) => `{"pad":"${'x'.repeat(n * 700 * 1024)}"}`),
);

export const methodArb = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');

/** Header names and values that HTTP can carry (others never reach a function). */
const headerName = fc.oneof(
  fc.constantFrom('content-type', 'content-length', 'cookie', 'origin', 'x-forwarded-for', 'x-fc-request-id', 'accept', 'x-oss-callback', 'transfer-encoding', 'host', 'x-http-method-override'),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_!#$%&*+.^`|~'), minLength: 1, maxLength: 20 }),
);
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 30 }),
  fc.constantFrom('', '0', '-1', '99999999999999999999', 'application/json', 'application/json; charset=utf-16', 'text/plain', 'multipart/form-data; boundary=x'),
);
export const randomHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 5 });

export const contentTypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/problem+json', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/jsonx', 'application/json;', 'json') },
);

// ---------------------------------------------------------------------------------------------
// Caller JWTs

export interface JwtKit {
  valid(sub: string): string;
  /** Tokens that must never authenticate, or authenticate a caller whose sub is refused. */
  bad: fc.Arbitrary<{ label: string; header: Record<string, string> }>;
}

export function jwtKit(secret: string, uploadToken: () => string): JwtKit {
  const cache = new Map<string, string>();
  const exp = () => Math.floor(Date.now() / 1000) + 3600;
  const valid = (sub: string) => {
    let t = cache.get(sub);
    if (!t) cache.set(sub, (t = signHs256({ sub, exp: exp() }, secret)));
    return t;
  };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const bad = fc.oneof(
    fc.constant({ label: 'none', header: {} }),
    anyString.map((s) => ({ label: 'garbage authorization', header: { authorization: latin1(s) } })),
    fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', 'Bearer  ' + 'x'.repeat(9000), 'Token abc').map((h) => ({ label: 'malformed authorization', header: { authorization: h } })),
    fc.constant(null).map(() => ({ label: 'wrong secret', header: { authorization: `Bearer ${signHs256({ sub: 'alice', exp: exp() }, 'not-the-secret-not-the-secret-0123456789')}` } })),
    fc.constant(null).map(() => ({ label: 'expired', header: { authorization: `Bearer ${signHs256({ sub: 'alice', exp: 1000 }, secret)}` } })),
    fc.constant(null).map(() => ({ label: 'alg none', header: { authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', exp: exp() })}.` } })),
    fc.constant(null).map(() => ({ label: 'upload token as caller', header: { authorization: `Bearer ${uploadToken()}` } })),
    fc.oneof(anyString, fc.constantFrom('', '..', 'a/b', 'é', ' ', 'x'.repeat(200))).map((sub) => ({ label: 'unsafe sub', header: { authorization: `Bearer ${signHs256({ sub, exp: exp() }, secret)}` } })),
    junk.map((sub) => ({ label: 'junk sub claim', header: { authorization: `Bearer ${signHs256({ sub, exp: exp() }, secret)}` } })),
    fc.constant(null).map(() => ({ label: 'no sub', header: { authorization: `Bearer ${signHs256({ exp: exp() }, secret)}` } })),
    anyString.map((s) => ({ label: 'junk cookie', header: { cookie: `oss_upload_token=${latin1(s).replace(/[;,]/g, '')}; other=1` } })),
  );
  return { valid, bad };
}

/** Keeps only what a header value can hold. */
export function latin1(s: string): string {
  return s.replace(/[^\x20-\x7e\x80-\xff\t]/g, '').trim();
}

// ---------------------------------------------------------------------------------------------
// Running and checking

const SECRET_MIN = 16;

export class Tally {
  readonly #rows = new Map<string, { endpoint: string; kind: string; n: number; ms: number; statuses: Map<number, number> }>();
  readonly violations: string[] = [];
  #secrets: string[] = [];

  secrets(...values: string[]): void {
    this.#secrets.push(...values.filter((v) => v.length >= SECRET_MIN));
  }

  count(endpoint: string, kind: string, status: number, ms = 0): void {
    const id = `${endpoint}\u0000${kind}`;
    let row = this.#rows.get(id);
    if (!row) this.#rows.set(id, (row = { endpoint, kind, n: 0, ms: 0, statuses: new Map() }));
    row.n++;
    row.ms += ms;
    row.statuses.set(status, (row.statuses.get(status) ?? 0) + 1);
  }

  total(endpoint: string): number {
    let n = 0;
    for (const r of this.#rows.values()) if (r.endpoint === endpoint) n += r.n;
    return n;
  }

  kinds(endpoint: string): string[] {
    return [...this.#rows.values()].filter((r) => r.endpoint === endpoint).map((r) => r.kind);
  }

  /** Sends `c` to `fetchFn` and checks the invariants; returns the status. Violations are collected and thrown. */
  async run(endpoint: string, c: FuzzCase, fetchFn: (req: Request) => Response | Promise<Response>): Promise<number> {
    let req: Request;
    try {
      const withBody = c.body !== undefined && c.method !== 'GET' && c.method !== 'HEAD';
      req = new Request(`http://fn.local${c.path}`, { method: c.method, headers: c.headers, body: withBody ? (c.body as BodyInit) : undefined });
    } catch {
      // Not expressible as an HTTP request (e.g. a path Request refuses): nothing could send it.
      this.count(endpoint, `${c.kind} (unsendable)`, -1);
      return -1;
    }
    const started = performance.now();
    let res: Response;
    try {
      res = await fetchFn(req);
    } catch (e) {
      return this.#fail(endpoint, c, `the app threw: ${(e as Error)?.stack ?? e}`);
    }
    const text = await res.text();
    this.count(endpoint, c.kind, res.status, performance.now() - started);
    if (res.status >= 500) return this.#fail(endpoint, c, `answered ${res.status}: ${text.slice(0, 500)}`);
    if (c.expect && !c.expect.includes(res.status)) return this.#fail(endpoint, c, `answered ${res.status}, expected ${c.expect.join(' or ')}: ${text.slice(0, 300)}`);
    for (const s of this.#secrets) if (text.includes(s)) return this.#fail(endpoint, c, 'a secret appears in the response');
    const isJson = /json/i.test(res.headers.get('content-type') ?? '');
    if (res.status >= 400 && c.method !== 'HEAD') {
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        return this.#fail(endpoint, c, `error ${res.status} is not JSON: ${text.slice(0, 200)}`);
      }
      const code = body?.error?.code;
      if (typeof code !== 'string' || !(code in ERROR_CODES)) return this.#fail(endpoint, c, `error code ${JSON.stringify(code)} is not in ERROR_CODES`);
      if (ERROR_CODES[code as keyof typeof ERROR_CODES] !== res.status) return this.#fail(endpoint, c, `${code} came with ${res.status}`);
      if (typeof body.error.message !== 'string' || typeof body.error.requestId !== 'string' || body.message !== body.error.message) {
        return this.#fail(endpoint, c, `error body shape: ${text.slice(0, 200)}`);
      }
    } else if (isJson && c.method !== 'HEAD' && text !== '') {
      try {
        JSON.parse(text);
      } catch {
        return this.#fail(endpoint, c, `${res.status} says JSON but is not: ${text.slice(0, 200)}`);
      }
    }
    return res.status;
  }

  #fail(endpoint: string, c: FuzzCase, why: string): never {
    const body = typeof c.body === 'string' ? c.body.slice(0, 400) : c.body ? `<${c.body.length} bytes>` : '';
    const msg = `${endpoint} [${c.kind}] ${c.method} ${c.path.slice(0, 200)} headers=${JSON.stringify(c.headers).slice(0, 300)} body=${JSON.stringify(body)}: ${why}`;
    this.violations.push(msg);
    throw new Error(msg);
  }

  /** endpoint | kind | inputs | mean time in the app | statuses seen (status:count). */
  table(endpoints: string[]): string {
    const rows: Array<Array<string | number>> = [];
    for (const ep of endpoints) {
      const mine = [...this.#rows.values()].filter((r) => r.endpoint === ep).sort((a, b) => b.n - a.n);
      for (const r of mine) {
        const statuses = [...r.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s === -1 ? 'unsendable' : s}:${n}`).join(' ');
        rows.push([ep, r.kind, r.n, (r.ms / r.n).toFixed(2), statuses]);
      }
      rows.push([ep, '(total)', this.total(ep), '', '']);
    }
    return table(['endpoint', 'kind of input', 'inputs', 'ms/input', 'statuses'], rows);
  }
}

/** Counts unhandled rejections and uncaught exceptions from now on. */
export function watchProcess(): { problems: string[]; stop(): void } {
  const problems: string[] = [];
  const onRejection = (e: unknown) => problems.push(`unhandledRejection: ${(e as Error)?.stack ?? e}`);
  const onException = (e: unknown) => problems.push(`uncaughtException: ${(e as Error)?.stack ?? e}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** A labelled arbitrary of cases. */
export function kind(name: string, arb: fc.Arbitrary<Omit<FuzzCase, 'kind'>>): fc.Arbitrary<FuzzCase> {
  return arb.map((c) => ({ kind: name, ...c }));
}

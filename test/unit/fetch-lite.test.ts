// Differential tests: shared/http/fetch-lite.ts (the Headers, Request and Response injected into
// the function bundles) against Node's own global classes (undici 6.24 in Node 20.20).
//
// Every test runs the same steps once with our classes and once with Node's, records what it
// observes (values, or the class of the error thrown), and compares the two records. Nothing is
// compared with a hard-coded copy of our own output. Error messages are worded differently on
// purpose, so only the error class (TypeError, RangeError, SyntaxError) is compared.
//
// Covered: Headers under random operation sequences; Response and Request construction over
// generated bodies and inits, then reading (text/arrayBuffer/bytes/json/blob/formData, a second
// read, clone before and after); Request built from a Request; Response.json/redirect/error;
// the `body` stream; the bodies and methods handed over to Node's classes.
//
// Known, intentional differences, left out of the comparisons (those marked * are pinned by a
// test below, so a change on either side shows up):
// - Error message wording (class only).
// - * A record HeadersInit: undici also reads non-enumerable own properties, and drops an own
//   `__proto__` key (its WebIDL record conversion takes shortcuts through a plain object); we
//   read every enumerable own property, as WebIDL says. Neither comes up with object literals
//   of header names.
// - * `Response.json(data, null)`: undici throws a TypeError from reading `null.status`; WebIDL
//   turns a null dictionary into `{}`, and so do we.
// - * A Request init's cache, credentials, integrity, keepalive, mode, redirect, referrer,
//   referrerPolicy are not kept and `signal` is not type-checked: nothing fetches with these
//   Requests. Their getters return Node's defaults, which is what is compared here.
// - * Argument counts are not checked (`headers.append('a')` appends "undefined"; Node throws).
// - Object identity details: Node's clone() tees the stream (the original gets a new `body`
//   object), and a cloned Request's signal is a new one following the original's where ours is
//   the same object.
//
// Runs: FETCH_LITE_RUNS (default 1000) per property; FC_SEED=<n> replays a seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Headers as LiteHeaders, Request as LiteRequest, Response as LiteResponse } from '../../shared/http/fetch-lite.ts';

const RUNS = Number(process.env.FETCH_LITE_RUNS ?? 1000);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = (numRuns = RUNS) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

interface Api {
  name: 'lite' | 'node';
  Headers: any;
  Request: any;
  Response: any;
}
const LITE: Api = { name: 'lite', Headers: LiteHeaders, Request: LiteRequest, Response: LiteResponse };
const NODE: Api = { name: 'node', Headers: globalThis.Headers, Request: globalThis.Request, Response: globalThis.Response };

type Outcome<T = unknown> = { value: T } | { threw: string };

function errorClass(e: unknown): string {
  return e instanceof Error ? e.constructor.name : `non-error ${typeof e}`;
}

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { value: f() };
  } catch (e) {
    return { threw: errorClass(e) };
  }
}

async function attemptAsync(f: () => unknown): Promise<Outcome> {
  try {
    return { value: await f() };
  } catch (e) {
    return { threw: errorClass(e) };
  }
}

/** Runs `scenario` with both APIs; the two records must be equal. Returns Node's record. */
async function same(scenario: (api: Api) => unknown, message?: string): Promise<Outcome> {
  const lite = await attemptAsync(() => scenario(LITE));
  const node = await attemptAsync(() => scenario(NODE));
  assert.deepStrictEqual(lite, node, message);
  return node;
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const reader = stream.getReader();
  const out: number[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.push(...value);
  }
  reader.releaseLock();
  return out;
}

test('the classes under test are ours, not the globals', () => {
  assert.notEqual(LiteHeaders, globalThis.Headers);
  assert.notEqual(LiteResponse, globalThis.Response);
  assert.notEqual(LiteRequest, globalThis.Request);
  assert.equal(new LiteResponse('x') instanceof globalThis.Response, false);
  assert.equal(new LiteRequest('http://a/') instanceof globalThis.Request, false);
  assert.equal(new LiteHeaders() instanceof globalThis.Headers, false);
});

// ---------------------------------------------------------------------------------------------
// Headers

const VALID_NAMES = ['content-type', 'Content-Type', 'CONTENT-TYPE', 'x-a', 'X-A', 'x-B', 'accept', 'a', 'A', "!#$%&'*+-.^_`|~", 'x1'];
const COOKIE_NAMES = ['set-cookie', 'Set-Cookie', 'SET-COOKIE'];
const INVALID_NAMES = ['a b', 'a:b', '', 'é', 'ā', '😀', 'a\n', ' a', '(x)', 'a/b', 'a"b', 'a\0'];
const nameArb = fc.oneof(
  fc.constantFrom(...VALID_NAMES),
  fc.constantFrom(...COOKIE_NAMES),
  fc.constantFrom(...INVALID_NAMES),
  fc.string({ unit: fc.constantFrom('a', 'B', '-', ' ', ':', 'é', 'ā', '\n'), maxLength: 4 }),
);
const valueArb = fc.oneof(
  fc.constantFrom('', 'v', ' v ', '\tv\t', 'v\r\n', '\r\n v', 'a\nb', 'a\rb', 'a\0b', '\0', 'é', '\x80\xff', 'ā', '😀'),
  fc.constantFrom('a, b', ' \t\r\n ', 'x=1; Path=/', 'a\u000bb', 'text/html; charset=utf-8', null, undefined, true),
  fc.integer({ min: -5, max: 1000 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\r', '\n', '\0', 'é', '\xff', 'ā', ','), maxLength: 6 }),
);
const pairsArb = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 6 });

type HeadersInitSpec =
  | { kind: 'undefined' | 'null' | 'string' | 'number' | 'triple' | 'single' | 'stringPairs' | 'emptyArray' }
  | { kind: 'record' | 'pairs' | 'headers' | 'nodeHeaders' | 'iterable'; entries: [unknown, unknown][] };

const headersInitArb: fc.Arbitrary<HeadersInitSpec> = fc.oneof(
  fc.constantFrom(
    { kind: 'undefined' } as const,
    { kind: 'null' } as const,
    { kind: 'string' } as const,
    { kind: 'number' } as const,
    { kind: 'triple' } as const,
    { kind: 'single' } as const,
    { kind: 'stringPairs' } as const,
    { kind: 'emptyArray' } as const,
  ),
  fc.record({ kind: fc.constantFrom('record', 'pairs', 'headers', 'nodeHeaders', 'iterable') as fc.Arbitrary<'record'>, entries: pairsArb }),
);

/** The init a spec stands for, for one side: `headers` is that side's own Headers class. */
function buildHeadersInit(spec: HeadersInitSpec, api: Api): unknown {
  switch (spec.kind) {
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'string':
      return 'content-type: text/plain';
    case 'number':
      return 5;
    case 'triple':
      return [['a', 'b', 'c']];
    case 'single':
      return [['a']];
    case 'stringPairs':
      return ['ab', 'cd'];
    case 'emptyArray':
      return [];
    case 'record':
      return Object.fromEntries(spec.entries.map(([n, v]) => [String(n), v]));
    case 'pairs':
      return spec.entries.map(([n, v]) => [n, v]);
    case 'headers':
      return new api.Headers(spec.entries.map(([n, v]) => [n, v]));
    case 'nodeHeaders':
      // One of Node's Headers given to either side (ours must read it through its iterator).
      return new globalThis.Headers(spec.entries.map(([n, v]) => [n, v]) as [string, string][]);
    case 'iterable':
      // A one-shot iterable (a generator), not an array.
      return (function* () {
        for (const [n, v] of spec.entries) yield [n, v];
      })();
  }
}

type HeadersOp =
  | { op: 'append' | 'set' | 'forEachMutating' | 'iterateMutating'; name: unknown; value: unknown }
  | { op: 'delete' | 'get' | 'has'; name: unknown }
  | { op: 'getSetCookie' | 'entries' | 'keys' | 'values' | 'forEach' | 'spread' };

const headersOpArb: fc.Arbitrary<HeadersOp> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom('append', 'set') as fc.Arbitrary<'append'>, name: nameArb, value: valueArb }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constantFrom('delete', 'get', 'has') as fc.Arbitrary<'get'>, name: nameArb }), weight: 4 },
  {
    arbitrary: fc.record({ op: fc.constantFrom('getSetCookie', 'entries', 'keys', 'values', 'forEach', 'spread') as fc.Arbitrary<'spread'> }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constantFrom('forEachMutating', 'iterateMutating') as fc.Arbitrary<'forEachMutating'>, name: nameArb, value: valueArb }),
    weight: 1,
  },
);

function applyHeadersOp(h: any, o: HeadersOp): unknown {
  switch (o.op) {
    case 'append':
      return h.append(o.name, o.value);
    case 'set':
      return h.set(o.name, o.value);
    case 'delete':
      return h.delete(o.name);
    case 'get':
      return h.get(o.name);
    case 'has':
      return h.has(o.name);
    case 'getSetCookie':
      return h.getSetCookie();
    case 'entries':
      return [...h.entries()];
    case 'keys':
      return [...h.keys()];
    case 'values':
      return [...h.values()];
    case 'spread':
      return [...h];
    case 'forEach': {
      const out: unknown[] = [];
      const self = {};
      h.forEach(function (this: unknown, value: string, name: string, headers: unknown) {
        out.push([name, value, headers === h, this === self]);
      }, self);
      return out;
    }
    case 'forEachMutating': {
      // Iteration is live (WebIDL): a header set during forEach is seen if it sorts later.
      const out: unknown[] = [];
      h.forEach((value: string, name: string) => {
        out.push([name, value]);
        if (out.length === 1) h.set(o.name, o.value);
      });
      return out;
    }
    case 'iterateMutating': {
      const it = h.entries();
      const first = it.next();
      const changed = attempt(() => h.append(o.name, o.value));
      return [first, changed, [...it]];
    }
  }
}

function headersState(h: any): unknown {
  const forEach: unknown[] = [];
  h.forEach((value: string, name: string) => forEach.push([name, value]));
  return {
    spread: [...h],
    entries: [...h.entries()],
    keys: [...h.keys()],
    values: [...h.values()],
    forEach,
    getSetCookie: h.getSetCookie(),
    tag: Object.prototype.toString.call(h),
  };
}

test('Headers: random operation sequences match Node', () => {
  let built = 0;
  let threwOps = 0;
  fc.assert(
    fc.property(headersInitArb, fc.array(headersOpArb, { maxLength: 14 }), (init, ops) => {
      const made = { lite: attempt(() => new LiteHeaders(buildHeadersInit(init, LITE))), node: attempt(() => new globalThis.Headers(buildHeadersInit(init, NODE) as any)) };
      assert.deepStrictEqual('threw' in made.lite ? made.lite : 'built', 'threw' in made.node ? made.node : 'built', 'construction');
      if ('threw' in made.node || 'threw' in made.lite) return;
      built++;
      const lite = made.lite.value;
      const node = made.node.value;
      ops.forEach((o, i) => {
        const a = attempt(() => applyHeadersOp(lite, o));
        const b = attempt(() => applyHeadersOp(node, o));
        if ('threw' in b) threwOps++;
        assert.deepStrictEqual(a, b, `op ${i}: ${JSON.stringify(o)}`);
      });
      assert.deepStrictEqual(headersState(lite), headersState(node), 'final state');
    }),
    params(),
  );
  // The generators reach both sides of the checks.
  assert.ok(built > 100, `only ${built} inits constructed`);
  assert.ok(threwOps > 100, `only ${threwOps} operations threw`);
});

test('Headers: init kinds and odd inputs, one by one', async () => {
  const cases: [string, (api: Api) => unknown][] = [
    ['from our own kind', (api) => [...new api.Headers(new api.Headers([['B', '2'], ['a', '1'], ['set-cookie', 'x'], ['set-cookie', 'y']]))]],
    ['a copy is independent', (api) => {
      const a = new api.Headers({ a: '1' });
      const b = new api.Headers(a);
      b.append('a', '2');
      return [[...a], [...b]];
    }],
    ['a copy reads the joined values (normalized again), a clone copies them as they are', (api) => {
      const a = new api.Headers([['x-e', 'a'], ['X-E', ''], ['x-f', ''], ['x-f', '']]);
      const copy = new api.Headers(a);
      const clone = new api.Response(null, { headers: a }).clone().headers;
      const fromResponse = new api.Response('x', { headers: [['x-e', 'a'], ['x-e', '']] }).clone().headers;
      const q = new api.Request('http://a/', { headers: [['x-e', 'a'], ['x-e', '']] });
      const fromRequest = new api.Request(q).headers;
      const fromRequestWithInit = new api.Request(q, { method: 'POST' }).headers;
      for (const h of [a, copy, clone, fromResponse, fromRequest, fromRequestWithInit, q.clone().headers]) h.append('x-e', 'b');
      return [[...a], [...copy], [...clone], [...fromResponse], [...fromRequest], [...fromRequestWithInit], [...q.clone().headers]];
    }],
    ['record with duplicate names in two cases', (api) => [...new api.Headers({ a: '1', A: '2' })]],
    ['record with a symbol key', (api) => [...new api.Headers({ [Symbol('s')]: 'x' })]],
    ['pairs of non-strings', (api) => [...new api.Headers([[1, 2], [true, null]])]],
    ['pair that is a Set', (api) => [...new api.Headers([new Set(['a', 'b'])])]],
    ['a Map', (api) => [...new api.Headers(new Map([['a', '1'], ['b', '2']]))]],
    ['iterator that is not a function', (api) => [...new api.Headers({ [Symbol.iterator]: 5 })]],
    ['value object with toString', (api) => new api.Headers({ a: { toString: () => ' v ' } }).get('a')],
    ['symbol name', (api) => new api.Headers().get(Symbol('x'))],
    ['symbol value', (api) => new api.Headers().set('a', Symbol('x'))],
    ['get joins with comma-space, set-cookie too', (api) => {
      const h = new api.Headers([['a', '1'], ['A', '2'], ['set-cookie', 'x=1'], ['Set-Cookie', 'y=2']]);
      return [h.get('a'), h.get('set-cookie'), h.getSetCookie(), [...h]];
    }],
    ['getSetCookie returns a copy', (api) => {
      const h = new api.Headers([['set-cookie', 'x=1']]);
      h.getSetCookie().push('z');
      return h.getSetCookie();
    }],
    ['forEach without a function', (api) => new api.Headers().forEach(5)],
    ['Symbol.toStringTag', (api) => Object.prototype.toString.call(new api.Headers())],
    ['iterator entries are fresh arrays', (api) => {
      const h = new api.Headers({ a: '1' });
      const [entry] = [...h];
      entry[1] = 'changed';
      return [...h];
    }],
  ];
  for (const [name, scenario] of cases) await same(scenario, name);
});

test('Headers: the intentional differences are still there', () => {
  // A non-enumerable own property: undici reads it, we (and WebIDL) do not.
  const init = () => Object.defineProperty({ a: '1' }, 'x', { value: '2', enumerable: false });
  assert.deepStrictEqual([...new LiteHeaders(init())], [['a', '1']]);
  assert.deepStrictEqual([...new globalThis.Headers(init())], [['a', '1'], ['x', '2']]);
  // An own `__proto__` key: undici drops it, we keep it.
  assert.deepStrictEqual([...new LiteHeaders({ ['__proto__']: 'x' })], [['__proto__', 'x']]);
  assert.deepStrictEqual([...new globalThis.Headers({ ['__proto__']: 'x' })], []);
  // No argument-count checks.
  assert.throws(() => (new globalThis.Headers() as any).append('a'), TypeError);
  const h = new LiteHeaders();
  (h as any).append('a');
  assert.equal(h.get('a'), 'undefined');
});

// ---------------------------------------------------------------------------------------------
// Bodies, shared by Response and Request

type BodySpec =
  | { kind: 'null' | 'undefined' | 'u8' | 'buffer' | 'dataview' | 'subarray' | 'arraybuffer' | 'number' | 'object' | 'array' | 'bool' | 'symbol' }
  | { kind: 'string' | 'usp'; text: string };

const textArb = fc.oneof(
  fc.constantFrom('', 'hello', 'héllo wörld ✓ 😀', '\ufeffbom', '\ufeff{"a":1}', '\ud800lone', '{"a":1}', '[1,2', 'a=1&b=%20&c&d=é', 'null', '  42 '),
  fc.json(),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const bodyArb: fc.Arbitrary<BodySpec> = fc.oneof(
  fc.constantFrom(
    ...(['null', 'undefined', 'u8', 'buffer', 'dataview', 'subarray', 'arraybuffer', 'number', 'object', 'array', 'bool', 'symbol'] as const).map(
      (kind) => ({ kind }) as BodySpec,
    ),
  ),
  fc.record({ kind: fc.constant('string' as const), text: textArb }),
  fc.record({ kind: fc.constant('usp' as const), text: textArb }),
);

const BYTES = [0x68, 0xc3, 0xa9, 0x00, 0xff, 0x7b, 0x7d, 0x0a];

/** A fresh body value for one side. */
function makeBody(spec: BodySpec): unknown {
  switch (spec.kind) {
    case 'null':
      return null;
    case 'undefined':
      return undefined;
    case 'string':
      return spec.text;
    case 'usp':
      return new URLSearchParams(spec.text);
    case 'u8':
      return new Uint8Array(BYTES);
    case 'buffer':
      return Buffer.from('buffer body ✓');
    case 'dataview':
      return new DataView(new Uint8Array(BYTES).buffer, 2, 4);
    case 'subarray':
      return new Uint8Array(BYTES).subarray(1, 6);
    case 'arraybuffer':
      return new Uint8Array(BYTES).buffer;
    case 'number':
      return 42.5;
    case 'object':
      return { a: 1 };
    case 'array':
      return [1, 'two'];
    case 'bool':
      return true;
    case 'symbol':
      return Symbol('body');
  }
}

type ReadKind = 'text' | 'arrayBuffer' | 'bytes' | 'json' | 'blob' | 'formData';
const readKindArb = fc.oneof(
  { arbitrary: fc.constantFrom<ReadKind>('text', 'arrayBuffer', 'bytes', 'json', 'blob'), weight: 6 },
  { arbitrary: fc.constant<ReadKind>('formData'), weight: 1 },
);

async function describeFormData(f: FormData): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, value] of f) {
    if (typeof value === 'string') out.push([name, 'string', value]);
    else out.push([name, 'file', value.name, value.type, await value.text()]);
  }
  return out;
}

/** Reads a body one way; the result in a form deepStrictEqual compares across the two sides. */
async function read(holder: any, how: ReadKind): Promise<unknown> {
  switch (how) {
    case 'text':
      return ['text', await holder.text()];
    case 'arrayBuffer': {
      const ab = await holder.arrayBuffer();
      return ['arrayBuffer', ab instanceof ArrayBuffer, Array.from(new Uint8Array(ab))];
    }
    case 'bytes': {
      const u8 = await holder.bytes();
      return ['bytes', u8 instanceof Uint8Array, Array.from(u8)];
    }
    case 'json':
      return ['json', await holder.json()];
    case 'blob': {
      const blob = await holder.blob();
      return ['blob', blob instanceof Blob, blob.type, blob.size, Array.from(new Uint8Array(await blob.arrayBuffer()))];
    }
    case 'formData':
      return ['formData', await describeFormData(await holder.formData())];
  }
}

// Before the reads: nothing, a clone (read too), a look at `body`, a reader that locks it,
// reading the whole `body` stream, or cancelling it.
type Pre = 'none' | 'clone' | 'access' | 'lock' | 'readStream' | 'cancel';
const preArb = fc.constantFrom<Pre>('none', 'clone', 'access', 'lock', 'readStream', 'cancel');
interface ReadPlan {
  pre: Pre;
  first: ReadKind;
  second: ReadKind;
}
const readPlanArb: fc.Arbitrary<ReadPlan> = fc.record({ pre: preArb, first: readKindArb, second: readKindArb });

/** Runs a read plan on a Response or Request and records what is seen. */
async function exercise(holder: any, plan: ReadPlan, describe: (h: any) => unknown): Promise<unknown[]> {
  const log: unknown[] = [describe(holder), { bodyUsed: holder.bodyUsed }];
  switch (plan.pre) {
    case 'clone': {
      const copy = attempt(() => holder.clone());
      if ('threw' in copy) log.push(copy);
      else {
        log.push(describe(copy.value), await attemptAsync(() => read(copy.value, plan.first)), copy.value.bodyUsed);
      }
      break;
    }
    case 'access':
      log.push({ bodyIsNull: holder.body === null, locked: holder.body?.locked, bodyUsed: holder.bodyUsed });
      break;
    case 'lock':
      if (holder.body) holder.body.getReader();
      log.push({ bodyUsed: holder.bodyUsed, clone: attempt(() => holder.clone() && 'cloned') });
      break;
    case 'readStream':
      if (holder.body) log.push(await readStream(holder.body));
      log.push({ bodyUsed: holder.bodyUsed });
      break;
    case 'cancel':
      if (holder.body) await holder.body.cancel();
      log.push({ bodyUsed: holder.bodyUsed });
      break;
  }
  log.push(await attemptAsync(() => read(holder, plan.first)), { bodyUsed: holder.bodyUsed });
  log.push(await attemptAsync(() => read(holder, plan.second)), { bodyUsed: holder.bodyUsed });
  const copy = attempt(() => holder.clone());
  log.push('threw' in copy ? copy : ['clone after reads', describe(copy.value), await attemptAsync(() => read(copy.value, 'text'))]);
  log.push({ bodyIsNull: holder.body === null, locked: holder.body?.locked, bodyUsed: holder.bodyUsed });
  return log;
}

// ---------------------------------------------------------------------------------------------
// Response

const STATUSES = [undefined, 200, 201, 299, 0, 100, 101, 199, 204, 205, 304, 404, 599, 600, 200.7, '201', ' 202 ', NaN, null, true, 65736, -65336, Infinity, 1e10, 'abc'];
const STATUS_TEXTS = [undefined, '', 'OK', 'Not Found', 'a\r\nb', 'a\nb', '\t', 'é\xff', '\x7f', 'ā', '😀', 42, null];
const RESPONSE_HEADER_PAIRS: [unknown, unknown][][] = [
  [['content-type', 'application/json']],
  [['Content-Type', 'text/html; charset=utf-8']],
  [['content-type', 'Text/HTML;Charset=UTF-8']],
  [['content-type', 'text/html ; charset = "utf-8"']],
  [['content-type', 'garbage']],
  [['content-type', 'a/b'], ['content-type', 'c/d']],
  [['content-type', 'application/x-www-form-urlencoded']],
  [['content-type', 'multipart/form-data; boundary=XyZ']],
  [['x-a', '1'], ['set-cookie', 'a=1'], ['Set-Cookie', 'b=2']],
  [['x-e', 'a'], ['X-E', ''], ['set-cookie', ''], ['set-cookie', 'b=2']],
  [['content-type', 'é']],
];
const responseHeadersArb: fc.Arbitrary<HeadersInitSpec> = fc.oneof(
  { arbitrary: headersInitArb, weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constantFrom('record', 'pairs', 'headers', 'nodeHeaders') as fc.Arbitrary<'record'>, entries: fc.constantFrom(...RESPONSE_HEADER_PAIRS) }),
    weight: 3,
  },
);

type InitSpec = { kind: 'absent' | 'undefined' | 'null' | 'string' | 'number' } | { kind: 'dict'; status?: unknown; statusText?: unknown; headers?: HeadersInitSpec };
const responseInitArb: fc.Arbitrary<InitSpec> = fc.oneof(
  { arbitrary: fc.constantFrom({ kind: 'absent' } as const, { kind: 'undefined' } as const, { kind: 'null' } as const, { kind: 'string' } as const, { kind: 'number' } as const), weight: 1 },
  {
    arbitrary: fc.record(
      { kind: fc.constant('dict' as const), status: fc.constantFrom(...STATUSES), statusText: fc.constantFrom(...STATUS_TEXTS), headers: responseHeadersArb },
      { requiredKeys: ['kind'] },
    ),
    weight: 6,
  },
);

/** The init arguments a spec stands for (an empty list for an absent init). */
function buildInit(spec: InitSpec, api: Api): unknown[] {
  switch (spec.kind) {
    case 'absent':
      return [];
    case 'undefined':
      return [undefined];
    case 'null':
      return [null];
    case 'string':
      return ['init'];
    case 'number':
      return [1];
    case 'dict': {
      const init: Record<string, unknown> = {};
      if ('status' in spec) init.status = spec.status;
      if ('statusText' in spec) init.statusText = spec.statusText;
      if (spec.headers) init.headers = buildHeadersInit(spec.headers, api);
      return [init];
    }
  }
}

function describeResponse(r: any): unknown {
  return {
    status: r.status,
    statusText: r.statusText,
    ok: r.ok,
    type: r.type,
    url: r.url,
    redirected: r.redirected,
    headers: [...r.headers],
    tag: Object.prototype.toString.call(r),
  };
}

test('Response: construction and reading match Node', async () => {
  const seen = { built: 0, rangeError: 0, typeError: 0 };
  await fc.assert(
    fc.asyncProperty(bodyArb, responseInitArb, readPlanArb, async (body, init, plan) => {
      const run = async (api: Api) => {
        const made = attempt(() => new api.Response(makeBody(body), ...buildInit(init, api)));
        if ('threw' in made) return [made];
        return exercise(made.value, plan, describeResponse);
      };
      const lite = await run(LITE);
      const node = await run(NODE);
      assert.deepStrictEqual(lite, node);
      const first = node[0] as Outcome;
      if ('threw' in first) seen[first.threw === 'RangeError' ? 'rangeError' : 'typeError']++;
      else seen.built++;
    }),
    params(),
  );
  assert.ok(seen.built > RUNS / 4 && seen.rangeError > 5 && seen.typeError > 5, JSON.stringify(seen));
});

test('Response: table of bodies and inits', async () => {
  const bodies: BodySpec[] = [
    { kind: 'null' },
    { kind: 'undefined' },
    { kind: 'string', text: 'héllo ✓' },
    { kind: 'string', text: '' },
    { kind: 'u8' },
    { kind: 'buffer' },
    { kind: 'dataview' },
    { kind: 'subarray' },
    { kind: 'arraybuffer' },
    { kind: 'usp', text: 'a=1&b=é' },
    { kind: 'number' },
    { kind: 'object' },
  ];
  const inits: InitSpec[] = [
    { kind: 'absent' },
    ...STATUSES.map((status) => ({ kind: 'dict' as const, status })),
    ...STATUS_TEXTS.map((statusText) => ({ kind: 'dict' as const, statusText })),
    ...RESPONSE_HEADER_PAIRS.map((entries) => ({ kind: 'dict' as const, headers: { kind: 'headers' as const, entries } })),
    { kind: 'dict', status: 600, statusText: 'ā' },
    { kind: 'dict', status: 600, statusText: 'a\nb' },
    { kind: 'dict', status: 600, headers: { kind: 'null' } },
    { kind: 'dict', status: 600, headers: { kind: 'triple' } },
    { kind: 'dict', status: 600, headers: { kind: 'record', entries: [['ā', 'x']] } },
    { kind: 'dict', status: 600, headers: { kind: 'record', entries: [['a b', 'x']] } },
    { kind: 'dict', status: 204, headers: { kind: 'record', entries: [['a b', 'x']] } },
    { kind: 'dict', statusText: 'a\nb', headers: { kind: 'record', entries: [['ā', 'x']] } },
  ];
  for (const body of bodies) {
    for (const init of inits) {
      await same(async (api) => {
        const made = attempt(() => new api.Response(makeBody(body), ...buildInit(init, api)));
        if ('threw' in made) return [made];
        return exercise(made.value, { pre: 'none', first: 'text', second: 'arrayBuffer' }, describeResponse);
      }, `${JSON.stringify(body)} ${JSON.stringify(init)}`);
    }
  }
});

const jsonDataArb = fc.oneof(
  { arbitrary: fc.jsonValue(), weight: 4 },
  {
    arbitrary: fc.constantFrom<() => unknown>(
      () => undefined,
      () => () => 1,
      () => Symbol('s'),
      () => 10n,
      () => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      },
      () => ({ toJSON: () => 'x' }),
      () => new Date(0),
      () => NaN,
      () => 'é\ud800',
    ).map((f) => ({ make: f })),
    weight: 1,
  },
);

test('Response.json matches Node', async () => {
  await fc.assert(
    fc.asyncProperty(jsonDataArb, responseInitArb, fc.constantFrom<ReadKind>('text', 'json', 'blob'), async (data, init, how) => {
      // Response.json(data, null) is a known undici bug (below); a null init is left out here.
      fc.pre(init.kind !== 'null');
      const value = () => (data !== null && typeof data === 'object' && 'make' in data && typeof data.make === 'function' ? data.make() : data);
      await same(async (api) => {
        const made = attempt(() => api.Response.json(value(), ...buildInit(init, api)));
        if ('threw' in made) return [made];
        const r: any = made.value;
        return [describeResponse(r), r.bodyUsed, await attemptAsync(() => read(r, how)), r.bodyUsed, attempt(() => r.headers.set('x', '1'))];
      });
    }),
    params(),
  );
  // A content-type in a one-shot iterable init is kept (it was replaced before the fix).
  await same((api) => [
    ...api.Response.json({ a: 1 }, { headers: (function* () {
      yield ['Content-Type', 'application/problem+json'];
    })() }).headers,
  ]);
});

test('Response.json(data, null): undici throws, we take null as {} (WebIDL)', async () => {
  assert.throws(() => globalThis.Response.json(1, null as any), TypeError);
  const res = LiteResponse.json(1, null);
  assert.deepStrictEqual([res.status, [...res.headers], await res.text()], [200, [['content-type', 'application/json']], '1']);
});

test('Response.redirect and Response.error match Node', async () => {
  const urls = ['http://a.com/x', 'https://a/b?c=d#e', 'HTTP://A.COM:80/p q/ü', '/relative', 'garbage', '', 'http://u:p@h/', () => new URL('http://url.object/')];
  const statuses = [[], [undefined], [301], [302], [303], [307], [308], [300], [304], [200], ['301'], [301.9], [NaN], [65837], [null]];
  for (const url of urls) {
    for (const status of statuses) {
      await same(async (api) => {
        const made = attempt(() => api.Response.redirect(typeof url === 'function' ? url() : url, ...status));
        if ('threw' in made) return [made];
        const r: any = made.value;
        return [
          describeResponse(r),
          r.body === null,
          attempt(() => r.headers.set('x', '1')),
          attempt(() => r.headers.append('x', '1')),
          attempt(() => r.headers.delete('location')),
          attempt(() => r.headers.delete('a b')),
          attempt(() => r.clone().headers.set('x', '1')),
          [...r.headers],
          await attemptAsync(() => r.text()),
          r.bodyUsed,
          // Copying into a new Response (what Hono and setResponseHeader do) gives headers that can change.
          attempt(() => {
            const copy = new api.Response(r.body, r);
            copy.headers.set('x', '1');
            return [copy.status, [...copy.headers]];
          }),
        ];
      }, `redirect(${String(url)}, ${String(status)})`);
    }
  }
  await same(async (api) => {
    const r = api.Response.error();
    return [
      describeResponse(r),
      r.body === null,
      attempt(() => r.headers.set('x', '1')),
      attempt(() => r.clone().headers.append('x', '1')),
      describeResponse(r.clone()),
      await r.text(),
      await r.text(),
      r.bodyUsed,
    ];
  });
});

// ---------------------------------------------------------------------------------------------
// Request

const URLS = [
  'http://example.com/a/b?c=d&e=%20f#frag',
  'https://EXAMPLE.com:443/p/../q?x=ü y',
  'http://example.com:8080',
  'http://[::1]:3000/x',
  'http://a/%zz|{}`^',
  'http://a/\ud800',
  '/x',
  'x',
  'garbage',
  '',
  'http://u:p@a/',
  'http://u@a/',
  'data:text/plain,hi',
  'file:///etc/hosts',
];
const METHODS = [undefined, 'get', 'Get', 'GET', 'POST', 'post', 'patch', 'PATCH', 'put', 'delete', 'options', 'head', 'HEAD', 'PROPFIND', 'custom-Token', 'CONNECT', 'connect', 'trace', 'track', 'bad method', '', 'é', 'ā', null];

type UrlSpec = { kind: 'string'; url: string } | { kind: 'URL' };
const urlArb: fc.Arbitrary<UrlSpec> = fc.oneof(
  { arbitrary: fc.constantFrom(...URLS).map((url) => ({ kind: 'string' as const, url })), weight: 6 },
  { arbitrary: fc.constant({ kind: 'URL' as const }), weight: 1 },
);
const makeUrl = (spec: UrlSpec): unknown => (spec.kind === 'URL' ? new URL('http://url.object/p?q=1') : spec.url);

interface RequestInitSpec {
  method?: unknown;
  headers?: HeadersInitSpec;
  body?: BodySpec;
}
const requestInitArb: fc.Arbitrary<RequestInitSpec | undefined> = fc.option(
  fc.record({ method: fc.constantFrom(...METHODS), headers: responseHeadersArb, body: bodyArb }, { requiredKeys: [] }),
  { nil: undefined, freq: 6 },
);

function buildRequestInit(spec: RequestInitSpec | undefined, api: Api): unknown[] {
  if (spec === undefined) return [];
  const init: Record<string, unknown> = {};
  if ('method' in spec) init.method = spec.method;
  if (spec.headers) init.headers = buildHeadersInit(spec.headers, api);
  if (spec.body) init.body = makeBody(spec.body);
  return [init];
}

function describeRequest(r: any): unknown {
  return {
    url: r.url,
    method: r.method,
    headers: [...r.headers],
    cache: r.cache,
    credentials: r.credentials,
    mode: r.mode,
    redirect: r.redirect,
    referrer: r.referrer,
    referrerPolicy: r.referrerPolicy,
    keepalive: r.keepalive,
    integrity: r.integrity,
    destination: r.destination,
    duplex: r.duplex,
    signal: r.signal instanceof AbortSignal && !r.signal.aborted,
    tag: Object.prototype.toString.call(r),
  };
}

test('Request: construction and reading match Node', async () => {
  const seen = { built: 0, threw: 0, withBody: 0 };
  await fc.assert(
    fc.asyncProperty(urlArb, requestInitArb, readPlanArb, async (url, init, plan) => {
      const run = async (api: Api) => {
        const made = attempt(() => new api.Request(makeUrl(url), ...buildRequestInit(init, api)));
        if ('threw' in made) return [made];
        return exercise(made.value, plan, describeRequest);
      };
      const lite = await run(LITE);
      const node = await run(NODE);
      assert.deepStrictEqual(lite, node);
      if ('threw' in (node[0] as Outcome)) seen.threw++;
      else {
        seen.built++;
        if (init?.body && !['null', 'undefined'].includes(init.body.kind)) seen.withBody++;
      }
    }),
    params(),
  );
  assert.ok(seen.built > RUNS / 5 && seen.threw > 10 && seen.withBody > 10, JSON.stringify(seen));
});

test('Request: table of urls, methods and bodies', async () => {
  const bodies: (BodySpec | undefined)[] = [undefined, { kind: 'null' }, { kind: 'string', text: 'x' }, { kind: 'string', text: '' }, { kind: 'usp', text: 'a=1' }, { kind: 'u8' }];
  for (const url of [...URLS, 'URL object']) {
    for (const method of METHODS) {
      for (const body of bodies) {
        const init: RequestInitSpec = { method };
        if (body) init.body = body;
        await same(async (api) => {
          const made = attempt(() => new api.Request(url === 'URL object' ? new URL('http://url.object/') : url, ...buildRequestInit(init, api)));
          if ('threw' in made) return [made];
          const r: any = made.value;
          return [describeRequest(r), r.bodyUsed, await r.text(), r.bodyUsed];
        }, `${url} ${String(method)} ${JSON.stringify(body)}`);
      }
    }
  }
});

// A Request built from another one (`new Request(request, init)`), possibly twice.
interface FromSpec {
  first: { method: string; body?: BodySpec; headers?: HeadersInitSpec };
  pre: 'none' | 'text' | 'access' | 'lock';
  second?: RequestInitSpec;
}
const fromArb: fc.Arbitrary<FromSpec> = fc.record(
  {
    first: fc.record(
      { method: fc.constantFrom('POST', 'put', 'patch', 'GET', 'DELETE'), body: bodyArb, headers: responseHeadersArb },
      { requiredKeys: ['method'] },
    ),
    pre: fc.constantFrom('none', 'text', 'access', 'lock'),
    second: fc.option(
      fc.record(
        {
          method: fc.constantFrom(undefined, 'GET', 'head', 'POST', 'patch', 'bad method'),
          headers: responseHeadersArb,
          body: fc.oneof({ arbitrary: fc.constant<BodySpec>({ kind: 'null' }), weight: 2 }, { arbitrary: bodyArb, weight: 1 }),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
  },
  { requiredKeys: ['first', 'pre'] },
);

test('Request built from a Request matches Node', async () => {
  const seen = { moved: 0 };
  await fc.assert(
    fc.asyncProperty(fromArb, async (spec) => {
      const run = async (api: Api) => {
        const made = attempt(() => new api.Request('http://example.com/first', ...buildRequestInit(spec.first, api)));
        if ('threw' in made) return [made];
        const first: any = made.value;
        const log: unknown[] = [describeRequest(first)];
        if (spec.pre === 'text') log.push(await first.text());
        if (spec.pre === 'access') log.push(first.body === null);
        if (spec.pre === 'lock') first.body?.getReader();
        log.push(first.bodyUsed);
        const second = attempt(() => new api.Request(first, ...buildRequestInit(spec.second, api)));
        log.push('threw' in second ? second : describeRequest(second.value));
        log.push({ firstUsed: first.bodyUsed, firstBodyNull: first.body === null, firstLocked: first.body?.locked });
        log.push(await attemptAsync(() => first.text()));
        // The body has moved: building from the first one again throws if it had one.
        log.push(attempt(() => describeRequest(new api.Request(first))));
        if (!('threw' in second)) {
          const r: any = second.value;
          log.push(r.bodyUsed, attempt(() => r.clone() && 'cloned'), await attemptAsync(() => r.text()), r.bodyUsed);
        }
        return log;
      };
      const lite = await run(LITE);
      const node = await run(NODE);
      assert.deepStrictEqual(lite, node);
      if (node.length > 3 && (node[3] as any).firstUsed) seen.moved++;
    }),
    params(),
  );
  assert.ok(seen.moved > 10, JSON.stringify(seen));
});

test('Request: init members we do not keep read as Node defaults', () => {
  const init = { mode: 'no-cors', redirect: 'manual', cache: 'no-store', credentials: 'omit', referrer: '', keepalive: true, integrity: 'x' } as const;
  const node = new globalThis.Request('http://a/', init);
  const lite = new LiteRequest('http://a/', init);
  assert.deepStrictEqual([node.mode, node.redirect, node.cache, node.credentials, node.referrer, node.keepalive, node.integrity], ['no-cors', 'manual', 'no-store', 'omit', '', true, 'x']);
  assert.deepStrictEqual([lite.mode, lite.redirect, lite.cache, lite.credentials, lite.referrer, lite.keepalive, lite.integrity], ['cors', 'follow', 'default', 'same-origin', 'about:client', false, '']);
  assert.throws(() => new globalThis.Request('http://a/', { signal: {} as AbortSignal }), TypeError);
  assert.doesNotThrow(() => new LiteRequest('http://a/', { signal: {} }));
});

// ---------------------------------------------------------------------------------------------
// The body stream

test('body stream: table of scenarios', async () => {
  const bodies = ['héllo ✓', ''];
  const scenarios: [string, (api: Api, text: string) => unknown][] = [
    ['read with a reader', async (api, text) => {
      const r = new api.Response(text, { status: 201 });
      const stream = r.body;
      const log: unknown[] = [r.bodyUsed, stream === r.body, stream.locked];
      const reader = stream.getReader();
      log.push(r.bodyUsed, stream.locked, attempt(() => r.clone() && 'cloned'), await attemptAsync(() => r.text()));
      const chunks: number[] = [];
      for (let c = await reader.read(); !c.done; c = await reader.read()) chunks.push(...c.value);
      log.push(chunks, r.bodyUsed, await attemptAsync(() => r.arrayBuffer()));
      reader.releaseLock();
      log.push(stream.locked, await attemptAsync(() => r.text()), attempt(() => new api.Response(stream)));
      return log;
    }],
    ['an unread stream leaves the body unused', async (api, text) => {
      const r = new api.Response(text);
      const stream = r.body;
      const log: unknown[] = [r.bodyUsed, stream.locked, await r.text(), r.bodyUsed, stream.locked, r.body === stream];
      log.push(attempt(() => stream.getReader()), attempt(() => new api.Response(stream)));
      return log;
    }],
    ['body after text() is locked', async (api, text) => {
      const r = new api.Response(text);
      await r.text();
      return [r.body === null, r.body.locked, attempt(() => r.body.getReader()), attempt(() => new api.Response(r.body))];
    }],
    ['cancel uses the body', async (api, text) => {
      const r = new api.Response(text);
      await r.body.cancel();
      return [r.bodyUsed, await attemptAsync(() => r.text()), attempt(() => r.clone())];
    }],
    ['new Response(res.body, res) copies and shares the body', async (api, text) => {
      const a = new api.Response(text, { status: 202, statusText: 'Acc', headers: { 'x-a': '1', 'set-cookie': 'c=1' } });
      const b = new api.Response(a.body, a);
      const log: unknown[] = [describeResponse(b), b.body === a.body, a.bodyUsed, b.bodyUsed];
      b.headers.set('x-b', '2');
      log.push([...a.headers], await b.text(), a.bodyUsed, b.bodyUsed, await attemptAsync(() => a.text()), attempt(() => new api.Response(a.body, a)));
      return log;
    }],
    ['the first response read after the copy', async (api, text) => {
      const a = new api.Response(text);
      const b = new api.Response(a.body, a);
      return [await a.text(), a.bodyUsed, b.bodyUsed, await attemptAsync(() => b.text()), attempt(() => b.clone())];
    }],
    ['a copied stream read through the copy', async (api, text) => {
      const a = new api.Response(text);
      const b = new api.Response(a.body);
      return [await readStream(b.body), a.bodyUsed, b.bodyUsed, await attemptAsync(() => a.text())];
    }],
    ['a response body as a request body', async (api, text) => {
      const res = new api.Response(text);
      const noDuplex = attempt(() => new api.Request('http://a/', { method: 'POST', body: res.body }));
      const req = new api.Request('http://a/', { method: 'POST', body: res.body, duplex: 'half' });
      return [noDuplex, res.bodyUsed, describeRequest(req), await req.text(), res.bodyUsed, req.bodyUsed];
    }],
    ['a request body stream', async (api, text) => {
      const q = new api.Request('http://a/', { method: 'POST', body: text });
      const stream = q.body;
      return [q.bodyUsed, await readStream(stream), q.bodyUsed, await attemptAsync(() => q.text())];
    }],
    ['a clone has its own body', async (api, text) => {
      const a = new api.Response(text);
      const b = a.clone();
      return [await a.text(), a.bodyUsed, b.bodyUsed, await readStream(b.body), b.bodyUsed];
    }],
    ['stream chunks are plain Uint8Arrays with a buffer of their own', async (api, text) => {
      // Our bytes from a string are a Buffer from Node's shared pool: a chunk that were a view of
      // it would expose (through .buffer) and let writes reach unrelated memory.
      const before = Buffer.from('unrelated');
      const view = new Uint8Array(Buffer.from(`..${text}..`).buffer, 2, Buffer.byteLength(text));
      const log: unknown[] = [before.length];
      for (const body of [text, view, new TextEncoder().encode(text)]) {
        const reader = new api.Response(body).body.getReader();
        for (let c = await reader.read(); !c.done; c = await reader.read()) {
          log.push([Object.getPrototypeOf(c.value).constructor.name, c.value.byteOffset, c.value.buffer.byteLength === c.value.byteLength]);
        }
      }
      return log;
    }],
    ['null bodies', async (api) => {
      const r = new api.Response();
      const s = new api.Response(null, { status: 204 });
      const q = new api.Request('http://a/');
      const log: unknown[] = [r.body, s.body, q.body, new api.Response(undefined).body];
      // Never used: reads as empty, again and again, and clones after reading.
      for (const h of [r, s, q]) log.push(await h.text(), await h.text(), h.bodyUsed, attempt(() => h.clone() && 'cloned'), (await h.arrayBuffer()).byteLength);
      log.push(await attemptAsync(() => read(new api.Response(), 'blob')), new api.Response().bodyUsed);
      return log;
    }],
  ];
  for (const [name, scenario] of scenarios) {
    for (const text of bodies) await same((api) => scenario(api, text), `${name} (${JSON.stringify(text)})`);
  }
});

// ---------------------------------------------------------------------------------------------
// Handed over to Node's classes

const MULTIPART = [
  '--XyZ',
  'Content-Disposition: form-data; name="field"',
  '',
  'välue',
  '--XyZ',
  'Content-Disposition: form-data; name="file"; filename="a.txt"',
  'Content-Type: text/plain',
  '',
  'file body',
  '--XyZ--',
  '',
].join('\r\n');

test('hand-over: stream, Blob, FormData bodies and formData() match Node', async () => {
  const streamOf = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(text));
        c.close();
      },
    });
  const formData = () => {
    const f = new FormData();
    f.append('a', '1');
    f.append('file', new Blob(['blob ✓'], { type: 'text/plain' }), 'f.txt');
    return f;
  };
  const scenarios: [string, (api: Api) => unknown][] = [
    ['ReadableStream body', async (api) => {
      const r = new api.Response(streamOf('streamed ✓'), { status: 203, headers: new api.Headers({ 'x-a': '1' }) });
      return [describeResponse(r), r.bodyUsed, await r.text(), r.bodyUsed, await attemptAsync(() => r.text())];
    }],
    ['ReadableStream body, cloned', async (api) => {
      const r = new api.Response(streamOf('streamed'));
      const c = r.clone();
      return [await r.text(), await c.text()];
    }],
    ['async iterable body', async (api) => {
      const r = new api.Response(
        (async function* () {
          yield new TextEncoder().encode('it');
          yield new TextEncoder().encode('er');
        })(),
      );
      return [describeResponse(r), await r.text()];
    }],
    ['Blob body', async (api) => {
      const r = new api.Response(new Blob(['blob ✓'], { type: 'Text/Plain;charset=UTF-8' }), { headers: [['x-a', '1']] });
      return [describeResponse(r), await read(r, 'blob')];
    }],
    ['Blob body, content-type given', async (api) => {
      const r = new api.Response(new Blob(['b'], { type: 'text/plain' }), { headers: { 'content-type': 'x/y' } });
      return [describeResponse(r), await r.text()];
    }],
    ['FormData body', async (api) => {
      const r = new api.Response(formData());
      const type: string = r.headers.get('content-type');
      return [type.replace(/boundary=.*/, 'boundary=?'), await describeFormData(await r.formData())];
    }],
    ['FormData request body', async (api) => {
      const q = new api.Request('http://a/', { method: 'POST', body: formData(), headers: new api.Headers({ 'x-a': '1' }) });
      return [q.method, q.url, q.headers.get('x-a'), await describeFormData(await q.formData())];
    }],
    ['stream request body without duplex', (api) => new api.Request('http://a/', { method: 'POST', body: streamOf('s') })],
    ['stream request body', async (api) => {
      const q = new api.Request('http://a/', { method: 'PUT', body: streamOf('s ✓'), duplex: 'half' });
      return [describeRequest(q), await q.text()];
    }],
    ['a Request from one of Node\'s', async (api) => {
      const node = new globalThis.Request('http://a/x', { method: 'POST', body: 'from node', headers: { 'x-a': '1' } });
      const q = new api.Request(node, { headers: new api.Headers({ 'x-b': '2' }) });
      return [describeRequest(q), await q.text(), node.bodyUsed];
    }],
    ['one of ours built from another with a Blob body', async (api) => {
      const first = new api.Request('http://a/x', { method: 'POST', body: 'old', headers: { 'x-a': '1' } });
      const q = new api.Request(first, { body: new Blob(['new'], { type: 'a/b' }) });
      return [describeRequest(q), await q.text(), first.bodyUsed];
    }],
    // An init that is a Response or Request: its members are getters, read like any init's.
    ['a copy of one of Node\'s Responses (a fetch() result)', async (api) => {
      const node = new globalThis.Response('node body', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } });
      const copy = new api.Response(node.body, node);
      copy.headers.set('x-b', '2');
      return [describeResponse(copy), await copy.text(), node.bodyUsed];
    }],
    ['a stream body with a Response of ours as the init', async (api) => {
      const init = new api.Response('x', { status: 202, statusText: 'Acc', headers: { 'x-a': '1' } });
      const r = new api.Response(streamOf('s'), init);
      return [describeResponse(r), await r.text(), init.bodyUsed];
    }],
    ['a Request as the init', async (api) => {
      const node = new globalThis.Request('http://a/', { method: 'POST', body: 'q', headers: { 'x-q': '1' } });
      const fromNode = new api.Request('http://b/', node);
      const ours = new api.Request('http://a/', { method: 'PUT', body: 'p', headers: { 'x-p': '1' } });
      const fromOurs = new api.Request('http://c/', ours);
      return [describeRequest(fromNode), await fromNode.text(), node.bodyUsed, describeRequest(fromOurs), await fromOurs.text(), ours.bodyUsed];
    }],
    ['formData(), urlencoded', async (api) => {
      const r = new api.Response('a=1&b=%C3%A9&a=2&c');
      const q = new api.Request('http://a/', { method: 'POST', body: new URLSearchParams('x=1&y=2') });
      const bad = new api.Response('a=1', { headers: { 'content-type': 'text/plain' } });
      const empty = new api.Request('http://a/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return [
        await attemptAsync(async () => describeFormData(await r.formData())),
        await describeFormData(await new api.Response('a=1&b=%C3%A9', { headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' } }).formData()),
        await describeFormData(await q.formData()),
        q.bodyUsed,
        await attemptAsync(() => q.formData()),
        await attemptAsync(() => bad.formData()),
        await attemptAsync(async () => describeFormData(await empty.formData())),
      ];
    }],
    ['formData(), multipart', async (api) => {
      const r = new api.Response(MULTIPART, { headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } });
      const broken = new api.Response(MULTIPART.slice(0, 40), { headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } });
      const empty = new api.Response('', { headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } });
      return [
        await describeFormData(await r.formData()),
        r.bodyUsed,
        await attemptAsync(() => r.formData()),
        await attemptAsync(() => broken.formData()),
        await attemptAsync(() => empty.formData()),
      ];
    }],
  ];
  for (const [name, scenario] of scenarios) await same(scenario, name);
});

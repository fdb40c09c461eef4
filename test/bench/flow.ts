/**
 * The reference browser flow for the benchmarks, over plain HTTP: init (batched: also signing the
 * first `signBatch` parts), sign (the further batches of `signBatch` parts, fetched when a worker
 * first needs a part of that batch, or one call per part), PUT every part straight to OSS with `concurrency` in flight, complete. Counts every call
 * it makes and times each; the local stack (infra/local/stack.ts) is the usual target.
 */
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { pool } from './lib.ts';

export interface FlowOptions {
  apiUrl: string;
  size: number;
  partSize: number;
  concurrency: number;
  /** Parts per sign call, or 'per-part' for one call per part (the naive baseline). */
  signBatch: number | 'per-part';
  /** The bytes of [start, end) of the file (a view, not a copy). */
  slice(start: number, end: number): Uint8Array;
  headers?: Record<string, string>;
}

export interface FlowResult {
  key: string;
  partCount: number;
  /** Calls the client made to our functions, by operation. */
  calls: { init: number; sign: number; complete: number };
  puts: number;
  /** Wall-clock ms of each phase; `signTotal` sums every sign call (they may overlap PUTs). */
  ms: { init: number; signTotal: number; puts: number; complete: number; total: number };
  signCallMs: number[];
  completeBody: Record<string, unknown>;
}

async function api(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${new URL(url).pathname}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as any;
}

export async function uploadThroughApi(o: FlowOptions): Promise<FlowResult> {
  const calls = { init: 0, sign: 0, complete: 0 };
  const signCallMs: number[] = [];
  const t0 = performance.now();

  calls.init++;
  const signParts = o.signBatch === 'per-part' ? undefined : o.signBatch;
  const up = await api(`${o.apiUrl}/uploads`, { filename: 'bench.bin', size: o.size, partSize: o.partSize, contentType: 'application/octet-stream', signParts }, o.headers);
  const tInit = performance.now();
  const partCount: number = up.partCount;

  type Signed = { partNumber: number; url: string; headers: Record<string, string>; size: number };
  const sign = async (partNumbers: number[]): Promise<Signed[]> => {
    calls.sign++;
    const s = performance.now();
    const r = await api(`${o.apiUrl}/uploads/sign`, { token: up.token, partNumbers }, o.headers);
    signCallMs.push(performance.now() - s);
    return r.parts;
  };
  const batches = new Map<number, Promise<Map<number, Signed>>>();
  if (up.signed) batches.set(0, Promise.resolve(new Map((up.signed.parts as Signed[]).map((x) => [x.partNumber, x]))));
  const signedPart = async (n: number): Promise<Signed> => {
    if (o.signBatch === 'per-part') return (await sign([n]))[0];
    const b = Math.floor((n - 1) / o.signBatch);
    let p = batches.get(b);
    if (!p) {
      const first = b * o.signBatch + 1;
      const numbers = Array.from({ length: Math.min(o.signBatch, partCount - first + 1) }, (_, i) => first + i);
      p = sign(numbers).then((parts) => new Map(parts.map((x) => [x.partNumber, x])));
      batches.set(b, p);
    }
    return (await p).get(n)!;
  };

  let puts = 0;
  const etags: Array<{ partNumber: number; etag: string }> = [];
  const tPuts = performance.now();
  await pool(
    Array.from({ length: partCount }, (_, i) => i + 1),
    o.concurrency,
    async (n) => {
      const part = await signedPart(n);
      const start = (n - 1) * up.partSize;
      const body = o.slice(start, Math.min(o.size, start + up.partSize));
      puts++;
      const res = await fetch(part.url, { method: 'PUT', headers: part.headers, body: body as unknown as BodyInit });
      if (res.status !== 200) throw new Error(`part ${n}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      await res.arrayBuffer();
      etags.push({ partNumber: n, etag: res.headers.get('etag')! });
    },
  );
  const tPutsDone = performance.now();

  calls.complete++;
  etags.sort((a, b) => a.partNumber - b.partNumber);
  const completeBody = await api(`${o.apiUrl}/uploads/complete`, { token: up.token, parts: etags }, o.headers);
  const tDone = performance.now();

  return {
    key: up.key,
    partCount,
    calls,
    puts,
    ms: {
      init: tInit - t0,
      signTotal: signCallMs.reduce((a, b) => a + b, 0),
      puts: tPutsDone - tPuts,
      complete: tDone - tPutsDone,
      total: tDone - t0,
    },
    signCallMs,
    completeBody,
  };
}

/** What the local stack logged: our functions' requests by `METHOD path`, OSS operations by name. */
export interface StackCounts {
  api: Map<string, number>;
  oss: Map<string, number>;
  /** Milliseconds the emulator reported per operation, summed. */
  ossMs: Map<string, number>;
  reset(): void;
}

/**
 * startLocalStack (random ports, demo bundle awaited so its esbuild run does not overlap the
 * measurement) with request counting through its per-request log hooks.
 */
export async function startCountingStack(opts: { dataDir?: string; env?: Record<string, string> }): Promise<{ stack: LocalStack; counts: StackCounts }> {
  const counts: StackCounts = {
    api: new Map(),
    oss: new Map(),
    ossMs: new Map(),
    reset() {
      this.api.clear();
      this.oss.clear();
      this.ossMs.clear();
    },
  };
  const bump = (m: Map<string, number>, k: string, by = 1) => m.set(k, (m.get(k) ?? 0) + by);
  const stack = await startLocalStack({
    port: 0,
    ossPort: 0,
    memory: !opts.dataDir,
    dataDir: opts.dataDir,
    env: opts.env,
    // "[api]"-less lines: `POST /uploads/sign 200 3ms`
    log: (line) => {
      const m = /^([A-Z]+) (\S+) \d{3}\b/.exec(line);
      bump(counts.api, m ? `${m[1]} ${m[2]}` : 'unparsed');
    },
    // `PUT /bucket/key?partNumber=1&uploadId=… -> 200 UploadPart 3ms`
    ossLog: (line) => {
      const m = /-> (?:\d{3}|dropped) (\S+).* (\d+)ms$/.exec(line);
      bump(counts.oss, m ? m[1] : 'unparsed');
      if (m) bump(counts.ossMs, m[1], Number(m[2]));
    },
  });
  await stack.bundle.catch(() => undefined);
  return { stack, counts };
}

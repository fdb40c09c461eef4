/**
 * Section `load`: the sign endpoint under 64 concurrent clients for 10 s after a 3 s warm-up
 * (quick: 1.5 s after 0.5 s) on loopback.
 * The functions server (with the emulator) runs in its own process (test/bench/load-server.ts);
 * this process drives it with `node:http` over a keep-alive agent (64 sockets), each client
 * sending its next request as soon as the previous answer is read. Each request signs a batch of
 * 8 parts (what a browser with 8 PUTs in flight asks for) of one 10 GiB upload, with a caller JWT.
 * Run once with SIGN_CHECKS_UPLOAD=true (the default: one ListParts per call) and once with false.
 *
 * Bounded and self-stopping: clients stop at the deadline, every request has a 10 s timeout
 * (counted as an error), the server process exits when its stdin closes and after 10 minutes in
 * any case. Errors (any status but 200, timeouts, socket errors) must be zero; they are counted
 * and reported, never hidden.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GiB, MiB, callerJwt, round, summary, type BenchOptions, type Row, type Section, type SectionResult } from './lib.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIENTS = 64;
const BATCH = 8;
const REQUEST_TIMEOUT_MS = 10_000;

function startServer(signChecks: boolean): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'load-server.ts')], {
      env: { ...process.env, SIGN_CHECKS_UPLOAD: String(signChecks) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load server did not start in 60 s\n${err}`));
    }, 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /@@READY@@(\{.*\})\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: JSON.parse(m[1]).url });
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`load server exited (${code})\n${err}`));
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.stdin!.end();
  });
}

interface Res {
  status: number;
  body: string;
}

function post(agent: Agent, url: URL, path: string, body: string, headers: Record<string, string>): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function drive(url: string, seconds: number, warmupSeconds: number) {
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const headers = { authorization: `Bearer ${callerJwt()}` };
  try {
    const init = await post(agent, base, '/uploads', JSON.stringify({ filename: 'load.bin', size: 10 * GiB, partSize: 8 * MiB }), headers);
    if (init.status !== 201) throw new Error(`init: ${init.status} ${init.body}`);
    const { token, partCount } = JSON.parse(init.body) as { token: string; partCount: number };
    // Pre-built bodies: client i asks for parts i*8+1.. (wrapping), as different browsers would.
    const bodies = Array.from({ length: 64 }, (_, i) => {
      const first = ((i * BATCH) % (partCount - BATCH)) + 1;
      return JSON.stringify({ token, partNumbers: Array.from({ length: BATCH }, (_, k) => first + k) });
    });

    const latencies: number[] = [];
    const errors = new Map<string, number>();
    const perSecond: number[] = [];
    let requests = 0;
    let recordStart = performance.now();
    const run = async (client: number, until: number, record: boolean) => {
      let n = client;
      while (performance.now() < until) {
        const t0 = performance.now();
        let problem: string | undefined;
        try {
          const r = await post(agent, base, '/uploads/sign', bodies[n++ % bodies.length], headers);
          if (r.status !== 200) problem = `HTTP ${r.status} ${r.body.slice(0, 120)}`;
        } catch (e) {
          problem = (e as Error).message;
        }
        if (!record) continue;
        requests++;
        const second = Math.floor((performance.now() - recordStart) / 1000);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
        if (problem) errors.set(problem, (errors.get(problem) ?? 0) + 1);
        else latencies.push(performance.now() - t0);
      }
    };
    // Warm-up, not recorded: the server's own JIT (functions and emulator) takes a few seconds
    // under this load before throughput levels off.
    const warmEnd = performance.now() + warmupSeconds * 1000;
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => run(i, warmEnd, false)));
    recordStart = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => run(i, recordStart + seconds * 1000, true)));
    const elapsed = (performance.now() - recordStart) / 1000;
    return { requests, elapsed, latencies, errors, perSecond: Array.from(perSecond, (n) => n ?? 0) };
  } finally {
    agent.destroy();
  }
}

export const loadSection: Section = {
  name: 'load',
  title: `Load: sign endpoint, ${CLIENTS} concurrent keep-alive clients, ${BATCH} parts per call, loopback`,
  async run(opts: BenchOptions): Promise<SectionResult> {
    const seconds = opts.quick ? 1.5 : 10;
    const warmupSeconds = opts.quick ? 0.5 : 3;
    const rows: Row[] = [];
    const data: Record<string, unknown> = { clients: CLIENTS, batch: BATCH, seconds, warmupSeconds };
    for (const signChecks of [true, false]) {
      const label = `SIGN_CHECKS_UPLOAD=${signChecks}`;
      const { child, url } = await startServer(signChecks);
      try {
        const r = await drive(url, seconds, warmupSeconds);
        const s = summary(r.latencies);
        const errorCount = [...r.errors.values()].reduce((a, b) => a + b, 0);
        opts.log(`load ${label}: ${r.requests} requests in ${r.elapsed.toFixed(1)} s, ${errorCount} errors`);
        rows.push(
          {
            metric: `${label}: requests/s`,
            value: round(r.requests / r.elapsed, 0),
            unit: 'req/s',
            note: `${r.requests} requests in ${round(r.elapsed, 1)} s after ${warmupSeconds} s warm-up; ${round((r.requests * BATCH) / r.elapsed, 0)} URLs/s; per second ${r.perSecond.join(' ')}`,
          },
          { metric: `${label}: p50`, value: round(s.p50, 1), unit: 'ms' },
          { metric: `${label}: p99`, value: round(s.p99, 1), unit: 'ms', note: `max ${round(s.max, 1)} ms` },
          {
            metric: `${label}: errors`,
            value: errorCount,
            goal: { op: '<=', target: 0, met: errorCount === 0 },
            note: errorCount ? [...r.errors].map(([k, v]) => `${v}× ${k}`).join('; ') : '',
          },
        );
        data[label] = { requests: r.requests, seconds: r.elapsed, perSecond: r.perSecond, latency: s, errors: Object.fromEntries(r.errors) };
      } finally {
        await stopServer(child);
      }
    }
    return { rows, data };
  },
};

/**
 * Section `answer-bytes`: how many bytes a caller receives per signed part (a 1000-part sign
 * answer) and per listed part (a 1000-part list answer), as plain JSON and with each coding the
 * functions offer (shared/http/compress.ts), through the real functions over HTTP (the local
 * stack, emulator in memory); and what compressing the sign answer costs in CPU.
 */
import { randomFillSync } from 'node:crypto';
import { request } from 'node:http';
import { startLocalStack } from '../../infra/local/stack.ts';
import { compress } from '../../shared/http/compress.ts';
import { median, KiB, round, type BenchOptions, type Row, type Section, type SectionResult } from './lib.ts';

const PARTS = 1000;
const PART = 100 * KiB;

/** Body bytes as they came over the wire (no decoding). */
function wireBytes(url: string, body: unknown, acceptEncoding: string): Promise<{ status: number; bytes: number; encoding?: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
    const req = request(url, { method: 'POST', headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode!, bytes, encoding: res.headers['content-encoding'] }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

export const answerBytesSection: Section = {
  name: 'answer-bytes',
  title: 'Bytes per signed part and per listed part (1000-part answers), plain and compressed',
  async run(opts: BenchOptions): Promise<SectionResult> {
    const stack = await startLocalStack({ port: 0, ossPort: 0, memory: true });
    try {
      const post = async (path: string, body: unknown) => (await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>;
      const up = await post('/uploads', { filename: 'bytes.bin', size: PARTS * PART, partSize: PART });
      const partNumbers = Array.from({ length: PARTS }, (_, i) => i + 1);
      const signed = await post('/uploads/sign', { token: up.token, partNumbers });
      // Random parts: their ETags and CRC-64s are random too, as in life (they are most of a list answer).
      for (let i = 0; i < PARTS; i += 50) {
        await Promise.all(signed.parts.slice(i, i + 50).map(async (p: { url: string }) => {
          const res = await fetch(p.url, { method: 'PUT', body: randomFillSync(Buffer.allocUnsafe(PART)) });
          if (res.status !== 200) throw new Error(`PUT ${res.status}`);
        }));
      }
      opts.log(`answer-bytes: ${PARTS} parts uploaded`);
      const rows: Row[] = [];
      const data: Record<string, Record<string, number>> = {};
      for (const [name, path, req] of [
        ['sign', '/uploads/sign', { token: up.token, partNumbers }],
        ['list', '/uploads/list', { token: up.token }],
      ] as const) {
        data[name] = {};
        for (const accept of ['', 'gzip', 'br']) {
          const r = await wireBytes(`${stack.url}${path}`, req, accept);
          if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
          data[name][r.encoding ?? 'identity'] = r.bytes;
        }
        const plain = data[name].identity;
        rows.push({
          metric: `${name}: bytes per part`,
          value: `${round(plain / PARTS, 0)} plain, ${round(data[name].gzip / PARTS, 0)} gzip, ${round(data[name].br / PARTS, 0)} br`,
          note: `${PARTS}-part answer: ${plain} / ${data[name].gzip} / ${data[name].br} bytes (${round(plain / data[name].br, 1)}x smaller as br)`,
        });
      }
      // What compressing a 1000-part sign answer costs the function, in-process.
      const json = Buffer.from(JSON.stringify(signed));
      for (const coding of ['br', 'gzip'] as const) {
        const ms: number[] = [];
        for (let i = 0; i < (opts.quick ? 5 : 30); i++) {
          const t = performance.now();
          compress(json, coding);
          ms.push(performance.now() - t);
        }
        rows.push({ metric: `compressing the sign answer (${coding})`, value: round(median(ms), 2), unit: 'ms', note: `${json.length} bytes in, median of ${ms.length}` });
        data[`${coding}Ms`] = { median: median(ms) };
      }
      await post('/uploads/abort', { token: up.token });
      return { rows, data };
    } finally {
      await stack.close();
    }
  },
};

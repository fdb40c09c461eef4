/**
 * Section `sign-fn`: latency of one 1000-part sign batch through the FC handler, the way FC
 * invokes it: `handle(app)` called with the HTTP-trigger event as a JSON Buffer, a valid caller
 * JWT and upload token, with SIGN_CHECKS_UPLOAD=false (no OSS call) and =true (one ListParts
 * against the in-process emulator over loopback HTTP). The two settings alternate call by call.
 *
 * The upload is created by the init function's own handler against the emulator, so the token
 * is a real one (10 GiB in 8 MiB parts: 1280 parts, the batch signs parts 1..1000).
 */
import { startEmulator } from '../../infra/emulator/server.ts';
import { createApp as createInitApp } from '../../functions/init/index.ts';
import { createApp as createSignApp } from '../../functions/sign/index.ts';
import { handle } from '../../shared/http/fc-adapter.ts';
import { BUCKET, GiB, MiB, callerJwt, functionEnv, httpEvent, round, summary, type BenchOptions, type Section, type SectionResult } from './lib.ts';

const BATCH = 1000;

export const signFnSection: Section = {
  name: 'sign-fn',
  title: 'The sign function: one 1000-part batch through the FC handler',
  async run(opts: BenchOptions): Promise<SectionResult> {
    const emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
    try {
      const jwt = callerJwt();
      const headers = { Authorization: `Bearer ${jwt}`, Origin: 'https://app.example.com' };
      const baseEnv = functionEnv(emulator, { MAX_FILE_SIZE: '16GiB', CORS_ALLOWED_ORIGINS: 'https://app.example.com' });
      const context = { requestId: 'bench-sign' };

      const init = handle(createInitApp({ env: baseEnv }));
      const initRes = await init(Buffer.from(JSON.stringify(httpEvent('POST', '/uploads', { headers, body: { filename: 'video.mp4', size: 10 * GiB, partSize: 8 * MiB } }))), { requestId: 'bench-init' });
      if (initRes.statusCode !== 201) throw new Error(`init: ${initRes.statusCode} ${initRes.body}`);
      const upload = JSON.parse(initRes.body) as { token: string; partCount: number };

      const partNumbers = Array.from({ length: BATCH }, (_, i) => i + 1);
      const event = Buffer.from(JSON.stringify(httpEvent('POST', '/uploads/sign', { headers, body: { token: upload.token, partNumbers } })));
      const variants = [
        { name: 'checks-off', label: 'SIGN_CHECKS_UPLOAD=false', handler: handle(createSignApp({ env: { ...baseEnv, SIGN_CHECKS_UPLOAD: 'false' } })) },
        { name: 'checks-on', label: 'SIGN_CHECKS_UPLOAD=true (ListParts)', handler: handle(createSignApp({ env: { ...baseEnv, SIGN_CHECKS_UPLOAD: 'true' } })) },
      ];

      let responseBytes = 0;
      const call = async (v: (typeof variants)[number]) => {
        const t0 = performance.now();
        const res = await v.handler(event, context);
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) throw new Error(`sign (${v.label}): ${res.statusCode} ${res.body.slice(0, 300)}`);
        responseBytes = res.body.length;
        return ms;
      };

      // Correctness once: 1000 URLs for the asked parts.
      const first = await variants[0].handler(event, context);
      const parsed = JSON.parse(first.body) as { parts: Array<{ partNumber: number; url: string }> };
      if (parsed.parts.length !== BATCH || parsed.parts[999].partNumber !== 1000 || !parsed.parts[0].url.includes('x-oss-signature=')) {
        throw new Error('sign: unexpected response shape');
      }

      const warmup = opts.quick ? 3 : 10;
      const runs = opts.quick ? 15 : 150;
      for (let i = 0; i < warmup; i++) for (const v of variants) await call(v);
      const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
      for (let i = 0; i < runs; i++) {
        // Alternate which goes first, so neither always follows the other's garbage.
        const order = i % 2 ? [...variants].reverse() : variants;
        for (const v of order) samples.get(v.name)!.push(await call(v));
      }
      opts.log(`sign-fn: ${runs} calls per setting after ${warmup} warm-up; response ${Math.round(responseBytes / 1024)} KiB`);

      const rows = variants.flatMap((v) => {
        const s = summary(samples.get(v.name)!);
        return [
          { metric: `${v.label}: p50`, value: round(s.p50, 2), unit: 'ms', note: `${runs} calls` },
          { metric: `${v.label}: p99`, value: round(s.p99, 2), unit: 'ms' },
          { metric: `${v.label}: per URL (p50 / 1000)`, value: round((s.p50 / BATCH) * 1000, 2), unit: 'µs' },
        ];
      });
      const off = summary(samples.get('checks-off')!);
      const on = summary(samples.get('checks-on')!);
      rows.push({ metric: 'ListParts check adds (p50 difference)', value: round(on.p50 - off.p50, 2), unit: 'ms' });
      rows.push({ metric: 'response body', value: round(responseBytes / 1024, 1), unit: 'KiB' });
      return {
        rows,
        data: { runs, warmup, batch: BATCH, responseBytes, checksOff: off, checksOn: on },
      };
    } finally {
      await emulator.close();
    }
  },
};

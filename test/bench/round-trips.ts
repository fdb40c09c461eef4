/**
 * Section `round-trips`: orchestration calls for a 10 GiB upload in 8 MiB parts (1280 parts),
 * ours (init 1, which signs the first MAX_PARTS_PER_SIGN parts, + sign for each further batch +
 * complete 1; list only when resuming)
 * against a signing call per part, computed from the plan, then checked by a scaled run through
 * the local stack: the same part count in 100 KiB parts (OSS's minimum), counted three ways (by
 * the client, by the stack's function log, by the emulator's operation log), once with our
 * batched signing and once with one sign call per part.
 */
import { randomFillSync } from 'node:crypto';
import { planParts } from '../../shared/policy/parts.ts';
import { GiB, KiB, MiB, round, type BenchOptions, type Row, type Section, type SectionResult } from './lib.ts';
import { startCountingStack, uploadThroughApi, type FlowResult } from './flow.ts';

const MAX_PARTS_PER_SIGN = 1000; // the default (shared/config/policy.ts)

export function plannedCalls(size: number, partSize: number, perSign: number) {
  const { partCount } = planParts(size, partSize);
  // init signs the first batch (signParts); sign calls cover the rest.
  const sign = Math.ceil(Math.max(0, partCount - perSign) / perSign);
  return { partCount, init: 1, sign, complete: 1, list: 1, ours: 1 + sign + 1, perPartSigning: partCount, perPartTotal: 1 + partCount + 1 };
}

export const roundTripsSection: Section = {
  name: 'round-trips',
  title: 'Round trips for a 10 GiB upload in 8 MiB parts',
  async run(opts: BenchOptions): Promise<SectionResult> {
    const plan = plannedCalls(10 * GiB, 8 * MiB, MAX_PARTS_PER_SIGN);
    const rows: Row[] = [
      { metric: 'parts (10 GiB / 8 MiB)', value: plan.partCount },
      { metric: 'ours: init + sign + complete (plan)', value: plan.ours, unit: 'calls', note: `1 (signs the first ${MAX_PARTS_PER_SIGN}) + ceil(${plan.partCount - MAX_PARTS_PER_SIGN}/${MAX_PARTS_PER_SIGN}) + 1; +1 list only when resuming` },
      { metric: 'signing call per part (plan)', value: plan.perPartSigning, unit: 'calls', note: `sign calls alone; ${plan.perPartTotal} with init and complete` },
      { metric: 'calls saved (plan)', value: round(plan.perPartTotal / plan.ours, 0), unit: 'x', note: `${plan.perPartTotal} vs ${plan.ours}` },
    ];

    // Scaled run: the same number of parts (quick: fewer, with a smaller batch so it still takes
    // a sign call after init's batch), each 100 KiB.
    const partSize = 100 * KiB;
    const parts = opts.quick ? 160 : plan.partCount;
    const perSign = opts.quick ? 125 : MAX_PARTS_PER_SIGN;
    const size = parts * partSize;
    const data = new Uint8Array(size);
    for (let off = 0; off < size; off += 8 * MiB) randomFillSync(data, off, Math.min(8 * MiB, size - off));
    const scaled = plannedCalls(size, partSize, perSign);

    const { stack, counts } = await startCountingStack({ env: { MAX_PARTS_PER_SIGN: String(perSign) } });
    try {
      const runs: Record<string, { flow: FlowResult; api: Record<string, number>; oss: Record<string, number> }> = {};
      for (const mode of ['batched', 'per-part'] as const) {
        counts.reset();
        const flow = await uploadThroughApi({
          apiUrl: stack.url,
          size,
          partSize,
          concurrency: 8,
          signBatch: mode === 'batched' ? perSign : 'per-part',
          slice: (s, e) => data.subarray(s, e),
        });
        if (flow.completeBody.size !== size) throw new Error(`${mode}: completed object has size ${String(flow.completeBody.size)}, want ${size}`);
        runs[mode] = { flow, api: Object.fromEntries(counts.api), oss: Object.fromEntries(counts.oss) };
        opts.log(`round-trips ${mode}: client ${JSON.stringify(flow.calls)}, server ${JSON.stringify(runs[mode].api)}, OSS ${JSON.stringify(runs[mode].oss)}`);
      }

      const b = runs.batched;
      const p = runs['per-part'];
      const clientCalls = (f: FlowResult) => f.calls.init + f.calls.sign + f.calls.complete;
      const serverCalls = (a: Record<string, number>) => (a['POST /uploads'] ?? 0) + (a['POST /uploads/sign'] ?? 0) + (a['POST /uploads/complete'] ?? 0);
      const check = (got: number, want: number) => (got === want ? 'matches plan' : `PLAN SAYS ${want}`);
      rows.push(
        { metric: `scaled run: ${parts} parts × 100 KiB, ${perSign} per sign`, value: `${round(size / MiB, 1)} MiB`, note: `plan: ${scaled.ours} calls batched, ${scaled.perPartSigning} sign calls per part` },
        { metric: 'batched: client calls (init+sign+complete)', value: clientCalls(b.flow), unit: 'calls', note: `${b.flow.calls.init}+${b.flow.calls.sign}+${b.flow.calls.complete}; ${check(clientCalls(b.flow), scaled.ours)}` },
        { metric: 'batched: seen by the functions server', value: serverCalls(b.api), unit: 'calls', note: `+ ${b.api['POST /oss/callback'] ?? 0} upload callback from OSS` },
        { metric: 'batched: part PUTs seen by OSS', value: b.oss.UploadPart ?? 0, unit: 'requests' },
        { metric: 'per part: client sign calls', value: p.flow.calls.sign, unit: 'calls', note: check(p.flow.calls.sign, scaled.perPartSigning) },
        { metric: 'per part: seen by the functions server', value: serverCalls(p.api), unit: 'calls' },
        { metric: 'per part / batched (calls, measured)', value: round(serverCalls(p.api) / serverCalls(b.api), 1), unit: 'x' },
        { metric: 'upload wall time, batched', value: round(b.flow.ms.total, 0), unit: 'ms', note: `${b.flow.calls.sign} sign calls took ${round(b.flow.ms.signTotal, 0)} ms in all` },
        {
          metric: 'upload wall time, per part',
          value: round(p.flow.ms.total, 0),
          unit: 'ms',
          note: `${round(p.flow.ms.total / b.flow.ms.total, 2)}x batched, on loopback (0 RTT); each sign call over a real network adds an RTT per part`,
        },
      );
      const mismatch = clientCalls(b.flow) !== scaled.ours || serverCalls(b.api) !== scaled.ours || p.flow.calls.sign !== scaled.perPartSigning;
      if (mismatch) rows.push({ metric: 'COUNT MISMATCH', value: 'see above' });
      return {
        rows,
        data: {
          plan,
          scaled: { parts, partSize, perSign, size, plan: scaled },
          batched: { calls: b.flow.calls, server: b.api, oss: b.oss, ms: b.flow.ms },
          perPart: { calls: p.flow.calls, server: p.api, oss: p.oss, ms: p.flow.ms },
        },
      };
    } finally {
      await stack.close();
    }
  },
};

/**
 * Section `stack-upload`: a 1 GiB upload (quick: 64 MiB) through the local stack
 * (infra/local/stack.ts: emulator storing on disk in a temp data dir, every function behind one
 * origin, upload callback on), in 8 MiB parts with 8 PUTs in flight, by the reference flow in
 * test/bench/flow.ts. Reports the share of wall time spent in orchestration (init + sign +
 * complete) against the part PUTs, and throughput.
 *
 * The file is random bytes generated once, in 8 MiB chunks, into one buffer; parts are views of
 * it (never copied). Client, functions and emulator share this process (and the machine's cores).
 */
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GiB, MiB, round, type BenchOptions, type Section, type SectionResult } from './lib.ts';
import { startCountingStack, uploadThroughApi } from './flow.ts';
import { headObject } from '../../shared/oss/objects.ts';

export const stackUploadSection: Section = {
  name: 'stack-upload',
  title: 'Through the local stack: 1 GiB, 8 MiB parts, 8 in flight, emulator on disk',
  async run(opts: BenchOptions): Promise<SectionResult> {
    const size = opts.quick ? 64 * MiB : 1 * GiB;
    const partSize = 8 * MiB;
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
    let data: Buffer | undefined = Buffer.allocUnsafe(size);
    const tGen = performance.now();
    for (let off = 0; off < size; off += 8 * MiB) randomFillSync(data, off, Math.min(8 * MiB, size - off));
    opts.log(`stack-upload: ${round(size / MiB, 0)} MiB of random bytes generated in ${round(performance.now() - tGen, 0)} ms; data dir ${dataDir}`);
    const { stack, counts } = await startCountingStack({ dataDir });
    try {
      const source = data;
      const flow = await uploadThroughApi({ apiUrl: stack.url, size, partSize, concurrency: 8, signBatch: 1000, slice: (s, e) => source.subarray(s, e) });
      if (flow.completeBody.size !== size) throw new Error(`completed object has size ${String(flow.completeBody.size)}, want ${size}`);
      const head = await headObject(stack.oss, flow.key);
      if (head?.size !== size) throw new Error(`stored object has size ${String(head?.size)}, want ${size}`);
      const orchestration = flow.ms.init + flow.ms.signTotal + flow.ms.complete;
      const share = orchestration / flow.ms.total;
      // The emulator's CompleteMultipartUpload copies every part into one file on disk; real OSS
      // does not make the client wait for a copy of the data, so that part is shown apart.
      const emulatorComplete = counts.ossMs.get('CompleteMultipartUpload') ?? 0;
      const shareWithoutCopy = (orchestration - emulatorComplete) / flow.ms.total;
      const mbps = size / 1e6 / (flow.ms.total / 1000);
      const putMbps = size / 1e6 / (flow.ms.puts / 1000);
      return {
        rows: [
          { metric: 'size', value: `${round(size / MiB, 0)} MiB`, note: `${flow.partCount} parts of 8 MiB, 8 in flight; emulator on disk` },
          { metric: 'init', value: round(flow.ms.init, 1), unit: 'ms' },
          { metric: 'sign', value: round(flow.ms.signTotal, 1), unit: 'ms', note: `${flow.calls.sign} call(s); init signed the first ${Math.min(1000, flow.partCount)} of ${flow.partCount} URLs (signParts)` },
          { metric: 'part PUTs', value: round(flow.ms.puts, 0), unit: 'ms', note: `${round(putMbps, 0)} MB/s` },
          {
            metric: 'complete',
            value: round(flow.ms.complete, 1),
            unit: 'ms',
            note: `ListParts + Complete + CRC-64 check + callback (${String(flow.completeBody.callbackStatus ?? '?')}); the emulator's Complete took ${emulatorComplete} ms of it`,
          },
          { metric: 'total wall', value: round(flow.ms.total, 0), unit: 'ms' },
          { metric: 'orchestration share (init+sign+complete)', value: round(share * 100, 2), unit: '% of wall' },
          { metric: "… without the emulator's part copy in Complete", value: round(shareWithoutCopy * 100, 2), unit: '% of wall' },
          { metric: 'throughput (whole upload)', value: round(mbps, 1), unit: 'MB/s', note: `${round(size / MiB / (flow.ms.total / 1000), 1)} MiB/s` },
        ],
        data: {
          size,
          partSize,
          partCount: flow.partCount,
          concurrency: 8,
          ms: flow.ms,
          signCallMs: flow.signCallMs,
          orchestrationMs: orchestration,
          orchestrationShare: share,
          emulatorCompleteMs: emulatorComplete,
          orchestrationShareWithoutEmulatorCopy: shareWithoutCopy,
          ossMs: Object.fromEntries(counts.ossMs),
          throughputMBps: mbps,
          putThroughputMBps: putMbps,
          server: Object.fromEntries(counts.api),
          oss: Object.fromEntries(counts.oss),
          objectSize: head.size,
        },
      };
    } finally {
      data = undefined;
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

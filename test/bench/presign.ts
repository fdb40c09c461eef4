/**
 * Section `presign`: V4 UploadPart URLs per second, in one process, interleaved rounds after a
 * warm-up, from
 *  - ours (client): `presignUploadParts` (shared/oss/presign.ts) with a batch of 1000 parts, what the sign
 *    function runs (validation, headers, endpoint, `presignV4`, URL building);
 *  - ours (signer): `presignV4` + `objectUrl` per part, the signer without the client around it;
 *  - ali-oss: `await client.signatureUrlV4('PUT', …)` per part (its public presign API);
 *  - floor: a deliberately minimal hand-written loop producing the same URL (Node crypto only:
 *    the signing key derived once, canonical request by concatenation, sha256, HMAC, concat),
 *    once with the one-shot `crypto.hash` for SHA-256 (the goal's floor: the cheapest Node
 *    primitive, which our signer uses too) and once with the classic `createHash`.
 *
 * Before timing, every implementation's URL is checked to carry the same signature as ours for
 * the same signing time, so all of them do the same work.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { OssClient } from '../../shared/oss/client.ts';
import { presignUploadParts } from '../../shared/oss/presign.ts';
import { presignV4, formatV4Date } from '../../shared/oss/signer.ts';
import { objectUrl, resolveEndpoint } from '../../shared/oss/endpoint.ts';
import { goal, median, round, type BenchOptions, type Section, type SectionResult } from './lib.ts';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');

const REGION = 'cn-hangzhou';
const BUCKET = 'bench-bucket';
const CREDS = { accessKeyId: 'LTAI5tBenchAccessKeyId01', accessKeySecret: 'BenchAccessKeySecret0123456789abcd' };
// What an init produces: a key under the caller's prefix, a 32-hex upload id.
const KEY = 'uploads/bench-user/2025/06/01/0b5c7d9e-2f4a-4c1b-9e3d-7a6b5c4d3e2f/holiday video.mp4';
const UPLOAD_ID = '0004B9894A22E5B1888A1E29F8236E2D';
const EXPIRES = 3600;
const BATCH = 1000;

type Impl = { name: string; label: string; run(n: number): Promise<number> | number };

// One-shot `crypto.hash` (Node >= 20.12): no Hash object per digest. Typed loosely because
// @types/node 20.9 predates it.
const oneShotHash = (nodeCrypto as unknown as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/**
 * The hand-written floor: same URL shape, nothing but string concatenation and two digests.
 * `oneShot` picks the SHA-256 primitive: `crypto.hash` (what our signer uses where available)
 * or `createHash` (the classic API). The HMAC is `createHmac` in both.
 */
export function floorSigner(date: Date, oneShot = true) {
  const sha256Hex =
    oneShot && oneShotHash ? (s: string) => oneShotHash('sha256', s, 'hex') : (s: string) => createHash('sha256').update(s).digest('hex');
  const dt = formatV4Date(date);
  const day = dt.slice(0, 8);
  const scope = `${day}/${REGION}/oss/aliyun_v4_request`;
  let k = createHmac('sha256', `aliyun_v4${CREDS.accessKeySecret}`).update(day).digest();
  k = createHmac('sha256', k).update(REGION).digest();
  k = createHmac('sha256', k).update('oss').digest();
  const signingKey = createHmac('sha256', k).update('aliyun_v4_request').digest();
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const path = enc(KEY).replace(/%2F/g, '/');
  const authQuery = `x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=${dt}&x-oss-expires=${EXPIRES}&x-oss-credential=${enc(`${CREDS.accessKeyId}/${scope}`)}`;
  const canonicalTail = `&uploadId=${UPLOAD_ID}&x-oss-credential=${enc(`${CREDS.accessKeyId}/${scope}`)}&x-oss-date=${dt}&x-oss-expires=${EXPIRES}&x-oss-signature-version=OSS4-HMAC-SHA256\n\n\nUNSIGNED-PAYLOAD`;
  const canonicalHead = `PUT\n/${BUCKET}/${path}\npartNumber=`;
  const stsHead = `OSS4-HMAC-SHA256\n${dt}\n${scope}\n`;
  const urlHead = `https://${BUCKET}.oss-${REGION}.aliyuncs.com/${path}?partNumber=`;
  const urlMid = `&uploadId=${UPLOAD_ID}&${authQuery}&x-oss-signature=`;
  return (partNumber: number): string => {
    const canonical = canonicalHead + partNumber + canonicalTail;
    const hash = sha256Hex(canonical);
    const signature = createHmac('sha256', signingKey).update(stsHead + hash).digest('hex');
    return urlHead + partNumber + urlMid + signature;
  };
}

function signatureOf(url: string): string | null {
  return new URL(url).searchParams.get('x-oss-signature');
}

export const presignSection: Section = {
  name: 'presign',
  title: 'Presign throughput (V4 UploadPart URLs per second, one process, interleaved rounds)',
  async run(opts: BenchOptions): Promise<SectionResult> {
    let date = new Date();
    const client = new OssClient({ region: REGION, bucket: BUCKET, credentials: CREDS, now: () => date });
    const endpoint = resolveEndpoint({ region: REGION });
    const ali = new OSS({ region: `oss-${REGION}`, bucket: BUCKET, ...CREDS, secure: true });
    const parts = Array.from({ length: BATCH }, (_, i) => ({ partNumber: i + 1 }));

    const oursSigner = (partNumber: number, d: Date) => {
      const signed = presignV4(
        { method: 'PUT', bucket: BUCKET, key: KEY, query: [['partNumber', String(partNumber)], ['uploadId', UPLOAD_ID]] },
        { credentials: CREDS, region: REGION, date: d, expires: EXPIRES },
      );
      return objectUrl(endpoint, BUCKET, KEY, signed.query);
    };

    // Same signature for the same signing time, from all four (ali-oss picks its own time: sign
    // ours at the x-oss-date its URL carries).
    {
      const [viaClient] = await presignUploadParts(client, KEY, UPLOAD_ID, [{ partNumber: 7 }], { expires: EXPIRES });
      const viaSigner = oursSigner(7, date);
      const viaFloor = floorSigner(date)(7);
      const viaFloorClassic = floorSigner(date, false)(7);
      if (viaClient.url !== viaSigner || viaFloor !== viaSigner || viaFloorClassic !== viaSigner) {
        throw new Error(`presign bench: implementations disagree\nclient ${viaClient.url}\nsigner ${viaSigner}\nfloor  ${viaFloor}\nfloor2 ${viaFloorClassic}`);
      }
      const aliUrl: string = await ali.signatureUrlV4('PUT', EXPIRES, { queries: { partNumber: 7, uploadId: UPLOAD_ID } }, KEY);
      const aliDate = new URL(aliUrl).searchParams.get('x-oss-date')!;
      const d = new Date(aliDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
      if (signatureOf(aliUrl) !== signatureOf(oursSigner(7, d))) throw new Error(`presign bench: ali-oss signature differs\n${aliUrl}\n${oursSigner(7, d)}`);
    }

    // Each implementation signs `n` URLs (a multiple of BATCH for the client) and returns a
    // checksum of the output lengths so no work can be optimised away.
    const impls: Impl[] = [
      {
        name: 'client',
        label: 'ours: presignUploadParts (batch 1000)',
        async run(n) {
          let sum = 0;
          for (let done = 0; done < n; done += BATCH) {
            date = new Date();
            for (const p of await presignUploadParts(client, KEY, UPLOAD_ID, parts, { expires: EXPIRES })) sum += p.url.length;
          }
          return sum;
        },
      },
      {
        name: 'signer',
        label: 'ours: presignV4 + objectUrl',
        run(n) {
          let sum = 0;
          const d = new Date();
          for (let i = 0; i < n; i++) sum += oursSigner((i % BATCH) + 1, d).length;
          return sum;
        },
      },
      {
        name: 'ali',
        label: 'ali-oss signatureUrlV4',
        async run(n) {
          let sum = 0;
          for (let i = 0; i < n; i++) {
            const url: string = await ali.signatureUrlV4('PUT', EXPIRES, { queries: { partNumber: (i % BATCH) + 1, uploadId: UPLOAD_ID } }, KEY);
            sum += url.length;
          }
          return sum;
        },
      },
      {
        name: 'floor',
        label: `floor: minimal loop (${oneShotHash ? 'crypto.hash' : 'createHash'} + createHmac)`,
        run(n) {
          let sum = 0;
          const sign = floorSigner(new Date());
          for (let i = 0; i < n; i++) sum += sign((i % BATCH) + 1).length;
          return sum;
        },
      },
      {
        name: 'floorClassic',
        label: 'floor: minimal loop (createHash + createHmac)',
        run(n) {
          let sum = 0;
          const sign = floorSigner(new Date(), false);
          for (let i = 0; i < n; i++) sum += sign((i % BATCH) + 1).length;
          return sum;
        },
      },
    ];

    // Each round gives every implementation the same time slice, in chunks (a whole batch for
    // the client), and counts the URLs it signed; the order rotates from round to round.
    const sliceMs = opts.quick ? 80 : 250;
    const rounds = opts.quick ? 4 : 16;
    const chunk = (impl: Impl) => (impl.name === 'client' ? BATCH : 250);
    const slice = async (impl: Impl, ms: number) => {
      let urls = 0;
      let sum = 0;
      const t0 = performance.now();
      let elapsed = 0;
      while (elapsed < ms) {
        sum += await impl.run(chunk(impl));
        urls += chunk(impl);
        elapsed = performance.now() - t0;
      }
      return { rate: (urls / elapsed) * 1000, sum };
    };
    for (const impl of impls) await slice(impl, opts.quick ? 100 : 400); // warm-up (JIT, key cache)
    opts.log(`presign: ${rounds} rounds × ${impls.length} implementations × ${sliceMs} ms`);

    const rates = new Map<string, number[]>(impls.map((i) => [i.name, []]));
    const ratioAli: number[] = [];
    const ratioFloor: number[] = [];
    const ratioSignerFloor: number[] = [];
    const ratioFloorAli: number[] = [];
    let sink = 0;
    for (let r = 0; r < rounds; r++) {
      const order = impls.map((_, i) => impls[(i + r) % impls.length]);
      const roundRate: Record<string, number> = {};
      for (const impl of order) {
        const { rate, sum } = await slice(impl, sliceMs);
        sink += sum;
        roundRate[impl.name] = rate;
        rates.get(impl.name)!.push(rate);
      }
      ratioAli.push(roundRate.client / roundRate.ali);
      ratioFloor.push(roundRate.client / roundRate.floor);
      ratioSignerFloor.push(roundRate.signer / roundRate.floor);
      ratioFloorAli.push(roundRate.floor / roundRate.ali);
    }
    if (sink === 0) throw new Error('unreachable');

    const med = (name: string) => median(rates.get(name)!);
    const oursAli = median(ratioAli);
    const oursFloor = median(ratioFloor);
    return {
      rows: [
        ...impls.map((i) => ({ metric: i.label, value: Math.round(med(i.name)), unit: 'URLs/s', note: `median of ${rounds} rounds` })),
        { metric: 'ours (client) / ali-oss', value: round(oursAli, 2), unit: 'x', goal: goal(oursAli, '>=', 9), note: 'median of per-round ratios' },
        { metric: 'ours (client) / floor', value: round(oursFloor, 2), unit: 'x', goal: goal(oursFloor, '>=', 0.8), note: 'median of per-round ratios' },
        { metric: 'ours (signer) / floor', value: round(median(ratioSignerFloor), 2), unit: 'x' },
        { metric: 'floor / ali-oss (ceiling for ours / ali-oss)', value: round(median(ratioFloorAli), 2), unit: 'x' },
        { metric: 'ours (client): µs per URL', value: round(1e6 / med('client'), 2), unit: 'µs' },
        { metric: 'floor: µs per URL', value: round(1e6 / med('floor'), 2), unit: 'µs' },
      ],
      data: {
        rounds,
        sliceMs,
        ratesPerRound: Object.fromEntries(rates),
        ratios: { oursOverAli: ratioAli, oursOverFloor: ratioFloor, signerOverFloor: ratioSignerFloor, floorOverAli: ratioFloorAli },
      },
    };
  },
};

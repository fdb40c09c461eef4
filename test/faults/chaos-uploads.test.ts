// Chaos uploads: 20 uploads of random sizes (0 bytes, single-part, multi-part up to ~3 MiB, part
// size 100 KiB) through the functions over HTTP, by a robust browser-like client
// (lib/browser-client.ts), while the OSS emulator injects 503 bursts, delays past the functions'
// OSS timeout (OSS_TIMEOUT_MS=500) and past the client's PUT timeout, and connections dropped
// before and after the operation, on every operation the flow uses: InitiateMultipartUpload,
// UploadPart, ListParts, CompleteMultipartUpload, AbortMultipartUpload, ListMultipartUploads.
// Some part URLs expire (an injected 403 "Request has expired.", and real expiry through a sign
// function with URL_EXPIRES_SECONDS=1 whose answer is held back 2.2 s); some uploads are poisoned
// (a part or Complete failing forever), so the client aborts them and starts over; some clients
// "reload the page" mid-upload and resume through list.
//
// Checked: every upload ends with a byte-identical object whose CRC-64 matches ours; complete's
// answer names the right key, size and CRC-64; aborted attempts left no object; and what is left
// in OSS is exactly what must be: an Initiate whose response was lost (dropped after, or delayed
// past the timeout) created an upload nobody got the id of, one per such fault; the sweeper finds
// and aborts exactly those (itself under Abort/ListMultipartUploads faults), after which no
// multipart upload is left under the prefix.
//
// Seeded: the plan (sizes, faults, poisons) comes from the seed printed first; FAULT_SEED=<n>
// replays it. FAULT_CONCURRENCY (default 5) uploads run at once; with 1 the interleaving replays too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../infra/emulator/server.ts';
import type { FaultRuleInput } from '../../infra/emulator/faults.ts';
import type { OpName } from '../../infra/emulator/types.ts';
import { startFunctionsServer, type RunningFunctions } from '../../infra/local/functions-server.ts';
import { createApp as signApp } from '../../functions/sign/index.ts';
import { createHandler as sweepHandler } from '../../functions/sweep/index.ts';
import { OssClient } from '../../shared/oss/client.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { signHs256 } from '../helpers/jwt.ts';
import { BrowserClient, FatalUploadError, type InitBody, type UploadOutcome, type UploadStats } from './lib/browser-client.ts';
import { EmulatorActivity } from './lib/quiesce.ts';
import { campaignSeed, Rng, seedBanner } from './lib/seed.ts';
import { report, table } from './lib/report.ts';
import { functionEnv } from '../helpers/stack.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const PART = 100 * KiB;
const BUCKET = 'chaos-bucket';
const PREFIX = 'uploads';
const JWT_SECRET = 'chaos-caller-jwt-secret-0123456789abcdefgh';
const UPLOAD_SECRET = 'chaos-upload-token-secret-0123456789abcdef';
const UPLOADS = 20;
const CONCURRENCY = Math.max(1, Number(process.env.FAULT_CONCURRENCY ?? 5));

// Timeouts: the functions give each OSS attempt 500 ms; OSS-side delays are longer than that.
// The browser gives a part PUT 1 s; UploadPart delays are longer than that.
const OSS_TIMEOUT_MS = 500;
const OSS_DELAY_MS = 1200;
const PUT_TIMEOUT_MS = 1000;
const PUT_DELAY_MS = 1800;
const API_TIMEOUT_MS = 30_000;
const STALE_SIGN_HOLD_MS = 2200;

const SEED = campaignSeed();
const rng = new Rng(SEED);

// ---------------------------------------------------------------------------------------------
// The plan

type Action = 'error503' | 'delay' | 'drop-before' | 'drop-after' | 'expired403';
const ACTIONS: Action[] = ['error503', 'delay', 'drop-before', 'drop-after'];
const KEYED_OPS: OpName[] = ['InitiateMultipartUpload', 'UploadPart', 'ListParts', 'CompleteMultipartUpload'];
const SHORT: Record<string, string> = {
  InitiateMultipartUpload: 'Init',
  UploadPart: 'Part',
  ListParts: 'LParts',
  CompleteMultipartUpload: 'Compl',
  AbortMultipartUpload: 'Abort',
  ListMultipartUploads: 'LUploads',
};

interface PlannedRule {
  op: OpName;
  action: Action;
  count: number;
  /** Filled in when added to the emulator. */
  id?: string;
  fired?: number;
  phase: 'upload' | 'global' | 'sweep';
}

interface UploadPlan {
  i: number;
  sub: string;
  size: number;
  data: Buffer;
  rules: PlannedRule[];
  /** The first attempt's part PUTs or Complete fail forever: the client must abort and start over. */
  poison?: 'part' | 'complete';
  /** The first sign answer carries URLs that have expired by the time the client gets them. */
  staleSign: boolean;
  reloadOnce: boolean;
}

function ruleInput(r: PlannedRule, keyPrefix?: string): FaultRuleInput {
  const base = { op: r.op, count: r.count, ...(keyPrefix ? { keyPrefix } : {}) };
  const delayMs = r.op === 'UploadPart' ? PUT_DELAY_MS : OSS_DELAY_MS;
  switch (r.action) {
    case 'error503':
      return { ...base, action: 'error', status: 503 };
    case 'expired403':
      return { ...base, action: 'error', status: 403, code: 'AccessDenied', message: 'Request has expired.' };
    case 'delay':
      return { ...base, action: 'delay', ms: delayMs };
    default:
      return { ...base, action: r.action };
  }
}

function countFor(op: OpName, action: Action): number {
  if (op === 'InitiateMultipartUpload' && action === 'error503') return rng.int(1, 5); // > 3 exhausts one init call
  if (action === 'error503' || action === 'expired403') return rng.int(1, 3);
  return rng.int(1, 2);
}

function sizeFor(i: number): number {
  const fixed = [0, PART, PART + 1, 1];
  if (i < fixed.length) return fixed[i];
  return rng.chance(0.25) ? rng.int(2, PART - 1) : rng.int(PART + 2, 3 * MiB + 54_321);
}

function makePlan(): UploadPlan[] {
  const plans: UploadPlan[] = Array.from({ length: UPLOADS }, (_, i) => {
    const size = sizeFor(i);
    return { i, sub: `chaos${String(i).padStart(2, '0')}`, size, data: rng.bytes(size), rules: [], staleSign: false, reloadOnce: false };
  });
  const has = (p: UploadPlan, op: OpName) => p.rules.some((r) => r.op === op);
  const add = (p: UploadPlan, op: OpName, action: Action) => p.rules.push({ op, action, count: countFor(op, action), phase: 'upload' });
  // Every (operation, action) pair at least once, on an upload with no other rule for that
  // operation (rules for one operation would otherwise land on the same request).
  const required: Array<[OpName, Action]> = [];
  for (const op of KEYED_OPS) for (const a of ACTIONS) required.push([op, a]);
  required.push(['UploadPart', 'expired403']);
  for (const [op, action] of required) {
    const free = plans.filter((p) => !has(p, op));
    add(rng.pick(free), op, action);
  }
  // Then more at random.
  for (const p of plans) {
    for (const op of KEYED_OPS) {
      if (has(p, op) || !rng.chance(0.35)) continue;
      add(p, op, op === 'UploadPart' && rng.chance(0.2) ? 'expired403' : rng.pick(ACTIONS));
    }
  }
  // Four poisoned uploads, each also with one Abort fault (the only time the client aborts).
  const poisoned = rng.sample(plans, 4);
  poisoned.forEach((p, k) => {
    p.poison = k % 2 === 0 ? 'part' : 'complete';
    p.rules.push({ op: 'AbortMultipartUpload', action: ACTIONS[k], count: 1, phase: 'upload' });
  });
  // Real expiry for two multi-part uploads; a page reload for three uploads with several batches.
  for (const p of rng.sample(plans.filter((p) => p.size > PART), 2)) p.staleSign = true;
  for (const p of rng.sample(plans.filter((p) => p.size > 9 * PART), 3)) p.reloadOnce = true;
  return plans;
}

/** Global ListMultipartUploads faults (init counts the caller's uploads), added one at a time. */
function globalQueue(): PlannedRule[] {
  return rng.sample(ACTIONS, ACTIONS.length).map((action) => ({ op: 'ListMultipartUploads' as OpName, action, count: 1, phase: 'global' as const }));
}

/**
 * Events the plan does not explain (a request slowed past a timeout by a loaded machine): they are
 * tolerated where harmless and shown, not hidden. `recovered` without a lost Complete response in
 * the plan; more uncertain init answers than Initiate faults that cause one.
 */
function unplanned(p: UploadPlan, s: UploadStats | undefined): string {
  if (!s) return '';
  const out: string[] = [];
  const lostComplete = p.rules.some((r) => r.op === 'CompleteMultipartUpload' && (r.action === 'drop-after' || r.action === 'delay'));
  if (s.recovered && !lostComplete) out.push('recovered');
  const uncertainByPlan = p.rules.filter((r) => r.op === 'InitiateMultipartUpload' && r.action !== 'error503').reduce((n, r) => n + r.count, 0);
  if (s.initUncertain > uncertainByPlan) out.push(`+${s.initUncertain - uncertainByPlan} uncertain init`);
  return out.join(', ');
}

const describeRules = (rules: PlannedRule[]) => rules.map((r) => `${SHORT[r.op]}:${r.action}x${r.count}`).join(' ');

// ---------------------------------------------------------------------------------------------
// The stack: emulator (memory) + every function over HTTP, sign behind a switch for stale URLs.

let emulator: RunningEmulator;
let functions: RunningFunctions;
let env: Record<string, string>;
let oss: OssClient;
const activity = new EmulatorActivity(Number(process.env.CHAOS_KEEP_LOG ?? 0));
const staleSubs = new Set<string>();
const staleServed = new Set<string>();

before(async () => {
  emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET], log: activity.log });
  activity.attach(emulator.server);
  env = functionEnv(
    emulator,
    { bucket: BUCKET, jwtSecret: JWT_SECRET, uploadSecret: UPLOAD_SECRET },
    { OSS_TIMEOUT_MS: String(OSS_TIMEOUT_MS), KEY_PREFIX: PREFIX, MAX_ACTIVE_UPLOADS: '10' },
  );
  const normalSign = signApp({ env }).fetch;
  const staleSign = signApp({ env: { ...env, URL_EXPIRES_SECONDS: '1' } }).fetch;
  // The first sign of a stale-sign upload: URLs valid for 1 s, handed over after 2.2 s (a client
  // that sat on its URLs). Real expiry: the emulator refuses them with 403 "Request has expired."
  const sign = async (req: Request): Promise<Response> => {
    const body = (await req.clone().json().catch(() => null)) as { token?: unknown } | null;
    const sub = typeof body?.token === 'string' ? subOfToken(body.token) : undefined;
    if (sub && staleSubs.has(sub) && !staleServed.has(sub)) {
      staleServed.add(sub);
      const res = await staleSign(req);
      await new Promise((r) => setTimeout(r, STALE_SIGN_HOLD_MS));
      return res;
    }
    return normalSign(req);
  };
  functions = await startFunctionsServer({ deps: { env }, extra: { sign } });
  env.CALLBACK_URL = `${functions.url}/oss/callback`;
  oss = new OssClient({ region: emulator.region, bucket: BUCKET, credentials: emulator.credentials, endpoint: emulator.url, pathStyle: true });
});

after(async () => {
  await functions?.close();
  await emulator?.close();
});

function subOfToken(token: string): string | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub;
  } catch {
    return undefined;
  }
}

async function uploadsUnder(prefix: string) {
  const out = [];
  for await (const u of iterateMultipartUploads(oss, { prefix })) out.push(u);
  return out;
}

/** Adds a planned rule and remembers its id (to read how often it fired). */
function addRule(r: PlannedRule, keyPrefix?: string): void {
  const [added] = emulator.admin.faults.add(ruleInput(r, keyPrefix));
  r.id = added.id;
}

/** Fired counts of every rule: count minus what is left (a consumed rule is gone from the list). */
function readFired(rules: PlannedRule[]): void {
  const left = new Map(emulator.admin.faults.list().map((r) => [r.id, r]));
  for (const r of rules) {
    if (!r.id) continue;
    const rest = left.get(r.id);
    r.fired = rest ? rest.fired : r.count;
  }
}

// ---------------------------------------------------------------------------------------------

test('chaos: 20 uploads under faults on every operation end byte-identical, and nothing is left behind but what the sweeper must find', { timeout: 420_000 }, async () => {
  report('chaos uploads', seedBanner('chaos-uploads', SEED));
  // One clean upload first, so first-request costs (JIT, the callback key fetch) do not push an
  // early request past the 500 ms OSS timeout.
  const warm = await new BrowserClient({
    baseUrl: functions.url,
    jwt: signHs256({ sub: 'warmup', exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET),
    apiTimeoutMs: API_TIMEOUT_MS,
    putTimeoutMs: PUT_TIMEOUT_MS,
    rng: new Rng(SEED),
  }).upload(Buffer.alloc(PART + 10, 7), 'warmup.bin');
  assert.equal(warm.complete.size, PART + 10);
  const plans = makePlan();
  const globalRules = globalQueue();
  for (const p of plans) {
    if (p.staleSign) staleSubs.add(p.sub);
    for (const r of p.rules) addRule(r, `${PREFIX}/${p.sub}/`);
  }
  // One global ListMultipartUploads rule at a time, the next once the previous one fired.
  const pendingGlobal = [...globalRules];
  let activeGlobal: PlannedRule | undefined;
  const feedGlobal = () => {
    if (activeGlobal && emulator.admin.faults.list().some((r) => r.id === activeGlobal!.id)) return;
    activeGlobal = pendingGlobal.shift();
    if (activeGlobal) addRule(activeGlobal);
  };
  feedGlobal();

  const poisonRules: string[] = [];
  const outcomes = new Map<number, UploadOutcome>();
  const clients = new Map<number, BrowserClient>();
  const failures: string[] = [];

  const runOne = async (p: UploadPlan) => {
    const client = new BrowserClient({
      baseUrl: functions.url,
      jwt: signHs256({ sub: p.sub, exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET),
      apiTimeoutMs: API_TIMEOUT_MS,
      putTimeoutMs: PUT_TIMEOUT_MS,
      rng: new Rng(SEED ^ (p.i * 0x9e3779b1)),
      reloadOnce: p.reloadOnce,
      afterInit: (up: InitBody, restart: number) => {
        feedGlobal();
        if (p.poison && restart === 0) {
          const op: OpName = p.poison === 'part' ? 'UploadPart' : 'CompleteMultipartUpload';
          const [rule] = emulator.admin.faults.add({ op, action: 'error', status: 500, count: -1, keyPrefix: up.key });
          poisonRules.push(rule.id);
        }
      },
    });
    clients.set(p.i, client);
    try {
      outcomes.set(p.i, await client.upload(p.data, `file-${p.i}.bin`));
    } catch (e) {
      failures.push(`#${p.i} ${p.sub} (${p.size} B, ${describeRules(p.rules)}${p.poison ? `, poison ${p.poison}` : ''}): ${e instanceof FatalUploadError ? e.message : (e as Error).stack}`);
    }
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < plans.length) await runOne(plans[next++]);
    }),
  );

  // Everything the emulator started (delayed requests whose clients left) has run to its end.
  await activity.settle();
  const allRules = [...plans.flatMap((p) => p.rules), ...globalRules];
  readFired(allRules);
  const unfired = allRules.filter((r) => r.id && (r.fired ?? 0) < r.count);
  // CHAOS_KEEP_LOG=<n>: print the emulator's slow requests (to tell planned delays from a loaded machine).
  if (process.env.CHAOS_KEEP_LOG) for (const l of activity.lines) if (Number(/ (\d+)ms$/.exec(l)?.[1]) > OSS_TIMEOUT_MS / 2) console.log('slow:', l);
  emulator.admin.faults.clear();

  // --- per-upload table
  const rows = plans.map((p) => {
    const s = clients.get(p.i)?.stats;
    const o = outcomes.get(p.i);
    return [
      p.i,
      p.size,
      Math.max(1, Math.ceil(p.size / PART)),
      [describeRules(p.rules), p.poison ? `poison:${p.poison}` : '', p.staleSign ? 'stale-sign' : '', p.reloadOnce ? 'reload' : ''].filter(Boolean).join(' '),
      s?.initCalls,
      s?.initUncertain,
      s?.signCalls,
      s?.resigns,
      s?.listCalls,
      s ? `${s.putAttempts}/${s.putRetries}` : '',
      s?.completeCalls,
      s?.recovered ? 'yes' : '',
      s?.restarts,
      o ? 'ok' : 'FAILED',
      unplanned(p, s),
    ];
  });
  report(
    'chaos uploads: per upload',
    table(['#', 'bytes', 'parts', 'faults', 'inits', 'uncert', 'signs', 'resign', 'lists', 'puts/retry', 'compl', 'recov', 'restart', 'result', 'unplanned'], rows),
  );
  assert.deepEqual(failures, [], `uploads that did not finish:\n${failures.join('\n')}`);
  assert.equal(outcomes.size, UPLOADS);

  // --- every upload: the object is the file, complete said so, aborted attempts left nothing
  for (const p of plans) {
    const o = outcomes.get(p.i)!;
    const want = crc64(p.data);
    assert.equal(o.complete.key, o.key, `#${p.i}: complete names the key`);
    assert.equal(o.complete.size, p.size, `#${p.i}: complete's size`);
    assert.equal(o.complete.crc64, want.toString(), `#${p.i}: complete's CRC-64`);
    assert.equal(o.complete.callbackStatus, o.stats.recovered ? 'unknown' : 'ok', `#${p.i}: callback status`);
    if (o.complete.callbackStatus === 'ok') {
      assert.equal(o.complete.callback.key, o.key);
      assert.equal(o.complete.callback.crc64, want.toString());
    }
    const head = await headObject(oss, o.key);
    assert.ok(head, `#${p.i}: object exists`);
    assert.equal(head.size, p.size, `#${p.i}: stored size`);
    assert.equal(head.crc64, want, `#${p.i}: stored CRC-64 (OSS) equals ours`);
    const got = await getObject(oss, o.key);
    assert.ok(Buffer.from(got.body).equals(p.data), `#${p.i}: stored bytes equal the file`);
    assert.equal(crc64(got.body), want, `#${p.i}: CRC-64 of the downloaded bytes`);
    for (const a of o.attempts.filter((a) => a.outcome !== 'completed')) {
      assert.equal(await headObject(oss, a.key), null, `#${p.i}: aborted attempt ${a.key} left no object`);
    }
    assert.equal(o.attempts.filter((a) => a.outcome === 'abort-failed').length, 0, `#${p.i}: every abort the client asked for went through`);
    if (p.poison) assert.equal(o.stats.restarts, 1, `#${p.i}: the poisoned first attempt was aborted and the upload started over once`);
    else assert.equal(o.stats.restarts, 0, `#${p.i}: transient faults alone never made the client give up on an upload`);
  }
  assert.deepEqual(
    unfired.map((r) => `${r.op} ${r.action} x${r.count} fired ${r.fired}`),
    [],
    'every planned fault fired as often as planned',
  );

  // --- what is left, and why: one orphan per Initiate whose response was lost
  const leftovers = await uploadsUnder(`${PREFIX}/`);
  const knownIds = new Set(plans.flatMap((p) => outcomes.get(p.i)!.attempts.map((a) => a.uploadId)));
  const leftRows: Array<[string, number, number, number, number]> = [];
  let expectedOrphans = 0;
  let unexplainedAllowance = 0;
  for (const p of plans) {
    const mine = leftovers.filter((u) => u.key.startsWith(`${PREFIX}/${p.sub}/`));
    for (const u of mine) assert.ok(!knownIds.has(u.uploadId), `#${p.i}: ${u.key} is an upload the client knew, so it should be gone`);
    const lost = p.rules.filter((r) => r.op === 'InitiateMultipartUpload' && (r.action === 'drop-after' || r.action === 'delay')).reduce((n, r) => n + r.count, 0);
    const uncertainByPlan = p.rules.filter((r) => r.op === 'InitiateMultipartUpload' && r.action !== 'error503').reduce((n, r) => n + r.count, 0);
    const stats = outcomes.get(p.i)!.stats;
    // An init answer left uncertain without a planned fault (a spurious timeout on a loaded machine) may have left one too.
    const slack = Math.max(0, stats.initUncertain - uncertainByPlan);
    assert.ok(
      mine.length >= lost && mine.length <= lost + slack,
      `#${p.i} (${describeRules(p.rules)}): ${mine.length} uploads left, expected ${lost} (Initiate responses lost)${slack ? ` + up to ${slack} unexplained uncertain inits` : ''}`,
    );
    expectedOrphans += lost;
    unexplainedAllowance += slack;
    if (mine.length || lost) leftRows.push([p.sub, lost, stats.initUncertain, slack, mine.length]);
  }
  report(
    'chaos uploads: left in OSS before the sweep (cause: Initiate ran, its response was lost)',
    table(['caller', 'lost-by-plan', 'uncertain-inits', 'unexplained', 'left'], leftRows),
  );
  assert.ok(expectedOrphans >= 2, 'the plan always loses at least one Initiate response by drop-after and one by delay');
  assert.ok(leftovers.length >= expectedOrphans && leftovers.length <= expectedOrphans + unexplainedAllowance);
  const leftKeys = new Set(leftovers.map((u) => u.key));
  for (const o of outcomes.values()) assert.ok(!leftKeys.has(o.key), `an orphan never shares a key with a stored object (${o.key})`);

  // --- the sweeper, itself under faults: one Abort fault per orphan (cycling through the
  // actions), one ListMultipartUploads fault
  const sweepRules: PlannedRule[] = [];
  leftovers.forEach((u, k) => {
    const r: PlannedRule = { op: 'AbortMultipartUpload', action: ACTIONS[k % ACTIONS.length], count: 1, phase: 'sweep' };
    addRule(r, u.key);
    sweepRules.push(r);
  });
  const lmu: PlannedRule = { op: 'ListMultipartUploads', action: rng.pick(ACTIONS), count: 1, phase: 'sweep' };
  addRule(lmu);
  sweepRules.push(lmu);
  const sweepEnv = { ...env, SWEEP_MAX_AGE_HOURS: '0.001' };
  // Five minutes ahead (within the 15-minute signature skew): every upload is older than 3.6 s.
  const sweep = await sweepHandler({ env: sweepEnv, now: () => new Date(Date.now() + 5 * 60_000) })(
    JSON.stringify({ triggerName: 'sweep', payload: '' }),
    { requestId: 'chaos-sweep' } as never,
  );
  await activity.settle();
  readFired(sweepRules);
  emulator.admin.faults.clear();
  report(
    'chaos uploads: sweep',
    table(
      ['scanned', 'stale', 'aborted', 'failed', 'faults fired'],
      [[sweep.scanned, sweep.stale, sweep.aborted, sweep.failed, sweepRules.map((r) => `${SHORT[r.op]}:${r.action}=${r.fired}`).join(' ')]],
    ),
  );
  assert.equal(sweep.failed, 0);
  assert.equal(sweep.aborted, leftovers.length, 'the sweeper aborted every orphan');
  assert.deepEqual(
    sweep.uploads.map((u) => `${u.key} ${u.uploadId} ${u.result}`).sort(),
    leftovers.map((u) => `${u.key} ${u.uploadId} aborted`).sort(),
    'exactly the orphans, each aborted',
  );
  assert.deepEqual(await uploadsUnder(`${PREFIX}/`), [], 'no multipart upload is left under the prefix');
  for (const o of outcomes.values()) assert.ok(await headObject(oss, o.key), `the sweep left ${o.key} alone`);

  // --- coverage: which faults fired, per operation and action
  const all = [...allRules, ...sweepRules];
  const ops = [...KEYED_OPS, 'AbortMultipartUpload', 'ListMultipartUploads'] as OpName[];
  const acts: Action[] = [...ACTIONS, 'expired403'];
  const cov = ops.map((op) => [op, ...acts.map((a) => all.filter((r) => r.op === op && r.action === a).reduce((n, r) => n + (r.fired ?? 0), 0))]);
  report('chaos uploads: faults fired (operation x action)', table(['operation', ...acts], cov));
  for (const op of ops) {
    for (const a of ACTIONS) {
      const fired = all.filter((r) => r.op === op && r.action === a).reduce((n, r) => n + (r.fired ?? 0), 0);
      assert.ok(fired > 0, `${op} ${a} fired at least once`);
    }
  }
  const totals = [...clients.values()].map((c) => c.stats);
  const sum = (f: (s: (typeof totals)[number]) => number) => totals.reduce((n, s) => n + f(s), 0);
  report(
    'chaos uploads: summary',
    table(
      ['uploads', 'bytes', 'inits', 'part PUTs', 'PUT retries', 're-signs', 'completes', 'recovered', 'restarts', 'reloads', 'orphans swept', 'poison rules'],
      [[UPLOADS, plans.reduce((n, p) => n + p.size, 0), sum((s) => s.initCalls), sum((s) => s.putAttempts), sum((s) => s.putRetries), sum((s) => s.resigns), sum((s) => s.completeCalls), sum((s) => (s.recovered ? 1 : 0)), sum((s) => s.restarts), sum((s) => s.reloads), sweep.aborted, poisonRules.length]],
    ),
  );
  assert.equal(staleServed.size, staleSubs.size, 'every stale-sign upload got its stale URLs');
  assert.ok(sum((s) => s.put403Expired) >= staleSubs.size, 'expired URLs were refused and re-signed');
});

// The operations CLI against a test stack (OSS emulator + every function on one origin):
// `doctor` (bucket CORS/lifecycle), `smoke` (a real upload through the functions), `jwt` and `sweep`.
// Most cases call the CLI's `main()` in-process with a given environment (same parsing, output and
// exit codes as the binary); one case per command goes through a real `node infra/cli.ts` process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../infra/cli.ts';
import { bucketRequest } from '../../infra/cli/doctor.ts';
import { uploadCorsXml } from '../../infra/bucket-rules.ts';
import { resolveEndpoint } from '../../shared/oss/endpoint.ts';
import { createServer, type AddressInfo } from 'node:net';
import { startStack, BUCKET, JWT_SECRET, type TestStack } from '../helpers/stack.ts';
import { abortMultipartUpload, initiateMultipartUpload } from '../../shared/oss/multipart.ts';
import { headObject, putObject } from '../../shared/oss/objects.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ORIGIN = 'https://app.example.com';

let s: TestStack;
before(async () => {
  s = await startStack({ env: { CORS_ALLOWED_ORIGINS: ORIGIN } });
});
after(async () => {
  await s?.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: env as NodeJS.ProcessEnv });
  return { code, stdout, stderr };
}

function spawnCli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'infra/cli.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** What an operator would export to point the CLI at the emulator. */
const ossEnv = () => ({
  OSS_BUCKET: BUCKET,
  OSS_REGION: s.emulator.region,
  OSS_ENDPOINT: s.emulator.url,
  OSS_PUBLIC_ENDPOINT: s.emulator.url,
  OSS_FORCE_PATH_STYLE: 'true',
  ALIBABA_CLOUD_ACCESS_KEY_ID: s.emulator.credentials.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: s.emulator.credentials.accessKeySecret,
});

const bucket = () => ({
  bucket: BUCKET,
  region: s.emulator.region,
  endpoint: resolveEndpoint({ region: s.emulator.region, endpoint: s.emulator.url, pathStyle: true }),
  credentials: s.emulator.credentials,
});

async function putCors(xml: string | undefined) {
  const r = xml === undefined ? await bucketRequest(bucket(), 'DELETE', [['cors', '']]) : await bucketRequest(bucket(), 'PUT', [['cors', '']], xml);
  assert.ok(r.status < 300, `${r.status} ${r.body}`);
}

const rule = (inner: string) => `<CORSConfiguration><CORSRule>${inner}</CORSRule></CORSConfiguration>`;

async function openUploads(): Promise<string[]> {
  const ids: string[] = [];
  for await (const u of iterateMultipartUploads(s.oss)) ids.push(u.uploadId);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// doctor

test('doctor: a bucket without CORS rules fails with exit 1 and prints the rule that fixes it', async () => {
  await putCors(undefined);
  const r = await cli(['doctor', '--origin', ORIGIN], ossEnv());
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL .*no CORS rules/);
  assert.match(r.stdout, /FAIL .*preflight PUT from https:\/\/app\.example\.com refused/);
  assert.match(r.stdout, /<ExposeHeader>ETag<\/ExposeHeader>/);
  assert.match(r.stdout, /<AllowedOrigin>https:\/\/app\.example\.com<\/AllowedOrigin>/);
  assert.match(r.stdout, /NOT ready for browser uploads/);
});

test('doctor: the recommended rule passes (exit 0); the emulator applies no lifecycle rules (NoSuchLifecycle), so that is a warning', async () => {
  await putCors(uploadCorsXml([ORIGIN]));
  const r = await cli(['doctor'], { ...ossEnv(), CORS_ALLOWED_ORIGINS: ORIGIN });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const m of [/ok +PUT allowed \(rule 1\)/, /ok +POST allowed \(rule 1\)/, /ok +rule 1 exposes ETag/, /ok +rule 1 exposes x-oss-hash-crc64ecma/, /ok +rule 1 allows content-type, content-md5 and x-oss-\*/, /ok +preflight PUT from https:\/\/app\.example\.com allowed/]) {
    assert.match(r.stdout, m);
  }
  assert.match(r.stdout, /WARN .*lifecycle/);
  assert.match(r.stdout, /<AbortMultipartUpload>/);
  assert.match(r.stdout, /ready for browser uploads: 0 problem\(s\), 1 warning\(s\)/);
  // --strict: warnings fail too.
  const strict = await cli(['doctor', '--strict'], { ...ossEnv(), CORS_ALLOWED_ORIGINS: ORIGIN });
  assert.equal(strict.code, 1);
});

test('doctor: ETag and CRC-64 not exposed, headers not allowed, POST missing -> each reported', async () => {
  await putCors(rule(`<AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>content-type</AllowedHeader><MaxAgeSeconds>60</MaxAgeSeconds>`));
  const r = await cli(['doctor', '--origin', ORIGIN, '--json'], ossEnv());
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  const fails = report.findings.filter((f: any) => f.level === 'fail').map((f: any) => f.check).sort();
  assert.deepEqual(fails, ['cors.expose.etag', 'cors.expose.x-oss-hash-crc64ecma', 'cors.headers', 'cors.post', 'preflight']);
  assert.match(report.findings.find((f: any) => f.check === 'cors.headers').message, /content-md5, x-oss-\*/);
  assert.equal(report.ok, false);
  assert.equal(report.failures, 5);
});

test('doctor: rules are judged per origin; the first matching rule is the one OSS applies', async () => {
  await putCors(
    `<CORSConfiguration>` +
      `<CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule>` +
      `<CORSRule><AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-oss-hash-crc64ecma</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>` +
      `</CORSConfiguration>`,
  );
  const r = await cli(['doctor', '--origin', ORIGIN, '--origin', 'https://other.test', '--no-preflight'], ossEnv());
  assert.equal(r.code, 1);
  // app.example.com matches the wildcard rule first, which exposes nothing.
  assert.match(r.stdout, /from https:\/\/app\.example\.com:\n(  .*\n)*  FAIL  rule 1 does not expose ETag to PUT and POST responses/);
  assert.match(r.stdout, /from https:\/\/other\.test:\n  FAIL  PUT is not allowed \(part uploads\): no CORS rule matches this origin/);
  assert.doesNotMatch(r.stdout, /preflight PUT/);
});

test('doctor: usage errors (exit 2) and missing credentials', async () => {
  const noOrigin = await cli(['doctor'], ossEnv());
  assert.equal(noOrigin.code, 2);
  assert.match(noOrigin.stderr, /--origin/);
  const noBucket = await cli(['doctor', '--origin', ORIGIN], { OSS_REGION: 'cn-hangzhou' });
  assert.equal(noBucket.code, 2);
  assert.match(noBucket.stderr, /--bucket/);
  const badOrigin = await cli(['doctor', '--origin', 'https://app.example.com/path'], ossEnv());
  assert.equal(badOrigin.code, 2);
  const noCreds = await cli(['doctor', '--origin', ORIGIN], { ...ossEnv(), ALIBABA_CLOUD_ACCESS_KEY_ID: undefined, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined });
  assert.equal(noCreds.code, 2);
  assert.match(noCreds.stderr, /missing credentials/);
  const help = await cli(['doctor', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--origin O/);
});

test('doctor through the real CLI process (registration, exit code)', async () => {
  await putCors(uploadCorsXml([ORIGIN]));
  const ok = await spawnCli(['doctor', '--origin', ORIGIN], ossEnv());
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /ready for browser uploads/);
  const top = await spawnCli(['--help'], {});
  for (const c of ['sign', 'doctor', 'smoke', 'jwt', 'sweep']) assert.match(top.stdout, new RegExp(`^  ${c} `, 'm'));
});

// ---------------------------------------------------------------------------------------------
// smoke

test('smoke: a full upload through the functions; sizes and CRC-64 verified, callback ok, object kept', async () => {
  await putCors(uploadCorsXml([ORIGIN]));
  const r = await cli(['smoke', '--url', s.functions.url, '--jwt', s.jwt('alice'), '--size', '250KiB', '--origin', ORIGIN]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const step of ['cors-api', 'init', 'sign', 'cors-oss', 'put-parts', 'list', 'complete', 'verify']) assert.match(r.stdout, new RegExp(`ok +${step} `));
  assert.match(r.stdout, /callback verified by the callback function/);
  const key = /The object stays in the bucket: (\S+)/.exec(r.stdout)?.[1];
  assert.ok(key?.startsWith('uploads/alice/'), r.stdout);
  const head = await headObject(s.oss, key!);
  assert.equal(head?.size, 250 * 1024);
  assert.deepEqual(await openUploads(), [], 'no multipart upload left open');
});

test('smoke --json: the report carries key, CRC-64 and callback status', async () => {
  const r = await cli(['smoke', '--url', s.functions.url, '--jwt', s.jwt('alice'), '--size', '123457', '--part-size', '100KiB', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.ok, true);
  assert.equal(report.partCount, 2);
  assert.equal(report.callbackStatus, 'ok');
  assert.equal(report.cleanup, 'object-kept');
  const head = await headObject(s.oss, report.key);
  assert.equal(head?.crc64?.toString(), report.crc64);
});

test('smoke: a rejected caller fails at init (exit 1) with the API error; nothing to clean', async () => {
  const r = await cli(['smoke', '--url', s.functions.url, '--jwt', 'not-a-jwt']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL +init +POST \/uploads answered 401 (UNAUTHENTICATED|TOKEN_INVALID)/);
  assert.match(r.stdout, /smoke FAILED/);
});

test('smoke: a failure after init aborts the upload, leaving no parts behind', async () => {
  const before = await openUploads();
  // Every CompleteMultipartUpload fails: the function retries, then answers 502.
  const fault = s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'error', status: 500, count: -1 });
  try {
    const r = await cli(['smoke', '--url', s.functions.url, '--jwt', s.jwt('alice'), '--size', '200KiB', '--json']);
    assert.equal(r.code, 1, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, false);
    assert.match(report.error, /^complete: POST \/uploads\/complete answered 502/);
    assert.equal(report.cleanup, 'aborted');
    assert.deepEqual(report.steps.map((x: any) => [x.step, x.ok]), [['init', true], ['sign', true], ['put-parts', true], ['list', true], ['complete', false]]);
  } finally {
    for (const f of fault) s.emulator.admin.faults.remove(f.id);
  }
  assert.deepEqual(await openUploads(), before, 'the smoke upload was aborted');
});

test('smoke: a CORS problem on the API is reported before anything is uploaded', async () => {
  const r = await cli(['smoke', '--url', s.functions.url, '--jwt', s.jwt('alice'), '--origin', 'https://not-allowed.example']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL +cors-api +preflight POST .* from https:\/\/not-allowed\.example/);
  assert.doesNotMatch(r.stdout, / init /);
});

test('smoke: nothing listening at --url: the cause (ECONNREFUSED) and what to check', async () => {
  const closed = createServer();
  await new Promise<void>((res) => closed.listen(0, '127.0.0.1', () => res()));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((res) => closed.close(res));
  const r = await cli(['smoke', '--url', `http://127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`FAIL +init +cannot reach 127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}: nothing listens there\\)\\. Is the API running, and is --url its base URL\\?`));
  assert.doesNotMatch(r.stdout, /fetch failed/);
});

test('smoke pointed at the OSS emulator: says --url is OSS, not the API, without dumping XML', async () => {
  const r = await cli(['smoke', '--url', s.emulator.url]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL +init +POST \/uploads answered \d{3} with an OSS error \(\w+\): --url points at OSS or the OSS emulator, not at the upload API/);
  assert.doesNotMatch(r.stdout, /<\?xml|<Error>/);
});

test('jwt mints a caller token the functions accept; smoke uploads with it under the test caller', async () => {
  const env = { AUTH_JWT_SECRET: JWT_SECRET };
  const minted = await cli(['jwt'], env);
  assert.equal(minted.code, 0, minted.stderr);
  const token = minted.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  assert.equal(claims.sub, 'oss-upload-smoke');
  assert.equal(claims.exp - claims.iat, 600);
  const r = await cli(['smoke', '--url', s.functions.url, '--jwt', token, '--json']);
  assert.equal(r.code, 0, r.stdout);
  assert.ok(JSON.parse(r.stdout).key.startsWith('uploads/oss-upload-smoke/'));
  // Issuer and audience are carried when the functions require them.
  const withClaims = JSON.parse(Buffer.from((await cli(['jwt', '--sub', 'ci', '--ttl', '60'], { ...env, AUTH_ISSUER: 'https://id.example', AUTH_AUDIENCE: 'uploads' })).stdout.split('.')[1], 'base64url').toString());
  assert.deepEqual([withClaims.sub, withClaims.iss, withClaims.aud, withClaims.exp - withClaims.iat], ['ci', 'https://id.example', 'uploads', 60]);
  // Without the secret: exit 2, saying what it is; bad flags: exit 2.
  const none = await cli(['jwt'], {});
  assert.equal(none.code, 2);
  assert.match(none.stderr, /AUTH_JWT_SECRET is not set/);
  assert.equal((await cli(['jwt', '--sub', 'a/b'], env)).code, 2);
  assert.equal((await cli(['jwt', '--ttl', '5'], env)).code, 2);
});

test('smoke: usage errors exit 2', async () => {
  assert.equal((await cli(['smoke'])).code, 2);
  assert.equal((await cli(['smoke', '--url', 'ftp://x'])).code, 2);
  assert.equal((await cli(['smoke', '--url', s.functions.url, '--size', '0'])).code, 2);
});

// ---------------------------------------------------------------------------------------------
// sweep

test('sweep: dry run lists stale uploads under KEY_PREFIX, then a real run aborts them', async () => {
  const stale = await initiateMultipartUpload(s.oss, 'uploads/dave/2020/01/abcdefghijklmnop/old.bin');
  const outside = await initiateMultipartUpload(s.oss, 'other/keep.bin');
  await new Promise((r) => setTimeout(r, 400));
  const env = { ...ossEnv(), SWEEP_MAX_AGE_HOURS: '0.0001' };

  const dry = await cli(['sweep', '--dry-run'], env);
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, /^dry run: uploads under uploads\//);
  assert.match(dry.stdout, new RegExp(`would-abort .*uploads/dave/2020/01/abcdefghijklmnop/old\\.bin  ${stale.uploadId}`));
  assert.doesNotMatch(dry.stdout, /other\/keep\.bin/);
  assert.ok((await openUploads()).includes(stale.uploadId), 'dry run aborts nothing');

  const real = await spawnCli(['sweep', '--json'], env);
  assert.equal(real.code, 0, real.stdout + real.stderr);
  const report = JSON.parse(real.stdout);
  assert.equal(report.dryRun, false);
  assert.ok(report.aborted >= 1);
  assert.equal(report.failed, 0);
  const left = await openUploads();
  assert.ok(!left.includes(stale.uploadId));
  assert.ok(left.includes(outside.uploadId), 'uploads outside KEY_PREFIX are left alone');
  await abortMultipartUpload(s.oss, 'other/keep.bin', outside.uploadId);
});

test('sweep: the quarantine too, as the function does: old objects deleted, newer ones and the rest kept', async () => {
  const old = 'quarantine/uploads/dave/2020/01/abcdefghijklmnop/bad.exe';
  const uploaded = 'uploads/dave/2020/01/qrstuvwxyzabcdef/fine.bin';
  await putObject(s.oss, old, new Uint8Array([1, 2, 3]));
  await putObject(s.oss, uploaded, new Uint8Array([4]));
  await new Promise((r) => setTimeout(r, 400));
  // Kept only 0.36 s: the objects above are past it (with 1 hour, nothing is).
  const env = { ...ossEnv(), QUARANTINE_MAX_AGE_HOURS: '0.0001' };

  const dry = await cli(['sweep', '--dry-run'], env);
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, /^dry run: quarantine under quarantine\/ kept since before .*\nscanned \d+, expired [1-9]\d*, deleted 0, failed 0$/m);
  assert.ok(await headObject(s.oss, old), 'a dry run deletes nothing');

  const real = await spawnCli(['sweep', '--json'], { ...env, QUARANTINE_MAX_AGE_HOURS: '1' });
  assert.equal(real.code, 0, real.stdout + real.stderr);
  assert.equal(JSON.parse(real.stdout).quarantine.deleted, 0, 'nothing has been there an hour');
  const swept = await spawnCli(['sweep', '--json'], { ...env, QUARANTINE_MAX_AGE_HOURS: '0.0001' });
  assert.equal(swept.code, 0, swept.stdout + swept.stderr);
  const report = JSON.parse(swept.stdout);
  assert.equal(report.quarantine.dryRun, false);
  assert.ok(report.quarantine.deleted >= 1);
  assert.equal(report.quarantine.failed, 0);
  assert.equal(await headObject(s.oss, old), null, 'the old quarantined object is gone');
  assert.ok(await headObject(s.oss, uploaded), 'objects outside the quarantine are never touched');
});

test('sweep: configuration problems and missing credentials exit 2 with the problems listed', async () => {
  const bad = await cli(['sweep'], { ...ossEnv(), OSS_REGION: 'oss-cn-hangzhou', SWEEP_MAX_AGE_HOURS: '-1' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /OSS_REGION must be the bare region id/);
  assert.match(bad.stderr, /SWEEP_MAX_AGE_HOURS/);
  // A bad --max-age-hours is the flag's fault, not the variable's.
  const flag = await cli(['sweep', '--max-age-hours', '0'], ossEnv());
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--max-age-hours must be a number above 0 and at most 8760 \(got "0"\)/);
  assert.doesNotMatch(flag.stderr, /SWEEP_MAX_AGE_HOURS/);
  const noCreds = await cli(['sweep'], { ...ossEnv(), ALIBABA_CLOUD_ACCESS_KEY_ID: undefined, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined });
  assert.equal(noCreds.code, 2);
  assert.match(noCreds.stderr, /missing credentials/);
});

// The `sign` CLI end to end: spawns `node --import tsx infra/cli.ts sign …` and checks the published
// vectors (go-sdk-v2 and python-sdk-v2 signer tests: V1-H1, V4-H1; the derived D4) come out of it, plus its errors and exit codes.
// Each spawn costs ~0.5 s of CPU (node + tsx), so the vectors, the presign cases and one bad input of
// each kind go through a real process; the remaining variants call the same `main()` in-process
// (same argv parsing, same exit code, same stdout/stderr text), which keeps the file at a few seconds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { main } from '../../infra/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'Sup3r-S3cret/+=NeverPrint';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], creds: Record<string, string | undefined> = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET }): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  for (const [k, v] of Object.entries(creds)) if (v !== undefined) env[k] = v;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'infra/cli.ts', ...args], { cwd: ROOT, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const defaultCreds = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET };

/** The same CLI, in-process: `main(argv, io)` with captured output and only the given env. */
async function inProcess(args: string[], creds: Record<string, string | undefined> = defaultCreds): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(creds)) if (v !== undefined) env[k] = v;
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env });
  return { code, stdout, stderr };
}

const vectorCreds = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sk' };

async function ok(args: string[], creds?: Record<string, string | undefined>, run = cli): Promise<Record<string, any>> {
  const r = await run(['sign', ...args], creds);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout);
}

/** Success output with the distinctive secret must not contain it, in any form we might leak. */
function assertNoSecret(r: Result | string) {
  const text = typeof r === 'string' ? r : r.stdout + r.stderr;
  assert.ok(!text.includes(SECRET), 'secret printed');
  assert.ok(!text.includes(encodeURIComponent(SECRET)), 'secret printed (URL-encoded)');
  assert.ok(!text.includes(Buffer.from(SECRET).toString('base64')), 'secret printed (base64)');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('sign CLI', { concurrency: true }, () => {
  test('V1-H1 (go-v2 TestV1AuthHeader) through the CLI', async () => {
    const out = await ok(
      ['--version', 'v1', '--method', 'PUT', '--bucket', 'examplebucket', '--key', 'nelson', '--region', 'cn-hangzhou',
        '--header', 'Content-MD5: eB5eJF1ptWaXm4bijSPyxw==', '--header', 'Content-Type: text/html',
        '--header', 'x-oss-meta-author: alice', '--header', 'x-oss-meta-magic: abracadabra',
        '--header', 'x-oss-date: Wed, 28 Dec 2022 10:27:41 GMT'],
      vectorCreds,
    );
    assert.equal(out.stringToSign,
      'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson');
    assert.equal(out.authorization, 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
    assert.equal(out.headers.Authorization, out.authorization);
    assert.equal(out.headers.Date, undefined, 'x-oss-date given: no Date header');
    assert.equal(out.canonicalRequest, null, 'V1 has no canonical request');
    assert.equal(out.mode, 'header');
    assert.equal(out.version, 'v1');
    assert.equal(out.url, 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com/nelson');
  });

  test('V4-H1 (go-v2 TestV4AuthHeader) through the CLI, --date in basic and extended form', async () => {
    const args = (date: string) => ['--method', 'PUT', '--bucket', 'bucket', '--key', '1234+-/123/1.txt', '--region', 'cn-hangzhou', '--date', date,
      '--query', 'param1=value1', '--query', '+param1=value3', '--query', '|param1=value4', '--query', '+param2=', '--query', '|param2', '--query', 'param2',
      '--header', 'x-oss-head1: value', '--header', 'abc: value', '--header', 'ZAbc: value', '--header', 'XYZ: value',
      '--header', 'content-type: text/plain', '--header', 'x-oss-content-sha256: UNSIGNED-PAYLOAD'];
    for (const [date, run] of [['20231216T162057Z', cli], ['2023-12-16T16:20:57Z', inProcess], ['2023-12-16T16:20:57.000Z', inProcess]] as const) {
      const out = await ok(args(date), vectorCreds, run);
      assert.equal(out.canonicalRequest, [
        'PUT', '/bucket/1234%2B-/123/1.txt', '%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2',
        'content-type:text/plain', 'x-oss-content-sha256:UNSIGNED-PAYLOAD', 'x-oss-date:20231216T162057Z', 'x-oss-head1:value', '', '', 'UNSIGNED-PAYLOAD',
      ].join('\n'));
      assert.equal(out.stringToSign, 'OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\nf4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4');
      assert.equal(out.authorization, 'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe');
      assert.equal(out.headers['x-oss-date'], '20231216T162057Z');
      assert.equal(out.headers.Authorization, out.authorization);
    }
  });

  test('D4 (V4 presigned UploadPart, non-ASCII key, STS) through --presign', async () => {
    const out = await ok(
      ['--method', 'PUT', '--bucket', 'examplebucket', '--key', 'dir/测试 file+1.bin', '--region', 'oss-cn-hangzhou',
        '--date', '2023-11-14T22:13:20Z', '--query', 'partNumber=3', '--query', 'uploadId=0004B9895DBBB6EC98E36',
        '--security-token', 'tok/en+=', '--presign', '--expires', '3600'],
      vectorCreds,
    );
    assert.equal(out.canonicalRequest,
      'PUT\n/examplebucket/dir/%E6%B5%8B%E8%AF%95%20file%2B1.bin\npartNumber=3&uploadId=0004B9895DBBB6EC98E36&x-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-security-token=tok%2Fen%2B%3D&x-oss-signature-version=OSS4-HMAC-SHA256\n\n\nUNSIGNED-PAYLOAD');
    assert.equal(sha256(out.canonicalRequest), 'b5746ab89314a1073ae0ea92a1221a8ff9faedefa4d4d990af7fc5bcf4d52112');
    assert.equal(out.signature, 'fca5007fe810ce707cf44a3d969eb4890f72e2f2102a2c083b92b84bda61d4ac');
    assert.equal(out.stringToSign.split('\n')[3], 'b5746ab89314a1073ae0ea92a1221a8ff9faedefa4d4d990af7fc5bcf4d52112');
    assert.equal(out.expiresAt, '2023-11-14T23:13:20.000Z');
    assert.equal(out.mode, 'presign');
    const url = new URL(out.url);
    assert.equal(url.origin, 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com');
    assert.equal(url.pathname, '/dir/%E6%B5%8B%E8%AF%95%20file%2B1.bin');
    assert.equal(url.searchParams.get('x-oss-signature'), out.signature);
    assert.equal(url.searchParams.get('x-oss-expires'), '3600');
    assert.equal(url.searchParams.get('x-oss-security-token'), 'tok/en+=');
    assert.match(out.url, /&x-oss-security-token=tok%2Fen%2B%3D&/);
    assert.equal(url.searchParams.get('partNumber'), '3');
  });

  test('V1 presign: Expires = date + expires (seconds, fraction dropped), STS token as security-token', async () => {
    const r = await cli(['sign', '--version', 'v1', '--method', 'PUT', '--bucket', 'b12', '--key', 'a b', '--region', 'cn-hangzhou',
      '--date', '2023-11-14T22:13:20.750Z', '--query', 'partNumber=1', '--query', 'uploadId=U', '--query', 'max-parts=5',
      '--security-token', 'tok/en+=', '--presign', '--expires', '60']);
    assert.equal(r.code, 0, r.stderr);
    assertNoSecret(r);
    const out = JSON.parse(r.stdout);
    assert.equal(out.stringToSign, 'PUT\n\n\n1700000060\n/b12/a b?partNumber=1&security-token=tok/en+=&uploadId=U');
    assert.equal(out.canonicalRequest, null);
    assert.equal(out.expiresAt, '2023-11-14T22:14:20.000Z');
    const url = new URL(out.url);
    assert.equal(url.searchParams.get('Expires'), String(1700000000 + 60));
    assert.equal(url.searchParams.get('OSSAccessKeyId'), 'ak');
    assert.equal(url.searchParams.get('security-token'), 'tok/en+=');
    assert.equal(url.searchParams.get('max-parts'), '5', 'unsigned params stay in the URL');
    assert.equal(url.searchParams.get('Signature'), out.signature);
    assert.equal(url.pathname, '/a%20b');
  });

  test('V1 presign Expires arithmetic over a day boundary and a long lifetime', async () => {
    const out = await ok(['--version', 'v1', '--method', 'GET', '--bucket', 'b12', '--key', 'k', '--region', 'cn-hangzhou',
      '--date', '2024-02-29T23:59:59Z', '--presign', '--expires', '31536000'], undefined, inProcess);
    const expected = Date.UTC(2024, 1, 29, 23, 59, 59) / 1000 + 31536000;
    assert.equal(new URL(out.url).searchParams.get('Expires'), String(expected));
    assert.equal(out.expiresAt, new Date(expected * 1000).toISOString());
    assert.equal(out.stringToSign.split('\n')[3], String(expected));
  });

  test('STS token in header mode: V4 and V1 sign x-oss-security-token', async () => {
    const base = ['--method', 'PUT', '--bucket', 'b12', '--key', 'k', '--region', 'cn-hangzhou', '--date', '2023-11-14T22:13:20Z', '--security-token', 'CAIS+/=='];
    const v4 = await ok(base);
    assert.equal(v4.headers['x-oss-security-token'], 'CAIS+/==');
    assert.match(v4.canonicalRequest, /\nx-oss-security-token:CAIS\+\/==\n/);
    const v1 = await ok([...base, '--version', 'v1'], undefined, inProcess);
    assert.equal(v1.headers['x-oss-security-token'], 'CAIS+/==');
    assert.equal(v1.headers.Date, 'Tue, 14 Nov 2023 22:13:20 GMT', 'V1 without a date header: Date added from --date');
    assert.equal(v1.stringToSign, 'PUT\n\n\nTue, 14 Nov 2023 22:13:20 GMT\nx-oss-security-token:CAIS+/==\n/b12/k');
  });

  test('endpoints: default virtual host, path style for an emulator, virtual for <bucket>.host and *.aliyuncs.com', async () => {
    const base = ['--method', 'GET', '--bucket', 'b12', '--key', 'a/b+c', '--region', 'cn-shanghai', '--date', '2023-11-14T22:13:20Z', '--query', 'uploads'];
    const def = await ok(base);
    assert.equal(def.url, 'https://b12.oss-cn-shanghai.aliyuncs.com/a/b%2Bc?uploads');
    const emu = await ok([...base, '--endpoint', 'http://127.0.0.1:9000/oss'], undefined, inProcess);
    assert.equal(emu.url, 'http://127.0.0.1:9000/oss/b12/a/b%2Bc?uploads');
    const local = await ok([...base, '--endpoint', 'http://localhost:9000'], undefined, inProcess);
    assert.equal(local.url, 'http://localhost:9000/b12/a/b%2Bc?uploads');
    const vhost = await ok([...base, '--endpoint', 'https://b12.files.example.com'], undefined, inProcess);
    assert.equal(vhost.url, 'https://b12.files.example.com/a/b%2Bc?uploads');
    const internal = await ok([...base, '--endpoint', 'oss-cn-shanghai-internal.aliyuncs.com'], undefined, inProcess);
    assert.equal(internal.url, 'https://b12.oss-cn-shanghai-internal.aliyuncs.com/a/b%2Bc?uploads');
    // The host is not signed: the same signature everywhere.
    for (const o of [emu, local, vhost, internal]) assert.equal(o.authorization, def.authorization);
  });

  test('--additional-headers host is filled from the URL host and signed', async () => {
    const out = await ok(['--method', 'GET', '--bucket', 'b12', '--key', 'k', '--region', 'cn-hangzhou', '--date', '2023-11-14T22:13:20Z',
      '--endpoint', 'http://127.0.0.1:9000', '--additional-headers', 'Host', '--header', 'X-Custom: 1', '--presign', '--expires', '60']);
    assert.equal(out.headers.Host, '127.0.0.1:9000');
    assert.match(out.canonicalRequest, /\nhost:127\.0\.0\.1:9000\n\nhost\nUNSIGNED-PAYLOAD$/);
    assert.equal(new URL(out.url).searchParams.get('x-oss-additional-headers'), 'host');
  });

  test('--additional-headers: names the request lacks, and x-oss-* names, are dropped with a note, as the SDKs do', async () => {
    const args = ['--method', 'PUT', '--bucket', 'b12', '--key', 'k', '--region', 'cn-hangzhou', '--date', '2023-11-14T22:13:20Z', '--presign', '--expires', '60',
      '--header', 'X-Custom: 1', '--header', 'x-oss-meta-a: 1'];
    const r = await inProcess(['sign', ...args, '--additional-headers', 'x-custom,x-missing,x-oss-meta-a,Content-Type']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(new URL(out.url).searchParams.get('x-oss-additional-headers'), 'x-custom');
    assert.match(r.stderr, /dropped "x-missing": no such --header \(OSS rejects a listed header the request lacks, EC 0002-00000078\)/);
    assert.match(r.stderr, /dropped "x-oss-meta-a": V4 signs it whenever the request carries it/);
    assert.match(r.stderr, /dropped "Content-Type"/);
    // The same signature as listing only what is kept.
    const kept = JSON.parse((await inProcess(['sign', ...args, '--additional-headers', 'x-custom'])).stdout);
    assert.equal(out.signature, kept.signature);
    // Nothing left: no x-oss-additional-headers at all.
    const none = JSON.parse((await inProcess(['sign', ...args, '--additional-headers', 'x-missing'])).stdout);
    assert.equal(new URL(none.url).searchParams.get('x-oss-additional-headers'), null);
  });

  test('repeated --header names are joined with ","; --query values are raw', async () => {
    const out = await ok(['--method', 'PUT', '--bucket', 'b12', '--key', 'k', '--region', 'cn-hangzhou', '--date', '2023-11-14T22:13:20Z',
      '--header', 'x-oss-meta-a: 1', '--header', 'X-Oss-Meta-A: 2', '--query', 'response-content-disposition=attachment; filename=a b.txt'], undefined, inProcess);
    assert.equal(out.headers['x-oss-meta-a'], '1,2');
    assert.match(out.canonicalRequest, /\nx-oss-meta-a:1,2\n/);
    assert.match(out.canonicalRequest, /\nresponse-content-disposition=attachment%3B%20filename%3Da%20b.txt\n/);
  });

  test('help and the top-level dispatcher', async () => {
    const help = await cli(['sign', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--presign/);
    const top = await inProcess(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^ {2}sign /m);
    const none = await cli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage:/);
    const unknown = await inProcess(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  const ok4 = ['--method', 'PUT', '--bucket', 'b12', '--key', 'k', '--region', 'cn-hangzhou', '--date', '2023-11-14T22:13:20Z'];
  const without = (flag: string) => {
    const i = ok4.indexOf(flag);
    return [...ok4.slice(0, i), ...ok4.slice(i + 2)];
  };
  // One row of each kind (marked with a leading "*") runs as a real process.
  const bad: Array<[string, string[], RegExp, Record<string, string | undefined>?]> = [
    ['*unknown flag', [...ok4, '--bogus'], /Unknown option '--bogus'/],
    ['positional argument', [...ok4, 'extra'], /positional/i],
    ['*missing --method', without('--method'), /missing required flag: --method/],
    ['missing --bucket', without('--bucket'), /missing required flag: --bucket/],
    ['missing --region', without('--region'), /missing required flag: --region/],
    ['missing --date', without('--date'), /missing required flag: --date/],
    ['missing several', ['--method', 'GET'], /missing required flags: --bucket, --region, --date/],
    ['flag without value', [...ok4, '--key'], /argument missing/],
    ['*date not ISO', [...without('--date'), '--date', 'Tue, 14 Nov 2023 22:13:20 GMT'], /--date must be ISO 8601 UTC/],
    ['date with an offset', [...without('--date'), '--date', '2023-11-14T22:13:20+08:00'], /--date must be ISO 8601 UTC/],
    ['date without zone', [...without('--date'), '--date', '2023-11-14T22:13:20'], /--date must be ISO 8601 UTC/],
    ['date Feb 30', [...without('--date'), '--date', '2023-02-30T00:00:00Z'], /--date is not a valid UTC time/],
    ['date 25:00', [...without('--date'), '--date', '2023-02-01T25:00:00Z'], /--date is not a valid UTC time/],
    ['date before 1970', [...without('--date'), '--date', '1969-12-31T23:59:59Z'], /--date is not a valid UTC time/],
    ['presign without --expires', [...ok4, '--presign'], /missing required flag: --expires/],
    ['--expires without --presign', [...ok4, '--expires', '60'], /--expires only applies with --presign/],
    ['*expires 0', [...ok4, '--presign', '--expires', '0'], /--expires must be a whole number/],
    ['expires negative', [...ok4, '--presign', '--expires=-5'], /--expires must be a whole number/],
    ['expires fractional', [...ok4, '--presign', '--expires', '1.5'], /--expires must be a whole number/],
    ['expires not a number', [...ok4, '--presign', '--expires', '1h'], /--expires must be a whole number/],
    ['V4 expires over 7 days', [...ok4, '--presign', '--expires', '604801'], /1 to 604800/],
    ['*header without colon', [...ok4, '--header', 'Content-Type text/plain'], /--header must be "Name: value"/],
    ['header with a bad name', [...ok4, '--header', 'Bad Name: x'], /--header must be "Name: value"/],
    ['header with an empty name', [...ok4, '--header', ': x'], /--header must be "Name: value"/],
    ['*bad version', [...ok4, '--version', 'v2'], /--version must be v4 or v1/],
    ['bad method', [...without('--method'), '--method', 'PU T'], /--method must be an HTTP method/],
    ['bad bucket', [...without('--bucket'), '--bucket', 'Bad_Bucket'], /--bucket: invalid OSS bucket name/],
    ['bad region', [...without('--region'), '--region', 'cn hangzhou'], /--region: invalid OSS region/],
    ['bad endpoint scheme', [...ok4, '--endpoint', 'ftp://example.com'], /--endpoint: OSS endpoint must be http or https/],
    ['key with a leading slash', [...without('--key'), '--key', '/k'], /--key must not start with "\/"/],
    ['query without a name', [...ok4, '--query', '=v'], /--query needs a name/],
    ['x-oss-date header in V4', [...ok4, '--header', 'x-oss-date: 20231114T221320Z'], /V4 takes its signing time from --date/],
    ['additional headers in V1', [...ok4, '--version', 'v1', '--additional-headers', 'host'], /--additional-headers is V4 only/],
    ['additional header with "_"', [...ok4, '--additional-headers', 'x_custom', '--header', 'x_custom: 1'], /rejects names containing "_"/],
    ['empty security token', [...ok4, '--security-token', ''], /--security-token is empty/],
    ['*no access key id', ok4, /missing credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/, { ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET }],
    ['no secret', ok4, /missing credentials/, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak' }],
    ['empty secret', ok4, /missing credentials/, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: '' }],
  ];
  for (const [name, args, message, creds] of bad) {
    test(`exit 2 and a message: ${name}`, async () => {
      const r = await (name.startsWith('*') ? cli : inProcess)(['sign', ...args], creds);
      assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^sign: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assertNoSecret(r);
    });
  }

  test('the secret is never printed, in any mode', async () => {
    const modes = [[], ['--version', 'v1'], ['--presign', '--expires', '60'], ['--version', 'v1', '--presign', '--expires', '60']];
    for (const [i, m] of modes.entries()) {
      const r = await (i === 0 ? cli : inProcess)(['sign', ...ok4, '--security-token', 'tok', '--header', 'Content-Type: text/plain', ...m]);
      assert.equal(r.code, 0, r.stderr);
      assertNoSecret(r);
      assert.match(r.stdout, /ak/);
    }
  });
});

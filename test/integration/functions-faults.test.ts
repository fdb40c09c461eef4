// The upload functions under OSS faults (emulator fault injection), end to end over HTTP:
// 5xx bursts are retried to success, a lost complete response is recovered, a corrupted CRC is
// detected (also against the client's own CRC-64 of its file), and a failing upload callback is
// reported without losing the stored object.
import { test, describe, before, after, beforeEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { startStack, putParts, type TestStack } from '../helpers/stack.ts';
import { initUpload, signParts, uploadAllParts } from '../helpers/upload.ts';
import { crc64 } from '../../shared/oss/crc64.ts';
import { corruptCrc } from '../../infra/emulator/faults.ts';
import { getObject, headObject } from '../../shared/oss/objects.ts';
import { completeMultipartUpload } from '../../shared/oss/multipart.ts';
import { iterateMultipartUploads } from '../../shared/oss/paginators.ts';

const KiB = 1024;

async function uploadsUnder(s: TestStack, prefix: string) {
  const out = [];
  for await (const u of iterateMultipartUploads(s.oss, { prefix })) out.push(u);
  return out;
}

async function assertStored(s: TestStack, key: string, data: Uint8Array) {
  const head = await headObject(s.oss, key);
  assert.ok(head, 'the object exists');
  assert.equal(head.size, data.length);
  assert.equal(head.crc64, crc64(data));
  const got = await getObject(s.oss, key);
  assert.ok(Buffer.from(got.body).equals(Buffer.from(data)), 'stored bytes equal the file');
}

describe('OSS 503 bursts are retried to success through the functions', () => {
  let s: TestStack;
  before(async () => {
    // A limit, so init also lists the caller's uploads (ListMultipartUploads) before initiating.
    s = await startStack({ env: { MAX_ACTIVE_UPLOADS: '50' } });
  });
  after(() => s?.close());
  beforeEach(() => s.emulator.admin.faults.clear());

  test('InitiateMultipartUpload: 2 x 503, then 201 and exactly one upload in OSS', async () => {
    const [rule] = s.emulator.admin.faults.add({ op: 'InitiateMultipartUpload', action: 'error', status: 503, count: 2, keyPrefix: 'uploads/init503/' });
    const r = await s.post('/uploads', { filename: 'a.bin', size: 1000 }, { sub: 'init503' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(s.emulator.admin.faults.list().find((x) => x.id === rule.id), undefined, 'both injected 503s were consumed');
    const uploads = await uploadsUnder(s, 'uploads/init503/');
    assert.deepEqual(uploads.map((u) => [u.key, u.uploadId]), [[r.body.key, r.body.uploadId]], 'no orphan upload from the failed attempts');
  });

  test('ListMultipartUploads (active-upload count): 2 x 503, then init succeeds', async () => {
    s.emulator.admin.faults.add({ op: 'ListMultipartUploads', action: 'error', status: 503, count: 2 });
    const r = await s.post('/uploads', { filename: 'a.bin', size: 1000 }, { sub: 'lmu503' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(s.emulator.admin.faults.list().length, 0);
  });

  test('ListParts: 2 x 503, then list answers every part', async () => {
    const data = randomBytes(250 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'ListParts', action: 'error', status: 503, count: 2 });
    const r = await s.post('/uploads/list', { token: up.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.parts.map((p: { partNumber: number }) => p.partNumber), [1, 2, 3]);
    assert.equal(r.body.uploadedBytes, data.length);
    assert.equal(s.emulator.admin.faults.list().length, 0);
  });

  test('CompleteMultipartUpload: 2 x 503, then a normal completion (not "recovered") with the callback', async () => {
    const data = randomBytes(150 * KiB + 7);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'error', status: 503, count: 2 });
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.recovered, undefined);
    assert.equal(r.body.callbackStatus, 'ok');
    assert.equal(r.body.callback.key, up.key);
    assert.equal(r.body.crc64, crc64(data).toString());
    assert.equal(s.emulator.admin.faults.list().length, 0);
    await assertStored(s, up.key, data);
  });

  test('a 503 burst longer than the retry budget: init answers 502 OSS_ERROR and creates no upload', async () => {
    s.emulator.admin.faults.add({ op: 'InitiateMultipartUpload', action: 'error', status: 503, count: -1 });
    const r = await s.post('/uploads', { filename: 'a.bin', size: 1000 }, { sub: 'init503forever' });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'OSS_ERROR');
    assert.equal(r.body.error.details.ossCode, 'ServiceUnavailable');
    assert.equal(typeof r.body.error.requestId, 'string');
    assert.deepEqual(await uploadsUnder(s, 'uploads/init503forever/'), []);
  });

  test('a 503 burst longer than the retry budget on complete: 502, the upload is untouched and a later complete succeeds', async () => {
    const data = randomBytes(120 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'error', status: 503, count: -1 });
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'OSS_ERROR');
    s.emulator.admin.faults.clear();
    assert.equal(await headObject(s.oss, up.key), null, 'nothing stored yet');
    const listed = await s.post('/uploads/list', { token: up.token });
    assert.equal(listed.body.parts.length, 2, 'the parts are still there (the user can see them)');
    const again = await s.post('/uploads/complete', { token: up.token });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.recovered, undefined);
    await assertStored(s, up.key, data);
  });
});

describe('lost complete responses', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack();
  });
  after(() => s?.close());
  beforeEach(() => s.emulator.admin.faults.clear());

  test('drop-after on CompleteMultipartUpload: the function still answers success (recovered) and the object has the right bytes', async () => {
    const data = randomBytes(230 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-after', count: 1 });
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.recovered, true);
    assert.equal(r.body.key, up.key);
    assert.equal(r.body.size, data.length);
    assert.equal(r.body.crc64, crc64(data).toString());
    // The callback ran with the attempt whose response was lost; its answer is gone with it.
    assert.equal(r.body.callbackStatus, 'unknown');
    const delivered = s.emulator.admin.callbacks.log.filter((l) => JSON.parse(l.body).key === up.key);
    assert.equal(delivered.length, 1, 'OSS called back once, for the first attempt');
    assert.equal(delivered[0].result.ok, true);
    await assertStored(s, up.key, data);
  });

  test('drop-before on CompleteMultipartUpload: retried, a normal completion', async () => {
    const data = randomBytes(130 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-before', count: 1 });
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.recovered, undefined);
    assert.equal(r.body.callbackStatus, 'ok');
    await assertStored(s, up.key, data);
  });

  test('every response of complete lost: the call answers 502, and the client\'s retry of the call recovers', async () => {
    const data = randomBytes(110 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-after', count: -1 });
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'OSS_ERROR');
    s.emulator.admin.faults.clear();
    const again = await s.post('/uploads/complete', { token: up.token });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.recovered, true);
    assert.equal(again.body.crc64, crc64(data).toString());
    await assertStored(s, up.key, data);
  });
});

describe('corrupted CRC-64', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack();
  });
  after(() => s?.close());
  beforeEach(() => s.emulator.admin.faults.clear());

  test('the OSS client surfaces the reported CRC as is (detection is the service\'s job)', async () => {
    const data = randomBytes(120 * KiB);
    const { up, parts } = await uploadAllParts(s, data, 100 * KiB);
    // Completed directly (no function), so the upload is finished here; the token is not used again.
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'corrupt-crc', count: 1 });
    const res = await completeMultipartUpload(s.oss, up.key, up.uploadId, { parts });
    assert.equal(res.kind, 'completed');
    assert.equal(res.crc64, BigInt(corruptCrc(crc64(data).toString())));
    await assertStored(s, up.key, data);
  });

  test('corrupt-crc on CompleteMultipartUpload: 502 INTEGRITY_MISMATCH with both CRCs; the object is kept', async () => {
    const data = randomBytes(260 * KiB + 3);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'CompleteMultipartUpload', action: 'corrupt-crc', count: 1 });
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'INTEGRITY_MISMATCH');
    const expected = crc64(data).toString();
    assert.equal(r.body.error.details.expectedCrc64, expected);
    assert.equal(r.body.error.details.reportedCrc64, corruptCrc(expected));
    assert.equal(r.body.error.details.key, up.key);
    assert.match(r.body.message, /object is stored/);
    await assertStored(s, up.key, data);
    // Asking again confirms the stored object from OSS's own HEAD (its CRC is the parts' CRC).
    const again = await s.post('/uploads/complete', { token: up.token });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.recovered, true);
    assert.equal(again.body.crc64, expected);
  });

  test('corrupt-crc on ListParts before complete: also INTEGRITY_MISMATCH, never a silent success', async () => {
    const data = randomBytes(210 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'ListParts', action: 'corrupt-crc', count: 1 });
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'INTEGRITY_MISMATCH');
    assert.equal(r.body.error.details.reportedCrc64, crc64(data).toString());
    await assertStored(s, up.key, data);
  });
});

describe("complete with the client's CRC-64 of its file", () => {
  let s: TestStack;
  before(async () => {
    s = await startStack();
  });
  after(() => s?.close());
  beforeEach(() => s.emulator.admin.faults.clear());

  test('the right crc64: completed as usual', async () => {
    const data = randomBytes(210 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    const r = await s.post('/uploads/complete', { token: up.token, crc64: crc64(data).toString() });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.crc64, crc64(data).toString());
  });

  test('a part gone bad in OSS: 502 INTEGRITY_MISMATCH before anything is assembled; the upload is kept, and completes once the part is sent again', async () => {
    const data = randomBytes(250 * KiB);
    const up = await initUpload(s, data.length, 100 * KiB);
    const signed = await signParts(s, up.token, [1, 2, 3]);
    s.emulator.admin.faults.add({ op: 'UploadPart', action: 'corrupt-part', count: 1 });
    await putParts(signed.slice(1, 2), data, up.partSize); // part 2 goes bad
    await putParts([signed[0], signed[2]], data, up.partSize);
    const callbacksBefore = s.emulator.admin.callbacks.log.length;
    const r = await s.post('/uploads/complete', { token: up.token, crc64: crc64(data).toString() });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'INTEGRITY_MISMATCH');
    assert.equal(r.body.error.details.completed, false);
    assert.equal(r.body.error.details.expectedCrc64, crc64(data).toString());
    assert.match(r.body.message, /nothing was completed/);
    assert.equal(await headObject(s.oss, up.key), null, 'no object');
    assert.equal(s.emulator.admin.callbacks.log.length, callbacksBefore, 'no upload callback for a bad object');
    const listed = await s.post('/uploads/list', { token: up.token });
    const bad = listed.body.parts.find((p: { partNumber: number }) => p.partNumber === 2);
    assert.notEqual(bad.crc64, crc64(data.subarray(100 * KiB, 200 * KiB)).toString(), 'list shows which part differs');
    await putParts(signed.slice(1, 2), data, up.partSize);
    const again = await s.post('/uploads/complete', { token: up.token, crc64: crc64(data).toString() });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    await assertStored(s, up.key, data);
  });

  test('without crc64 the same bad part is completed (only the client can tell): why the client sends it', async () => {
    const data = randomBytes(150 * KiB);
    const up = await initUpload(s, data.length, 100 * KiB);
    s.emulator.admin.faults.add({ op: 'UploadPart', action: 'corrupt-part', count: 1 });
    await putParts(await signParts(s, up.token, [1, 2]), data, up.partSize, 1);
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 200);
    assert.notEqual(r.body.crc64, crc64(data).toString());
  });

  test('a repeated complete after a lost answer checks the stored object against crc64 too', async () => {
    const data = randomBytes(120 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    assert.equal((await s.post('/uploads/complete', { token: up.token, crc64: crc64(data).toString() })).status, 200);
    const ok = await s.post('/uploads/complete', { token: up.token, crc64: crc64(data).toString() });
    assert.equal(ok.body.recovered, true);
    const wrong = await s.post('/uploads/complete', { token: up.token, crc64: '1' });
    assert.equal(wrong.status, 502, JSON.stringify(wrong.body));
    assert.equal(wrong.body.error.details.completed, true);
    assert.match(wrong.body.message, /object is stored/);
  });

  test('a malformed crc64 is 400 VALIDATION_FAILED and changes nothing', async () => {
    const data = randomBytes(120 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    for (const crc64Value of ['abc', '', '-1', '18446744073709551616', '1'.repeat(21), 12345, true, ['1']]) {
      const r = await s.post('/uploads/complete', { token: up.token, crc64: crc64Value });
      assert.equal(r.status, 400, `${JSON.stringify(crc64Value)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.equal(r.body.error.details.field, 'crc64');
    }
    assert.equal(await headObject(s.oss, up.key), null);
    assert.equal((await s.post('/uploads/complete', { token: up.token, crc64: crc64(data).toString() })).status, 200);
  });
});

describe('a failing upload callback', () => {
  let s: TestStack;
  let server: Server;
  let mode: 'status500' | 'not-json' | 'slow' | 'ok' = 'ok';
  let received = 0;
  before(async () => {
    // OSS needs a Content-Length on the callback's answer, so every reply here sends one.
    const reply = (res: ServerResponse, status: number, type: string, body: string) =>
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        if (mode === 'status500') reply(res, 500, 'application/json', '{"error":"boom"}');
        else if (mode === 'not-json') reply(res, 200, 'text/html', '<html>hello</html>');
        else if (mode === 'slow') setTimeout(() => reply(res, 200, 'application/json', '{"ok":true}'), 1500);
        else reply(res, 200, 'application/json', '{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    s = await startStack({ env: { CALLBACK_URL: `http://127.0.0.1:${port}/cb` }, emulator: { callbackTimeoutMs: 500 } });
  });
  after(async () => {
    await s?.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function completeWithCallback(): Promise<{ body: any; data: Buffer; key: string }> {
    const data = randomBytes(140 * KiB);
    const { up } = await uploadAllParts(s, data, 100 * KiB);
    const before = received;
    const r = await s.post('/uploads/complete', { token: up.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(received, before + 1, 'OSS called the callback URL');
    return { body: r.body, data, key: up.key };
  }

  function assertFailedButStored(body: any, data: Buffer, key: string, reason: RegExp) {
    assert.equal(body.callbackStatus, 'failed');
    assert.equal(body.callback, undefined);
    assert.equal(body.callbackError.code, 'CALLBACK_FAILED');
    assert.match(body.callbackError.message, /object is stored/);
    assert.match(body.callbackError.message, reason);
    assert.equal(body.key, key);
    assert.equal(body.size, data.length);
    assert.equal(body.crc64, crc64(data).toString());
    assert.equal(typeof body.etag, 'string');
  }

  test('callback answers 500: complete is 200 with callbackStatus "failed" and the object is stored', async () => {
    mode = 'status500';
    const { body, data, key } = await completeWithCallback();
    assertFailedButStored(body, data, key, /500/);
    await assertStored(s, key, data);
  });

  test('callback answers 200 but not JSON: failed, stored', async () => {
    mode = 'not-json';
    const { body, data, key } = await completeWithCallback();
    assertFailedButStored(body, data, key, /json/i);
    await assertStored(s, key, data);
  });

  test('callback too slow for OSS: failed, stored', async () => {
    mode = 'slow';
    const { body, data, key } = await completeWithCallback();
    assertFailedButStored(body, data, key, /timeout/i);
    await assertStored(s, key, data);
  });

  test('callback answers JSON: ok, and the JSON is relayed', async () => {
    mode = 'ok';
    const { body, data, key } = await completeWithCallback();
    assert.equal(body.callbackStatus, 'ok');
    assert.deepEqual(body.callback, { ok: true });
    await assertStored(s, key, data);
  });

  test('completing again after a failed callback: recovered, nothing lost', async () => {
    mode = 'status500';
    const data = randomBytes(100 * KiB + 1);
    const up = await initUpload(s, data.length, 100 * KiB);
    await putParts(await signParts(s, up.token, [1, 2]), data, up.partSize);
    const first = await s.post('/uploads/complete', { token: up.token });
    assert.equal(first.body.callbackStatus, 'failed');
    const again = await s.post('/uploads/complete', { token: up.token });
    assert.equal(again.status, 200);
    assert.equal(again.body.recovered, true);
    await assertStored(s, up.key, data);
  });
});

describe('a client that drops the connection mid-body', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack();
  });
  after(() => s?.close());

  test('gets no 500, and the function log gets no error line or stack trace', async () => {
    const logs: string[] = [];
    mock.method(console, 'error', (...a: unknown[]) => logs.push(a.map(String).join(' ')));
    try {
      const u = new URL(s.functions.url);
      for (const path of ['/uploads', '/uploads/sign', '/s3/multipart', '/oss/callback']) {
        const answer = await new Promise<string>((resolve) => {
          const sock = connect(Number(u.port), u.hostname, () => {
            sock.write(
              `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${s.jwt('alice')}\r\n` +
                `Content-Length: 1000\r\n\r\n{"filename":"a.bin","size":1000,"pad":"${'x'.repeat(400)}`,
            );
            // Half the body, then the client goes away (FIN), still reading whatever comes back.
            setTimeout(() => sock.end(), 50);
          });
          let out = '';
          sock.on('data', (d) => (out += d));
          sock.on('close', () => resolve(out));
          sock.on('error', () => resolve(out));
        });
        assert.doesNotMatch(answer, /^HTTP\/1\.1 5\d\d/, `${path}: ${answer.slice(0, 100)}`);
      }
      // Let the handlers finish what they started.
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(logs.filter((l) => /"level":"error"|stack|INTERNAL/.test(l)), []);
    } finally {
      mock.restoreAll();
    }
  });
});

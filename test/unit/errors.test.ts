import { describe, it, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  ERROR_CODES,
  HttpError,
  httpError,
  errorBody,
  installErrorHandling,
  validationFailed,
  redactSecrets,
  toHttpError,
  type ErrorCode,
} from '../../shared/http/errors';
import { OssError, OssNetworkError, OssProtocolError, OssTimeoutError } from '../../shared/oss/errors';
import { handle, type FcEnv } from '../../shared/http/fc-adapter';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('ERROR_CODES', () => {
  const expected: Record<string, number> = {
    BAD_REQUEST: 400, INVALID_JSON: 400, VALIDATION_FAILED: 400, UNAUTHENTICATED: 401, TOKEN_INVALID: 401,
    FORBIDDEN: 403, UPLOAD_NOT_FOUND: 404, CONFLICT: 409, INCOMPLETE_UPLOAD: 409, PAYLOAD_TOO_LARGE: 413,
    FILE_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, TOO_MANY_UPLOADS: 429, OSS_ERROR: 502,
    CALLBACK_SIGNATURE_INVALID: 403, MISCONFIGURED: 500, INTERNAL: 500,
  };
  for (const [code, status] of Object.entries(expected)) {
    it(`${code} -> ${status}`, () => {
      assert.equal(ERROR_CODES[code as ErrorCode], status);
      const e = httpError(code as ErrorCode, 'm');
      assert.equal(e.status, status);
      assert.equal(e.code, code);
      assert.ok(e instanceof Error);
    });
  }
});

describe('errorBody', () => {
  it('has the documented error shape (README, OpenAPI Error)', () => {
    assert.deepEqual(errorBody('UPLOAD_NOT_FOUND', 'No such upload', 'req-1'), {
      error: { code: 'UPLOAD_NOT_FOUND', message: 'No such upload', requestId: 'req-1' },
      message: 'No such upload',
    });
  });
  it('includes details only when there are some', () => {
    assert.deepEqual(errorBody('VALIDATION_FAILED', 'size bad', 'r', { field: 'size' }).error.details, { field: 'size' });
    assert.equal('details' in errorBody('VALIDATION_FAILED', 'x', 'r', {}).error, false);
  });
  it('redacts secrets in details too (a field path echoes the client\'s own keys)', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';
    const b = errorBody('VALIDATION_FAILED', 'bad', 'r', { field: `contentMd5.${jwt}`, problems: [{ field: `contentMd5.${jwt}`, message: 'm' }], n: 3 });
    assert.doesNotMatch(JSON.stringify(b), /c2lnbmF0dXJl/);
    assert.equal((b.error.details as any).n, 3);
  });
  it('redacts secrets that slipped into a message', () => {
    const b = errorBody('OSS_ERROR', 'failed GET https://b.oss/k?x-oss-signature=abcdef0123&x-oss-credential=LTAI/20240101', 'r');
    assert.doesNotMatch(b.message, /abcdef0123|LTAI/);
    assert.equal(b.error.message, b.message);
  });
});

describe('VALIDATION_FAILED lists its problems', () => {
  it('validationFailed: every problem in details.problems, the first in details.field, all in the message', () => {
    const e = validationFailed([
      { field: 'filename', message: 'filename must not be empty' },
      { field: 'parts[2].etag', message: 'parts[2].etag must be a string' },
    ]);
    assert.equal(e.status, 400);
    assert.equal(e.code, 'VALIDATION_FAILED');
    assert.equal(e.message, 'filename must not be empty; parts[2].etag must be a string');
    assert.deepEqual(e.details, {
      field: 'filename',
      problems: [
        { field: 'filename', message: 'filename must not be empty' },
        { field: 'parts[2].etag', message: 'parts[2].etag must be a string' },
      ],
    });
  });
  it('a one-problem httpError carries the same list, keeping its other details', () => {
    const e = httpError('VALIDATION_FAILED', 'At most 1000 part numbers per call', { field: 'partNumbers', max: 1000 });
    assert.deepEqual(e.details, { field: 'partNumbers', max: 1000, problems: [{ field: 'partNumbers', message: 'At most 1000 part numbers per call' }] });
    assert.deepEqual(httpError('VALIDATION_FAILED', 'Callback body is not JSON').details, { field: '', problems: [{ field: '', message: 'Callback body is not JSON' }] });
  });
});

describe('toHttpError: OSS failures', () => {
  const oss = (code: string, status: number) => new OssError({ code, status, operation: 'CompleteMultipartUpload', requestId: 'RID1' });
  it('maps OSS codes to what a caller can act on, with the OSS code and request id', () => {
    const cases: Array<[string, number, ErrorCode, number]> = [
      ['NoSuchUpload', 404, 'UPLOAD_NOT_FOUND', 404],
      ['FileAlreadyExists', 409, 'CONFLICT', 409],
      ['InvalidPart', 400, 'INCOMPLETE_UPLOAD', 409],
      ['InvalidPartOrder', 400, 'INCOMPLETE_UPLOAD', 409],
      ['EntityTooSmall', 400, 'INCOMPLETE_UPLOAD', 409],
      ['SignatureDoesNotMatch', 403, 'OSS_ERROR', 502],
      ['ServiceUnavailable', 503, 'OSS_ERROR', 502],
    ];
    for (const [ossCode, ossStatus, code, status] of cases) {
      const e = toHttpError(oss(ossCode, ossStatus));
      assert.equal(e.code, code, ossCode);
      assert.equal(e.status, status, ossCode);
      assert.deepEqual(e.details, { ossCode, ossRequestId: 'RID1' });
    }
    assert.equal(toHttpError(oss('ServiceUnavailable', 503)).message, 'OSS answered 503 ServiceUnavailable.');
  });
  it('network, timeout and protocol failures are 502 OSS_ERROR naming only the kind', () => {
    const failures = [
      new OssNetworkError({ operation: 'ListParts', code: 'ECONNRESET', mayHaveReachedServer: true }),
      new OssTimeoutError({ operation: 'ListParts', timeoutMs: 5 }),
      new OssProtocolError('ListParts: bad XML'),
    ];
    for (const f of failures) {
      const e = toHttpError(f);
      assert.equal(e.code, 'OSS_ERROR');
      assert.equal(e.message, 'OSS could not be reached.');
      assert.deepEqual(e.details, { reason: f.name });
    }
  });
});

describe('redactSecrets', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';
  const cases: Array<[string, string, RegExp]> = [
    ['V1 presigned URL', 'https://b.oss-cn-hangzhou.aliyuncs.com/k?OSSAccessKeyId=LTAIabc&Expires=1&Signature=AbC%2Bd', /LTAIabc|AbC%2Bd/],
    ['V4 presigned URL', '?x-oss-credential=LTAIx%2F2024&x-oss-signature=deadbeef&x-oss-security-token=CAISsts', /LTAIx|deadbeef|CAISsts/],
    ['Authorization header', 'authorization: OSS4-HMAC-SHA256 Credential=LTAIkey/20240101/cn-hangzhou/oss/aliyun_v4_request,Signature=ff00', /LTAIkey|ff00/],
    ['bearer token', 'sent Bearer abc.def-ghi_jkl-mno', /abc\.def-ghi_jkl/],
    ['bare JWT', `token ${jwt} rejected`, /c2lnbmF0dXJl/],
    ['JSON secret field', '{"accessKeySecret":"s3cr3t","x":1}', /s3cr3t/],
    ['private key', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----', /MIIE/],
  ];
  for (const [label, input, leaked] of cases) {
    it(`masks a ${label}`, () => {
      const out = redactSecrets(input);
      assert.doesNotMatch(out, leaked);
      assert.match(out, /REDACTED/);
    });
  }
  it('leaves ordinary messages alone', () => {
    const m = 'The request signature we calculated does not match the signature you provided (SignatureDoesNotMatch)';
    assert.equal(redactSecrets(m), m);
    assert.equal(redactSecrets('size must be between 0 and 10'), 'size must be between 0 and 10');
    assert.equal(redactSecrets('send a Bearer token'), 'send a Bearer token');
  });
});

describe('installErrorHandling', () => {
  afterEach(() => mock.restoreAll());

  function app() {
    const a = installErrorHandling(new Hono<FcEnv>());
    a.get('/ok', (c) => c.json({ ok: true }));
    a.get('/raw', () => new Response('raw'));
    a.get('/http-error', () => {
      throw new HttpError(409, 'INCOMPLETE_UPLOAD', 'Parts 3, 4 are missing', { missing: [3, 4] });
    });
    a.get('/boom', () => {
      throw new Error('connect ECONNREFUSED https://b.oss/k?x-oss-signature=SECRETSIG');
    });
    a.get('/hono', () => {
      throw new HTTPException(413, { message: 'too big' });
    });
    a.get('/config', () => {
      const e = new Error('UPLOAD_TOKEN_SECRET is required');
      e.name = 'ConfigError';
      throw e;
    });
    return a;
  }

  it('maps HttpError to its status and JSON body, with x-request-id', async () => {
    const res = await app().request('/http-error');
    assert.equal(res.status, 409);
    const body = await res.json();
    assert.equal(body.error.code, 'INCOMPLETE_UPLOAD');
    assert.equal(body.message, 'Parts 3, 4 are missing');
    assert.deepEqual(body.error.details, { missing: [3, 4] });
    assert.match(body.error.requestId, UUID);
    assert.equal(res.headers.get('x-request-id'), body.error.requestId);
  });

  it('maps unknown errors to a generic 500 INTERNAL and logs them redacted', async () => {
    const logged: string[] = [];
    mock.method(console, 'error', (line: string) => logged.push(line));
    const res = await app().request('/boom');
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.equal(body.error.code, 'INTERNAL');
    assert.equal(body.message, 'Internal error');
    assert.equal(logged.length, 1);
    const log = JSON.parse(logged[0]);
    assert.equal(log.requestId, body.error.requestId);
    assert.match(log.message, /ECONNREFUSED/);
    assert.doesNotMatch(logged[0], /SECRETSIG/);
  });

  it('maps Hono HTTPException statuses to our codes', async () => {
    const res = await app().request('/hono');
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('maps a ConfigError to 500 MISCONFIGURED naming the problem', async () => {
    mock.method(console, 'error', () => {});
    const res = await app().request('/config');
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.equal(body.error.code, 'MISCONFIGURED');
    assert.match(body.message, /UPLOAD_TOKEN_SECRET is required/);
  });

  it('answers unknown routes with a JSON 404 NOT_FOUND', async () => {
    const res = await app().request('/nope', { method: 'POST' });
    assert.equal(res.status, 404);
    const body = await res.json();
    assert.equal(body.error.code, 'NOT_FOUND');
    assert.match(body.message, /POST \/nope/);
  });

  it('sets x-request-id on successful responses, including raw Responses', async () => {
    for (const path of ['/ok', '/raw']) {
      const res = await app().request(path);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('x-request-id') ?? '', UUID);
    }
  });

  it('uses the FC context requestId under FC', async () => {
    const handler = handle(app());
    const event = {
      rawPath: '/http-error',
      headers: {},
      requestContext: { domainName: 'x.fcapp.run', http: { method: 'GET' } },
    };
    const res = await handler(event, { requestId: 'fc-request-42' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.headers['x-request-id'], 'fc-request-42');
    assert.equal(JSON.parse(res.body).error.requestId, 'fc-request-42');
  });
});

import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  loadConfig,
  parseConfig,
  resetConfigForTests,
  credentialsFrom,
  uploadSettings,
  ConfigError,
  INTERNAL,
  CALLER_FACING,
  type Env,
} from '../../shared/config/index';
import type { UploadSettings } from '../../shared/upload/service';
import { HttpError } from '../../shared/http/errors';
import { problemsOf } from '../helpers/config-problems';

const TOKEN_SECRET = 'u'.repeat(32);
const JWT_SECRET = 'j'.repeat(40);
const BASE: Env = {
  OSS_REGION: 'cn-hangzhou',
  OSS_BUCKET: 'my-bucket',
  AUTH_JWT_SECRET: JWT_SECRET,
  UPLOAD_TOKEN_SECRET: TOKEN_SECRET,
};

/** Deep-equal on the keys `expected` names (other areas may add settings of their own). */
function assertIncludes(actual: object, expected: Record<string, unknown>): void {
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]));
  assert.deepEqual(picked, expected);
}

describe('parseConfig defaults', () => {
  it('fills every default from the minimal environment', () => {
    const c = parseConfig(BASE);
    assert.deepEqual(c.oss, {
      region: 'cn-hangzhou',
      bucket: 'my-bucket',
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      publicEndpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      forcePathStyle: false,
      signatureVersion: 'v4',
    });
    assert.equal(c.envCredentials, undefined);
    assert.deepEqual(c.auth, {
      mode: 'jwt',
      jwtSecret: JWT_SECRET,
      jwksAlgorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      maxTokenAgeSeconds: 0,
      cookieName: 'oss_upload_token',
      anonymousSub: 'anonymous',
    });
    assert.deepEqual(c.uploadToken, { secret: TOKEN_SECRET, ttlSeconds: 86400 });
    assertIncludes(c.policy, {
      keyPrefix: 'uploads',
      maxFileSize: 5 * 1024 ** 3,
      allowedContentTypes: ['*/*'],
      defaultPartSize: 8 * 1024 ** 2,
      urlExpiresSeconds: 3600,
      maxPartsPerSign: 1000,
      maxActiveUploads: 10,
    });
    assert.deepEqual(c.http, { maxBodyBytes: 1024 ** 2, corsAllowedOrigins: [] });
    assert.deepEqual(c.callback, { publicKeys: [], keyUrlPrefixes: [] });
    assert.deepEqual(c.sweep, { maxAgeHours: 24, dryRun: false });
  });

  it('is frozen', () => {
    const c = parseConfig(BASE);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.policy) && Object.isFrozen(c.policy.allowedContentTypes));
  });

  it('treats empty values as unset', () => {
    assert.equal(parseConfig({ ...BASE, KEY_PREFIX: '', MAX_FILE_SIZE: '  ' }).policy.keyPrefix, 'uploads');
  });
});

describe('parseConfig values', () => {
  it('reads every variable', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const c = parseConfig({
      ...BASE,
      OSS_ENDPOINT: 'oss-cn-hangzhou-internal.aliyuncs.com',
      OSS_FORCE_PATH_STYLE: 'TRUE',
      OSS_SIGNATURE_VERSION: 'V1',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIid',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'aksecret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'ststoken',
      AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      AUTH_ISSUER: 'https://idp.example.com/',
      AUTH_AUDIENCE: 'uploads-api',
      AUTH_JWKS_ALGORITHMS: 'ES256, PS256',
      AUTH_CLOCK_TOLERANCE_SECONDS: '5',
      AUTH_MAX_TOKEN_AGE_SECONDS: '3600',
      AUTH_TOKEN_TYP: 'at+jwt',
      AUTH_COOKIE_NAME: 'sess',
      UPLOAD_TOKEN_TTL_SECONDS: '600',
      KEY_PREFIX: '/tenant-a/uploads/',
      MAX_FILE_SIZE: '100MiB',
      ALLOWED_CONTENT_TYPES: 'image/*, application/pdf',
      DEFAULT_PART_SIZE: '5242880',
      URL_EXPIRES_SECONDS: '900',
      MAX_PARTS_PER_SIGN: '100',
      MAX_ACTIVE_UPLOADS: '0',
      MAX_BODY_BYTES: '2MiB',
      CORS_ALLOWED_ORIGINS: 'https://App.example.com/, http://localhost:5173',
      CALLBACK_URL: 'https://api.example.com/oss/callback',
      CALLBACK_PUBLIC_KEYS: `${pem};;${pem.replace(/\n/g, '\\n')}`,
      CALLBACK_KEY_URL_PREFIXES: 'http://127.0.0.1:9000/keys/',
      SWEEP_MAX_AGE_HOURS: '0.5',
      SWEEP_DRY_RUN: 'yes',
    });
    assert.equal(c.oss.endpoint, 'https://oss-cn-hangzhou-internal.aliyuncs.com');
    // An internal endpoint is not reachable from browsers: URLs use the public regional one.
    assert.equal(c.oss.publicEndpoint, 'https://oss-cn-hangzhou.aliyuncs.com');
    assert.equal(c.oss.forcePathStyle, true);
    assert.equal(c.oss.signatureVersion, 'v1');
    assert.deepEqual(c.envCredentials, { accessKeyId: 'LTAIid', accessKeySecret: 'aksecret', securityToken: 'ststoken' });
    assert.equal(c.auth.jwksUrl, 'https://idp.example.com/.well-known/jwks.json');
    assert.equal(c.auth.issuer, 'https://idp.example.com/');
    assert.equal(c.auth.audience, 'uploads-api');
    assert.equal(c.auth.cookieName, 'sess');
    assert.deepEqual([c.auth.jwksAlgorithms, c.auth.clockToleranceSeconds, c.auth.maxTokenAgeSeconds, c.auth.typ], [['ES256', 'PS256'], 5, 3600, 'at+jwt']);
    assert.equal(c.uploadToken.ttlSeconds, 600);
    assert.equal(c.policy.keyPrefix, 'tenant-a/uploads');
    assert.equal(c.policy.maxFileSize, 100 * 1024 ** 2);
    assert.deepEqual(c.policy.allowedContentTypes, ['image/*', 'application/pdf']);
    assert.equal(c.policy.defaultPartSize, 5 * 1024 ** 2);
    assert.equal(c.policy.urlExpiresSeconds, 900);
    assert.equal(c.policy.maxPartsPerSign, 100);
    assert.equal(c.policy.maxActiveUploads, 0);
    assert.equal(c.http.maxBodyBytes, 2 * 1024 ** 2);
    assert.deepEqual(c.http.corsAllowedOrigins, ['https://app.example.com', 'http://localhost:5173']);
    assert.equal(c.callback.url, 'https://api.example.com/oss/callback');
    assert.equal(c.callback.publicKeys.length, 2);
    assert.deepEqual(c.callback.keyUrlPrefixes, ['http://127.0.0.1:9000/keys/']);
    assert.deepEqual(c.sweep, { maxAgeHours: 0.5, dryRun: true });
  });

  it('a non-internal OSS_ENDPOINT (the local emulator) is also the public endpoint', () => {
    const c = parseConfig({ ...BASE, OSS_ENDPOINT: 'http://127.0.0.1:9000/' });
    assert.equal(c.oss.endpoint, 'http://127.0.0.1:9000');
    assert.equal(c.oss.publicEndpoint, 'http://127.0.0.1:9000');
    const d = parseConfig({ ...BASE, OSS_ENDPOINT: 'http://127.0.0.1:9000', OSS_PUBLIC_ENDPOINT: 'https://files.example.com' });
    assert.equal(d.oss.publicEndpoint, 'https://files.example.com');
  });

  it('AUTH_MODE=none needs no JWT settings', () => {
    const c = parseConfig({ OSS_REGION: 'cn-hangzhou', OSS_BUCKET: 'b-1', UPLOAD_TOKEN_SECRET: TOKEN_SECRET, AUTH_MODE: 'none', AUTH_ANONYMOUS_SUB: 'demo' });
    assert.equal(c.auth.mode, 'none');
    assert.equal(c.auth.anonymousSub, 'demo');
  });

  it('CORS * is kept only when listed', () => {
    assert.deepEqual(parseConfig({ ...BASE, CORS_ALLOWED_ORIGINS: '*' }).http.corsAllowedOrigins, ['*']);
  });
});

describe('parseConfig problems', () => {
  it('lists every problem at once', () => {
    const problems = problemsOf({});
    assert.deepEqual(problems, [
      'OSS_REGION is required',
      'OSS_BUCKET is required',
      'AUTH_MODE=jwt needs AUTH_JWT_SECRET or AUTH_JWKS_URL (set AUTH_MODE=none explicitly to run without authentication)',
      'UPLOAD_TOKEN_SECRET is required',
    ]);
  });

  const cases: Array<[string, Env, RegExp]> = [
    ['prefixed region', { OSS_REGION: 'oss-cn-hangzhou' }, /OSS_REGION must be the bare region id/],
    ['bad bucket', { OSS_BUCKET: 'My_Bucket' }, /OSS_BUCKET must be 3-63/],
    ['endpoint with a path', { OSS_ENDPOINT: 'https://oss.example.com/x' }, /OSS_ENDPOINT must be http\(s\):\/\/host/],
    ['endpoint scheme', { OSS_ENDPOINT: 'ftp://oss.example.com' }, /OSS_ENDPOINT must be/],
    ['bad bool', { OSS_FORCE_PATH_STYLE: 'maybe' }, /OSS_FORCE_PATH_STYLE must be true or false \(got "maybe"\)/],
    ['bad signature version', { OSS_SIGNATURE_VERSION: 'v3' }, /OSS_SIGNATURE_VERSION must be one of v4, v1/],
    ['half credentials', { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI' }, /must be set together/],
    ['bad auth mode', { AUTH_MODE: 'open' }, /AUTH_MODE must be one of jwt, none/],
    ['short JWT secret', { AUTH_JWT_SECRET: 'short' }, /AUTH_JWT_SECRET must be at least 32 bytes/],
    ['http JWKS', { AUTH_JWKS_URL: 'http://idp.example.com/jwks', AUTH_AUDIENCE: 'api' }, /AUTH_JWKS_URL must be an https URL/],
    ['JWKS without an audience', { AUTH_JWKS_URL: 'https://idp.example.com/jwks' }, /AUTH_JWKS_URL needs AUTH_AUDIENCE: an identity provider signs tokens for other applications/],
    ['HS256 among the JWKS algorithms', { AUTH_JWKS_ALGORITHMS: 'RS256,HS256' }, /AUTH_JWKS_ALGORITHMS must list only RS256/],
    ['clock tolerance too large', { AUTH_CLOCK_TOLERANCE_SECONDS: '301' }, /AUTH_CLOCK_TOLERANCE_SECONDS must be an integer from 0 to 300/],
    ['max token age zero', { AUTH_MAX_TOKEN_AGE_SECONDS: '0' }, /AUTH_MAX_TOKEN_AGE_SECONDS/],
    ['bad cookie name', { AUTH_COOKIE_NAME: 'a b' }, /AUTH_COOKIE_NAME/],
    ['unsafe anonymous sub', { AUTH_MODE: 'none', AUTH_ANONYMOUS_SUB: '../x' }, /AUTH_ANONYMOUS_SUB must be a safe key segment/],
    ['short token secret', { UPLOAD_TOKEN_SECRET: 'short' }, /UPLOAD_TOKEN_SECRET must be at least 32 bytes/],
    ['same secrets', { UPLOAD_TOKEN_SECRET: JWT_SECRET }, /UPLOAD_TOKEN_SECRET must differ from AUTH_JWT_SECRET/],
    ['TTL too long', { UPLOAD_TOKEN_TTL_SECONDS: '999999' }, /UPLOAD_TOKEN_TTL_SECONDS must be an integer from 60 to 604800/],
    ['bad prefix', { KEY_PREFIX: 'a/../b' }, /KEY_PREFIX has an invalid segment/],
    ['file size unit', { MAX_FILE_SIZE: '5GB' }, /MAX_FILE_SIZE must be a byte size/],
    ['file size beyond OSS', { MAX_FILE_SIZE: '60TiB' }, /MAX_FILE_SIZE must be a byte size/],
    ['bad content types', { ALLOWED_CONTENT_TYPES: 'image/*,nope' }, /ALLOWED_CONTENT_TYPES has entries that are not media type patterns: nope/],
    ['part size too small', { DEFAULT_PART_SIZE: '1024' }, /DEFAULT_PART_SIZE must be a byte size from 102400/],
    ['URL expiry too long', { URL_EXPIRES_SECONDS: '604801' }, /URL_EXPIRES_SECONDS/],
    ['URL expiry zero', { URL_EXPIRES_SECONDS: '0' }, /URL_EXPIRES_SECONDS/],
    ['too many parts per sign', { MAX_PARTS_PER_SIGN: '1001' }, /MAX_PARTS_PER_SIGN/],
    ['negative active uploads', { MAX_ACTIVE_UPLOADS: '-1' }, /MAX_ACTIVE_UPLOADS/],
    ['body limit over FC', { MAX_BODY_BYTES: '64MiB' }, /MAX_BODY_BYTES/],
    ['origin with a path', { CORS_ALLOWED_ORIGINS: 'https://app.example.com/path' }, /CORS_ALLOWED_ORIGINS entry/],
    ['callback URL with query', { CALLBACK_URL: 'https://api.example.com/cb?x=1' }, /CALLBACK_URL must not have a query string/],
    ['callback key not PEM', { CALLBACK_PUBLIC_KEYS: 'abc' }, /CALLBACK_PUBLIC_KEYS must hold one or more PEM/],
    ['callback key broken', { CALLBACK_PUBLIC_KEYS: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, /CALLBACK_PUBLIC_KEYS key 1 is not a valid public key/],
    ['open-ended key URL prefix', { CALLBACK_KEY_URL_PREFIXES: 'https://keys.example' }, /CALLBACK_KEY_URL_PREFIXES entry/],
    ['sweep age zero', { SWEEP_MAX_AGE_HOURS: '0' }, /SWEEP_MAX_AGE_HOURS/],
  ];
  for (const [label, extra, pattern] of cases) {
    it(label, () => {
      const problems = problemsOf({ ...BASE, ...extra });
      assert.ok(problems.some((p) => pattern.test(p)), problems.join('\n'));
    });
  }

  it('never echoes secret values', () => {
    const secretish = 'hunter2-very-secret';
    for (const env of [
      { ...BASE, AUTH_JWT_SECRET: secretish },
      { ...BASE, UPLOAD_TOKEN_SECRET: secretish },
      { ...BASE, ALIBABA_CLOUD_ACCESS_KEY_SECRET: secretish },
      { ...BASE, ALIBABA_CLOUD_SECURITY_TOKEN: secretish },
    ]) {
      try {
        parseConfig(env);
        assert.fail('expected a ConfigError');
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        assert.doesNotMatch(e.message, /hunter2/);
      }
    }
  });
});

describe('loadConfig memoisation', () => {
  beforeEach(() => resetConfigForTests());

  it('returns the same object for the same environment until reset', () => {
    const env = { ...BASE };
    const a = loadConfig(env);
    assert.equal(loadConfig(env), a);
    env.OSS_BUCKET = 'other-bucket';
    assert.equal(loadConfig(env).oss.bucket, 'my-bucket');
    resetConfigForTests();
    assert.equal(loadConfig(env).oss.bucket, 'other-bucket');
  });

  it('remembers a failure too', () => {
    const env: Record<string, string> = {};
    assert.throws(() => loadConfig(env), ConfigError);
    Object.assign(env, BASE);
    assert.throws(() => loadConfig(env), ConfigError);
    resetConfigForTests();
    assert.doesNotThrow(() => loadConfig(env));
  });
});

describe('credentialsFrom', () => {
  const envCreds = { envCredentials: { accessKeyId: 'ENV', accessKeySecret: 'envsecret' } };
  it('prefers the invocation context', () => {
    const ctx = { credentials: { accessKeyId: 'STS', accessKeySecret: 's', securityToken: 't' } };
    assert.deepEqual(credentialsFrom(ctx, envCreds), { accessKeyId: 'STS', accessKeySecret: 's', securityToken: 't' });
  });
  it('falls back to the environment', () => {
    assert.deepEqual(credentialsFrom({}, envCreds), envCreds.envCredentials);
    assert.deepEqual(credentialsFrom(undefined, envCreds), envCreds.envCredentials);
    assert.deepEqual(credentialsFrom({ credentials: { accessKeyId: '', accessKeySecret: '' } }, envCreds), envCreds.envCredentials);
  });
  it('none at all -> 500 MISCONFIGURED', () => {
    assert.throws(() => credentialsFrom(undefined, {}), (e: unknown) => e instanceof HttpError && e.status === 500 && e.code === 'MISCONFIGURED');
  });
});

describe('uploadSettings', () => {
  it('maps every setting the upload service reads from its variable', () => {
    const config = parseConfig({
      ...BASE,
      KEY_PREFIX: 'files/in',
      UPLOAD_TOKEN_TTL_SECONDS: '600',
      URL_EXPIRES_SECONDS: '120',
      MAX_PARTS_PER_SIGN: '50',
      MAX_ACTIVE_UPLOADS: '3',
      DEFAULT_PART_SIZE: '16MiB',
      CALLBACK_URL: 'https://api.example.com/oss/callback',
      SIGN_CHECKS_UPLOAD: 'false',
      MAX_FILE_SIZE: '1GiB',
    });
    const settings: UploadSettings = uploadSettings(config);
    assert.deepEqual(settings, {
      bucket: 'my-bucket',
      keyPrefix: 'files/in',
      uploadTokenSecret: TOKEN_SECRET,
      uploadTokenTtlSeconds: 600,
      urlExpiresSeconds: 120,
      maxPartsPerSign: 50,
      maxActiveUploads: 3,
      defaultPartSize: 16 * 1024 * 1024,
      callbackUrl: 'https://api.example.com/oss/callback',
      signChecksUpload: false,
      maxFileSize: 1024 * 1024 * 1024,
    } satisfies Required<UploadSettings>);
  });
});

describe('what a function needs: caller-facing or internal', () => {
  const { AUTH_JWT_SECRET: _j, UPLOAD_TOKEN_SECRET: _u, ...noSecrets } = BASE;

  it('an internal function (callback, sweep, events) parses without the caller and upload-token secrets', () => {
    const c = parseConfig(noSecrets, INTERNAL);
    assert.equal(c.auth.jwtSecret, undefined);
    assert.equal(c.uploadToken.secret, '');
    assert.equal(c.oss.bucket, 'my-bucket');
  });

  it('a caller-facing function refuses to start without them', () => {
    assert.throws(() => parseConfig(noSecrets, CALLER_FACING), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.problems.some((p) => /AUTH_JWT_SECRET or AUTH_JWKS_URL/.test(p)));
      assert.ok(e.problems.some((p) => /UPLOAD_TOKEN_SECRET is required/.test(p)));
      return true;
    });
    assert.throws(() => parseConfig(noSecrets), ConfigError, 'caller-facing is the default');
  });

  it('a secret that is given is still checked, internal or not', () => {
    assert.throws(() => parseConfig({ ...noSecrets, UPLOAD_TOKEN_SECRET: 'short' }, INTERNAL), /UPLOAD_TOKEN_SECRET must be at least/);
    assert.throws(() => parseConfig({ ...noSecrets, AUTH_MODE: 'open' }, INTERNAL), /AUTH_MODE/);
  });

  it('loadConfig remembers each reading apart: the same env fails caller-facing and loads internal', () => {
    resetConfigForTests();
    const env = { ...noSecrets };
    assert.throws(() => loadConfig(env), ConfigError);
    assert.equal(loadConfig(env, INTERNAL).oss.bucket, 'my-bucket');
    assert.equal(loadConfig(env, { callers: false }), loadConfig(env, INTERNAL), 'memoised by what is needed, not by object');
    assert.throws(() => loadConfig(env), ConfigError);
  });
});

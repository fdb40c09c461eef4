// The events settings in shared/config/: defaults, and misconfiguration failing closed without
// echoing the secret or the receiver URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseConfig, type Env } from '../../shared/config/index';
import { problemsOf } from '../helpers/config-problems';

const BASE: Env = { OSS_REGION: 'cn-hangzhou', OSS_BUCKET: 'my-bucket', AUTH_MODE: 'none', UPLOAD_TOKEN_SECRET: 'u'.repeat(32) };
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

test('defaults: no webhook, quarantine moved under quarantine/ for 168 h', () => {
  assert.deepEqual(parseConfig(BASE).events, {
    webhookTimeoutMs: 10_000,
    quarantine: { mode: 'move', prefix: 'quarantine', maxAgeHours: 168 },
  });
});

test('a full setting', () => {
  const c = parseConfig({ ...BASE, WEBHOOK_URL: 'https://app.example.com/hooks/uploads', WEBHOOK_SECRET: SECRET, WEBHOOK_TIMEOUT_MS: '2500', QUARANTINE_MODE: 'delete', QUARANTINE_PREFIX: '/held/uploads/', QUARANTINE_MAX_AGE_HOURS: '0.5' });
  assert.deepEqual(c.events, {
    webhookUrl: 'https://app.example.com/hooks/uploads',
    webhookSecret: SECRET,
    webhookTimeoutMs: 2500,
    quarantine: { mode: 'delete', prefix: 'held/uploads', maxAgeHours: 0.5 },
  });
  // http only on loopback (the local stack's receiver).
  assert.equal(parseConfig({ ...BASE, WEBHOOK_URL: 'http://127.0.0.1:9/x', WEBHOOK_SECRET: SECRET }).events.webhookUrl, 'http://127.0.0.1:9/x');
});

test('fails closed: URL without secret, secret without URL, plain http elsewhere, credentials in the URL', () => {
  assert.match(problemsOf({ ...BASE, WEBHOOK_URL: 'https://app.example.com/h' }).join(), /WEBHOOK_URL needs WEBHOOK_SECRET/);
  assert.match(problemsOf({ ...BASE, WEBHOOK_SECRET: SECRET }).join(), /WEBHOOK_SECRET is set without WEBHOOK_URL/);
  const http = problemsOf({ ...BASE, WEBHOOK_URL: 'http://app.example.com/h?token=abc123', WEBHOOK_SECRET: SECRET });
  assert.match(http.join(), /WEBHOOK_URL must be an https URL/);
  assert.doesNotMatch(http.join(), /abc123/, 'the URL may hold a token: never echoed');
  assert.match(problemsOf({ ...BASE, WEBHOOK_URL: 'https://user:pw@app.example.com/h', WEBHOOK_SECRET: SECRET }).join(), /credentials/);
});

test('the secret must be whsec_ + base64 of 24..64 bytes, and is never echoed', () => {
  for (const bad of ['plain-text-secret-of-enough-length-000000', `whsec_${randomBytes(16).toString('base64')}`, `whsec_${randomBytes(80).toString('base64')}`, 'whsec_not*base64', `whsec_${randomBytes(32).toString('base64').slice(1)}`]) {
    const problems = problemsOf({ ...BASE, WEBHOOK_URL: 'https://a.example/h', WEBHOOK_SECRET: bad }).join();
    assert.match(problems, /WEBHOOK_SECRET must be whsec_/, bad);
    assert.ok(!problems.includes(bad.slice(6, 20)), 'secret echoed');
  }
});

test('the quarantine prefix may not overlap KEY_PREFIX; mode and age are checked', () => {
  assert.match(problemsOf({ ...BASE, QUARANTINE_PREFIX: 'uploads/held' }).join(), /QUARANTINE_PREFIX must not overlap KEY_PREFIX/);
  assert.match(problemsOf({ ...BASE, KEY_PREFIX: 'q/uploads', QUARANTINE_PREFIX: 'q' }).join(), /must not overlap/);
  assert.match(problemsOf({ ...BASE, QUARANTINE_PREFIX: 'uploads' }).join(), /must not overlap/);
  assert.equal(parseConfig({ ...BASE, QUARANTINE_PREFIX: 'uploads-held' }).events.quarantine.prefix, 'uploads-held');
  assert.match(problemsOf({ ...BASE, QUARANTINE_MODE: 'keep' }).join(), /QUARANTINE_MODE must be one of move, delete/);
  assert.match(problemsOf({ ...BASE, QUARANTINE_MAX_AGE_HOURS: '0' }).join(), /QUARANTINE_MAX_AGE_HOURS/);
  assert.match(problemsOf({ ...BASE, WEBHOOK_TIMEOUT_MS: '99' }).join(), /WEBHOOK_TIMEOUT_MS/);
});

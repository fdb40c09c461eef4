#!/usr/bin/env -S npx tsx
/**
 * `npm run oss:local -- [options]`: run the local OSS emulator on its own. See README.md.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_BUCKET,
  DEFAULT_DATA_DIR,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_REGION,
  startEmulator,
} from './server';
import { onStopRequest } from '../local/stop-signals.ts';

const USAGE = `Usage: npm run oss:local -- [options]

  --port N          listen port (default ${DEFAULT_PORT}; 0 = random)
  --host H          listen address (default ${DEFAULT_HOST})
  --data DIR        keep data on disk in DIR (default ${DEFAULT_DATA_DIR})
  --memory          keep everything in memory instead
  --bucket NAME     create/serve this bucket (repeatable; default ${DEFAULT_BUCKET})
  --region R        region V4 signatures must name (default ${DEFAULT_REGION}; * = any)
  --public-url URL  base URL to advertise in callbacks (default http://host:port)
  --admin-token T   require x-emulator-admin: T on /_emulator admin endpoints
  --quiet           no request log
  -h, --help        this help

Environment: ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (credentials),
OSS_EMULATOR_STS_TOKENS (JSON list of {accessKeyId, accessKeySecret, securityToken, expiration?}),
OSS_EMULATOR_FAULTS (JSON list of fault rules), OSS_EMULATOR_ADMIN_TOKEN,
OSS_EMULATOR_NOTIFY_URL (POST an OSS event notification there for every created object).`;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    memory: { type: 'boolean' },
    bucket: { type: 'string', multiple: true },
    region: { type: 'string' },
    'public-url': { type: 'string' },
    'admin-token': { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.memory && values.data) {
  console.error('--memory and --data are mutually exclusive');
  process.exit(2);
}
const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`bad --port ${values.port}`);
  process.exit(2);
}

const em = await startEmulator({
  port,
  host: values.host ?? DEFAULT_HOST,
  memory: values.memory === true,
  dataDir: values.memory ? undefined : (values.data ?? DEFAULT_DATA_DIR),
  buckets: values.bucket ?? [DEFAULT_BUCKET],
  region: values.region ?? DEFAULT_REGION,
  publicUrl: values['public-url'],
  adminToken: values['admin-token'],
  log: values.quiet ? false : true,
});

console.log(`OSS emulator listening on ${em.url}`);
console.log(`  buckets:     ${em.buckets.join(', ')}`);
console.log(`  region:      ${em.region}`);
console.log(`  access key:  ${em.credentials.accessKeyId}`);
console.log(`  storage:     ${em.admin.storage.dataDir ?? 'memory'}`);
console.log(`  path-style:  ${em.url}/${em.buckets[0]}/<key>`);
console.log(`  health:      ${em.url}/_emulator/health`);

onStopRequest((reason) => {
  console.log(`\n${reason}: shutting down`);
  void em.close().then(() => process.exit(0));
});

/** The functions' environment in the local stack: the emulator's wiring, local defaults, and what a person may set. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_BUCKET, type RunningEmulator } from '../emulator/server.ts';
import { CONFIG_VARIABLES } from '../../shared/config/index.ts';

/** What the stack wires itself: the emulator's address, credentials and callback plumbing. */
const WIRED_ENV = new Set([
  'OSS_REGION',
  'OSS_BUCKET',
  'OSS_ENDPOINT',
  'OSS_PUBLIC_ENDPOINT',
  'OSS_FORCE_PATH_STYLE',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'CALLBACK_URL',
  'CALLBACK_PUBLIC_KEYS',
  'CALLBACK_KEY_URL_PREFIXES',
]);

/** Configuration variables a person may set for `npm start`: every one the functions read, less the wiring. */
export const PASSTHROUGH_ENV: readonly string[] = CONFIG_VARIABLES.filter((v) => !WIRED_ENV.has(v));

/** The functions' configuration for a stack at `url`: the emulator's wiring and the local defaults. */
export async function stackEnv(url: string, emulator: RunningEmulator, dataDir: string | undefined): Promise<Record<string, string>> {
  const port = new URL(url).port;
  const selfOrigins = [url, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const devOrigins = [3000, 4200, 5173, 8080].flatMap((p) => [`http://localhost:${p}`, `http://127.0.0.1:${p}`]);
  return {
    OSS_REGION: emulator.region,
    OSS_BUCKET: DEFAULT_BUCKET,
    OSS_ENDPOINT: emulator.url,
    OSS_PUBLIC_ENDPOINT: emulator.url,
    OSS_FORCE_PATH_STYLE: 'true',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.credentials.accessKeySecret,
    AUTH_MODE: 'none',
    UPLOAD_TOKEN_SECRET: dataDir ? await persistentSecret(dataDir) : randomBytes(32).toString('hex'),
    CALLBACK_URL: `${url}/oss/callback`,
    CALLBACK_KEY_URL_PREFIXES: `${emulator.url}/_emulator/`,
    CORS_ALLOWED_ORIGINS: [...new Set([...selfOrigins, ...devOrigins])].join(','),
    // One anonymous caller and no sweeper locally: do not cap unfinished uploads.
    MAX_ACTIVE_UPLOADS: '0',
  };
}

/** A generated upload-token secret kept in the data folder, so tokens survive restarts. */
async function persistentSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'upload-token-secret');
  try {
    const s = (await readFile(file, 'utf8')).trim();
    if (s.length >= 32) return s;
  } catch {
    /* first run */
  }
  const s = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${s}\n`, { mode: 0o600 });
  return s;
}

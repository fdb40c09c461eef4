#!/usr/bin/env -S npx tsx
/**
 * `npm start`: the local stack (stack.ts) on ports PORT (8787) and OSS_PORT (9000), data under
 * DATA_DIR (`.data`), configuration variables passed through from the environment; prints where
 * everything is and stops on Ctrl-C. Busy default ports are replaced by free ones (and said so).
 */
import { join } from 'node:path';
import type { BrowserBundle } from './bundle.ts';
import { DEAD_LETTER_FILE } from './events.ts';
import { onStopRequest } from './stop-signals.ts';
import { DEFAULT_DATA_DIR, DEFAULT_OSS_PORT, DEFAULT_PORT, PASSTHROUGH_ENV, startLocalStack, type LocalStack } from './stack.ts';

function envPort(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

/** What `npm start` prints once the stack is up. */
function banner(stack: LocalStack, env: Record<string, string>, b: BrowserBundle | undefined): string {
  const pad = (s: string) => s.padEnd(13);
  return [
    // Notes first: a busy port explains why the URLs below are not the usual ones.
    ...stack.notes.map((n) => `note: ${n}`),
    '',
    'oss-upload-functions · local stack',
    '',
    `  ${pad('Demo')}${stack.demoUrl}`,
    `  ${pad('API')}${stack.url}   (POST /uploads, /uploads/sign, /uploads/list, /uploads/complete, /uploads/abort)`,
    `  ${pad('Uppy')}companionEndpoint: '${stack.url}'   (/s3/*)`,
    `  ${pad('OpenAPI')}${stack.openapiUrl}`,
    `  ${pad('OSS emulator')}${stack.ossUrl}   bucket ${stack.bucket}, region ${stack.emulator.region}, path-style, key ${stack.emulator.credentials.accessKeyId}`,
    `  ${pad('Data')}${stack.dataDir ? `${stack.dataDir}   (delete it to start over)` : 'in memory'}`,
    `  ${pad('Callers')}AUTH_MODE=${stack.env.AUTH_MODE}`,
    `  ${pad('Events')}${stack.events.receiver ? `local receiver ${stack.events.receiver.url} (verifies every delivery; set WEBHOOK_URL + WEBHOOK_SECRET for your own)` : `WEBHOOK_URL ${new URL(stack.env.WEBHOOK_URL).origin}`}`,
    `  ${pad('Dead letters')}${stack.dataDir ? join(stack.dataDir, DEAD_LETTER_FILE) : 'in memory'}   (re-deliver: npm run --silent cli -- redeliver)`,
    ...(Object.keys(env).length ? [`  ${pad('From env')}${Object.keys(env).join(', ')}`] : []),
    ...(b ? [`  ${pad('Demo bundle')}${Math.round((b.js.length + b.css.length) / 1024)} KiB in ${b.ms} ms`] : []),
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const env: Record<string, string> = {};
  for (const name of PASSTHROUGH_ENV) if (process.env[name]) env[name] = process.env[name]!;
  const quiet = process.env.LOG === '0' || process.argv.includes('--quiet');
  // Output may go to a terminal or pipe that is gone by the time we stop; that must not crash the stop.
  for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
  // Watch for stop requests from the start: a signal during startup stops the stack once it is up.
  let stopRequest: string | undefined;
  let stopNow: ((reason: string) => void) | undefined;
  onStopRequest((reason) => (stopNow ? stopNow(reason) : (stopRequest = reason)));
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: envPort('PORT', DEFAULT_PORT),
      ossPort: envPort('OSS_PORT', DEFAULT_OSS_PORT),
      host: process.env.HOST || undefined,
      dataDir: process.env.DATA_DIR || DEFAULT_DATA_DIR,
      memory: process.env.MEMORY === '1' || process.argv.includes('--memory'),
      env,
      log: !quiet,
      ossLog: process.env.OSS_LOG === '1',
      eventsRetryBaseMs: Number(process.env.EVENTS_RETRY_BASE_MS) > 0 ? Number(process.env.EVENTS_RETRY_BASE_MS) : undefined,
    });
  } catch (e) {
    console.error(`Could not start the local stack: ${(e as Error).message}`);
    process.exit(1);
  }
  const b = await stack.bundle.catch((e: Error) => {
    console.error(`Demo bundle failed: ${e.message}`);
    return undefined;
  });
  console.log(banner(stack, env, b));

  stopNow = (reason) => {
    console.log(`\n${reason}: stopping`);
    setTimeout(() => {
      console.error('Shutdown took over 5 s; exiting anyway');
      process.exit(1);
    }, 5000).unref();
    void stack.close().then(() => process.exit(0));
  };
  if (stopRequest) stopNow(stopRequest);
}

await main();

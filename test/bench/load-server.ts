/**
 * The server side of the `load` section, run as its own process (`node --import tsx`) so the load
 * generator does not share an event loop with it: the OSS emulator (in memory) and every HTTP
 * function behind one origin (infra/local/functions-server.ts), with the bench JWT settings.
 * `SIGN_CHECKS_UPLOAD` comes from this process's environment. Prints one `@@READY@@{json}` line,
 * then serves until its stdin closes (the parent exits or ends it) or 10 minutes pass.
 */
import { startEmulator } from '../../infra/emulator/server.ts';
import { startFunctionsServer } from '../../infra/local/functions-server.ts';
import { BUCKET, functionEnv } from './lib.ts';

const emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET] });
const env = functionEnv(emulator, { SIGN_CHECKS_UPLOAD: process.env.SIGN_CHECKS_UPLOAD ?? 'true', MAX_FILE_SIZE: '16GiB' });
const functions = await startFunctionsServer({ deps: { env } });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // Keep-alive sockets can hold a graceful close open: give it a second, then exit anyway.
  const grace = new Promise((r) => setTimeout(r, 1000).unref());
  await Promise.race([Promise.all([functions.close(), emulator.close()]).catch(() => undefined), grace]);
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
setTimeout(stop, 10 * 60_000).unref();

process.stdout.write(`@@READY@@${JSON.stringify({ url: functions.url, emulatorUrl: emulator.url })}\n`);

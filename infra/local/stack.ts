/**
 * The local stack as a library: `startLocalStack()` runs the OSS emulator, every HTTP function
 * under one origin wired as in production (the emulator POSTs the upload callback to the callback
 * function), the events path (events.ts), the demo page and the /_local helpers (routes.ts).
 * `npm start` is main.ts; tests use `memory: true` and ports 0. What it wires and why: README,
 * "The local stack".
 */
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, DEFAULT_BUCKET, type RunningEmulator } from '../emulator/server.ts';
import { createApp as createCallbackApp } from '../../functions/callback/index.ts';
import { OssClient } from '../../shared/oss/client.ts';
import { loadConfig } from '../../shared/config/index.ts';
import { composeFunctions } from './functions-server.ts';
import { bundleBrowser, type BrowserBundle } from './bundle.ts';
import { lockDataDir } from './data-lock.ts';
import { startLocalEvents, type LocalEvents } from './events.ts';
import { closeServer, fallThrough, listen, logger, logRequests, portOrFree, type Fetch } from './http-server.ts';
import { stackEnv } from './stack-env.ts';
import { slowNetwork, SLOW_NETWORK_MS } from './slow-network.ts';
import { recordCallbacks, type CallbackSeen } from './callbacks.ts';
import { localRoutes, pageConfig } from './routes.ts';

export { PASSTHROUGH_ENV } from './stack-env.ts';
export { SLOW_NETWORK_MS } from './slow-network.ts';
export { DEMO_CHUNK_SIZE, DEMO_MULTIPART_THRESHOLD } from './routes.ts';
export type { CallbackSeen } from './callbacks.ts';

export const DEFAULT_PORT = 8787;
export const DEFAULT_OSS_PORT = 9000;
export const DEFAULT_DATA_DIR = '.data';

export interface LocalStackOptions {
  /** Functions + demo port; 0 = random. Default 8787. */
  port?: number;
  /** OSS emulator port; 0 = random. Default 9000. */
  ossPort?: number;
  /** Listen address for both. Default 127.0.0.1. */
  host?: string;
  /** Data folder (emulator data in `<dataDir>/oss`, the generated upload-token secret). Default `.data`. */
  dataDir?: string;
  /** Keep everything in memory (tests). */
  memory?: boolean;
  /** Function configuration over the stack's defaults (see shared/config/). */
  env?: Record<string, string>;
  /** Log each function request: true = console, or a function. Default off. */
  log?: boolean | ((line: string) => void);
  /** Log each emulator request. Default off. */
  ossLog?: boolean | ((line: string) => void);
  /** The demo's "slow network" delay per part PUT / form POST, ms. Default SLOW_NETWORK_MS. */
  slowNetworkMs?: number;
  /** First retry delay of a failed events invocation, doubling (infra/local/async-invoker.ts). Default 2000. */
  eventsRetryBaseMs?: number;
  /**
   * Your own pages under the stack's origin (same-origin, as Uppy v6 Companion mode needs for
   * cookies; and a page Chromium loaded from loopback may call the loopback emulator). Asked
   * before the demo routes, after the functions; answer 404 to fall through. The e2e tests serve
   * their Uppy test page this way.
   */
  app?: Fetch;
}

export interface LocalStack {
  /** `http://host:port`: the demo, the JSON API, the Companion facade and /openapi.json. */
  url: string;
  port: number;
  demoUrl: string;
  openapiUrl: string;
  ossUrl: string;
  ossPort: number;
  bucket: string;
  emulator: RunningEmulator;
  /** The functions' environment. */
  env: Record<string, string>;
  /** An OSS client on the emulator with the functions' credentials. */
  oss: OssClient;
  /** Absolute data folder, or undefined in memory mode. */
  dataDir?: string;
  /** Things worth telling a person (busy ports replaced). */
  notes: string[];
  /** The demo bundle (built at startup). */
  bundle: Promise<BrowserBundle>;
  /** The last callback answers our callback function gave, by object key (newest last). */
  callbacks: Map<string, CallbackSeen>;
  /** The events path: invocations, dead letters, the local receiver (when WEBHOOK_URL was not given). */
  events: LocalEvents;
  /** The demo's "slow network" switch (an emulator delay on every part PUT and form POST). */
  setSlowNetwork(on: boolean): void;
  close(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const host = opts.host ?? '127.0.0.1';
  const dataDir = opts.memory === true ? undefined : resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const notes: string[] = [];

  // One stack per data folder (data-lock.ts).
  const lock = dataDir ? await lockDataDir(dataDir) : undefined;
  // Bundle the demo while the servers start.
  const bundle = bundleBrowser(join(here, 'demo/client.ts'));
  bundle.catch(() => undefined); // reported when served
  const emulator = await startEmulator({
    port: await portOrFree(opts.ossPort ?? DEFAULT_OSS_PORT, host, 'OSS emulator port', notes),
    host,
    memory: dataDir === undefined,
    dataDir: dataDir && join(dataDir, 'oss'),
    buckets: [DEFAULT_BUCKET],
    log: logger(opts.ossLog, '[oss]'),
  }).catch(async (e: unknown) => {
    await lock?.release();
    throw e;
  });
  try {
    const env: Record<string, string> = {}; // filled once the URL is known, before the first request
    const callbacks = new Map<string, CallbackSeen>();
    const oss = emulatorClient(emulator);
    const slow = slowNetwork(emulator, opts.slowNetworkMs ?? SLOW_NETWORK_MS);
    let url = '';
    let events: LocalEvents | undefined;
    const local = localRoutes({
      bundle,
      oss,
      emulator,
      env,
      callbacks,
      page: () => pageConfig(env, emulator, url, slow, dataDir),
      slow,
      events: () => events,
    });
    const gate = deferred();
    const handler = logRequests(
      composeFunctions({
        deps: { env },
        extra: { callback: recordCallbacks(createCallbackApp({ env }).fetch, callbacks) },
        fallback: opts.app ? fallThrough(opts.app, local) : local,
      }),
      logger(opts.log, '[api]'),
    );
    const server = await listen(
      async (req) => {
        await gate.promise;
        return handler(req);
      },
      await portOrFree(opts.port ?? DEFAULT_PORT, host, 'port', notes),
      host,
    );
    const port = (server.address() as AddressInfo).port;
    url = `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    try {
      Object.assign(env, await stackEnv(url, emulator, dataDir), opts.env);
      // Before the first loadConfig: it adds WEBHOOK_URL/SECRET of a local receiver when none is given.
      events = await startLocalEvents({ env, emulator, dataDir, retryBaseMs: opts.eventsRetryBaseMs, log: logger(opts.log, '[events]') });
      loadConfig(env); // fail now, with every problem listed, rather than on the first request
      await lock?.update({ api: url, oss: emulator.url });
    } catch (e) {
      await events?.close();
      await closeServer(server);
      throw e;
    }
    const localEvents = events;
    gate.resolve();

    let closed = false;
    return {
      url,
      port,
      demoUrl: `${url}/`,
      openapiUrl: `${url}/openapi.json`,
      ossUrl: emulator.url,
      ossPort: emulator.port,
      bucket: DEFAULT_BUCKET,
      emulator,
      env,
      oss,
      dataDir,
      notes,
      bundle,
      callbacks,
      events: localEvents,
      setSlowNetwork: (on) => void slow.set(on),
      async close() {
        if (closed) return;
        closed = true;
        await localEvents.close();
        await closeServer(server);
        await emulator.close();
        await lock?.release();
      },
    };
  } catch (e) {
    await emulator.close();
    await lock?.release();
    throw e;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** An OSS client on the emulator with its credentials (the demo's helpers and tests read through it). */
function emulatorClient(emulator: RunningEmulator): OssClient {
  return new OssClient({
    region: emulator.region,
    bucket: DEFAULT_BUCKET,
    credentials: emulator.credentials,
    endpoint: emulator.url,
    pathStyle: true,
    retries: { max: 0 },
  });
}

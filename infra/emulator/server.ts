/**
 * Starting the emulator: in-process for tests (`startEmulator({ port: 0, memory: true })`) or from
 * the CLI (main.ts). Everything it needs is in the options; environment variables are only
 * defaults (credentials, STS tokens, faults, admin token).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app';
import { Authenticator, type AccessKey, type StsToken } from './auth';
import { CallbackService, keyFromPem, loadOrCreateKey } from './callback';
import { OssError, errorXml, newRequestId } from './errors';
import { FaultInjector, type FaultRule, type FaultRuleInput } from './faults';
import { RequestLog } from './request-log';
import { Notifier, type NotificationRule, type NotificationRuleInput } from './notifications';
import { Storage } from './storage';
import { DEFAULT_LIMITS, type Core, type Limits } from './types';

export const DEFAULT_PORT = 9000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_BUCKET = 'local-bucket';
export const DEFAULT_REGION = 'cn-hangzhou';
export const DEFAULT_ACCESS_KEY_ID = 'LTAI-local-dev';
export const DEFAULT_ACCESS_KEY_SECRET = 'local-dev-secret';
export const DEFAULT_DATA_DIR = '.data/oss';

export interface EmulatorOptions {
  /** 0 = a random free port. Default 9000. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep data on disk here. Without it (or with `memory: true`) everything is in memory. */
  dataDir?: string;
  memory?: boolean;
  /** Buckets to create at start (existing ones are kept). Default ['local-bucket']. */
  buckets?: string[];
  /** Long-term keys. Default: ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, else LTAI-local-dev/local-dev-secret. */
  credentials?: AccessKey | AccessKey[];
  /** Accepted STS tokens, each with its own key pair. Default: JSON in OSS_EMULATOR_STS_TOKENS. */
  stsTokens?: StsToken[];
  /** Region V4 credentials must name ('*' = any). Default cn-hangzhou. */
  region?: string;
  /** false turns signature checks off (internal/testing only). Default true. */
  auth?: boolean;
  /** Token for the admin API (x-emulator-admin); without one admin is loopback-only. */
  adminToken?: string;
  /** Base URL to advertise (callback public-key URL); default the listening URL. */
  publicUrl?: string;
  /**
   * Event notifications for created objects (an FC OSS trigger's view of the bucket). Default: one
   * rule for every created object to the URL in OSS_EMULATOR_NOTIFY_URL, when set.
   */
  notifications?: NotificationRuleInput[];
  /** Fault rules active from the start. Default: JSON in OSS_EMULATOR_FAULTS. */
  faults?: FaultRuleInput[];
  callbackTimeoutMs?: number;
  callbackMaxResponseBytes?: number;
  /** PEM private key for callback signatures; default: the data dir's, or a fresh one. */
  callbackPrivateKey?: string;
  limits?: Partial<Limits>;
  /** Allowed clock skew for header-signed requests, ms. Default 15 min. */
  clockSkewMs?: number;
  /** Clock (tests of expiry and skew). */
  now?: () => Date;
  /** Request log: true = console, or a function. Default off. */
  log?: boolean | ((line: string) => void);
}

export interface EmulatorAdmin {
  faults: {
    add(rule: FaultRuleInput | FaultRuleInput[]): FaultRule[];
    clear(): void;
    list(): FaultRule[];
    remove(id: string): boolean;
  };
  createBucket(name: string): Promise<boolean>;
  /** Every OSS request answered (or dropped), for counting what a client sent. */
  requests: RequestLog;
  storage: Storage;
  callbacks: CallbackService;
  /** Event notification rules (what an OSS trigger would receive). */
  notifications: {
    add(rule: NotificationRuleInput): NotificationRule;
    remove(id: string): boolean;
    list(): NotificationRule[];
  };
  /** PEM of the public key callbacks are signed with. */
  callbackPublicKey: string;
}

export interface RunningEmulator {
  /** http://host:port */
  url: string;
  port: number;
  host: string;
  region: string;
  buckets: string[];
  /** The first long-term key. */
  credentials: AccessKey;
  /** The URL served for x-oss-pub-key-url. */
  callbackPublicKeyUrl: string;
  admin: EmulatorAdmin;
  /** The Hono app (for app.request()/fetch without a socket). */
  fetch: (request: Request) => Promise<Response>;
  server: Server;
  close(): Promise<void>;
}

function envJson<T>(name: string): T | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
}

export function defaultCredentials(): AccessKey {
  return {
    accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID || DEFAULT_ACCESS_KEY_ID,
    accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || DEFAULT_ACCESS_KEY_SECRET,
  };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? DEFAULT_HOST;
  const region = options.region ?? DEFAULT_REGION;
  const keys = options.credentials ? ([] as AccessKey[]).concat(options.credentials) : [defaultCredentials()];
  if (keys.length === 0) throw new Error('at least one access key is required');
  const stsTokens = options.stsTokens ?? envJson<StsToken[]>('OSS_EMULATOR_STS_TOKENS') ?? [];
  const memory = options.memory === true || !options.dataDir;
  const dataDir = memory ? undefined : resolve(options.dataDir!);
  const storage = memory ? Storage.memory() : await Storage.open(dataDir!);
  const buckets = options.buckets ?? [DEFAULT_BUCKET];
  for (const b of buckets) await storage.createBucket(b);

  const log = options.log === true ? (line: string) => console.log(`[oss-emulator] ${line}`) : options.log || undefined;
  const faults = new FaultInjector();
  const initialFaults = options.faults ?? envJson<FaultRuleInput[]>('OSS_EMULATOR_FAULTS');
  if (initialFaults) faults.add(initialFaults);

  let baseUrl = options.publicUrl ?? '';
  const key = options.callbackPrivateKey ? keyFromPem(options.callbackPrivateKey) : await loadOrCreateKey(dataDir);
  const callbacks = new CallbackService({
    key,
    publicKeyUrl: () => `${baseUrl}/_emulator/callback_pub_key.pem`,
    timeoutMs: options.callbackTimeoutMs ?? 5000,
    maxResponseBytes: options.callbackMaxResponseBytes ?? 3 * 1024 * 1024,
  });
  const auth = new Authenticator({
    enabled: options.auth !== false,
    region,
    keys,
    stsTokens,
    clockSkewMs: options.clockSkewMs ?? 15 * 60 * 1000,
    now: options.now ?? (() => new Date()),
  });
  const notifications = new Notifier({ region, log });
  const notifyUrl = process.env.OSS_EMULATOR_NOTIFY_URL;
  for (const rule of options.notifications ?? (notifyUrl ? [{ events: ['oss:ObjectCreated:*'], target: notifyUrl }] : [])) notifications.add(rule);
  const core: Core = { storage, auth, callbacks, notifications, limits: { ...DEFAULT_LIMITS, ...options.limits } };
  const adminToken = options.adminToken ?? (process.env.OSS_EMULATOR_ADMIN_TOKEN || undefined);
  const requests = new RequestLog();
  const app = createApp({ core, faults, requests, storage, callbacks, adminToken, region, log });

  const listener = getRequestListener(app.fetch, {
    overrideGlobalObjects: false,
    errorHandler: (err) => {
      // Requests Node/Hono cannot even turn into a URL (bad Host header, raw backslash in the path).
      const requestId = newRequestId();
      const e = new OssError(400, 'InvalidURI', `Couldn't parse the specified URI: ${(err as Error)?.message ?? 'bad request'}.`);
      return new Response(errorXml(e, requestId, ''), {
        status: 400,
        headers: { 'Content-Type': 'application/xml', 'x-oss-ec': e.ec, 'x-oss-request-id': requestId, Server: 'AliyunOSS' },
      });
    },
  });
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 }, listener);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  const url = `http://${urlHost}:${port}`;
  if (!baseUrl) baseUrl = url;

  let closed = false;
  return {
    url,
    port,
    host,
    region,
    buckets: storage.bucketNames(),
    credentials: keys[0],
    callbackPublicKeyUrl: `${baseUrl}/_emulator/callback_pub_key.pem`,
    admin: {
      faults: {
        add: (r) => faults.add(r),
        clear: () => faults.clear(),
        list: () => faults.list(),
        remove: (id) => faults.remove(id),
      },
      createBucket: (name) => storage.createBucket(name),
      requests,
      storage,
      callbacks,
      notifications: {
        add: (r) => notifications.add(r),
        remove: (id) => notifications.remove(id),
        list: () => notifications.list(),
      },
      callbackPublicKey: key.publicKeyPem,
    },
    fetch: async (request) => app.fetch(request),
    server,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

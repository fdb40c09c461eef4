/**
 * A real stack for integration tests: the OSS emulator (in memory, random port) and every HTTP
 * function behind one origin (random port), wired as in production: the functions call the
 * emulator over HTTP, and the emulator POSTs the upload callback to the callback function.
 */
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../infra/emulator/server.ts';
import { startFunctionsServer, type RunningFunctions } from '../../infra/local/functions-server.ts';
import { OssClient } from '../../shared/oss/client.ts';
import { signHs256 } from './jwt.ts';

export const BUCKET = 'test-bucket';
export const JWT_SECRET = 'caller-jwt-secret-for-tests-0123456789abcdef';
export const UPLOAD_SECRET = 'upload-token-secret-for-tests-0123456789abcd';

/** Secrets and bucket a test wires the functions with. */
export interface FunctionEnvSecrets {
  bucket?: string;
  jwtSecret?: string;
  uploadSecret?: string;
}

/**
 * The functions' environment pointing at an emulator, as production wires OSS: path style,
 * the emulator's credentials, its callback key trusted, caller JWTs and upload tokens with test
 * secrets, no active-upload limit. `extra` overrides or adds variables.
 */
export function functionEnv(
  emulator: { region: string; url: string; credentials: { accessKeyId: string; accessKeySecret: string } },
  secrets: FunctionEnvSecrets = {},
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OSS_REGION: emulator.region,
    OSS_BUCKET: secrets.bucket ?? BUCKET,
    OSS_ENDPOINT: emulator.url,
    OSS_FORCE_PATH_STYLE: 'true',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.credentials.accessKeySecret,
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: secrets.jwtSecret ?? JWT_SECRET,
    UPLOAD_TOKEN_SECRET: secrets.uploadSecret ?? UPLOAD_SECRET,
    CALLBACK_KEY_URL_PREFIXES: `${emulator.url}/_emulator/`,
    MAX_ACTIVE_UPLOADS: '0',
    ...extra,
  };
}

export interface StackOptions {
  env?: Record<string, string>;
  /** Point CALLBACK_URL at the callback function (default true). */
  callback?: boolean;
  emulator?: EmulatorOptions;
}

export interface TestStack {
  emulator: RunningEmulator;
  functions: RunningFunctions;
  env: Record<string, string>;
  /** An OSS client for assertions (same credentials as the functions). */
  oss: OssClient;
  jwt(sub: string, extra?: Record<string, unknown>): string;
  /** POST JSON to a function path with a caller JWT (or none). */
  post(path: string, body: unknown, opts?: { sub?: string | null; jwt?: string; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /**
   * Any method and path on the functions origin (GET/DELETE too, e.g. the Companion `/s3/*`
   * routes). Auth as in `post`, or `cookie` for the caller-JWT cookie instead of a Bearer
   * header; `body` is sent as JSON.
   */
  request(
    method: string,
    path: string,
    opts?: { sub?: string | null; jwt?: string; cookie?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<TestStack> {
  const emulator = await startEmulator({ port: 0, memory: true, buckets: [BUCKET], ...opts.emulator });
  const env = functionEnv(emulator, {}, opts.env);
  // The functions read `env` lazily (first request), so CALLBACK_URL can still be set below.
  const functions = await startFunctionsServer({ deps: { env } });
  if (opts.callback !== false && !('CALLBACK_URL' in (opts.env ?? {}))) env.CALLBACK_URL = `${functions.url}/oss/callback`;

  const oss = new OssClient({
    region: emulator.region,
    bucket: BUCKET,
    credentials: emulator.credentials,
    endpoint: emulator.url,
    pathStyle: true,
    retries: { max: 0 },
  });
  const jwt = (sub: string, extra: Record<string, unknown> = {}) =>
    signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600, ...extra }, JWT_SECRET);

  const request: TestStack['request'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const sub = o.sub === undefined ? 'alice' : o.sub;
    if (o.cookie !== undefined) headers.cookie = o.cookie;
    else if (o.jwt) headers.authorization = `Bearer ${o.jwt}`;
    else if (sub !== null) headers.authorization = `Bearer ${jwt(sub)}`;
    const hasBody = o.body !== undefined || o.raw !== undefined;
    if (hasBody && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const res = await fetch(`${functions.url}${path}`, { method, headers, body: hasBody ? (o.raw ?? JSON.stringify(o.body)) : undefined });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    emulator,
    functions,
    env,
    oss,
    jwt,
    // POST with a JSON content type even without a body, as the JSON endpoints expect.
    post: (path, body, o = {}) => request('POST', path, { ...o, body, headers: { 'content-type': 'application/json', ...o.headers } }),
    request,
    async close() {
      await functions.close();
      await emulator.close();
    },
  };
}

/** PUTs each signed part of `data` straight to OSS, as a browser would. Returns the ETags. */
export async function putParts(
  signed: Array<{ partNumber: number; url: string; headers: Record<string, string>; size: number }>,
  data: Uint8Array,
  partSize: number,
  concurrency = 8,
): Promise<Array<{ partNumber: number; etag: string }>> {
  const out: Array<{ partNumber: number; etag: string }> = [];
  let next = 0;
  async function worker() {
    while (next < signed.length) {
      const p = signed[next++];
      const start = (p.partNumber - 1) * partSize;
      const body = data.subarray(start, start + p.size);
      const res = await fetch(p.url, { method: "PUT", headers: p.headers, body: body as unknown as BodyInit });
      if (res.status !== 200) throw new Error(`part ${p.partNumber}: ${res.status} ${await res.text()}`);
      out.push({ partNumber: p.partNumber, etag: res.headers.get('etag')! });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.sort((a, b) => a.partNumber - b.partNumber);
}

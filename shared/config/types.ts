/** The shape of the validated configuration, by area; shared/config/variables.ts says what each value means. */
import type { FcCredentials } from '../http/fc-adapter';

export interface OssConfig {
  region: string;
  bucket: string;
  /** `scheme://host[:port]`, no trailing slash. */
  endpoint: string;
  publicEndpoint: string;
  forcePathStyle: boolean;
  signatureVersion: 'v4' | 'v1';
}

/** The functions' OSS client (shared/runtime.ts `ossClientFor`). */
export interface OssClientConfig {
  /** Per attempt, ms (`OSS_TIMEOUT_MS`). */
  timeoutMs: number;
}

export interface AuthConfig {
  mode: 'jwt' | 'none';
  jwtSecret?: string;
  jwksUrl?: string;
  /** What JWKS keys may sign with (the secret: HS256 only). */
  jwksAlgorithms: string[];
  issuer?: string;
  audience?: string;
  clockToleranceSeconds: number;
  /** 0 = no limit. */
  maxTokenAgeSeconds: number;
  typ?: string;
  cookieName: string;
  anonymousSub: string;
}

export interface UploadTokenConfig {
  secret: string;
  ttlSeconds: number;
}

export interface PolicyConfig {
  keyPrefix: string;
  maxFileSize: number;
  allowedContentTypes: string[];
  defaultPartSize: number;
  urlExpiresSeconds: number;
  maxPartsPerSign: number;
  /** 0 = unlimited. */
  maxActiveUploads: number;
  /** sign checks the upload still exists (one ListParts call per batch). */
  signChecksUpload: boolean;
}

export interface HttpConfig {
  maxBodyBytes: number;
  corsAllowedOrigins: string[];
}

export interface CallbackConfig {
  url?: string;
  publicKeys: string[];
  keyUrlPrefixes: string[];
}

/** The events function (functions/events) and the quarantine the sweeper owns. */
export interface EventsConfig {
  /** Unset: the events function fails every invocation (fail closed; FC keeps the events). */
  webhookUrl?: string;
  webhookSecret?: string;
  webhookTimeoutMs: number;
  quarantine: { mode: 'move' | 'delete'; prefix: string; maxAgeHours: number };
}

export interface Config {
  oss: OssConfig;
  ossClient: OssClientConfig;
  /** From ALIBABA_CLOUD_* variables; `credentialsFrom` prefers the invocation's own. */
  envCredentials?: FcCredentials;
  auth: AuthConfig;
  uploadToken: UploadTokenConfig;
  policy: PolicyConfig;
  http: HttpConfig;
  callback: CallbackConfig;
  sweep: { maxAgeHours: number; dryRun: boolean };
  events: EventsConfig;
}

/**
 * Every configuration variable with its default and meaning: the one source of the README's
 * configuration reference (written by infra/write-config-table.ts; test/integration/readme.test.ts
 * fails while the README differs). Tooling only: no function bundle carries this table.
 */

export interface ConfigVariable {
  /** One variable, or several that go together (the credentials). */
  names: readonly string[];
  /** Markdown: `required`, `none`, or the value used when unset. */
  default: string;
  /** Markdown. */
  meaning: string;
  /**
   * Given only to these functions (s.yaml): `callers`, the caller-facing ones (init, sign, list,
   * complete, abort, companion), which alone verify callers and upload tokens; `events`, the
   * events function. Unset: every function. A secret goes nowhere it is not used.
   */
  only?: 'callers' | 'events';
}

export const CONFIG_TABLE: readonly ConfigVariable[] = [
  {
    names: ['OSS_REGION'],
    default: 'required',
    meaning: 'Bare region id, e.g. `cn-hangzhou` (not `oss-cn-hangzhou`).',
  },
  {
    names: ['OSS_BUCKET'],
    default: 'required',
    meaning: 'Bucket name (3-63 of `a-z0-9-`).',
  },
  {
    names: ['OSS_ENDPOINT'],
    default: '`https://oss-<region>.aliyuncs.com`',
    meaning: "Endpoint for the functions' own OSS calls; in production the internal one (`oss-<region>-internal.aliyuncs.com`). A bare host gets `https://`.",
  },
  {
    names: ['OSS_PUBLIC_ENDPOINT'],
    default: '`OSS_ENDPOINT` unless that is an `-internal` host, else the public regional endpoint',
    meaning: 'Endpoint in URLs given to browsers: regional or accelerate (`https://oss-accelerate.aliyuncs.com`: bucket as subdomain), or a custom domain bound to the bucket (`https://files.example.com`: any host outside `*.aliyuncs.com` is treated as such a CNAME, URLs are `https://files.example.com/<key>`).',
  },
  {
    names: ['OSS_FORCE_PATH_STYLE'],
    default: '`false`',
    meaning: '`https://host/bucket/key` instead of `https://bucket.host/key` (local emulator).',
  },
  {
    names: ['OSS_SIGNATURE_VERSION'],
    default: '`v4`',
    meaning: '`v4` (OSS4-HMAC-SHA256) or `v1` (HMAC-SHA1).',
  },
  {
    names: ['OSS_TIMEOUT_MS'],
    default: '`30000`',
    meaning: "Per-attempt timeout of the functions' own OSS calls (response headers and body), 100..600000 ms. A timed-out attempt counts as a network error and is retried as docs/oss.md 'Retries' describes (Initiate is not); keep 4 x this plus backoff within the function's timeout.",
  },
  {
    names: ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'],
    default: 'none',
    meaning: "OSS credentials when the invocation's `context.credentials` (function role) has none; id and secret go together. See `credentialsFrom`.",
  },
  {
    names: ['AUTH_MODE'],
    default: '`jwt`',
    meaning: '`jwt`: callers need a JWT. `none`: every caller is `AUTH_ANONYMOUS_SUB`; only when set explicitly (local stack, demos).',
    only: 'callers',
  },
  {
    names: ['AUTH_JWT_SECRET'],
    default: 'none',
    meaning: 'HS256 secret shared with the identity provider, at least 32 bytes.',
    only: 'callers',
  },
  {
    names: ['AUTH_JWKS_URL'],
    default: 'none',
    meaning: 'JWKS URL of the identity provider (https, or http on localhost); needs `AUTH_AUDIENCE`. With `AUTH_MODE=jwt`, this or `AUTH_JWT_SECRET` is required.',
    only: 'callers',
  },
  {
    names: ['AUTH_JWKS_ALGORITHMS'],
    default: '`RS256,ES256`',
    meaning: 'Comma list of the algorithms JWKS keys may sign with: RS256/384/512, PS256/384/512, ES256/384/512, EdDSA. `AUTH_JWT_SECRET` verifies HS256 only.',
    only: 'callers',
  },
  {
    names: ['AUTH_ISSUER'],
    default: 'none',
    meaning: 'Required `iss` claim, when set.',
    only: 'callers',
  },
  {
    names: ['AUTH_AUDIENCE'],
    default: 'none',
    meaning: 'Required `aud` claim (one of). Required with `AUTH_JWKS_URL`: an identity provider issues tokens to other applications too, and without an audience check any of them would be accepted here.',
    only: 'callers',
  },
  {
    names: ['AUTH_CLOCK_TOLERANCE_SECONDS'],
    default: '`30`',
    meaning: "Clock skew allowed on a caller JWT's `exp`, `nbf` and `iat`, 0..300. (Our own upload tokens get none.)",
    only: 'callers',
  },
  {
    names: ['AUTH_MAX_TOKEN_AGE_SECONDS'],
    default: 'none',
    meaning: 'When set, caller JWTs need `iat` and must be younger than this, 1..2592000.',
    only: 'callers',
  },
  {
    names: ['AUTH_TOKEN_TYP'],
    default: 'none',
    meaning: 'Required JWT header `typ` (e.g. `at+jwt`), when set.',
    only: 'callers',
  },
  {
    names: ['AUTH_COOKIE_NAME'],
    default: '`oss_upload_token`',
    meaning: 'Cookie holding the caller JWT when there is no `Authorization: Bearer` header.',
    only: 'callers',
  },
  {
    names: ['AUTH_ANONYMOUS_SUB'],
    default: '`anonymous`',
    meaning: 'The caller id under `AUTH_MODE=none`; a safe key segment.',
    only: 'callers',
  },
  {
    names: ['UPLOAD_TOKEN_SECRET'],
    default: 'required',
    meaning: 'HS256 secret for upload tokens, at least 32 bytes, different from `AUTH_JWT_SECRET`.',
    only: 'callers',
  },
  {
    names: ['UPLOAD_TOKEN_TTL_SECONDS'],
    default: '`86400`',
    meaning: 'Upload token lifetime, 60..604800.',
  },
  {
    names: ['KEY_PREFIX'],
    default: '`uploads`',
    meaning: 'First key segment(s); every upload and the sweeper stay under it.',
  },
  {
    names: ['MAX_FILE_SIZE'],
    default: '`5GiB`',
    meaning: 'Largest declared file size; at most 10,000 x 5 GiB (OSS). 5 GiB is a generous default for browser uploads that still bounds storage per upload.',
  },
  {
    names: ['ALLOWED_CONTENT_TYPES'],
    default: '`*/*`',
    meaning: 'Comma list of `*/*`, `type/*` or exact types.',
  },
  {
    names: ['DEFAULT_PART_SIZE'],
    default: '`8MiB`',
    meaning: 'Part size when the client does not ask; 100 KiB..5 GiB.',
  },
  {
    names: ['URL_EXPIRES_SECONDS'],
    default: '`3600`',
    meaning: 'Presigned URL lifetime, 1..604800.',
  },
  {
    names: ['MAX_PARTS_PER_SIGN'],
    default: '`1000`',
    meaning: 'Part numbers per sign call, 1..1000.',
  },
  {
    names: ['MAX_ACTIVE_UPLOADS'],
    default: '`10`',
    meaning: 'Unfinished uploads per caller; `0` = unlimited.',
  },
  {
    names: ['SIGN_CHECKS_UPLOAD'],
    default: '`true`',
    meaning: "sign makes one ListParts call per batch so a completed, aborted or swept upload answers 404 at once; `false`: sign makes no OSS call and a dead upload surfaces as OSS's 404 on the part PUT.",
  },
  {
    names: ['MAX_BODY_BYTES'],
    default: '`1MiB`',
    meaning: "Largest request body; 1 MiB holds a 10,000-part complete body (~0.6 MB). 1 KiB..32 MiB (FC's own limit).",
  },
  {
    names: ['CORS_ALLOWED_ORIGINS'],
    default: 'none',
    meaning: 'Comma list of origins (`https://app.example.com`) or `*`. Empty: same-origin only.',
  },
  {
    names: ['CALLBACK_URL'],
    default: 'none',
    meaning: 'OSS upload callback target (http or https, no query string: FC passes no raw query, so it could not be verified).',
  },
  {
    names: ['CALLBACK_PUBLIC_KEYS'],
    default: 'none',
    meaning: "Extra PEM public keys trusted for callback signatures (e.g. the emulator's); PEM blocks one after another, any separator; `\\n` escapes allowed.",
  },
  {
    names: ['CALLBACK_KEY_URL_PREFIXES'],
    default: 'none',
    meaning: "Comma list of extra URL prefixes a callback's public key may be fetched from; each must end its host with `/`.",
  },
  {
    names: ['SWEEP_MAX_AGE_HOURS'],
    default: '`24`',
    meaning: 'The sweeper aborts uploads older than this; > 0, at most 8760.',
  },
  {
    names: ['SWEEP_DRY_RUN'],
    default: '`false`',
    meaning: 'The sweeper only reports what it would abort.',
  },
  {
    names: ['WEBHOOK_URL'],
    default: 'none',
    meaning: 'Where the events function POSTs each `upload.completed` / `upload.rejected` event (Standard Webhooks); https, or http on localhost. The events function refuses to run without it.',
    only: 'events',
  },
  {
    names: ['WEBHOOK_SECRET'],
    default: 'none',
    meaning: 'The signing secret, `whsec_` + base64 of 24-64 random bytes (the Standard Webhooks form); required with `WEBHOOK_URL`.',
    only: 'events',
  },
  {
    names: ['WEBHOOK_TIMEOUT_MS'],
    default: '`10000`',
    meaning: 'Per delivery, 100..60000 ms; a timeout or a non-2xx answer fails the invocation, so FC retries it.',
    only: 'events',
  },
  {
    names: ['QUARANTINE_MODE'],
    default: '`move`',
    meaning: 'An object that fails the content check is `move`d under `QUARANTINE_PREFIX` (copied, then deleted at its key) or `delete`d; either way a JSON record of the rejection is kept there.',
  },
  {
    names: ['QUARANTINE_PREFIX'],
    default: '`quarantine`',
    meaning: 'Key prefix of quarantined objects and rejection records; must not overlap `KEY_PREFIX` (the OSS trigger must never see them).',
  },
  {
    names: ['QUARANTINE_MAX_AGE_HOURS'],
    default: '`168`',
    meaning: 'The sweeper deletes what is under `QUARANTINE_PREFIX` after this long; > 0, at most 87600.',
  },
];

/**
 * Every variable `parseConfig` reads, in table order. s.yaml gives each function those it is to
 * have (`only`) but the ALIBABA_CLOUD_* credentials (FC sets those from the role);
 * test/unit/s-yaml.test.ts checks this list against what parseConfig reads, and s.yaml against it.
 */
export const CONFIG_VARIABLES: readonly string[] = /* @__PURE__ */ CONFIG_TABLE.flatMap((v) => v.names);

/** The README's table: one row per entry of `CONFIG_TABLE`. */
export function configTableMarkdown(): string {
  const given = { callers: 'caller-facing', events: 'events' } as const;
  const rows = CONFIG_TABLE.map((v) => `| ${v.names.map((n) => `\`${n}\``).join(', ')} | ${v.default} | ${v.only ? given[v.only] : 'all'} | ${v.meaning} |`);
  return ['| Variable | Default | Given to | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

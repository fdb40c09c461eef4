// s.yaml (Serverless Devs v3: fc3 + fc3-domain) checked by the real tool, offline. The real `s`
// (@serverless-devs/s) reads `.env`, renders ${env()}, ${vars.…} and ${resources.…}, runs the
// pipeline (the pre-deploy `npm run build`, then the resources in dependency order) and deploys
// every resource to a stub component that records the props it receives
// (test/helpers/serverless-devs.ts); `s verify` checks them against schemas written for the props
// we use (test/helpers/fc3-schemas.ts: why ours and not the components' own files). Every
// assertion below is on what fc3 / fc3-domain would have been asked to deploy.
//
// It also pins the contract between the code and the deployment: every variable shared/config/
// reads is provided to every function, every route in functions/routes.ts reaches its function
// through the custom domain, and every fc3 `code:` folder is what `npm run build` produces.
// Takes ~10 s on an idle machine (a build and six `s` runs of ~1 s each).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { CALLER_FACING, CONFIG_TABLE, CONFIG_VARIABLES, ConfigError, INTERNAL, parseConfig } from '../../shared/config/index.ts';
import { ALL_FUNCTIONS, CALLER_FACING_FUNCTIONS, HTTP_FUNCTIONS, ROUTES, type FunctionName } from '../../functions/routes.ts';
import { ROOT } from '../../infra/build.ts';
import { DEFAULT_RETRY } from '../../shared/oss/retry.ts';
import { EVENTS_ASYNC_INVOKE, EVENTS_TRIGGER_EVENTS } from '../../functions/events/trigger.ts';
import { ACCOUNT_ID, deployment, type Deployed, type Deployment, type SResult } from '../helpers/serverless-devs.ts';

type Json = any;
/**
 * s.yaml as YAML 1.2 (core schema: `3.0.0` stays a string) with merge keys (`<<: *env`, which
 * Serverless Devs' js-yaml applies); any error or warning fails.
 */
function readSYaml(text: string): Json {
  const parsed = parseDocument(text, { version: '1.2', schema: 'core', merge: true, uniqueKeys: true, prettyErrors: true });
  const problems = [...parsed.errors, ...parsed.warnings];
  if (problems.length > 0) throw new Error(`s.yaml: ${problems.map((p) => p.message).join('\n')}`);
  return parsed.toJS({ maxAliasCount: 10 });
}
const S_YAML = readFileSync(join(ROOT, 's.yaml'), 'utf8');
const doc: Json = readSYaml(S_YAML);

/** Every env() reference in the file: name -> defaults seen (undefined = required). */
function envRefs(): Map<string, Array<string | undefined>> {
  const refs = new Map<string, Array<string | undefined>>();
  const text = S_YAML.replace(/^\s*#.*$/gm, '');
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    const e = /^env\('([A-Za-z_][A-Za-z0-9_]*)'(?:,\s*'([^']*)')?\)$/.exec(m[1].trim());
    if (!e) continue;
    refs.set(e[1], [...(refs.get(e[1]) ?? []), e[2]]);
  }
  return refs;
}

/** A realistic production environment for `s deploy` (lengths like the real values). */
const DEPLOY_ENV: Record<string, string> = {
  REGION: 'cn-shanghai',
  FC_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload-functions-role',
  API_DOMAIN: 'upload-api.an-example-company-domain.com',
  API_CERT_ID: '12345678',
  OSS_BUCKET: 'an-example-company-uploads-bucket',
  OSS_ENDPOINT: 'https://oss-cn-shanghai-internal.aliyuncs.com',
  AUTH_JWT_SECRET: 'q'.repeat(64),
  UPLOAD_TOKEN_SECRET: 'u'.repeat(64),
  CORS_ALLOWED_ORIGINS: 'https://app.an-example-company-domain.com,https://admin.an-example-company-domain.com',
  WEBHOOK_URL: 'https://app.an-example-company-domain.com/webhooks/uploads',
  WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  // Read by fc3 itself for `logConfig: auto`.
  FC_GENERATE_PROJECT_NAME: 'an-example-company-fc-logs',
  FC_GENERATE_LOGSTORE_NAME: 'oss-upload',
};
/** Variables fc3 reads from its environment (devsapp/fc3 src/default/resources.ts), not s.yaml. */
const FC3_ENV = ['FC_GENERATE_PROJECT_NAME', 'FC_GENERATE_LOGSTORE_NAME'];

const resources = Object.entries(doc.resources ?? {}) as Array<[string, Json]>;
const fc3 = resources.filter(([, r]) => r.component === 'fc3');
const domains = resources.filter(([, r]) => r.component === 'fc3-domain');

let d: Deployment;
let deploy: SResult;
let deployed: Deployed[];
/** What `s deploy` gave the component of resource `name`. */
const deployedProps = (name: string) => {
  const r = deployed.find((x) => x.resource === name);
  assert.ok(r, `${name} was deployed`);
  return r.props;
};
before(async () => {
  d = await deployment();
  d.writeEnvFile(DEPLOY_ENV);
  deploy = await d.s(['deploy', '-y']);
  deployed = d.takeDeployed();
});
after(() => d?.close());
/** The fc3 resource deploying functions/<fn> (its code is ./dist/<fn>). */
const resourceOf = (fn: string) => fc3.find(([, r]) => r.props?.code === `./dist/${fn}`);

const FC_CREDENTIALS = ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'];
const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
const TRIGGER_TYPES = ['cdn_events', 'eventbridge', 'http', 'log', 'mns_topic', 'oss', 'tablestore', 'timer'];

// ---------------------------------------------------------------------------------------------
// shared/config/: the variable list is what parseConfig really reads, each documented once.

test('CONFIG_VARIABLES is exactly the set of variables parseConfig reads', () => {
  const read = new Set<string>();
  const spy = (base: Record<string, string>) =>
    new Proxy(base, {
      get(target, prop) {
        if (typeof prop === 'string') read.add(prop);
        return Reflect.get(target, prop);
      },
    });
  // Once with nothing set and once fully configured, so conditional reads are seen too.
  try {
    parseConfig(spy({}));
  } catch (e) {
    assert.ok(e instanceof ConfigError);
  }
  parseConfig(spy({ OSS_REGION: 'cn-hangzhou', OSS_BUCKET: 'bucket-a', AUTH_JWT_SECRET: 'x'.repeat(32), UPLOAD_TOKEN_SECRET: 'y'.repeat(32), ALIBABA_CLOUD_ACCESS_KEY_ID: 'a', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b', OSS_ENDPOINT: 'http://127.0.0.1:9', CALLBACK_URL: 'http://127.0.0.1/cb' }));
  assert.deepEqual([...read].sort(), [...CONFIG_VARIABLES].sort());
});

test('the variable table (shared/config/variables.ts) documents each variable once, with a default and a meaning', () => {
  assert.equal(new Set(CONFIG_VARIABLES).size, CONFIG_VARIABLES.length, 'a variable has two rows');
  for (const row of CONFIG_TABLE) {
    assert.ok(row.names.length > 0 && row.names.every((n) => /^[A-Z][A-Z0-9_]+$/.test(n)), `names: ${row.names.join(', ')}`);
    assert.ok(row.default.trim() && !row.default.includes('|'), `${row.names[0]}: a default, one table cell`);
    assert.ok(row.meaning.trim() && !row.meaning.includes('|'), `${row.names[0]}: a meaning, one table cell`);
  }
});

// ---------------------------------------------------------------------------------------------
// Top level

test('s.yaml top level: edition 3.0.0, name, access, and a pre-deploy build', () => {
  assert.equal(doc.edition, '3.0.0');
  assert.match(doc.name, /^[a-zA-Z][\w-]*$/);
  // `s` renders no magic variable in `access`; the components got the alias's credentials.
  assert.match(doc.access, /^[\w-]+$/, 'access is a literal credentials alias');
  for (const r of deployed) assert.equal(r.accountId, ACCOUNT_ID, `${r.resource}: credentials of the access alias`);
  const pre = doc.actions?.['pre-deploy'];
  assert.ok(Array.isArray(pre) && pre.some((a: Json) => a.run === 'npm run build'), 'actions.pre-deploy runs npm run build');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.build, 'tsx infra/build.ts');
  for (const [name, r] of resources) {
    assert.ok(['fc3', 'fc3-domain'].includes(r.component), `${name}: component ${r.component}`);
    assert.equal(typeof r.props, 'object', `${name}: props`);
  }
});

test('required deployment values have no default; optional ones never default to empty', () => {
  const required = [...envRefs()].filter(([, defaults]) => defaults.some((d) => d === undefined)).map(([n]) => n).sort();
  assert.deepEqual(required, ['API_CERT_ID', 'API_DOMAIN', 'CORS_ALLOWED_ORIGINS', 'FC_ROLE_ARN', 'OSS_BUCKET', 'UPLOAD_TOKEN_SECRET', 'WEBHOOK_SECRET', 'WEBHOOK_URL']);
  for (const [name, defaults] of envRefs()) {
    assert.equal(new Set(defaults).size, 1, `${name} is used with different defaults: ${defaults.join(' | ')}`);
    // An empty default makes `s` fail like a missing variable; "unset" is written as ' '.
    assert.notEqual(defaults[0], '', `${name}: empty default`);
  }
  // The secrets the config cannot run without are among them.
  try {
    parseConfig({});
  } catch (e) {
    for (const p of (e as ConfigError).problems) {
      const v = /^(\w+) is required$/.exec(p)?.[1];
      if (v && v !== 'OSS_REGION') assert.ok(required.includes(v), `${v} is required by shared/config/ but has a default in s.yaml`);
    }
  }
});

test('.env.example documents every ${env()} variable of s.yaml and those fc3 reads, and nothing else', () => {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), [...envRefs().keys(), ...FC3_ENV].sort());
  // Required ones are present uncommented and empty, so a copied .env fails loudly until filled in.
  for (const [name, defaults] of envRefs()) {
    if (defaults[0] === undefined) assert.match(text, new RegExp(`^${name}=$`, 'm'), name);
  }
});

// ---------------------------------------------------------------------------------------------
// fc3 resources

test('one fc3 resource per function in functions/routes.ts, code ./dist/<name>', () => {
  const codes = fc3.map(([, r]) => r.props.code).sort();
  assert.deepEqual(codes, ALL_FUNCTIONS.map((f) => `./dist/${f}`).sort());
  const names = fc3.map(([n]) => deployedProps(n).functionName);
  assert.equal(new Set(names).size, names.length, 'functionName is unique');
});

test('fc3 props follow the fc3 schema and FC 3.0 limits', () => {
  for (const [name] of fc3) {
    const p = deployedProps(name);
    for (const k of ['functionName', 'region', 'runtime', 'code', 'handler']) assert.ok(p[k], `${name}: ${k} is required`);
    // FC: letters, digits, _ and -, starting with a letter or _, at most 64 characters.
    assert.match(p.functionName, /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/, `${name}: functionName`);
    assert.match(p.region, /^[a-z]{2}-[a-z]+(-\d+)?$/, `${name}: region`);
    assert.equal(p.runtime, 'nodejs20', `${name}: runtime`);
    assert.equal(p.handler, 'index.handler', `${name}: handler`);
    assert.ok(Number.isInteger(p.memorySize) && p.memorySize % 64 === 0 && p.memorySize >= 128 && p.memorySize <= 32768, `${name}: memorySize ${p.memorySize}`);
    assert.ok(Number.isInteger(p.timeout) && p.timeout >= 1 && p.timeout <= 86400, `${name}: timeout ${p.timeout}`);
    if (p.cpu !== undefined) {
      assert.ok(typeof p.cpu === 'number' && p.cpu >= 0.05 && p.cpu <= 16, `${name}: cpu ${p.cpu}`);
      assert.ok(Math.abs(Math.round(p.cpu / 0.05) * 0.05 - p.cpu) < 1e-9, `${name}: cpu is a multiple of 0.05`);
      const ratio = p.memorySize / 1024 / p.cpu;
      assert.ok(ratio >= 1 && ratio <= 4, `${name}: vCPU : memory (GB) must be 1:1..1:4, got 1:${ratio.toFixed(2)}`);
    }
    assert.equal('instanceConcurrency' in p, false, `${name}: instanceConcurrency is for custom runtimes only`);
    assert.equal(typeof p.internetAccess, 'boolean', `${name}: internetAccess`);
    assert.match(p.role, /^acs:ram::\d+:role\/[\w.-]+$/, `${name}: role is a RAM role ARN`);
    assert.equal(doc.resources[name].props.role, '${vars.role}');
    assert.equal(typeof p.description, 'string');
  }
  // The sweeper pages through every stale upload and aborts up to 5,000: it gets the longest timeout.
  const sweep = deployedProps(resourceOf('sweep')![0]);
  for (const [name] of fc3) if (name !== resourceOf('sweep')![0]) assert.ok(sweep.timeout > deployedProps(name).timeout, `sweep outlasts ${name}`);
  // OSS waits at most 5 s for the callback answer.
  assert.ok(deployedProps(resourceOf('callback')![0]).timeout <= 30);
  // Functions calling OSS outlast one call's whole retry budget, so a slow OSS ends in the JSON
  // 502 of shared/http/errors.ts rather than an FC timeout. (callback makes no OSS call.)
  for (const [name] of fc3) {
    if (name === resourceOf('callback')![0]) continue;
    const p = deployedProps(name);
    const perAttempt = Number(p.environmentVariables.OSS_TIMEOUT_MS ?? 30_000);
    let backoff = 0;
    for (let i = 0; i < DEFAULT_RETRY.max; i++) backoff += Math.min(DEFAULT_RETRY.capMs, DEFAULT_RETRY.baseMs * 2 ** i);
    const budgetMs = (DEFAULT_RETRY.max + 1) * perAttempt + backoff;
    assert.ok(p.timeout * 1000 >= budgetMs, `${name}: timeout ${p.timeout} s < one OSS call's retry budget ${budgetMs} ms`);
  }
});

/** The function a resource deploys (its code folder, dist/<fn>). */
function fnOf(resource: string): FunctionName {
  const fn = ALL_FUNCTIONS.find((f) => resourceOf(f)?.[0] === resource);
  assert.ok(fn, `${resource}: deploys none of ${ALL_FUNCTIONS.join(', ')}`);
  return fn;
}
const callerFacing = (fn: FunctionName) => CALLER_FACING_FUNCTIONS.includes(fn);

/** The variables `fn` is to be given: every one it reads, and no secret it does not use. */
function variablesFor(fn: FunctionName): string[] {
  const given = CONFIG_TABLE.filter((v) => v.only === undefined || (v.only === 'callers' ? callerFacing(fn) : fn === 'events'));
  return given.flatMap((v) => v.names).filter((v) => !FC_CREDENTIALS.includes(v)).sort();
}

test('every function gets the variables it reads and no secret it does not use (credentials come from the role)', () => {
  for (const [name] of fc3) {
    const fn = fnOf(name);
    const vars = deployedProps(name).environmentVariables;
    assert.equal(typeof vars, 'object', `${name}: environmentVariables`);
    assert.deepEqual(Object.keys(vars).sort(), variablesFor(fn), `${name}: variables (no typos, none missing, no credentials)`);
    if (!callerFacing(fn)) for (const k of ['AUTH_JWT_SECRET', 'UPLOAD_TOKEN_SECRET']) assert.equal(k in vars, false, `${name}: holds ${k}, which it never uses`);
    if (fn !== 'events') assert.equal('WEBHOOK_SECRET' in vars, false, `${name}: holds WEBHOOK_SECRET, which only events uses`);
    for (const [k, v] of Object.entries(vars)) {
      assert.equal(typeof v, 'string', `${name}: ${k} must be a string (fc3 IKV)`);
      assert.match(k, /^[A-Za-z][A-Za-z0-9_]*$/, k);
      assert.ok(!k.startsWith('FC_'), `${k}: the FC_ prefix is reserved`);
    }
  }
});

test('the deployed environment is valid, its defaults equal the code defaults, and it fits in 4 KB', () => {
  for (const [name] of fc3) {
    const fn = fnOf(name);
    const needs = callerFacing(fn) ? CALLER_FACING : INTERNAL;
    const vars = deployedProps(name).environmentVariables as Record<string, string>;
    const config = parseConfig(vars, needs);
    // Without the caller secrets, a function that served callers could not start: the split is real.
    if (!callerFacing(fn)) assert.throws(() => parseConfig(vars, CALLER_FACING), ConfigError);
    assert.equal(config.oss.region, 'cn-shanghai');
    assert.equal(config.oss.endpoint, 'https://oss-cn-shanghai-internal.aliyuncs.com');
    assert.equal(config.oss.publicEndpoint, 'https://oss-cn-shanghai.aliyuncs.com', 'browsers never get the internal endpoint');
    assert.equal(config.callback.url, `https://${DEPLOY_ENV.API_DOMAIN}/oss/callback`);
    assert.deepEqual(config.http.corsAllowedOrigins, DEPLOY_ENV.CORS_ALLOWED_ORIGINS!.split(','));
    // s.yaml's optional defaults change nothing: same config as with only the required values set.
    const minimal: Record<string, string> = {};
    for (const k of ['OSS_REGION', 'OSS_BUCKET', 'OSS_ENDPOINT', 'AUTH_JWT_SECRET', 'UPLOAD_TOKEN_SECRET', 'CORS_ALLOWED_ORIGINS', 'CALLBACK_URL', 'WEBHOOK_URL', 'WEBHOOK_SECRET']) {
      if (vars[k] !== undefined) minimal[k] = vars[k];
    }
    assert.deepEqual(config, parseConfig(minimal, needs), `${name}: an s.yaml default differs from shared/config/`);
    // FC: 4 KB for all variables of a function together.
    const bytes = Object.entries(vars).reduce((s, [k, v]) => s + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    assert.ok(bytes < 4096 - 1024, `${name}: ${bytes} bytes of variables leaves under 1 KB of the 4 KB limit`);
  }
});

test('every function keeps its logs and request metrics in Simple Log Service', () => {
  for (const [name] of fc3) {
    const r = deployed.find((x) => x.resource === name)!;
    const log = r.props.logConfig;
    if (log === 'auto') {
      // fc3 then creates or reuses the .env's project and logstore, request metrics on
      // (devsapp/fc3 src/subCommands/deploy/impl/function.ts); `s` handed it those values.
      for (const k of FC3_ENV) assert.equal(r.env?.[k], DEPLOY_ENV[k], `${name}: fc3 sees ${k} from .env`);
    } else {
      assert.ok(log && typeof log === 'object', `${name}: logConfig is auto or a project and logstore`);
      assert.ok(log.project && log.logstore, `${name}: logConfig names a project and a logstore`);
      assert.equal(log.enableRequestMetrics, true, `${name}: request metrics (one entry per request, with its status)`);
    }
    assert.equal(doc.resources[name].props.logConfig, '${vars.logConfig}', `${name}: the shared setting`);
  }
});

test('HTTP functions have one anonymous HTTP trigger with their route methods and OPTIONS', () => {
  for (const fn of HTTP_FUNCTIONS) {
    const [name] = resourceOf(fn)!;
    const triggers = deployedProps(name).triggers as Json[];
    assert.ok(Array.isArray(triggers), `${fn}: triggers`);
    const http = triggers.filter((t) => t.triggerType === 'http');
    assert.equal(http.length, 1, `${fn}: FC allows one HTTP trigger per version`);
    const cfg = http[0].triggerConfig;
    assert.equal(cfg.authType, 'anonymous', `${fn}: the functions authenticate callers themselves`);
    assert.ok(Array.isArray(cfg.methods) && cfg.methods.length > 0);
    for (const m of cfg.methods) assert.ok(HTTP_METHODS.includes(m), `${fn}: method ${m}`);
    assert.ok(cfg.methods.includes('OPTIONS'), `${fn}: OPTIONS for CORS preflights`);
    for (const route of ROUTES.filter((r) => r.fn === fn)) {
      for (const m of route.methods) assert.ok(cfg.methods.includes(m), `${fn}: trigger lacks ${m} for ${route.path}`);
    }
    if ('disableURLInternet' in cfg) assert.equal(typeof cfg.disableURLInternet, 'boolean');
  }
});

test('every trigger has the fields fc3 requires; sweep runs on a 6-field timer', () => {
  for (const [name] of fc3) {
    const triggers = (deployedProps(name).triggers ?? []) as Json[];
    const names = triggers.map((t) => t.triggerName);
    assert.equal(new Set(names).size, names.length, `${name}: trigger names are unique`);
    for (const t of triggers) {
      assert.match(t.triggerName, /^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$/, `${name}: triggerName`);
      assert.ok(TRIGGER_TYPES.includes(t.triggerType), `${name}: triggerType ${t.triggerType}`);
      assert.equal(typeof t.triggerConfig, 'object', `${name}: triggerConfig`);
    }
  }
  const sweep = deployedProps(resourceOf('sweep')![0]);
  const timers = (sweep.triggers as Json[]).filter((t) => t.triggerType === 'timer');
  assert.equal(timers.length, 1);
  assert.ok(!(sweep.triggers as Json[]).some((t) => t.triggerType === 'http'), 'sweep has no HTTP trigger');
  const cfg = timers[0].triggerConfig;
  assert.equal(cfg.enable, true);
  const fields = cfg.cronExpression.trim().split(/\s+/);
  assert.ok(cfg.cronExpression.startsWith('@every ') || fields.length === 6, `cronExpression needs 6 fields: ${cfg.cronExpression}`);
  assert.equal(typeof cfg.payload, 'string');
  // The payload may override SWEEP_DRY_RUN (functions/sweep); the deployed one must not.
  assert.equal(JSON.parse(cfg.payload).dryRun, undefined, 'the timer payload leaves SWEEP_DRY_RUN in charge');
});

test('events: an OSS trigger on our created-object events under KEY_PREFIX, async retries and a dead-letter queue', () => {
  const [name] = resourceOf('events')!;
  const p = deployedProps(name);
  assert.ok(!(p.triggers as Json[]).some((t) => t.triggerType === 'http'), 'events has no HTTP trigger');
  const oss = (p.triggers as Json[]).filter((t) => t.triggerType === 'oss');
  assert.equal(oss.length, 1);
  const t = oss[0];
  // fc3 IOssTriggerConfig: events and filter.key.{prefix, suffix} are required.
  assert.deepEqual(t.triggerConfig.events, [...EVENTS_TRIGGER_EVENTS], 'the events functions/events/trigger.ts lists (the local stack uses them too)');
  assert.ok(!t.triggerConfig.events.some((e: string) => /Copy|\*/.test(e)), 'copies (quarantine) never trigger it');
  const config = parseConfig(p.environmentVariables, INTERNAL);
  assert.deepEqual(t.triggerConfig.filter, { key: { prefix: `${config.policy.keyPrefix}/`, suffix: '' } });
  assert.ok(!`${config.events.quarantine.prefix}/`.startsWith(t.triggerConfig.filter.key.prefix), 'the quarantine is outside the filter');
  // ${config('AccountID')}: the account of the credentials alias `s` deploys with.
  assert.equal(t.sourceArn, `acs:oss:${p.region}:${ACCOUNT_ID}:${DEPLOY_ENV.OSS_BUCKET}`);
  assert.equal(t.invocationRole, `acs:ram::${ACCOUNT_ID}:role/aliyunosseventnotificationrole`);
  assert.equal(t.qualifier, 'LATEST');
  // fc3 IAsyncInvokeConfig bounds, and the values the local stack's invoker applies.
  const a = p.asyncInvokeConfig;
  assert.deepEqual({ maxAsyncRetryAttempts: a.maxAsyncRetryAttempts, maxAsyncEventAgeInSeconds: a.maxAsyncEventAgeInSeconds }, { ...EVENTS_ASYNC_INVOKE });
  assert.ok(Number.isInteger(a.maxAsyncRetryAttempts) && a.maxAsyncRetryAttempts >= 0 && a.maxAsyncRetryAttempts <= 8);
  assert.ok(Number.isInteger(a.maxAsyncEventAgeInSeconds) && a.maxAsyncEventAgeInSeconds >= 1 && a.maxAsyncEventAgeInSeconds <= 2_592_000);
  assert.equal(a.destinationConfig.onFailure.destination, `acs:mns:${p.region}:${ACCOUNT_ID}:/queues/oss-upload-events-dlq/messages`);
  // A delivery cannot outlast the function.
  assert.ok(p.timeout * 1000 > config.events.webhookTimeoutMs + 4 * Number(p.environmentVariables.OSS_TIMEOUT_MS));
});

// ---------------------------------------------------------------------------------------------
// fc3-domain

test('the custom domain routes every API path in functions/routes.ts to its function', () => {
  assert.equal(domains.length, 1, 'one fc3-domain resource');
  const [name] = domains[0];
  const p = deployedProps(name);
  for (const k of ['region', 'domainName', 'protocol', 'routeConfig']) assert.ok(p[k], `${name}: ${k} is required`);
  assert.ok(['HTTP', 'HTTPS', 'HTTP,HTTPS'].includes(p.protocol), `protocol ${p.protocol}`);
  if (p.protocol.includes('HTTPS')) {
    const c = p.certConfig;
    assert.ok(c && (c.certId || (c.certName && c.certificate && c.privateKey)), 'HTTPS needs certConfig: certId, or certName + certificate + privateKey');
  }
  // Deployed after the functions: each route names its function through ${resources.<r>.props.functionName}.
  const routes = doc.resources[name].props.routeConfig.routes as Json[];
  assert.deepEqual(routes.map((r) => r.path).sort(), ROUTES.map((r) => r.path).sort(), 'route paths = functions/routes.ts');
  for (const route of ROUTES) {
    const raw = routes.find((r) => r.path === route.path)!;
    const [res] = resourceOf(route.fn)!;
    assert.equal(raw.functionName, `\${resources.${res}.props.functionName}`, `${route.path} -> ${route.fn}`);
    const r = p.routeConfig.routes.find((x: Json) => x.path === route.path);
    assert.equal(r.functionName, deployedProps(res).functionName);
    for (const m of r.methods) assert.ok(HTTP_METHODS.includes(m), `${route.path}: method ${m}`);
    for (const m of [...route.methods, 'OPTIONS']) assert.ok(r.methods.includes(m), `${route.path} lacks ${m}`);
    // A route method the function's trigger would not accept is a dead end.
    const trigger = (deployedProps(res).triggers as Json[]).find((t) => t.triggerType === 'http');
    for (const m of r.methods) assert.ok(trigger.triggerConfig.methods.includes(m), `${route.path}: ${m} not on ${route.fn}'s trigger`);
    if (r.qualifier !== undefined) assert.equal(r.qualifier, 'LATEST');
  }
  // CALLBACK_URL is this domain's /oss/callback, which routes to the callback function.
  const cb = new URL(deployedProps(resourceOf('init')![0]).environmentVariables.CALLBACK_URL);
  assert.equal(cb.host, p.domainName);
  assert.equal(ROUTES.find((r) => r.path === cb.pathname)?.fn, 'callback');
  assert.equal(p.region, deployedProps(resourceOf('init')![0]).region);
});

// ---------------------------------------------------------------------------------------------
// The pipeline, and `s verify`

test('`s deploy` builds first, then deploys every resource once, the domain after its functions', () => {
  assert.equal(deploy.code, 0, deploy.text);
  assert.deepEqual(deployed.map((r) => r.resource).sort(), resources.map(([n]) => n).sort(), 'each resource deployed once');
  for (const r of deployed) assert.equal(r.component, doc.resources[r.resource].component);
  // Nothing left for the component to resolve.
  assert.doesNotMatch(JSON.stringify(deployed.map((r) => r.props)), /\$\{/);
  const order = deployed.map((r) => r.resource);
  for (const [name] of domains) {
    for (const route of deployedProps(name).routeConfig.routes) {
      const fn = fc3.find(([n]) => deployedProps(n).functionName === route.functionName)?.[0];
      assert.ok(fn, `${route.path}: ${route.functionName} is a deployed function`);
      assert.ok(order.indexOf(fn) < order.indexOf(name), `${fn} deploys before ${name}, which routes to it`);
    }
  }
});

test('each fc3 code folder was built by the pre-deploy step before its function deployed', () => {
  // The project copy starts without dist/: only the pipeline's `npm run build` can have made it.
  for (const [name] of fc3) {
    const r = deployed.find((x) => x.resource === name)!;
    const code = r.props.code as string;
    const fn = /^\.\/dist\/([\w-]+)$/.exec(code)?.[1];
    assert.ok(fn, `${name}: code ${code} is ./dist/<function>`);
    assert.deepEqual(r.codeFiles, ['THIRD-PARTY-NOTICES.txt', 'index.js', 'package.json'], `${name}: ${code} when it deployed`);
    const [file, exportName] = (r.props.handler as string).split('.');
    const out = spawnSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(join(d.dir, code, `${file}.js`))})[${JSON.stringify(exportName)}])`], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    assert.equal(out.stdout, 'function', `${code}/${file}.js does not export ${exportName}: ${out.stderr}`);
  }
});

test('`s verify` validates every resource against the component schemas, reporting every problem', async () => {
  const ok = await d.s(['verify']);
  assert.equal(ok.code, 0, ok.text);
  assert.match(ok.text, /Format verification for \[s\.yaml\] passed/);
  // The same file with three mistakes: each is reported, naming its resource and prop.
  const broken = S_YAML.replace('memorySize: 256', 'memorySize: 200').replace('internetAccess: true', 'internetAcess: true').replace('methods: [POST, OPTIONS]', 'methods: [POST, OPTION]');
  writeFileSync(join(d.dir, 'broken.yaml'), broken);
  const bad = await d.s(['verify', '-t', 'broken.yaml']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.text, /init\/props\/memorySize must be multiple of 64/);
  assert.match(bad.text, /init\/props must NOT have additional properties/);
  assert.match(bad.text, /init\/props\/triggers\/0\/triggerConfig\/methods\/1 must be equal to one of the allowed values/);
});

test('a required value missing from .env stops `s deploy` before the build, naming it', async () => {
  // Every required value is a default-less ${env()} (checked above), which `s` treats alike; one
  // read through vars and one read in a resource's props stand for all (each run costs ~1 s).
  const required = ['OSS_BUCKET', 'API_CERT_ID'];
  for (const name of required) assert.ok(envRefs().get(name)?.includes(undefined), `${name} is a required value`);
  assert.match(S_YAML, /^\s+certId: \$\{env\('API_CERT_ID'\)\}$/m, 'API_CERT_ID is read in a resource');
  for (const name of required) {
    // As in a copied .env.example: the name is there, its value empty.
    d.writeEnvFile({ ...DEPLOY_ENV, [name]: '' });
    rmSync(join(d.dir, 'dist'), { recursive: true, force: true });
    const r = await d.s(['deploy', '-y']);
    assert.notEqual(r.code, 0, `${name}: s deploy must fail`);
    assert.match(r.text, new RegExp(`env\\('${name}'\\) not found`), `${name}: the error names the variable`);
    assert.deepEqual(d.takeDeployed(), [], `${name}: nothing deployed`);
    assert.equal(existsSync(join(d.dir, 'dist')), false, `${name}: stopped before the pre-deploy build`);
  }
  d.writeEnvFile(DEPLOY_ENV);
});


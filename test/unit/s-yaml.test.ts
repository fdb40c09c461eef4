// s.yaml (Serverless Devs v3: fc3 + fc3-domain) checked offline, without `s` and without the
// component schemas: the rules below are the parts of devsapp/fc3 and devsapp/fc3-domain
// `schema.json` (and FC 3.0 limits) this deployment depends on, written out by hand.
//
// It also pins the contract between the code and the deployment: every variable shared/config.ts
// reads is provided to every function, every route in functions/routes.ts reaches its function
// through the custom domain, and every fc3 `code:` folder is what `npm run build` produces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { CONFIG_VARIABLES, ConfigError, parseConfig, type Env } from '../../shared/config.ts';
import { ALL_FUNCTIONS, HTTP_FUNCTIONS, ROUTES } from '../../functions/routes.ts';
import { build, ROOT, type BuildResult } from '../../infra/build.ts';
import { DEFAULT_RETRY } from '../../shared/oss/retry.ts';

// ---------------------------------------------------------------------------------------------
// Serverless Devs magic variables, the subset s.yaml uses: ${env('X')}, ${env('X', 'default')},
// ${vars.a.b}, ${resources.r.props.p}. An unknown form fails the test.

type Json = any;
/** s.yaml as YAML 1.2 (core schema: `3.0.0` stays a string); any error or warning fails. */
function readSYaml(text: string): Json {
  const parsed = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: true });
  const problems = [...parsed.errors, ...parsed.warnings];
  if (problems.length > 0) throw new Error(`s.yaml: ${problems.map((p) => p.message).join('\n')}`);
  return parsed.toJS({ maxAliasCount: 0 });
}
const doc: Json = readSYaml(readFileSync(join(ROOT, 's.yaml'), 'utf8'));
const MAGIC = /\$\{([^}]*)\}/g;

/** Every env() reference in the file: name -> defaults seen (undefined = required). */
function envRefs(): Map<string, Array<string | undefined>> {
  const refs = new Map<string, Array<string | undefined>>();
  const text = readFileSync(join(ROOT, 's.yaml'), 'utf8').replace(/^\s*#.*$/gm, '');
  for (const m of text.matchAll(MAGIC)) {
    const e = /^env\('([A-Za-z_][A-Za-z0-9_]*)'(?:,\s*'([^']*)')?\)$/.exec(m[1].trim());
    if (!e) continue;
    refs.set(e[1], [...(refs.get(e[1]) ?? []), e[2]]);
  }
  return refs;
}

class MissingEnv extends Error {}

/** Resolves magic in `value` like `s` would, with `env` as the shell environment. */
function resolve(value: Json, env: Env, path = ''): Json {
  if (Array.isArray(value)) return value.map((v, i) => resolve(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, env, `${path}.${k}`)]));
  if (typeof value !== 'string') return value;
  const whole = /^\$\{([^}]*)\}$/.exec(value);
  if (whole) return magic(whole[1].trim(), env, path);
  return value.replace(MAGIC, (_, expr: string) => {
    const v = magic(expr.trim(), env, path);
    if (typeof v !== 'string') throw new Error(`${path}: ${expr} is not a string inside a string`);
    return v;
  });
}

function magic(expr: string, env: Env, path: string): Json {
  const e = /^env\('([A-Za-z_][A-Za-z0-9_]*)'(?:,\s*'([^']*)')?\)$/.exec(expr);
  if (e) {
    // Serverless Devs: an unset or empty variable falls back to the default; an empty result fails.
    const v = env[e[1]] || e[2];
    if (!v) throw new MissingEnv(`env('${e[1]}') not found (${path})`);
    return v;
  }
  const vars = /^vars\.([\w.-]+)$/.exec(expr);
  if (vars) {
    const v = vars[1].split('.').reduce<Json>((o, k) => o?.[k], doc.vars);
    assert.notEqual(v, undefined, `${path}: \${${expr}} names no var`);
    return resolve(v, env, `vars.${vars[1]}`);
  }
  const res = /^resources\.([\w-]+)\.props\.([\w.]+)$/.exec(expr);
  if (res) {
    const v = res[2].split('.').reduce<Json>((o, k) => o?.[k], doc.resources?.[res[1]]?.props);
    assert.notEqual(v, undefined, `${path}: \${${expr}} names no resource prop`);
    return resolve(v, env, `resources.${res[1]}.props.${res[2]}`);
  }
  throw new Error(`${path}: unsupported magic variable \${${expr}}`);
}

/** A realistic production environment for `s deploy` (lengths like the real values). */
const DEPLOY_ENV: Env = {
  REGION: 'cn-shanghai',
  FC_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload-functions-role',
  API_DOMAIN: 'upload-api.an-example-company-domain.com',
  API_CERT_ID: '12345678',
  OSS_BUCKET: 'an-example-company-uploads-bucket',
  OSS_ENDPOINT: 'https://oss-cn-shanghai-internal.aliyuncs.com',
  AUTH_JWT_SECRET: 'q'.repeat(64),
  UPLOAD_TOKEN_SECRET: 'u'.repeat(64),
  CORS_ALLOWED_ORIGINS: 'https://app.an-example-company-domain.com,https://admin.an-example-company-domain.com',
};

const resources = Object.entries(doc.resources ?? {}) as Array<[string, Json]>;
const fc3 = resources.filter(([, r]) => r.component === 'fc3');
const domains = resources.filter(([, r]) => r.component === 'fc3-domain');
const resolved = resolve(doc, DEPLOY_ENV);
const fc3Resolved = (name: string) => resolved.resources[name].props;
/** The fc3 resource deploying functions/<fn> (its code is ./dist/<fn>). */
const resourceOf = (fn: string) => fc3.find(([, r]) => r.props?.code === `./dist/${fn}`);

const FC_CREDENTIALS = ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'];
const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
const TRIGGER_TYPES = ['cdn_events', 'eventbridge', 'http', 'log', 'mns_topic', 'oss', 'tablestore', 'timer'];

// ---------------------------------------------------------------------------------------------
// shared/config.ts: the variable list is what parseConfig really reads, and what its docs list.

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

test('the variable table in shared/config.ts documents exactly CONFIG_VARIABLES', () => {
  const src = readFileSync(join(ROOT, 'shared', 'config.ts'), 'utf8');
  const documented = new Set<string>();
  for (const row of src.matchAll(/^ \* \| (.+?) \| .* \|$/gm)) {
    for (const name of row[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)) documented.add(name[1]);
  }
  assert.deepEqual([...documented].sort(), [...CONFIG_VARIABLES].sort());
});

// ---------------------------------------------------------------------------------------------
// Top level

test('s.yaml top level: edition 3.0.0, name, access, and a pre-deploy build', () => {
  assert.equal(doc.edition, '3.0.0');
  assert.match(doc.name, /^[a-zA-Z][\w-]*$/);
  assert.equal(typeof resolved.access, 'string');
  const pre = doc.actions?.['pre-deploy'];
  assert.ok(Array.isArray(pre) && pre.some((a: Json) => a.run === 'npm run build'), 'actions.pre-deploy runs npm run build');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.build, 'tsx infra/build.ts');
  for (const [name, r] of resources) {
    assert.ok(['fc3', 'fc3-domain'].includes(r.component), `${name}: component ${r.component}`);
    assert.equal(typeof r.props, 'object', `${name}: props`);
  }
});

test('required deployment values have no default, so `s` stops when they are missing', () => {
  const required = [...envRefs()].filter(([, defaults]) => defaults.some((d) => d === undefined)).map(([n]) => n).sort();
  assert.deepEqual(required, ['API_CERT_ID', 'API_DOMAIN', 'CORS_ALLOWED_ORIGINS', 'FC_ROLE_ARN', 'OSS_BUCKET', 'UPLOAD_TOKEN_SECRET']);
  for (const [name, defaults] of envRefs()) {
    assert.equal(new Set(defaults).size, 1, `${name} is used with different defaults: ${defaults.join(' | ')}`);
    // An empty default makes `s` fail like a missing variable; "unset" is written as ' '.
    assert.notEqual(defaults[0], '', `${name}: empty default`);
  }
  // Every required one really stops the resolution when missing.
  for (const name of required) {
    const env = { ...DEPLOY_ENV, [name]: undefined };
    assert.throws(() => resolve(doc, env), MissingEnv, name);
  }
  // The secrets the config cannot run without are among them.
  try {
    parseConfig({});
  } catch (e) {
    for (const p of (e as ConfigError).problems) {
      const v = /^(\w+) is required$/.exec(p)?.[1];
      if (v && v !== 'OSS_REGION') assert.ok(required.includes(v), `${v} is required by shared/config.ts but has a default in s.yaml`);
    }
  }
});

test('.env.example documents every ${env()} variable of s.yaml, and nothing else', () => {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), [...envRefs().keys()].sort());
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
  const names = fc3.map(([n]) => fc3Resolved(n).functionName);
  assert.equal(new Set(names).size, names.length, 'functionName is unique');
});

test('fc3 props follow the fc3 schema and FC 3.0 limits', () => {
  for (const [name] of fc3) {
    const p = fc3Resolved(name);
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
  const sweep = fc3Resolved(resourceOf('sweep')![0]);
  for (const [name] of fc3) if (name !== resourceOf('sweep')![0]) assert.ok(sweep.timeout > fc3Resolved(name).timeout, `sweep outlasts ${name}`);
  // OSS waits at most 5 s for the callback answer.
  assert.ok(fc3Resolved(resourceOf('callback')![0]).timeout <= 30);
  // Functions calling OSS outlast one call's whole retry budget, so a slow OSS ends in the JSON
  // 502 of shared/http/errors.ts rather than an FC timeout. (callback makes no OSS call.)
  for (const [name] of fc3) {
    if (name === resourceOf('callback')![0]) continue;
    const p = fc3Resolved(name);
    const perAttempt = Number(p.environmentVariables.OSS_TIMEOUT_MS ?? 30_000);
    let backoff = 0;
    for (let i = 0; i < DEFAULT_RETRY.max; i++) backoff += Math.min(DEFAULT_RETRY.capMs, DEFAULT_RETRY.baseMs * 2 ** i);
    const budgetMs = (DEFAULT_RETRY.max + 1) * perAttempt + backoff;
    assert.ok(p.timeout * 1000 >= budgetMs, `${name}: timeout ${p.timeout} s < one OSS call's retry budget ${budgetMs} ms`);
  }
});

test('every function gets every variable shared/config.ts reads (credentials come from the role)', () => {
  const expected = CONFIG_VARIABLES.filter((v) => !FC_CREDENTIALS.includes(v)).sort();
  for (const [name] of fc3) {
    const vars = fc3Resolved(name).environmentVariables;
    assert.equal(typeof vars, 'object', `${name}: environmentVariables`);
    assert.deepEqual(Object.keys(vars).sort(), expected, `${name}: variables (no typos, none missing, no credentials)`);
    for (const [k, v] of Object.entries(vars)) {
      assert.equal(typeof v, 'string', `${name}: ${k} must be a string (fc3 IKV)`);
      assert.match(k, /^[A-Za-z][A-Za-z0-9_]*$/, k);
      assert.ok(!k.startsWith('FC_'), `${k}: the FC_ prefix is reserved`);
    }
    // Raw YAML values are strings too (a bare 10 would be a YAML number before magic resolution).
    const raw = resolve(doc.resources[name].props.environmentVariables, DEPLOY_ENV);
    for (const [k, v] of Object.entries(raw)) assert.equal(typeof v, 'string', `${name}: ${k}`);
  }
});

test('the deployed environment is valid, its defaults equal the code defaults, and it fits in 4 KB', () => {
  for (const [name] of fc3) {
    const vars = fc3Resolved(name).environmentVariables as Record<string, string>;
    const config = parseConfig(vars);
    assert.equal(config.oss.region, 'cn-shanghai');
    assert.equal(config.oss.endpoint, 'https://oss-cn-shanghai-internal.aliyuncs.com');
    assert.equal(config.oss.publicEndpoint, 'https://oss-cn-shanghai.aliyuncs.com', 'browsers never get the internal endpoint');
    assert.equal(config.callback.url, `https://${DEPLOY_ENV.API_DOMAIN}/oss/callback`);
    assert.deepEqual(config.http.corsAllowedOrigins, DEPLOY_ENV.CORS_ALLOWED_ORIGINS!.split(','));
    // s.yaml's optional defaults change nothing: same config as with only the required values set.
    const minimal: Record<string, string> = {};
    for (const k of ['OSS_REGION', 'OSS_BUCKET', 'OSS_ENDPOINT', 'AUTH_JWT_SECRET', 'UPLOAD_TOKEN_SECRET', 'CORS_ALLOWED_ORIGINS', 'CALLBACK_URL']) minimal[k] = vars[k];
    assert.deepEqual(config, parseConfig(minimal), `${name}: an s.yaml default differs from shared/config.ts`);
    // FC: 4 KB for all variables of a function together.
    const bytes = Object.entries(vars).reduce((s, [k, v]) => s + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    assert.ok(bytes < 4096 - 1024, `${name}: ${bytes} bytes of variables leaves under 1 KB of the 4 KB limit`);
  }
});

test('HTTP functions have one anonymous HTTP trigger with their route methods and OPTIONS', () => {
  for (const fn of HTTP_FUNCTIONS) {
    const [name] = resourceOf(fn)!;
    const triggers = fc3Resolved(name).triggers as Json[];
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
    const triggers = (fc3Resolved(name).triggers ?? []) as Json[];
    const names = triggers.map((t) => t.triggerName);
    assert.equal(new Set(names).size, names.length, `${name}: trigger names are unique`);
    for (const t of triggers) {
      assert.match(t.triggerName, /^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$/, `${name}: triggerName`);
      assert.ok(TRIGGER_TYPES.includes(t.triggerType), `${name}: triggerType ${t.triggerType}`);
      assert.equal(typeof t.triggerConfig, 'object', `${name}: triggerConfig`);
    }
  }
  const sweep = fc3Resolved(resourceOf('sweep')![0]);
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

// ---------------------------------------------------------------------------------------------
// fc3-domain

test('the custom domain routes every API path in functions/routes.ts to its function', () => {
  assert.equal(domains.length, 1, 'one fc3-domain resource');
  const [name] = domains[0];
  const p = resolved.resources[name].props;
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
    assert.equal(r.functionName, fc3Resolved(res).functionName);
    for (const m of r.methods) assert.ok(HTTP_METHODS.includes(m), `${route.path}: method ${m}`);
    for (const m of [...route.methods, 'OPTIONS']) assert.ok(r.methods.includes(m), `${route.path} lacks ${m}`);
    // A route method the function's trigger would not accept is a dead end.
    const trigger = (fc3Resolved(res).triggers as Json[]).find((t) => t.triggerType === 'http');
    for (const m of r.methods) assert.ok(trigger.triggerConfig.methods.includes(m), `${route.path}: ${m} not on ${route.fn}'s trigger`);
    if (r.qualifier !== undefined) assert.equal(r.qualifier, 'LATEST');
  }
  // CALLBACK_URL is this domain's /oss/callback, which routes to the callback function.
  const cb = new URL(fc3Resolved(resourceOf('init')![0]).environmentVariables.CALLBACK_URL);
  assert.equal(cb.host, p.domainName);
  assert.equal(ROUTES.find((r) => r.path === cb.pathname)?.fn, 'callback');
  assert.equal(p.region, fc3Resolved(resourceOf('init')![0]).region);
});

// ---------------------------------------------------------------------------------------------
// Code folders: what `npm run build` writes is what s.yaml deploys.

let tmp: string;
let built: BuildResult;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 's-yaml-'));
  built = await build({ outDir: join(tmp, 'dist'), log: () => {} });
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('each fc3 code folder exists after the build and its index.js exports handler (fresh Node)', (t) => {
  for (const [name] of fc3) {
    const code = fc3Resolved(name).code as string;
    const fn = /^\.\/dist\/([\w-]+)$/.exec(code)?.[1];
    assert.ok(fn, `${name}: code ${code} is ./dist/<function>`);
    if (!existsSync(join(ROOT, 'functions', fn, 'index.ts'))) {
      t.diagnostic(`${name}: functions/${fn}/index.ts does not exist yet; code folder not checked`);
      assert.ok(built.skipped.includes(fn));
      continue;
    }
    const dir = join(tmp, 'dist', fn);
    assert.ok(existsSync(dir), `${code} was not built`);
    const [file, exportName] = (fc3Resolved(name).handler as string).split('.');
    const r = spawnSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(join(dir, `${file}.js`))})[${JSON.stringify(exportName)}])`], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    assert.equal(r.stdout, 'function', `${code}/${file}.js does not export ${exportName}: ${r.stderr}`);
  }
});

/**
 * Runs the real Serverless Devs CLI (`@serverless-devs/s`) on a copy of this project, offline.
 *
 * `deployment()` makes a throwaway folder holding a copy of the project (node_modules linked) and
 * a HOME whose `~/.s` has the stub fc3 and fc3-domain components in `s`'s component cache
 * (docs/fc.md, "Serverless Devs offline"), a dummy credentials alias, and the state that keeps
 * `s` from starting its background update checks and usage reports. Nothing in it reaches the
 * network: components come from the cache, and the stub records instead of deploying.
 * The copy keeps the developer's own `.env` and `dist/` out of the run and untouched.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from '../../infra/build.ts';
import { FC3_DOMAIN_SCHEMA, FC3_SCHEMA } from './fc3-schemas.ts';

/** The account of the dummy credentials alias `default` the deployment is given. */
export const ACCOUNT_ID = '1234567890123456';
const S_BIN = join(ROOT, 'node_modules', '@serverless-devs', 's', 'bin', 's');
const STUB = join(ROOT, 'test', 'fixtures', 'serverless-devs', 'component.cjs');
/** Not copied: the developer's build, data and secrets, and what the deployment never reads. */
const SKIP = new Set(['.git', 'node_modules', 'dist', '.data', '.local', '.env', 'test', 'test-results', 'bench-results']);

/** What the stub component recorded for one resource it was asked to deploy. */
export interface Deployed {
  component: 'fc3' | 'fc3-domain';
  resource: string;
  command: string;
  accountId: string;
  props: any;
  /** fc3: the files of the `code` folder when the resource deployed (null: no such folder). */
  codeFiles?: string[] | null;
  /** fc3: the variables fc3 itself reads for `logConfig: auto`, as its process had them. */
  env?: Record<string, string>;
}

export interface SResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr without colours. */
  text: string;
}

export interface Deployment {
  /** The project copy; `s` runs here and reads `.env` from here. */
  dir: string;
  /** Runs `s` with `args` in the project copy; `env` is the whole environment besides PATH and HOME. */
  s(args: string[], env?: Record<string, string>): Promise<SResult>;
  writeEnvFile(vars: Record<string, string>): void;
  /** What the stub deployed since the last call, in deployment order. */
  takeDeployed(): Deployed[];
  close(): void;
}

export async function deployment(): Promise<Deployment> {
  const tmp = mkdtempSync(join(tmpdir(), 's-deploy-'));
  const dir = join(tmp, 'project');
  const home = join(tmp, 'home');
  const record = join(tmp, 'deployed.jsonl');
  cpSync(ROOT, dir, { recursive: true, filter: (src) => !SKIP.has(relative(ROOT, src).split(/[\\/]/)[0]) });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

  const sHome = join(home, '.s');
  const now = Date.now();
  for (const [name, schema] of [['fc3', FC3_SCHEMA], ['fc3-domain', FC3_DOMAIN_SCHEMA]] as const) {
    const c = join(sHome, 'components', 'devsapp.cn', 'v3', name);
    mkdirSync(c, { recursive: true });
    writeFileSync(join(c, 'package.json'), JSON.stringify({ name, version: '0.0.0', main: 'index.js', type: 'commonjs' }));
    cpSync(STUB, join(c, 'index.js'));
    writeFileSync(join(c, 'schema.json'), JSON.stringify(schema));
    // A fresh lock: without it `s` downloads the component; with an old check time it looks for updates.
    writeFileSync(join(c, '.s.lock'), JSON.stringify({ version: '0.0.0', lastUpdateCheck: now }));
  }
  mkdirSync(join(sHome, 'config'), { recursive: true });
  // No CLI update check (a daemon asking the npm registry) and no usage report (a daemon posting to Serverless Devs).
  writeFileSync(join(sHome, 'config', 'update-notifier.json'), JSON.stringify({ lastUpdateCheck: now }));
  writeFileSync(join(sHome, 'set-config.yml'), 'analysis: disable\n');

  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<SResult>((resolve) => {
      execFile(
        process.execPath,
        [S_BIN, ...args],
        {
          cwd: dir,
          // npm (the pre-deploy build) would otherwise ask the registry for a newer npm.
          env: { PATH: process.env.PATH ?? '', HOME: home, S_STUB_RECORD: record, npm_config_update_notifier: 'false', ...env },
          timeout: 180_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          // eslint-disable-next-line no-control-regex
          const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
          resolve({ code, stdout, stderr, text: plain(`${stdout}\n${stderr}`) });
        },
      );
    });

  // The alias s.yaml's `access` names, with dummy values (`s config add` works offline).
  const alias = await run(['config', 'add', '-a', 'default', '--AccessKeyID', 'AKIDSTUB', '--AccessKeySecret', 'stub-secret', '--AccountID', ACCOUNT_ID, '-f']);
  if (alias.code !== 0) throw new Error(`s config add failed:\n${alias.text}`);

  return {
    dir,
    s: run,
    writeEnvFile(vars) {
      writeFileSync(join(dir, '.env'), Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''));
    },
    takeDeployed() {
      if (!existsSync(record)) return [];
      const lines = readFileSync(record, 'utf8').split('\n').filter(Boolean);
      rmSync(record);
      return lines.map((l) => JSON.parse(l) as Deployed);
    },
    close() {
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

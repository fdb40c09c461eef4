/**
 * `npm run build`: one minified CommonJS bundle per function for FC 3.0's built-in `nodejs20`
 * runtime (`handler: index.handler`, s.yaml `code: ./dist/<name>`).
 *
 *   dist/<name>/index.js          esbuild bundle: platform node, target node20, format cjs, minified,
 *                                 everything bundled (hono everywhere; valibot in the HTTP functions;
 *                                 fast-xml-parser wherever OSS XML is read; file-type and
 *                                 standardwebhooks in events only); Node built-ins stay external
 *   dist/<name>/package.json      {"type":"commonjs"}: the repo root is "type":"module", so without it a
 *                                 local Node (tests, `node -e require(...)`) would load the CJS file as ESM
 *   dist/<name>/THIRD-PARTY-NOTICES.txt
 *                                 licences of the npm packages inside the bundle (the minified file keeps
 *                                 no comments: `legalComments: 'none'`, notices live beside it instead)
 *   dist/sizes.json               raw and gzip bytes per function, and what went into each bundle
 *   dist/client/                  the browser client (infra/build-client.ts), unless `--only`
 *
 * Which functions: `ALL_FUNCTIONS` in functions/routes.ts, each built when functions/<name>/index.ts
 * exists (a listed function without a source is reported and skipped, so a function still being
 * written does not block the others).
 *
 * What may go into a bundle is checked against the esbuild metafile, and the build FAILS when:
 *  - an input comes from infra/ or test/ (the emulator, the local stack, test helpers);
 *  - an npm package is not in the runtime-dependency closure of package.json `dependencies`
 *    (so ali-oss, @hono/node-server, fast-check… can never slip in through a stray import);
 *  - esbuild reports any warning (e.g. `import.meta` in CJS, which would be empty at run time);
 *  - a bundle is larger than BUNDLE_BUDGET_BYTES.
 *
 * Flags: `--out DIR` (default dist), `--only a,b`, `--sourcemap` (external `index.js.map` beside the
 * bundle; it is then uploaded with the code, so it is off by default), `--analyze` (esbuild's
 * per-input size breakdown), `--quiet`.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { ALL_FUNCTIONS } from '../functions/routes.ts';
import { buildClient } from './build-client.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A bundle above this fails the build: something heavy was pulled in. Today's are ~150–200 KB. */
export const BUNDLE_BUDGET_BYTES = 384 * 1024;

/** Inputs that must never be bundled, with the reason shown when one is. */
const FORBIDDEN_INPUTS: Array<[RegExp, string]> = [
  [/^infra\//, 'infra/ (emulator, local stack, CLI) is not function code'],
  [/^test\//, 'test code'],
  [/(^|\/)node_modules\/ali-oss\//, 'ali-oss is a test oracle only'],
  [/(^|\/)node_modules\/@hono\/node-server\//, '@hono/node-server is for the local stack only'],
];

export interface BuildOptions {
  /** Output folder; default `<repo>/dist`. */
  outDir?: string;
  /** Build only these functions (names from ALL_FUNCTIONS). */
  only?: string[];
  /** Write an external source map (`index.js.map`). Default false. */
  sourcemap?: boolean;
  /** Print esbuild's per-input breakdown per function. */
  analyze?: boolean;
  /** Progress and the size table; default console.log. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

export interface BundleInfo {
  name: string;
  /** Folder s.yaml's `code:` points at. */
  dir: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** npm packages inside the bundle, `name@version`. */
  packages: string[];
  /** The largest inputs, `path: bytes in the output`. */
  topInputs: Array<{ path: string; bytes: number }>;
}

export interface BuildResult {
  outDir: string;
  bundles: BundleInfo[];
  /** Functions listed in ALL_FUNCTIONS without a functions/<name>/index.ts. */
  skipped: string[];
  totalBytes: number;
  totalGzipBytes: number;
}

export class BuildError extends Error {
  override name = 'BuildError';
}

/** The function names to build, in ALL_FUNCTIONS order, and those listed without a source. */
export function discoverFunctions(only?: string[]): { names: string[]; skipped: string[] } {
  const all = [...ALL_FUNCTIONS] as string[];
  if (only) {
    const unknown = only.filter((n) => !all.includes(n));
    if (unknown.length) throw new BuildError(`unknown function(s): ${unknown.join(', ')} (known: ${all.join(', ')})`);
  }
  const wanted = only ? all.filter((n) => only.includes(n)) : all;
  const names: string[] = [];
  const skipped: string[] = [];
  for (const n of wanted) (existsSync(join(ROOT, 'functions', n, 'index.ts')) ? names : skipped).push(n);
  return { names, skipped };
}

interface PackageJson {
  name?: string;
  version?: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Folder of an installed package, resolved the way Node would from `fromDir`. */
function packageDir(name: string, fromDir: string): string | undefined {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(d) === d) return undefined;
  }
}

/** Package folders reachable from package.json `dependencies` (runtime deps and theirs). */
export function runtimeDependencyDirs(): Set<string> {
  const dirs = new Set<string>();
  const root = readPackageJson(ROOT) ?? {};
  const queue: Array<[string, string]> = Object.keys(root.dependencies ?? {}).map((n) => [n, ROOT]);
  while (queue.length) {
    const [name, from] = queue.shift()!;
    const dir = packageDir(name, from);
    if (!dir || dirs.has(dir)) continue;
    dirs.add(dir);
    const pkg = readPackageJson(dir) ?? {};
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) queue.push([dep, dir]);
  }
  return dirs;
}

/** `node_modules/a/b.js` or `node_modules/@s/a/b.js` -> the package folder (absolute), else undefined. */
function packageDirOfInput(absPath: string): string | undefined {
  const parts = absPath.split(sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return undefined;
  const n = parts[i + 1]?.startsWith('@') ? 3 : 2;
  return parts.slice(0, i + n).join(sep);
}

/** Throws BuildError listing every input that may not be in a function bundle. */
export function checkInputs(fn: string, inputs: string[], allowedDirs: Set<string> = runtimeDependencyDirs()): void {
  const problems: string[] = [];
  for (const input of inputs) {
    const rel = relative(ROOT, resolve(ROOT, input)).split(sep).join('/');
    const forbidden = FORBIDDEN_INPUTS.find(([re]) => re.test(rel));
    if (forbidden) {
      problems.push(`${rel}: ${forbidden[1]}`);
      continue;
    }
    const pkgDir = packageDirOfInput(resolve(ROOT, input));
    if (pkgDir && !allowedDirs.has(realpathSync(pkgDir))) {
      problems.push(`${rel}: package ${relative(ROOT, pkgDir)} is not a runtime dependency (package.json "dependencies")`);
    }
  }
  if (problems.length) {
    throw new BuildError(`${fn}: forbidden inputs in the bundle (find the import that pulls them in):\n  ${[...new Set(problems)].join('\n  ')}`);
  }
}

const LICENSE_FILES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE', 'License.md'];

function notices(pkgDirs: string[]): string {
  const blocks = pkgDirs.map((dir) => {
    const pkg = readPackageJson(dir) ?? {};
    const file = LICENSE_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
    const text = file ? readFileSync(file, 'utf8').trim() : `(no licence file in the package; package.json says: ${pkg.license ?? 'unknown'})`;
    return `${pkg.name}@${pkg.version} (${pkg.license ?? 'unknown'})\n\n${text}\n`;
  });
  return `Third-party software bundled into index.js\n${'='.repeat(42)}\n\n${blocks.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

function formatBytes(n: number): string {
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

export function sizeTable(bundles: BundleInfo[]): string {
  const rows = bundles.map((b) => [b.name, String(b.bytes), formatBytes(b.bytes), String(b.gzipBytes), formatBytes(b.gzipBytes)]);
  const total = ['total', String(bundles.reduce((s, b) => s + b.bytes, 0)), '', String(bundles.reduce((s, b) => s + b.gzipBytes, 0)), ''];
  total[2] = formatBytes(Number(total[1]));
  total[4] = formatBytes(Number(total[3]));
  const header = ['function', 'raw bytes', '', 'gzip bytes', ''];
  const all = [header, ...rows, total];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), widths.map((w) => '-'.repeat(w)).join('  '), line(total)].join('\n');
}

/**
 * How a function is bundled for FC's nodejs20 runtime: one minified CommonJS file, everything
 * inlined. Exported so the cold-start benchmark builds its comparison bundles the same way.
 */
export const FUNCTION_BUNDLE_OPTIONS = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  treeShaking: true,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Hono's and our free Headers/Request/Response become shared/http/fetch-lite.ts's classes:
  // Node loads undici on the first touch of the global ones, a third of a cold start.
  inject: [join(ROOT, 'shared/http/fetch-lite.ts')],
  // A library's debug logging, never enabled on FC, costs 20-60 ms to load (shared/debug-noop.cjs).
  // fast-xml-parser's number parsing and default entity decoder, unused as we configure it, are
  // ~27 KB of each bundle that reads XML (shared/fast-xml-parser-unused.ts).
  alias: {
    debug: join(ROOT, 'shared/debug-noop.cjs'),
    strnum: join(ROOT, 'shared/fast-xml-parser-unused.ts'),
    'is-unsafe': join(ROOT, 'shared/fast-xml-parser-unused.ts'),
    '@nodable/entities': join(ROOT, 'shared/fast-xml-parser-unused.ts'),
  },
} as const satisfies esbuild.BuildOptions;

/** Builds every function (or `only`) into `outDir`. Throws BuildError on any problem. */
export async function build(opts: BuildOptions = {}): Promise<BuildResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const outDir = resolve(opts.outDir ?? join(ROOT, 'dist'));
  const { names, skipped } = discoverFunctions(opts.only);
  if (names.length === 0) throw new BuildError('no function sources found under functions/<name>/index.ts');
  for (const s of skipped) log(`skip ${s}: functions/${s}/index.ts does not exist (listed in functions/routes.ts ALL_FUNCTIONS)`);

  const allowedDirs = runtimeDependencyDirs();
  mkdirSync(outDir, { recursive: true });
  rmSync(join(outDir, 'sizes.json'), { force: true });

  const bundles: BundleInfo[] = [];
  for (const name of names) {
    const dir = join(outDir, name);
    rmSync(dir, { recursive: true, force: true });
    const file = join(dir, 'index.js');
    let result: esbuild.BuildResult<{ metafile: true; write: false }>;
    try {
      result = await esbuild.build({
        ...FUNCTION_BUNDLE_OPTIONS,
        entryPoints: [join(ROOT, 'functions', name, 'index.ts')],
        outfile: file,
        sourcemap: opts.sourcemap ? 'external' : false,
        metafile: true,
        write: false,
      });
    } catch (e) {
      const errors = (e as esbuild.BuildFailure).errors;
      const text = errors ? (await esbuild.formatMessages(errors, { kind: 'error' })).join('\n') : String(e);
      throw new BuildError(`${name}: esbuild failed\n${text}`);
    }
    if (result.warnings.length) {
      const text = (await esbuild.formatMessages(result.warnings, { kind: 'warning' })).join('\n');
      throw new BuildError(`${name}: esbuild warnings are treated as errors\n${text}`);
    }

    const inputs = Object.keys(result.metafile.inputs);
    checkInputs(name, inputs, allowedDirs);

    const js = result.outputFiles.find((f) => f.path === file);
    if (!js) throw new BuildError(`${name}: esbuild produced no ${file}`);
    const bytes = js.contents.byteLength;
    if (bytes > BUNDLE_BUDGET_BYTES) {
      throw new BuildError(`${name}: bundle is ${bytes} bytes, over the ${BUNDLE_BUDGET_BYTES}-byte budget (run with --analyze)`);
    }

    mkdirSync(dir, { recursive: true });
    for (const f of result.outputFiles) writeFileSync(f.path, f.contents);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    // Packages with code in the output: one imported but tree-shaken to nothing is not shipped.
    const shipped = Object.entries(output?.inputs ?? {}).filter(([, v]) => v.bytesInOutput > 0).map(([path]) => path);
    const pkgDirs = [...new Set(shipped.map((i) => packageDirOfInput(resolve(ROOT, i))).filter((d): d is string => !!d))].sort();
    if (pkgDirs.length) writeFileSync(join(dir, 'THIRD-PARTY-NOTICES.txt'), notices(pkgDirs));

    const topInputs = Object.entries(output?.inputs ?? {})
      .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 10);
    bundles.push({
      name,
      dir,
      file,
      bytes,
      gzipBytes: gzipSync(js.contents, { level: 9 }).byteLength,
      packages: pkgDirs.map((d) => {
        const p = readPackageJson(d) ?? {};
        return `${p.name}@${p.version}`;
      }),
      topInputs,
    });
    if (opts.analyze) log(`\n${name}:${await esbuild.analyzeMetafile(result.metafile)}`);
  }

  const totalBytes = bundles.reduce((s, b) => s + b.bytes, 0);
  const totalGzipBytes = bundles.reduce((s, b) => s + b.gzipBytes, 0);
  const sizes = {
    esbuild: esbuild.version,
    target: 'node20',
    format: 'cjs',
    budgetBytes: BUNDLE_BUDGET_BYTES,
    functions: Object.fromEntries(
      bundles.map((b) => [b.name, { bytes: b.bytes, gzipBytes: b.gzipBytes, packages: b.packages, topInputs: b.topInputs }]),
    ),
    skipped,
    totalBytes,
    totalGzipBytes,
  };
  writeFileSync(join(outDir, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  const shown = relative(process.cwd(), outDir);
  const where = shown === '' ? '.' : shown.startsWith('..') ? outDir : shown;
  log(`\n${sizeTable(bundles)}\n\nwrote ${bundles.length} bundle(s) to ${where}/<name>/index.js and sizes.json`);
  return { outDir, bundles, skipped, totalBytes, totalGzipBytes };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      only: { type: 'string' },
      sourcemap: { type: 'boolean' },
      analyze: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
  });
  try {
    await build({
      outDir: values.out,
      only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
      sourcemap: values.sourcemap,
      analyze: values.analyze,
      log: values.quiet ? () => {} : undefined,
    });
    // The browser client (infra/build-client.ts): dist/client/index.js, size printed.
    if (!values.only) await buildClient({ outDir: values.out, log: values.quiet ? () => {} : undefined });
    return 0;
  } catch (e) {
    console.error(`\nbuild FAILED: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isEntry) process.exitCode = await main(process.argv.slice(2));

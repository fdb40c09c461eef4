/**
 * The browser client's bundle (`npm run build` runs it after the functions):
 *
 *   dist/client/index.js     client/index.ts as one minified ES module, no dependencies, for
 *                            browsers (and Node 20+); its Worker is inline (client/lib/hasher.ts)
 *   dist/client/index.d.ts   its types, from the TypeScript source
 *
 * and prints its size minified and gzipped. The build FAILS when an input comes from anywhere but
 * client/ and the pure modules in CLIENT_SHARED (nothing of the functions, no npm package, no Node
 * built-in), or on any esbuild warning.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Server modules the client may bundle: pure, no Node APIs. */
export const CLIENT_SHARED = ['shared/oss/crc64.ts', 'shared/oss/crc64-kernel.ts'];

/** Browsers the bundle is written for (private class fields, BigInt, optional chaining). */
export const CLIENT_TARGET = ['chrome100', 'firefox100', 'safari15'];

export interface ClientBundle {
  file: string;
  bytes: number;
  gzipBytes: number;
  inputs: string[];
}

export class ClientBuildError extends Error {
  override name = 'ClientBuildError';
}

/** The inputs outside client/ and CLIENT_SHARED, as paths relative to the repository. */
export function foreignInputs(inputs: string[]): string[] {
  return inputs
    .map((i) => relative(ROOT, resolve(ROOT, i)).split(sep).join('/'))
    .filter((rel) => !rel.startsWith('client/') && !CLIENT_SHARED.includes(rel));
}

export async function buildClient(opts: { outDir?: string; log?: (line: string) => void; types?: boolean } = {}): Promise<ClientBundle> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const outDir = resolve(opts.outDir ?? join(ROOT, 'dist'), 'client');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'client/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: CLIENT_TARGET,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
    write: false,
    outfile: join(outDir, 'index.js'),
  });
  if (result.warnings.length) {
    throw new ClientBuildError(`client: esbuild warnings are treated as errors\n${(await esbuild.formatMessages(result.warnings, { kind: 'warning' })).join('\n')}`);
  }
  const inputs = Object.keys(result.metafile.inputs);
  const foreign = foreignInputs(inputs);
  if (foreign.length) throw new ClientBuildError(`client: only client/ and ${CLIENT_SHARED.join(', ')} may be bundled; found ${foreign.join(', ')}`);
  const js = result.outputFiles[0].contents;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.js');
  writeFileSync(file, js);
  if (opts.types !== false) writeTypes(outDir);
  const bundle = { file, bytes: js.byteLength, gzipBytes: gzipSync(js, { level: 9 }).byteLength, inputs };
  log(`client: ${relative(process.cwd(), file) || file}  ${bundle.bytes} bytes minified, ${bundle.gzipBytes} bytes min+gzip (${inputs.length} modules)`);
  return bundle;
}

/** index.d.ts for the bundle: tsc's declarations of client/, re-rooted beside index.js. */
function writeTypes(outDir: string): void {
  const tmp = join(outDir, 'types');
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'client'), '--noEmit', 'false', '--declaration', '--emitDeclarationOnly', '--outDir', tmp],
    { cwd: ROOT, stdio: 'pipe' },
  );
  // tsc keeps the tree from the common root (client/ and shared/): point index.d.ts at it.
  writeFileSync(join(outDir, 'index.d.ts'), `export * from './types/client/index';\n`);
}

/**
 * Bundles a browser entry point (and the CSS it imports) with esbuild, in memory. The local stack
 * bundles its demo page at startup; the e2e tests bundle their Uppy test page the same way.
 */
import { build } from 'esbuild';

export interface BrowserBundle {
  js: string;
  /** The CSS the entry imported (Uppy's styles and the page's own); empty when none. */
  css: string;
  /** Milliseconds the build took. */
  ms: number;
}

export async function bundleBrowser(entry: string, opts: { minify?: boolean } = {}): Promise<BrowserBundle> {
  const started = performance.now();
  const result = await build({
    entryPoints: { bundle: entry },
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: opts.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const text = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: text('.js'), css: text('.css'), ms: Math.round(performance.now() - started) };
}
